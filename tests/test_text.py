"""The writers' text (issue 9): a closed language, escaped output, living figures, passages
scoped to a territory. On the minimal project, a second and small organisation."""

import csv
import random
from pathlib import Path

import pypandoc
import pytest
from click.testing import CliRunner

from cusdoc import TEMPLATES
from cusdoc.cli import main
from cusdoc.load.geography import load_geographie
from cusdoc.load.text import parse
from cusdoc.model import Emphase, Lien, Note, Quantity, Renvoi, Texte, Valeur
from cusdoc.pipeline import check, document
from cusdoc.render import render_markdown
from cusdoc.render.formats import nombre
from cusdoc.render.text import BREAK, inlines
from cusdoc.render.typography import typographie
from tests.conftest import refused

AGGLOPOLYS = "200030385"
PARAGRAPH = "      - Le texte du chapitre.\n"  # content/gestion_sociale.yml, line 5


def write_paragraph(root: Path, yaml_block: str, file: str = "gestion_sociale.yml") -> str:
    """Replace the chapter's paragraph by a block typed as YAML; the file's text."""
    path = root / "content" / file
    text = path.read_text(encoding="utf-8")
    assert PARAGRAPH in text
    text = text.replace(PARAGRAPH, yaml_block)
    path.write_text(text, encoding="utf-8")
    return text


def add_to_etat_des_lieux(root: Path, sections: str) -> None:
    """Sections appended to the état des lieux, as YAML at the level of its sections."""
    path = root / "content" / "etat_des_lieux.yml"
    path.write_text(path.read_text(encoding="utf-8") + sections, encoding="utf-8")


