"""The leak check of the extracts: every way of writing another territory's name or code is
caught, in the content (with its file:line:column) and in the DOCX and PDF built from it; what a
partner must read (signing place, signatories' titles, declared exceptions) is not refused."""

import io
import re

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn

from cusdoc import extracts
from cusdoc.errors import ContentError, LeakError
from cusdoc.extracts import build_extracts, content_leaks, lexique
from cusdoc.extracts.leaks import scan_docx, scan_text
from cusdoc.extracts.terms import common_words, forbidden_terms
from cusdoc.load.geography import load_geographie
from cusdoc.pipeline import check
from tests.test_extraits import AGGLOPOLYS, project  # noqa: F401  (the two-département fixture)

SYMBOLS = "".join(f'<w:sym w:font="Symbol" w:char="{ord(c):04X}"/>' for c in "Maves")

# (technique, an untagged paragraph that every extract receives, the term the check reads).
# Each names a place of Loir-et-Cher, which the Indre-et-Loire's extract must not name.
EVASIONS = [
    ("capitales", "Le parc de VINEUIL est ancien.", "Vineuil"),
    ("casse mêlée", "Le parc de cHiTeNaY est récent.", "Chitenay"),
    ("minuscules, nom de deux mots", "Près de mont-près-chambord.", "Mont-près-Chambord"),
    ("mot composé", "L'axe Tours-Blois est desservi.", "Blois"),
    ("mots collés", "Le réseau #VivreAMarolles.", "Marolles"),
    ("espace de largeur nulle", "Le quartier de Bra\u200bcieux.", "Bracieux"),
    ("trait d'union insécable", "À Saint\u2011Laurent\u2011Nouan.", "Saint-Laurent-Nouan"),
    ("tiret demi-cadratin", "À Cour\u2013Cheverny.", "Cour-Cheverny"),
    ("trait d'union Unicode", "Dans le Loir\u2010et\u2010Cher voisin.", "Loir-et-Cher"),
    ("espaces pour traits d'union", "À Chaumont sur Loire.", "Chaumont-sur-Loire"),
    ("abréviation St", "L'agence de St-Aignan.", "Saint-Aignan"),
    ("accent omis", "Les logements de Vendome.", "Vendôme"),
    ("accent décomposé", "Les logements de The\u0301se\u0301e.", "Thésée"),
    ("lettre cyrillique", "Le château de \u0421hambord.", "Chambord"),
    ("lettre grecque", "Le village de \u039cesland.", "Mesland"),
    ("pleine chasse", "La commune de \uff2d\uff45\uff52.", "Mer"),
    ("trait d'union conditionnel", "La commune d'Aver\u00addon.", "Averdon"),
    ("lettres espacées", "La commune de F o s s é.", "Fossé"),
    ("balisage dans le mot", "La commune de Ch**é**mery.", "Chémery"),
    ("référence de caractère", "La commune de &#86;illebarou.", "Villebarou"),
    ("code de département entre parenthèses", "Le parc voisin (41) est ancien.", "41"),
    ("code de département après « dép. »", "Le parc du dép. 41 est ancien.", "41"),
    ("code postal", "Adresse : 41000.", "41"),
    ("code Insee collé à des lettres", "Référence LC41258.", "41258"),
    ("code Insee espacé", "Référence 4 1 0 5 0.", "41050"),
    ("code Insee en nombre", "Code Insee 41 045.", "41045"),
    ("SIREN espacé", "L'EPCI 200 030 385.", AGGLOPOLYS),
    ("adresse en minuscules", "Voir https://www.cellettes.fr/logement.", "Cellettes"),
    (
        "lien au texte muet",
        "Voir [le site](https://www.savigny-sur-braye.fr).",
        "Savigny-sur-Braye",
    ),
    ("EPCI non déclaré", "La politique du Grand Chambord.", "Grand Chambord"),
]
# Raw markup: refused by the content checks, by validation or else by the leak check.
RAW = [
    ("commentaire dans le mot", "La commune de Mon<!-- -->doubleau."),
    ("suite de symboles brute", f"Le secteur `<w:r>{SYMBOLS}</w:r>`{{=openxml}}."),
    ("style au nom d'une commune", 'Un [passage]{custom-style="seur"} stylé.'),
]
# The section id becomes a bookmark of the DOCX: lower case counts there.
SECTION_ID = "secteur-suevres"
# A style named after a commune, in lower case, as a project's own templates could write it.
STYLE = '[passage]{custom-style="seur"}'
# The name of an ensemble comes from the data, not from the content.
ENSEMBLE = ("nom d'ensemble des données", "Salbris")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _add_section(root, paragraphs: list[str], extra: str = "", ident: str = "fuites") -> None:
    """An untagged section in the état des lieux: every extract receives it."""
    edl = root / "content" / "etat_des_lieux.yml"
    lines = "".join(f"      - {_quoted(p)}\n" for p in paragraphs)
    edl.write_text(
        edl.read_text(encoding="utf-8")
        + f"  - id: {ident}\n    titre: Fuites\n    contenu:\n{lines}{extra}",
        encoding="utf-8",
    )