def position(text: str, snippet: str) -> str:
    """line:column of the first occurrence of snippet in a file's text."""
    before = text[: text.index(snippet)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


# Every injection the review found, refused where it was typed, with what to write instead.
INJECTIONS = [
    (
        '      - "Voir `#read(\\"content/donnees/attributions.csv\\")`{=typst}."\n',
        "`",
        "code ou code brut (accent grave) non accepté : « ` » ; écrivez le texte lui-même, "
        "sans accent grave",
    ),
    (
        '      - "Voir ![x](/etc/hostname)."\n',
        "![",
        "image dans le texte non acceptée : « ![ » ; une image se déclare comme bloc, avec la "
        "clé « image »",
    ),
    (
        '      - "Le logo ![logo](https://exemple.fr/logo.png)."\n',
        "![",
        "image dans le texte non acceptée : « ![ » ; une image se déclare comme bloc, avec la "
        "clé « image »",
    ),
    (
        "      - '<w:fldSimple w:instr=\"INCLUDETEXT c:/secret.docx\"/>'\n",
        "<w:fldSimple",
        'balise HTML ou XML non acceptée : « <w:fldSimple w:instr="INCLUDETEXT c:/sec… » '
        "; écrivez le texte sans balise : *italique*, **gras**, listes avec la clé « liste »",
    ),
    (
        '      - "[Cliquez](javascript:alert(1))."\n',
        "(javascript:",
        "adresse de lien non acceptée « javascript:alert(1) » : seuls les liens https: et mailto: "
        "sont acceptés",
    ),
    (
        '      - "Voir [le site](http://exemple.fr)."\n',
        "(http:",
        "adresse de lien non acceptée « http://exemple.fr » (écrivez https:) : seuls les liens "
        "https: et mailto: sont acceptés",
    ),
    (
        '      - "Comme le dit @dupont2020."\n',
        "@dupont",
        "citation bibliographique non acceptée : « @d » ; écrivez la référence en toutes "
        "lettres ; une adresse s'écrit en entier (nom@exemple.fr)",
    ),
    (
        "      - |\n        # Titre\n        suite\n",
        "# Titre",
        "titre dans un paragraphe non accepté : « # » ; un titre se déclare par une section "
        "(clé « sections », « titre »)",
    ),
    (
        "      - |\n        Avant\n        ---\n        après\n",
        "---",
        "séparateur ou bloc de métadonnées non accepté : « --- » ; supprimez la ligne : les "
        "séparateurs et les métadonnées ne sont pas du texte",
    ),
    (
        '      - "Le mot \\\\newpage."\n',
        "\\newpage",
        "commande LaTeX non acceptée : « \\newpage » ; écrivez le texte lui-même ; pour une "
        "barre oblique inverse, écrivez \\\\",
    ),
    (
        '      - "Un appel[^1]."\n',
        "[^1]",
        "appel de note non accepté : « [^1] » ; écrivez la note à l'endroit de l'appel : "
        "^[texte de la note]",
    ),
    (
        '      - "::: {.tableau}"\n',
        ":::",
        "bloc pandoc non accepté : « ::: » ; écrivez un paragraphe ordinaire ; un tableau se "
        "déclare avec la clé « tableau »",
    ),
    (
        '      - "Un *passage non fermé."\n',
        "*passage",
        "italique non fermé : ajoutez « * » à la fin du passage, ou écrivez « \\* » pour un "
        "astérisque",
    ),
    (
        '      - "Une note^[avec ^[une note] dedans]."\n',
        "^[une",
        "note dans une note : une note ne peut en contenir une autre",
    ),
]


@pytest.mark.parametrize(
    ("block", "snippet", "message"), INJECTIONS, ids=[i[1] for i in INJECTIONS]
)
def test_check_refuses_each_injection_where_it_was_typed(minimal, block, snippet, message):
    text = write_paragraph(minimal, block)
    first = refused(minimal)[0]
    assert first == f"content/gestion_sociale.yml:{position(text, snippet)}: sections[0]." + (
        f"contenu[0] : {message}"
    )


def test_a_title_and_a_cell_are_checked_too(minimal):
    text = write_paragraph(
        minimal,
        "      - tableau:\n"
        "          titre: 'Tableau <b>gras</b>'\n"
        "          colonnes: [A, B]\n"
        "          lignes:\n"
        "            - ['`code`', '1']\n",
    )
    lines = refused(minimal)
    assert lines[0].startswith(f"content/gestion_sociale.yml:{position(text, '<b>')}: ")
    assert lines[1].startswith(f"content/gestion_sociale.yml:{position(text, '`code`')}: ")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("§{logement}", "valeur inconnue « §{logement} » ; vouliez-vous dire « §{logements} » ?"),
        ("§{part_qvp}", "valeur inconnue « §{part_qvp} » ; vouliez-vous dire « §{part_qpv} » ?"),
        (
            "§{logements@99}",
            "territoire inconnu « 99 » dans « §{logements@99} » : un code de « territoires » de "
            "content/convention.yml ou « organisme » est attendu",
        ),
        ("§{engagement.PP-1.2040}", "« §{engagement.PP-1.2040} » : aucun engagement pour "),
    ],
)
def test_an_unknown_value_is_refused_with_a_suggestion(minimal, typed, message):
    text = write_paragraph(minimal, f'      - "Le parc compte {typed} logements."\n')
    (line,) = refused(minimal)
    where = position(text, typed.rstrip("}"))
    assert line.startswith(f"content/gestion_sociale.yml:{where}: sections[0].contenu[0] : ")
    assert message in line


def test_the_language_is_parsed_into_the_model():
    inlines_, refusals = parse(
        "Le parc compte **§{logements}** logements^[Source : §[edl]] ; "
        "voir [le site](https://exemple.fr) ou <contact@exemple.fr>, et \\*."
    )
    assert refusals == []
    assert inlines_ == [
        Texte("Le parc compte "),
        Emphase([Valeur("logements", None, 17)], fort=True),
        Texte(" logements"),
        Note([Texte("Source : "), Renvoi("edl", 52)]),
        Texte(" ; voir "),
        Lien([Texte("le site")], "https://exemple.fr"),
        Texte(" ou "),
        Lien([Texte("contact@exemple.fr")], "mailto:contact@exemple.fr"),
        Texte(", et *."),
    ]


@pytest.mark.parametrize(
    ("typed", "inlines_"),
    [
        (
            "un [ parc de §{logements} logements",
            [Texte("un [ parc de "), Valeur("logements", None, 13), Texte(" logements")],
        ),
        (
            "voir [ci-dessous §[edl]) suite",
            [Texte("voir [ci-dessous "), Renvoi("edl", 17), Texte(") suite")],
        ),
        ("un [ ^[note] suite", [Texte("un [ "), Note([Texte("note")]), Texte(" suite")]),
        ("[*sic*] et [1]", [Texte("["), Emphase([Texte("sic")], fort=False), Texte("] et [1]")]),
        ("[ <https://x.fr>", [Texte("[ "), Lien([Texte("https://x.fr")], "https://x.fr")]),
    ],
)
def test_a_bracket_that_opens_no_link_loses_nothing_after_it(typed, inlines_):
    """A lone « [ » is text; the values, renvois, notes and emphasis after it are still read
    (they used to vanish from the printed text, the check passing)."""
    assert parse(typed) == (inlines_, [])


def test_an_unclosed_link_and_a_blank_note_are_named_as_such():
    _, refused = parse("[a](https://exemple.fr fin.")
    assert [r.message for r in refused] == ["lien non fermé : ajoutez « ) » juste après l'adresse"]
    _, refused = parse("x^[ ] y")
    assert [r.message for r in refused] == ["note vide : écrivez son texte entre ^[ et ]"]


def test_a_link_address_keeps_its_parentheses():
    address = "https://fr.wikipedia.org/wiki/Tours_(Indre-et-Loire)"
    assert parse(f"[Tours]({address}) fin") == (
        [Lien([Texte("Tours")], address), Texte(" fin")],
        [],
    )
    _, refused = parse("[x](javascript:alert(1)) fin")
    assert "« javascript:alert(1) »" in refused[0].message


# Whatever a writer types outside the language's forms prints as typed.

HOSTILE = [
    '`#read("content/donnees/attributions.csv")`{=typst}',
    '<w:p><w:r><w:instrText>INCLUDETEXT "c:/x"</w:instrText></w:r></w:p>',
    "![x](/etc/hostname) [a](javascript:alert(1)) @nom [@cle] \\newpage",
    "# Titre --- *** ::: {.note} | a | b | ~sub~ ^sup^ $x$ &amp; &#86;",
    "- un 1. deux + trois > cite : def % titre = égal",
    "12. Une phrase qui commence par un nombre.",
    "<!-- commentaire --> <?php ?> <https://non> [^1] {#ancre} {.classe}",
    "\\* \\\\ \\_ \\` \\{ \\[ backslash \\ seul",
]


def _printed(markdowns: list[str]) -> list[str]:
    """What pandoc prints of each Markdown paragraph (plain text, one line each)."""
    source = "\n\n".join(markdowns)
    out = pypandoc.convert_text(
        source, "plain", format="markdown-smart", extra_args=["--wrap=none"]
    )
    return [" ".join(p.split()) for p in out.strip().split("\n\n")]


def test_what_is_not_markup_prints_as_typed():
    rng = random.Random(9)
    alphabet = "ab c*_`{}[]()<>#|^~$@&!:;.-+=%\\/'\"0123456789 "
    texts = HOSTILE + ["".join(rng.choices(alphabet, k=40)).strip() or "x" for _ in range(300)]
    markdowns = [inlines([Texte(t)]) for t in texts]
    printed = _printed(markdowns)
    assert len(printed) == len(texts)
    for text, out in zip(texts, printed, strict=True):
        assert out.replace(BREAK, "") == " ".join(text.split()), text


def test_text_after_a_value_or_a_note_is_never_read_as_a_line_start():
    """« - », « : », « % » or « 1. » open a list or a definition at the start of a line only:
    after a value or a note they are plain text, and « 12 : » keeps its no-break space."""
    texts = [" : 52,1 %", " - suite", " % du parc", " 1. point", " + un"]
    for before in (Valeur("logements", quantite=Quantity(12)), Note([Texte("note")])):
        markdowns = [typographie(str(inlines([before, Texte(t)]))) for t in texts]
        assert "\\" not in "".join(markdowns), markdowns
        assert markdowns[0].endswith("\u00a0: 52,1\u00a0%") and " \u00a0" not in markdowns[0]
        if isinstance(before, Valeur):  # (pandoc prints a note apart from its paragraph)
            printed = [" ".join(p.split()[1:]) for p in _printed(markdowns)]
            assert printed == [" ".join(t.split()) for t in texts]
    # at the start of a paragraph they are still escaped, and print as typed
    assert str(inlines([Texte("- x")])) == "\\- x"