@pytest.fixture
def evasions(project):  # noqa: F811
    """The two-département project with every evasion in an untagged section, and an ensemble
    of Indre-et-Loire named after a commune of Loir-et-Cher in the data."""
    extra = (
        "      - tableau_calcule: classement_ensembles\n"
        f"    sections:\n      - id: {SECTION_ID}\n        titre: Un secteur\n"
        "        contenu: [Un secteur du parc.]\n"
    )
    _add_section(project, [text for _, text, _ in EVASIONS], extra)
    donnees = project / "content" / "donnees"
    with (donnees / "patrimoine.csv").open("a", encoding="utf-8") as f:
        f.write("37261;;13;D;3;60;1990;C;S1;E5;non;Tours\n")
    with (donnees / "ensembles.csv").open("a", encoding="utf-8") as f:
        f.write("E5;Résidence Salbris-Sud;37261;3;3;3;3;2;1;1;0;5\n")
    return project


def _line_of(root, text: str) -> int:
    lines = (root / "content" / "etat_des_lieux.yml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if _quoted(text) in line)


def _reads(message: str, term: str) -> bool:
    """The message reports the term, written as it is or otherwise."""
    return f"lu « {term} »" in message or f"« {term} » (" in message


def test_every_evasion_is_refused_in_the_content_with_its_position(evasions):
    checked = check(evasions)
    partner = checked.partenaire("37")
    problems = content_leaks(checked, partner, lexique(checked, partner))
    by_path = {}
    for problem in problems:
        by_path.setdefault(problem.path, []).append(problem)
    sections = len(checked.content.sources["etat_des_lieux"].data["sections"])
    base = f"sections[{sections - 1}]"
    for index, (technique, text, term) in enumerate(EVASIONS):
        found = by_path.get(f"{base}.contenu[{index}]", [])
        assert any(_reads(p.message, term) for p in found), technique
        problem = next(p for p in found if _reads(p.message, term))
        assert (problem.file, problem.line) == (
            "content/etat_des_lieux.yml",
            _line_of(evasions, text),
        )
        assert problem.column == 9  # where the paragraph starts
        assert "fuirait dans l'extrait 37 (Indre-et-Loire)" in problem.message
    (ident,) = by_path[f"{base}.sections[0].id"]
    assert _reads(ident.message, "Suèvres")
    # the forms a writer did not type as such are quoted as found
    vineuil = by_path[f"{base}.contenu[0]"][0]
    assert str(vineuil) == (
        f"content/etat_des_lieux.yml:{_line_of(evasions, EVASIONS[0][1])}:9: {base}.contenu[0] : "
        "« VINEUIL » (lu « Vineuil », Communauté d'agglomération de Blois "
        "«\u00a0Agglopolys\u00a0») fuirait dans l'extrait 37 (Indre-et-Loire) : "
        "marquez ce passage avec « territoires » ou reformulez-le sans nommer de territoire"
    )
    # the build stops there, before any conversion
    with pytest.raises(ContentError):
        build_extracts(evasions, ["37"], workers=1)
    assert not (evasions / "build" / "extraits").exists()


def test_every_evasion_is_caught_in_the_built_docx_and_pdf(evasions, monkeypatch):
    """With the content check out of the way, the check of the deliverables finds each one,
    names the file that would have been written and where the term was written."""
    monkeypatch.setattr(extracts, "content_leaks", lambda *args: [])
    with pytest.raises(LeakError) as error:
        build_extracts(evasions, ["37"], workers=1)
    lines = str(error.value).splitlines()
    docx_lines = [
        line for line in lines if line.startswith("build/extraits/37-indre-et-loire.docx")
    ]
    pdf_lines = [line for line in lines if line.startswith("build/extraits/37-indre-et-loire.pdf")]
    # A character reference prints as typed (« &#86;illebarou »): the render escapes it.
    expected = [(t, term) for t, _, term in EVASIONS if t != "référence de caractère"]
    expected += [ENSEMBLE]
    expected.append(("identifiant de section", "Suèvres"))
    for technique, term in expected:
        assert any(_reads(line, term) for line in docx_lines), technique
    # what shows on the page is in the PDF too: styles, ids and link targets are not; the
    # PDF's font has no full-width capital; a code spread digit by digit is searched in the
    # DOCX only, since the cells of a table row come out of a PDF page just the same
    hidden = {"Suèvres", "Savigny-sur-Braye", "Mer", "41050"}
    for technique, term in expected:
        if term not in hidden:
            assert any(_reads(line, term) for line in pdf_lines), technique
    # each leak says where it was written: the content, or else the data
    vineuil = next(line for line in docx_lines if _reads(line, "Vineuil"))
    line = _line_of(evasions, EVASIONS[0][1])
    assert re.search(rf"écrit en content/etat_des_lieux\.yml:{line}:9 \(sections\[\d+\]", vineuil)
    salbris = next(line for line in docx_lines if _reads(line, "Salbris"))
    assert "que n'écrit aucun texte de content/*.yml : il vient des données ou des gabarits" in (
        salbris
    )
    assert lines[-1].endswith("les extraits n'ont pas été écrits.")
    assert not (evasions / "build" / "extraits").exists()


@pytest.mark.parametrize("technique, text", RAW, ids=[t for t, _ in RAW])
def test_raw_markup_naming_a_commune_is_refused_with_its_position(project, technique, text):  # noqa: F811
    _add_section(project, [text])
    with pytest.raises(ContentError) as error:
        build_extracts(project, ["37"], workers=1)
    line = _line_of(project, text)
    # placed at the refused form, after the paragraph's opening quote (column 9)
    assert any(
        (p.file, p.line) == ("content/etat_des_lieux.yml", line) and p.column > 9
        for p in error.value.problems
    ), technique
    assert not (project / "build" / "extraits").exists()


def test_a_style_named_after_a_commune_is_found_in_the_styles(evasions, monkeypatch):
    from cusdoc.export import export
    from cusdoc.export.convert import Templates
    from cusdoc.pipeline import document
    from cusdoc.render import render_markdown

    checked = check(evasions)
    convention = document(checked, "37")
    markdown = render_markdown(convention, Templates.of(evasions).root)
    markdown = markdown.replace("Un secteur du parc.", f"Un secteur du {STYLE}.")
    made = export(markdown, convention, Templates.of(evasions), 0, ("docx",))
    found = {
        (f.terme, f.ou) for f in scan_docx(made["docx"], lexique(checked, checked.partenaire("37")))
    }
    assert ("Seur", "DOCX word/styles.xml") in found
    assert ("Suèvres", "DOCX word/document.xml") in found  # the bookmark


def test_what_a_partner_must_read_is_no_leak(project):  # noqa: F811
    """The signing place, the titles of the signatories the extract prints and the phrases the
    writer declared pass; the same names elsewhere do not."""
    convention = project / "content" / "convention.yml"
    text = convention.read_text(encoding="utf-8")
    text = text.replace("lieu_signature: Orléans", "lieu_signature: Blois")
    text = text.replace(
        "fonction: Le préfet de la région Centre-Val de Loire",
        "fonction: Le préfet de la région Centre-Val de Loire, préfet de Loir-et-Cher",
    )
    # Indre-et-Loire signs: its extract has the signature page (an associated one has none)
    text = text.replace('- code: "37"\n    statut: associé', '- code: "37"\n    statut: signataire')
    text = text.replace(
        "\nlieu_signature:",
        '  - partie: département\n    territoire: "37"\n'
        "    fonction: La présidente du conseil départemental\n    nom: Claire Delaunay\n"
        "\nlieu_signature:",
    )
    text += "\nfuites:\n  exceptions:\n    - direction territoriale de Vendôme\n"
    convention.write_text(text, encoding="utf-8")
    _add_section(project, ["Les dossiers vont à la direction territoriale de Vendôme."])
    written = build_extracts(project, ["37"], workers=1)
    document = docx.Document(next(p for p in written if p.suffix == ".docx"))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Fait à Blois" in body
    assert "préfet de Loir-et-Cher" in cells
    assert "direction territoriale de Vendôme" in body
    # an exception covers its whole phrase, nothing else
    _add_section(project, ["L'agence de Vendôme ferme.", "Une réunion à Blois."], ident="autre")
    checked = check(project)
    partner = checked.partenaire("37")
    found = {
        p.message.split(" »")[0] for p in content_leaks(checked, partner, lexique(checked, partner))
    }
    assert found == {"« Vendôme", "« Blois"}


def test_common_words_numbers_and_people_are_no_leak(project):  # noqa: F811
    checked = check(project)
    partner = checked.partenaire("37")
    terms = lexique(checked, partner)
    for text in (
        "Une vue sur la mer ; des hommes chargés de mission ; un arc-en-ciel.",  # communes too
        "41 logements en 2025-2030, 41 018 logements, 12 041 €, 41000 €, 41,5 %.",
        "Contact : 02 54 41 01 85 ; +33 2 54 41 01 85.",
        "Tours-sur-Marne est une autre commune.",  # its words are not Tours of the Loir-et-Cher
        "Marie Martin, directrice générale.",  # a signatory; Marie is also a commune
        "Le taux de 41 % est atteint dans 41 ensembles (voir la note 41).",
    ):
        assert scan_text(text, terms, "test") == [], text


def test_a_capital_proves_less_at_the_start_of_a_sentence_or_without_accents(project):  # noqa: F811
    """« Mer » starts a sentence of a text that writes « la mer »: a word there; mid-sentence,
    the commune. « Lance » without its accent is a word; « Vendome », long enough, a name."""
    checked = check(project)
    terms = lexique(checked, checked.partenaire("37"))
    text = "Mer et rivière. La mer est loin. Un ensemble à Mer."
    common = common_words([text])
    assert [
        f.trouve or f.terme for f in scan_text("Mer et rivière.", terms, "t", common=common)
    ] == []
    assert [f.terme for f in scan_text(text, terms, "t", common=common)] == ["Mer"]
    assert scan_text("Mer et rivière.", terms, "t") != []  # no « mer » in lower case: a name
    assert scan_text("La mission Lance une étude.", terms, "t") == []
    assert [f.terme for f in scan_text("Une agence Lancé.", terms, "t")] == ["Lancé"]
    assert [f.terme for f in scan_text("Vendome compte.", terms, "t")] == ["Vendôme"]


def test_departement_codes_only_in_context(project):  # noqa: F811
    checked = check(project)
    terms = lexique(checked, checked.partenaire("37"))
    for text in ("(41)", "département 41", "dép. 41", "départements 37 et 41", "Dpt 41", "41000"):
        assert [f.terme for f in scan_text(text, terms, "test")] == ["41"], text
    for text in ("41", "41 logements", "(41 logements)", "page 41"):
        assert scan_text(text, terms, "test") == [], text


def test_the_docx_check_reads_styles_links_symbols_and_split_runs(project):  # noqa: F811
    geo = load_geographie()
    partner = check(project).partenaire("37")
    terms = forbidden_terms(partner, ["37", "41", AGGLOPOLYS], geo)
    document = docx.Document()
    document.styles.add_style("Vineuil", WD_STYLE_TYPE.PARAGRAPH)
    paragraph = document.add_paragraph("Rien à ")
    paragraph.add_run("Chi")
    paragraph.add_run("tenay")  # one word over two runs
    paragraph.add_run(" et ")
    relation = document.part.relate_to(
        "https://www.cellettes.fr", RELATIONSHIP_TYPE.HYPERLINK, is_external=True
    )
    run = paragraph.add_run()
    for char in "Maves":
        run._r.append(run._r.makeelement(qn("w:sym"), {qn("w:char"): f"F0{ord(char):02X}"}))
    comment_like = document.add_paragraph()._p
    comment_like.append(
        comment_like.makeelement(qn("w:bookmarkStart"), {qn("w:name"): "zoom_41018"})
    )
    buffer = io.BytesIO()
    document.save(buffer)
    found = {(f.terme, f.ou.split()[1]) for f in scan_docx(buffer.getvalue(), terms)}
    assert ("Vineuil", "word/styles.xml") in found
    assert ("Chitenay", "word/document.xml") in found
    assert ("Cellettes", "word/_rels/document.xml.rels") in found
    assert ("Maves", "word/document.xml") in found
    assert ("41018", "word/document.xml") in found
    assert relation


def _plain_lexique(partner, codes, geo, allowed):
    """The rule of `forbidden_terms` read plainly, territory by territory and commune by
    commune: what the lexique must hold, however it is computed."""
    from cusdoc.extracts.terms import _epci_names, key

    own_names = {key(geo.communes[c][0]) for c in partner.communes}
    names, codes_, departements = {}, {}, {}
    for code in codes:
        if code == partner.code or code in partner.epci:
            continue
        territoire = geo.territoire(code)
        if territoire.nature == "département":
            if partner.nature == "EPCI" and code in geo.epci[partner.code].departements:
                continue
            names[territoire.nom] = territoire.nom
            departements[code] = territoire.nom
            communes = geo.communes_of_departement(code)
            for siren, epci in geo.epci.items():
                inside = code in epci.departements and siren != partner.code
                if inside and not geo.communes_of_epci(siren) & partner.communes:
                    for name in _epci_names(epci.nom):
                        names.setdefault(name, territoire.nom)
                    codes_.setdefault(siren, territoire.nom)
        else:
            for name in _epci_names(territoire.nom):
                names[name] = territoire.nom
            codes_[code] = territoire.nom
            communes = geo.communes_of_epci(code)
        for commune in communes - partner.communes:
            name = geo.communes[commune][0]
            if key(name) not in own_names:
                names[name] = territoire.nom
            codes_[commune] = territoire.nom
    own = _epci_names(partner.nom) if partner.nature == "EPCI" else {partner.nom}
    for epci in partner.epci:
        own |= _epci_names(geo.epci[epci].nom)
    return names, codes_, departements, (*allowed, *sorted(own))


def test_each_partner_s_lexique_follows_the_rule():
    """Three départements, EPCI inside them and one across two of them (Terres du Val de
    Loire, in the Loir-et-Cher and the Loiret): each partner's lexique is the rule's."""
    from cusdoc.assemble.scope import partenaires
    from cusdoc.extracts.terms import Territoires

    geo = load_geographie()
    codes = ["37", "41", "45", AGGLOPOLYS, "243700754", "200070183"]
    convention = {"territoires": [{"code": c, "statut": "associé"} for c in codes]}
    read = Territoires(codes, geo)
    for partner in partenaires(convention, geo):
        names, codes_, departements, allowed = read.lexique(partner, ("Marie Martin",))._arguments
        expected = _plain_lexique(partner, codes, geo, ("Marie Martin",))
        assert (names, codes_, departements, allowed) == expected, partner.code
        assert list(names.values()) and list(codes_), partner.code


def test_a_lexique_travels_to_a_worker_whole(project):  # noqa: F811
    """A lexique is sent to the workers as what it was made from, and finds the same."""
    import pickle

    checked = check(project)
    terms = lexique(checked, checked.partenaire("37"))
    copy = pickle.loads(pickle.dumps(terms))
    text = "Le parc de VINEUIL (41) et de St-Aignan, code 41 018."
    assert len(copy) == len(terms) > 0
    assert scan_text(text, copy, "t") == scan_text(text, terms, "t") != []


def test_a_long_text_is_read_as_its_paragraphs(project):  # noqa: F811
    """Addresses, spaced letters, glued words and spread codes are found the same in a long
    text as in each of its paragraphs; a name is quoted as written, whatever precedes it
    (« … », a ligature: characters read as several)."""
    checked = check(project)
    terms = lexique(checked, checked.partenaire("37"))
    paragraphs = [
        "Voir https://www.cellettes.fr/logement pour la vue.",
        "Une vue sur la mer ; des hommes chargés de mission.",
        "Le ﬁef… de VINEUIL, La commune de F o s s é.",
        "Le réseau #VivreAMarolles.",
        "Référence 7 7 4 1 0 5 0 7 7, l'EPCI 200 030 385.",
        "Le parc voisin (41) est ancien.",
    ]
    long = "\n".join(paragraphs * 40)
    found = {(f.terme, f.trouve) for f in scan_text(long, terms, "t")}
    each = {(f.terme, f.trouve) for p in paragraphs for f in scan_text(p, terms, "t")}
    assert found == each
    assert {"Cellettes", "Vineuil", "Fossé", "Marolles", "41050", AGGLOPOLYS, "41"} <= {
        terme for terme, _ in found
    }
    assert ("Vineuil", "VINEUIL") in found