def test_a_long_word_gets_break_opportunities():
    url = "https://www.exemple.fr/un/chemin/tres/long/vers/une/page/qui/ne/tient/pas?x=1"
    rendered = str(inlines([Texte(f"Voir {url}.")]))
    assert rendered.replace(BREAK, "") == f"Voir {url}."
    assert all(len(piece) <= 30 for piece in rendered.split(BREAK)[1:])


# Living figures: printed from the data, for the passage's territory.


def _rows(root: Path, name: str) -> list[dict]:
    path = root / "content" / "donnees" / name
    text = path.read_text(encoding="utf-8")
    delimiter = ";" if text.count(";") > text.count(",") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


def _counts(root: Path, communes: set[str] | None) -> tuple[int, int, int]:
    """Logements, of which in QPV, and leases signed in 2023, counted from the files."""
    patrimoine = [
        r for r in _rows(root, "patrimoine.csv") if not communes or r["DEPCOM"] in communes
    ]
    attributions = [
        r
        for r in _rows(root, "attributions.csv")
        if (not communes or r["DEPCOM"] in communes)
        and r["annee"] == "2023"
        and r["bail_signe"] in ("1", "oui")
    ]
    return len(patrimoine), sum(bool(r["QPV"]) for r in patrimoine), len(attributions)


SENTENCE = (
    "      - Le parc compte §{logements} logements, dont §{logements_qpv} en QPV ; "
    "§{attributions} baux signés en §{annee_reference}.\n"
)


def _sentence(logements: int, qpv: int, baux: int) -> str:
    """The sentence as printed: a count of leases under the threshold (5) is not."""
    signed = nombre(baux) if baux >= 5 else "nombre non diffusé (secret statistique)"
    return typographie(
        f"Le parc compte {nombre(logements)} logements, dont {nombre(qpv)} en QPV ; "
        f"{signed} baux signés en 2023."
    )


def _markdown(root: Path, scope=None) -> str:
    return render_markdown(document(check(root), scope), TEMPLATES)


def test_a_sentence_prints_the_figures_of_the_data_and_follows_them(minimal):
    write_paragraph(minimal, SENTENCE)
    assert _sentence(*_counts(minimal, None)) in _markdown(minimal)
    # other data: the same sentence, other figures
    path = minimal / "content" / "donnees" / "patrimoine.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines + lines[1:4]), encoding="utf-8")
    before = _sentence(8, 0, 0)
    counts = _counts(minimal, None)
    assert counts[0] == 11
    markdown = _markdown(minimal)
    assert _sentence(*counts) in markdown and before not in markdown


def test_a_sentence_in_an_extract_prints_the_partners_figures(minimal):
    add_to_etat_des_lieux(
        minimal,
        "  - titre: Chiffres\n    contenu:\n" + SENTENCE,
    )
    communes = load_geographie().communes_of_epci(AGGLOPOLYS)
    whole, partner = _counts(minimal, None), _counts(minimal, set(communes))
    assert whole != partner
    assert _sentence(*whole) in _markdown(minimal)
    assert _sentence(*partner) in _markdown(minimal, AGGLOPOLYS)


def test_a_sentence_says_whose_figures_it_prints(minimal):
    """§{sur_le_territoire} names the partner in its extract, and is nothing (its space
    included) in the convention: the extract's figures do not read as the organisation's."""
    sentence = (
        "      - Le parc §{sur_le_territoire} compte §{logements} logements §{sur_le_territoire}.\n"
    )
    add_to_etat_des_lieux(minimal, "  - titre: Chiffres\n    contenu:\n" + sentence)
    whole, partner = (
        _counts(minimal, None)[0],
        _counts(minimal, set(load_geographie().communes_of_epci(AGGLOPOLYS)))[0],
    )
    assert f"Le parc compte {whole} logements." in _markdown(minimal)
    assert (
        f"Le parc sur le territoire de la Communauté d’agglomération de Blois «\u00a0Agglopolys"
        f"\u00a0» compte {partner} logements sur le territoire" in _markdown(minimal, AGGLOPOLYS)
    )
    assert "Le parc dans le département de Loir-et-Cher compte" in _markdown(minimal, "41")


def test_a_value_that_prints_nothing_leaves_no_empty_form(minimal):
    """Around §{sur_le_territoire} in the convention (where it prints nothing): no « **** »,
    no empty note, no link without text, no empty list item; in an extract, the sentence it
    opens starts with a capital."""
    blocks = (
        "      - A **§{sur_le_territoire}** B.\n"
        "      - C^[§{sur_le_territoire}] D.\n"
        "      - E [§{sur_le_territoire}](https://exemple.fr) F.\n"
        "      - §{sur_le_territoire}, le parc compte §{logements} logements.\n"
        "      - liste:\n          - G ;\n          - §{sur_le_territoire}\n          - H.\n"
    )
    add_to_etat_des_lieux(minimal, "  - titre: Vide\n    contenu:\n" + blocks)
    convention = _markdown(minimal).split("Vide", 1)[1].split("\n#", 1)[0]
    assert "A B." in convention and "**" not in convention
    assert "C D." in convention and "^[" not in convention
    assert "E [https://exemple.fr](<https://exemple.fr>) F." in convention
    assert "\nLe parc compte" in convention
    assert "- G\u202f;\n- H." in convention
    extrait = _markdown(minimal, "41").split("Vide", 1)[1].split("\n#", 1)[0]
    assert "\nDans le département de Loir-et-Cher, le parc compte" in extrait
    assert "A **dans le département de Loir-et-Cher** B." in extrait


def test_a_masked_count_is_not_printed(minimal):
    add_to_etat_des_lieux(
        minimal,
        "  - titre: Chiffres\n    contenu:\n      - 'Baux signés : §{attributions}.'\n",
    )
    (_, _, baux) = _counts(minimal, None)
    convention = minimal / "content" / "convention.yml"
    convention.write_text(
        convention.read_text(encoding="utf-8") + f"\nsecret_statistique: {baux + 1}\n",
        encoding="utf-8",
    )
    assert typographie("Baux signés : nombre non diffusé (secret statistique).") in _markdown(
        minimal
    )


def test_an_organisation_passage_is_left_out_of_the_extracts(minimal):
    add_to_etat_des_lieux(
        minimal,
        "  - titre: L'organisme\n    contenu:\n"
        "      - paragraphe: La gestion est assurée par deux agences.\n"
        "        territoires: [organisme]\n"
        "      - Un passage pour tous, qui cite §{logements@organisme} logements en tout.\n"
        "      - liste:\n"
        "          - texte: Un point de l'organisme.\n"
        "            territoires: [organisme]\n"
        "          - Un point pour tous.\n",
    )
    convention, extract = _markdown(minimal), _markdown(minimal, AGGLOPOLYS)
    for text in ("deux agences", "logements en tout", "Un point de l'organisme"):
        assert text in convention.replace("’", "'")
        assert text not in extract.replace("’", "'")
    assert "- Un point pour tous." in extract


def test_an_untagged_passage_naming_two_territories_is_refused(minimal):
    edl = minimal / "content" / "etat_des_lieux.yml"
    original = edl.read_text(encoding="utf-8")
    edl.write_text(
        original + "  - titre: Territoires\n    contenu:\n"
        "      - Le Loir-et-Cher et la Communauté d'agglomération de Blois « Agglopolys ».\n",
        encoding="utf-8",
    )
    (line,) = refused(minimal)
    assert "ce passage nomme plusieurs territoires de la convention" in line
    assert f"({load_geographie().epci[AGGLOPOLYS].nom}, Loir-et-Cher) sans être balisé" in line
    edl.write_text(
        original + "  - titre: Territoires\n    territoires: [organisme]\n    contenu:\n"
        "      - Le Loir-et-Cher et la Communauté d'agglomération de Blois « Agglopolys ».\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["-C", str(minimal), "check"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


def test_a_renvoi_to_a_part_an_extract_leaves_out_reads_as_french(minimal):
    add_to_etat_des_lieux(
        minimal,
        "  - titre: Renvois\n    contenu:\n"
        "      - La politique sociale est présentée au §[gestion-sociale].\n",
    )
    convention, extract = _markdown(minimal), _markdown(minimal, AGGLOPOLYS)
    assert (
        typographie(
            "présentée au [5 « Engagements en matière de gestion sociale »](#gestion-sociale)."
        )
        in convention
    )
    assert (
        typographie(
            "présentée au 5 « Engagements en matière de gestion sociale » de la convention."
        )
        in extract
    )
    assert "au la convention" not in extract


def test_hostile_text_the_check_accepts_prints_as_typed(minimal):
    """Text the check lets through as plain characters reaches the PDF as typed."""
    write_paragraph(
        minimal, "      - 'Taux < 25 % & 3 * 4 ; a_b ; {x} ; ~y~ ; 10 $ ; #1 ; C:\\\\dossier'\n"
    )
    markdown = _markdown(minimal)
    out = pypandoc.convert_text(markdown, "plain", format="markdown", extra_args=["--wrap=none"])
    assert "Taux < 25 % & 3 * 4 ; a_b ; {x} ; ~y~ ; 10 $ ; #1 ; C:\\dossier" in " ".join(
        out.replace("\u00a0", " ").replace("\u202f", " ").split()
    )


def test_a_tagged_row_and_its_cells_are_checked(minimal):
    write_paragraph(
        minimal,
        "      - tableau:\n"
        "          titre: T\n"
        "          colonnes: [A, B]\n"
        "          lignes:\n"
        "            - [x, [1, 2]]\n"
        '            - {cellules: [a, b], territoire: ["41"]}\n'
        '            - {cellules: [a, b], territoires: ["41"]}\n'
        "            - {cellules: [a, b, c], territoires: ['41']}\n",
    )
    assert refused(minimal) == [
        "content/gestion_sociale.yml:9:15: sections[0].contenu[0].tableau.lignes[0] : cellule 2 "
        ": un texte ou un nombre est attendu, trouvé une liste",
        "content/gestion_sociale.yml:10:34: sections[0].contenu[0].tableau.lignes[1] : clé "
        "inconnue « territoire » ; vouliez-vous dire « territoires » ? (clés possibles : "
        "cellules, territoires)",
        "content/gestion_sociale.yml:12:26: sections[0].contenu[0].tableau.lignes[3].cellules : "
        "2 cellules attendues (une par colonne), trouvé 3 ; dans une liste entre crochets, une "
        "virgule sépare deux cellules : mettez entre guillemets une cellule qui en contient une",
    ]


def test_a_footnote_of_another_territory_is_left_out_alone(minimal):
    add_to_etat_des_lieux(
        minimal,
        "  - titre: Notes\n    contenu:\n"
        "      - Le parc du territoire^[L'organisme en compte §{logements@organisme}.] est "
        "décrit ici.\n",
    )
    assert "Le parc du territoire^[L’organisme en compte 8.] est décrit ici." in _markdown(minimal)
    extract = _markdown(minimal, AGGLOPOLYS)
    assert "Le parc du territoire est décrit ici." in extract
    assert "L’organisme en compte" not in extract


def test_forms_nested_without_end_are_refused_not_a_crash(minimal):
    text = write_paragraph(minimal, "      - '" + "[" * 3000 + "x'\n")
    (line,) = refused(minimal)
    where = position(text, "[" * 5)
    column = int(where.split(":")[1]) + 4  # the fifth bracket passes the limit
    assert line == (
        f"content/gestion_sociale.yml:5:{column}: sections[0].contenu[0] : mise en forme trop "
        "imbriquée : quatre niveaux au plus"
    )


def test_a_passage_is_tagged_with_territories_of_the_convention_only(minimal):
    add_to_etat_des_lieux(
        minimal,
        "  - titre: Zoom\n    territoires: ['45']\n"
        "    contenu:\n      - paragraphe: Texte.\n        territoires: ['99']\n",
    )
    assert [line.split(" : ", 1)[1] for line in refused(minimal)] == [
        "le territoire 45 (Loiret) n'est pas un territoire de la convention : un code de "
        "« territoires » de content/convention.yml ou « organisme » est attendu",
        "le territoire 99 n'est pas un territoire de la convention : un code de « territoires » "
        "de content/convention.yml ou « organisme » est attendu",
    ]


def test_a_renvoi_to_the_annex_an_extract_leaves_out_names_it(minimal):
    add_to_etat_des_lieux(
        minimal,
        "  - titre: Renvois\n    contenu:\n"
        "      - Le classement figure en annexe (§[classement]).\n",
    )
    titre = check(minimal).content.sources["classement"].data["titre"]
    extract = _markdown(minimal, AGGLOPOLYS)
    assert typographie(f"Le classement figure en annexe (« {titre} » de la convention).") in extract


def test_the_organisations_commitment_is_the_sum_of_its_departements():
    from cusdoc.assemble.text import Resolver
    from cusdoc.model import TOTAL, Indicateur, Ligne

    pp1 = Indicateur(
        "PP-1", "Offre nouvelle", "…", False, "…", "PP", True, "nombre", "annuel",
        "hausse", "departement", (), "declaree",
    )  # fmt: skip

    def ligne(niveau: str, code: str, per_year: int) -> Ligne:
        years = {2025: per_year, 2026: per_year}
        return Ligne(pp1, niveau, code, code, {}, None, {TOTAL: years})

    lignes = [ligne("departement", "37", 10), ligne("departement", "41", 5)]
    lignes.append(ligne("epci", "243700754", 7))  # within 37: counted in its département
    resolver = Resolver(lambda code: {}, lignes, extrait=False)
    assert resolver.value("engagement.PP-1.cumul", "organisme").value == 30
    assert resolver.value("engagement.PP-1.2026", "41").value == 5
    assert resolver.value("engagement.PP-1.moyenne", "243700754").value == 7


def test_a_value_in_a_title_is_refused_rather_than_printed_as_typed(minimal):
    path = minimal / "content" / "gestion_sociale.yml"
    text = path.read_text(encoding="utf-8").replace("titre: Principes", "titre: Période §{periode}")
    path.write_text(text, encoding="utf-8")
    (line,) = refused(minimal)
    assert line == (
        f"content/gestion_sociale.yml:{position(text, '§{periode}')}: sections[0].titre : "
        "« §{…} » n'est lu que dans un paragraphe, un élément de liste ou une cellule : ici, "
        "écrivez le texte lui-même"
    )


def test_a_count_agrees_with_the_noun_that_follows():
    from cusdoc.render.text import valeur

    formes = ("ensemble immobilier", "ensembles immobiliers")
    (item,), refusals = parse("§{ensembles|ensemble immobilier|ensembles immobiliers}")
    assert (refusals, item.formes) == ([], formes)
    printed = [valeur(Quantity(n), formes) for n in (0, 1, 2, 1500)]
    assert printed == [
        "0 ensemble immobilier",
        "1 ensemble immobilier",
        "2 ensembles immobiliers",
        "1\u202f500 ensembles immobiliers",
    ]
    masked = Quantity(3, masked="secret")
    assert (
        valeur(masked, formes) == "nombre non diffusé (secret statistique) d’ensembles immobiliers"
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "§{part_qpv|part|parts}",
            "« §{part_qpv|part|parts} » : seul un nombre s'accorde avec le nom qui le suit ; "
            "écrivez §{part_qpv} puis le texte",
        ),
        ("§{logements|logement}", "valeur illisible : écrivez §{nom} ou §{nom@territoire}"),
    ],
)
def test_an_agreement_is_written_for_a_count_with_both_forms(minimal, typed, message):
    text = write_paragraph(minimal, f'      - "Le parc : {typed}."\n')
    (line,) = refused(minimal)
    assert line.startswith(
        f"content/gestion_sociale.yml:{position(text, typed[:5])}: sections[0].contenu[0] : "
        + message
    )


def test_a_share_followed_by_its_unit_is_refused(minimal):
    text = write_paragraph(minimal, '      - "Le parc en QPV : §{part_qpv} %."\n')
    (line,) = refused(minimal)
    assert line == (
        f"content/gestion_sociale.yml:{position(text, '§{part_qpv}')}: sections[0].contenu[0] : "
        "« §{part_qpv} % » : la valeur s'imprime avec son unité (« 33,0 % ») ; supprimez le « % » "
        "qui la suit"
    )
