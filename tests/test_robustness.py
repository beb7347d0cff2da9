"""Hostile and broken input (issue 14): each case the fuzzing found, with the exact message.

Every input error is a French line « file:line:column: … » and status 1: no traceback, no
crash, no exit 0 on invalid data; resources are bounded and refusals are fast.
"""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cusdoc.cli import main
from cusdoc.load import content as content_module
from tests.conftest import edit, project_with

SUMMARY = "1 problème à corriger dans le contenu."


def check(root: Path) -> tuple[int, str]:
    """Status and messages of `cusdoc check`, exceptions not caught."""
    result = CliRunner().invoke(main, ["-C", str(root), "check"], catch_exceptions=False)
    return result.exit_code, result.stderr


def assert_refused(root: Path, *lines: str, before_composing: bool = False) -> None:
    """The exact messages; with before_composing, the hostile file is refused before PyYAML
    builds its document (the work stays bounded: no time is measured, see bench/)."""
    status, stderr = check(root)
    count = len(lines)
    summary = f"{count} problème{'s' if count > 1 else ''} à corriger dans le contenu."
    assert (status, stderr) == (1, "\n".join([*lines, summary]) + "\n")
    if before_composing:  # the hostile file of these cases: the chapter of gestion sociale
        file = "content/gestion_sociale.yml"
        raw = (root / file).read_bytes()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(content_module, "SafeLoader", _NoComposition)
            if len(raw) <= content_module.MAX_FILE_BYTES:
                assert content_module.parse_yaml(file, raw.decode("utf-8"), []) is None


class _NoComposition(content_module.SafeLoader):
    """The loader cusdoc uses, failing the test if asked to build a document."""

    def get_single_node(self):
        raise AssertionError("le fichier a été composé au lieu d'être refusé avant")


# Control characters: what Word writes for Shift+Enter, a form feed, an escape.


def test_vertical_tab_from_word(minimal):
    edit(minimal, "gestion_sociale.yml", "Le texte", "Le\vtexte")
    assert_refused(
        minimal,
        "content/gestion_sociale.yml:5:11: caractère de contrôle U+000B (tabulation verticale, "
        "saut de ligne de Word) : remplacez-le par un espace ou un retour à la ligne",
    )


def test_form_feed(minimal):
    edit(minimal, "qualite_service.yml", "Principes", "Prin\fcipes")
    assert_refused(
        minimal,
        "content/qualite_service.yml:3:16: caractère de contrôle U+000C (saut de page) : "
        "remplacez-le par un retour à la ligne",
    )


def test_control_character_written_as_an_escape(minimal):
    edit(minimal, "gestion_sociale.yml", "- Le texte du chapitre.", '- "Le\\atexte"')
    assert_refused(
        minimal,
        "content/gestion_sociale.yml:5:9: caractère de contrôle U+0007 : supprimez-le",
    )


def test_control_character_in_a_data_cell(minimal):
    """An invisible character pasted into an identifier is named, not printed as it is."""
    edit(minimal, "donnees/travaux.csv", "2022;E2;rehabilitation", "2022;E2\x07;rehabilitation")
    assert_refused(
        minimal,
        "content/donnees/travaux.csv:2:2: ENSEMBLE : valeur attendue : un texte sans caractère "
        "de contrôle ; trouvé « E2<U+0007> »",
    )


def test_years_no_row_can_hold(minimal):
    """Built after the stock it is part of was described, allotted after the convention ends:
    a typo, refused at its line rather than counted nowhere (a 2099 attribution was ignored)."""
    edit(minimal, "donnees/patrimoine.csv", ";65,5;1965;", ";65,5;2024;")
    edit(minimal, "donnees/attributions.csv", "2023,41018,0,1,7000.5", "2099,41018,0,1,7000.5")
    assert_refused(
        minimal,
        "content/donnees/attributions.csv:3:1: annee : année 2099 : la convention s'achève en 2030",
        "content/donnees/patrimoine.csv:2:7: CONSTRUCT : année 2024 : le parc est décrit au 1er "
        "janvier 2024 : ce qui en fait partie est construit en 2023 au plus tard",
    )


def test_a_foyer_rehabilitated_before_it_was_built(tmp_path):
    root = project_with("foyers", tmp_path)
    edit(root, "donnees/foyers.csv", "F;1975;2023;", "F;1975;1970;")
    status, stderr = check(root)
    assert status == 1
    assert (
        "content/donnees/foyers.csv:2:10: annee_rehabilitation : l'établissement F1 serait "
        "réhabilité en 1970, avant d'être construit en 1975\n"
    ) in stderr


# Values YAML reads but that cannot be.


def test_impossible_date(minimal):
    edit(minimal, "convention.yml", "2025-01-01", "2025-02-30")
    assert_refused(
        minimal,
        "content/convention.yml:11:15: date impossible « 2025-02-30 » : une date AAAA-MM-JJ "
        "qui existe est attendue (mettez un texte entre guillemets)",
    )


def test_a_siren_with_a_full_width_digit(minimal):
    """« ５ » is a digit to Python, not to INSEE: the PDF's font has no glyph for it."""
    edit(minimal, "convention.yml", '"273700005"', '"27370000\uff15"')
    assert_refused(
        minimal,
        "content/convention.yml:4:10: organisme.siren : un SIREN de 9 chiffres est attendu, "
        "trouvé « 27370000\uff15 »",
    )


def test_a_territory_code_with_a_space_too_many(minimal):
    edit(minimal, "convention.yml", '- code: "200030385"', '- code: "200030385 "')
    result = CliRunner().invoke(main, ["-C", str(minimal), "check"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content/convention.yml:23:11: territoires[1].code : espace en trop dans le code "
        "« 200030385  » : écrivez « 200030385 » (Communauté d'agglomération de Blois "
        "«\u00a0Agglopolys\u00a0»)"
    )


def test_an_identifier_of_the_wrong_format_is_told_what_format(minimal):
    edit(minimal, "etat_des_lieux.yml", "  - id: patrimoine", "  - id: Indicateur-PP-1")
    assert_refused(
        minimal,
        "content/etat_des_lieux.yml:3:5: introduction[0] : renvoi §[patrimoine] vers une "
        "section inconnue",
        "content/etat_des_lieux.yml:5:9: sections[0].id : format invalide, trouvé "
        "« Indicateur-PP-1 » : il faut des lettres minuscules sans accent, des chiffres et des "
        "tirets (« edl-patrimoine »)",
    )


def test_every_format_of_the_schema_is_told_in_words():
    """A value that does not have its key's format is told what it should be."""
    from cusdoc.load.content import BILANS, REALISE
    from cusdoc.validate.schema import FORMATS, SPECIAL_CHAPTERS, schema_for

    def patterns(node):
        if isinstance(node, dict):
            if isinstance(node.get("regex"), str):
                yield node["regex"]
            for value in node.values():
                yield from patterns(value)
        elif isinstance(node, list | tuple):
            for value in node:
                yield from patterns(value)

    names = ("convention", "chapitre", *SPECIAL_CHAPTERS, REALISE, f"{BILANS}/2027")
    found = {p for name in names for p in patterns(schema_for(name))}
    assert found and found <= set(FORMATS)


def test_a_link_out_of_the_project_is_not_followed(minimal, tmp_path_factory):
    """A committed symbolic link to a file of the machine would print its first line in the
    messages (a CI's public log); one within the project is read as the file."""
    outside = tmp_path_factory.mktemp("machine") / "ailleurs.csv"
    outside.write_text("secret;de;la;machine\n", encoding="utf-8")
    donnees = minimal / "content" / "donnees"
    kept = minimal / "ensembles.csv"
    (donnees / "ensembles.csv").rename(kept)
    (donnees / "ensembles.csv").symlink_to(outside)
    assert_refused(
        minimal,
        "content/donnees/ensembles.csv:1:1: lien symbolique vers un fichier hors du projet : "
        "copiez le fichier dans le projet",
    )
    (donnees / "ensembles.csv").unlink()
    (donnees / "ensembles.csv").symlink_to(Path("..", "..", "ensembles.csv"))
    assert check(minimal) == (0, "")
    # the folder of the data linked out of the project: every file of it is refused
    moved = outside.parent / "donnees"
    donnees.rename(moved)
    donnees.symlink_to(moved)
    status, stderr = check(minimal)
    assert status == 1
    assert stderr.splitlines()[0] == (
        "content/donnees/attributions.csv:1:1: lien symbolique vers un fichier hors du projet : "
        "copiez le fichier dans le projet"
    )


def test_not_a_number_in_yaml(minimal):
    edit(minimal, "engagements.yml", "reference: 1150", "reference: .nan")
    assert_refused(
        minimal,
        "content/engagements.yml:41:18: nombre non fini ou trop grand « .nan » : un nombre de "
        "quinze chiffres au plus est attendu (mettez un texte entre guillemets)",
    )


def test_number_too_long_for_python(minimal):
    edit(minimal, "engagements.yml", "reference: 1150", "reference: " + "9" * 5000)
    assert_refused(
        minimal,
        f"content/engagements.yml:41:18: nombre trop long « {'9' * 40}… » : quinze chiffres "
        "au plus",
    )


# Wrong types where the cross-checks expected a code or a mapping.


def test_list_where_a_territory_code_is_expected(minimal):
    edit(minimal, "convention.yml", 'code: "41"', 'code: ["41"]')
    assert_refused(
        minimal,
        "content/convention.yml:21:11: territoires[0].code : un texte est attendu, "
        "trouvé une liste",
    )


def test_list_where_a_party_is_expected(minimal):
    edit(minimal, "convention.yml", "partie: État", "partie: [État]")
    status, stderr = check(minimal)
    assert status == 1
    assert stderr.startswith(
        "content/convention.yml:28:3: signataires : un et un seul bloc de signature est "
        "attendu pour la partie « État », trouvé 0\n"
        "content/convention.yml:28:13: signataires[0].partie : un texte est attendu, "
        "trouvé une liste\n"
    )


def test_list_where_a_chapter_name_is_expected(minimal):
    edit(minimal, "convention.yml", "  - classement\n", "  - [classement]\n")
    assert_refused(
        minimal,
        "content/convention.yml:48:5: chapitres[6] : un texte est attendu, trouvé une liste",
    )


def test_service_rendu_as_a_text(minimal):
    (minimal / "content" / "classement.yml").write_text(
        'titre: Classement\nservice_rendu: "x"\noccupation: {categories: [{categorie: a}]}\n',
        encoding="utf-8",
    )
    assert_refused(
        minimal,
        "content/classement.yml:2:16: service_rendu : des clés « nom: valeur » sont attendues, "
        "trouvé « x »",
    )


def test_table_rows_as_a_number(minimal):
    edit(
        minimal, "etat_des_lieux.yml", "          lignes:\n", "          lignes: 5\n          x:\n"
    )
    assert_refused(
        minimal,
        "content/etat_des_lieux.yml:16:19: sections[0].contenu[2].tableau.lignes : une liste "
        "(lignes commençant par « - ») est attendue, trouvé le nombre 5",
        "content/etat_des_lieux.yml:17:11: sections[0].contenu[2].tableau : clé inconnue « x » "
        "(clés possibles : colonnes, largeurs, lignes, source, titre)",
    )


def test_leap_day_effective_date(minimal):
    """Three years before 29 February 2028 is 28 February 2025: no ValueError."""
    edit(minimal, "convention.yml", "date_effet: 2025-01-01", "date_effet: 2028-02-29")
    assert_refused(
        minimal,
        "content/convention.yml:11:15: generation.date_effet : la convention prend effet le 1er "
        "janvier de sa première année (2025-01-01) ; trouvé 2028-02-29",
        "content/convention.yml:17:21: plan_strategique_patrimoine.date_approbation : le plan "
        "stratégique de patrimoine doit avoir été approuvé moins de trois ans avant la date "
        "d'effet (2028-02-29) ; trouvé 2024-03-14",
    )


def test_date_and_time_for_the_approval(minimal):
    edit(
        minimal,
        "convention.yml",
        "date_approbation: 2024-03-14",
        "date_approbation: 2020-03-14 10:00:00",
    )
    assert_refused(
        minimal,
        "content/convention.yml:17:21: plan_strategique_patrimoine.date_approbation : le plan "
        "stratégique de patrimoine doit avoir été approuvé moins de trois ans avant la date "
        "d'effet (2025-01-01) ; trouvé 2020-03-14",
    )


def test_weights_that_are_all_zero(minimal):
    for weight in ("20", "20", "30", "30"):
        edit(minimal, "classement.yml", f": {weight}\n", ": 0\n")
    assert_refused(
        minimal,
        "content/classement.yml:6:5: service_rendu.ponderations : au moins une pondération doit "
        "être positive : la note de service rendu est une moyenne pondérée",
    )


def test_more_conditions_required_than_declared(minimal):
    edit(minimal, "classement.yml", "      conditions:\n", "      au_moins: 2\n      conditions:\n")
    assert_refused(
        minimal,
        "content/classement.yml:23:17: occupation.categories[0].au_moins : 2 conditions à "
        "remplir pour 1 déclarée : aucun ensemble ne serait retenu",
    )


def test_a_chapter_name_is_never_a_path(minimal):
    edit(minimal, "convention.yml", "  - classement\n", "  - ../classement\n")
    status, stderr = check(minimal)
    assert status == 1
    assert "content/convention.yml:48:5: chapitres[6] : format invalide" in stderr


# Bounded resources: refused in well under a second.


def test_nesting_a_thousand_levels_deep(minimal):
    edit(minimal, "gestion_sociale.yml", "- Le texte du chapitre.", "- " + "[" * 1000 + "]" * 1000)
    assert_refused(
        minimal,
        "content/gestion_sociale.yml:5:37: YAML invalide : imbrication trop profonde (plus de "
        "32 niveaux de listes et de clés) : un texte qui commence par « [ » ou « { » doit être "
        "entre guillemets",
        before_composing=True,
    )


def test_keys_nested_forty_levels_deep(minimal):
    """Block nesting is not a bracket typed as text: the message speaks of indentation."""
    nested = "".join(f"{'  ' * level}k{level}:\n" for level in range(40)) + "  " * 40 + "x: 1\n"
    (minimal / "content" / "gestion_sociale.yml").write_text(nested, encoding="utf-8")
    status, stderr = check(minimal)
    assert status == 1
    assert stderr.splitlines()[0] == (
        "content/gestion_sociale.yml:33:65: YAML invalide : imbrication trop profonde (plus de "
        "32 niveaux de listes et de clés) : cusdoc n'attend pas autant de niveaux : vérifiez "
        "l'indentation"
    )


def test_nesting_fifty_thousand_levels_deep_does_not_crash(minimal):
    edit(
        minimal,
        "gestion_sociale.yml",
        "- Le texte du chapitre.",
        "- " + "[" * 50_000 + "]" * 50_000,
    )
    assert_refused(
        minimal,
        "content/gestion_sociale.yml:5:37: YAML invalide : imbrication trop profonde (plus de "
        "32 niveaux de listes et de clés) : un texte qui commence par « [ » ou « { » doit être "
        "entre guillemets",
        before_composing=True,
    )


def test_billion_laughs(minimal):
    laughs = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    laughs += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 12)]
    path = minimal / "content" / "gestion_sociale.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(laughs) + "\n", encoding="utf-8")
    assert_refused(
        minimal,
        "content/gestion_sociale.yml:7:10: YAML invalide : les alias YAML (*l0) ne sont pas "
        "acceptés : recopiez la valeur à cet endroit",
        before_composing=True,
    )


def test_too_many_values_in_one_file(minimal):
    """A million one-letter items fit in 2 Mo and took seconds to compose and validate."""
    edit(minimal, "gestion_sociale.yml", "- Le texte du chapitre.", "- [" + "a," * 200_000 + "a]")
    assert_refused(
        minimal,
        "content/gestion_sociale.yml:5:199990: YAML invalide : plus de 100 000 valeurs, listes et "
        "clés : découpez le fichier",
        before_composing=True,
    )


def test_content_file_too_large(minimal):
    path = minimal / "content" / "gestion_sociale.yml"
    paragraph = "      - " + "Un paragraphe de texte. " * 40 + "\n"
    path.write_text(path.read_text(encoding="utf-8") + paragraph * 2600, encoding="utf-8")
    assert_refused(
        minimal,
        "content/gestion_sociale.yml:1:1: fichier trop volumineux (2,5 Mo) : 2,0 Mo au plus ; "
        "découpez-le",
        before_composing=True,
    )


def test_content_file_that_is_a_folder(minimal):
    path = minimal / "content" / "convention.yml"
    path.unlink()
    path.mkdir()
    assert_refused(minimal, "content/convention.yml:1:1: un fichier est attendu, trouvé un dossier")


def test_a_chapter_that_is_a_folder_or_a_pipe(minimal):
    """Not « introuvable »: the writer sees it in the folder."""
    path = minimal / "content" / "gestion_sociale.yml"
    path.unlink()
    path.mkdir()
    assert_refused(
        minimal, "content/gestion_sociale.yml:1:1: un fichier est attendu, trouvé un dossier"
    )
    path.rmdir()
    os.mkfifo(path)
    assert_refused(
        minimal,
        "content/gestion_sociale.yml:1:1: un fichier est attendu, trouvé un fichier spécial",
    )


# Data: values checked by meaning, in SQL.


def test_number_too_large_for_the_engine(minimal):
    edit(minimal, "donnees/patrimoine.csv", "11;F;3;65,5", "11;F;99999999999999999999999;65,5")
    assert_refused(
        minimal,
        "content/donnees/patrimoine.csv:2:5: NBPIECE : valeur attendue : un nombre entier de "
        "pièces, de 1 à 20 ; trouvé « 99999999999999999999999 »",
    )


def test_six_character_commune_is_not_cut(minimal):
    """141025 used to become 14102, a real commune of Calvados."""
    edit(minimal, "donnees/patrimoine.csv", "41025;;13", "141025;;13")
    assert_refused(
        minimal,
        "content/donnees/patrimoine.csv:9:1: DEPCOM : valeur attendue : un code commune Insee "
        "existant (5 caractères) ; trouvé « 141025 »",
    )


def test_four_character_commune_gets_its_zero_back(minimal):
    edit(minimal, "donnees/patrimoine.csv", "41025;;13", "1001;;13")
    assert_refused(
        minimal,
        "content/donnees/patrimoine.csv:9:1: DEPCOM : la commune 01001 (L'Abergement-Clémenciat, "
        "département 01) n'est dans aucun des territoires déclarés dans content/convention.yml "
        "(41, 200030385) : déclarez son département ou son EPCI, ou retirez ces lignes",
    )


def test_not_a_number_threshold(minimal):
    edit(
        minimal, "donnees/seuils_premier_quartile.csv", "2023;200030385;8000", "2023;200030385;NaN"
    )
    assert_refused(
        minimal,
        "content/donnees/seuils_premier_quartile.csv:3:3: seuil : valeur attendue : un seuil en "
        "euros par unité de consommation, plus de 0 et moins de 100 000 ; trouvé « NaN »",
    )


def test_infinite_surface(minimal):
    edit(minimal, "donnees/patrimoine.csv", "5;95;1972", "5;inf;1972")
    assert_refused(
        minimal,
        "content/donnees/patrimoine.csv:9:6: SURFHAB : valeur attendue : une surface habitable "
        "de 5 à 500 m² ; trouvé « inf »",
    )


def test_households_beyond_any_ensemble(minimal):
    edit(
        minimal,
        "donnees/ensembles.csv",
        "E4;La Sologne;41025;2;3;2;4;1;",
        "E4;La Sologne;41025;2;3;2;4;1e308;",
    )
    assert_refused(
        minimal,
        "content/donnees/ensembles.csv:5:8: menages : valeur attendue : un nombre entier de "
        "ménages, de 0 à 99 999 ; trouvé « 1e308 »",
    )


def test_negative_room_count(minimal):
    edit(minimal, "donnees/patrimoine.csv", "5;95;1972", "-5;95;1972")
    assert_refused(
        minimal,
        "content/donnees/patrimoine.csv:9:5: NBPIECE : valeur attendue : un nombre entier de "
        "pièces, de 1 à 20 ; trouvé « -5 »",
    )


def test_more_households_in_a_part_than_in_the_ensemble(minimal):
    edit(
        minimal,
        "donnees/ensembles.csv",
        "E3;Le Bourg;41009;3;3;2;4;2;1;1;",
        "E3;Le Bourg;41009;3;3;2;4;2;3;1;",
    )
    assert_refused(
        minimal,
        "content/donnees/ensembles.csv:4:9: menages_sous_60_pct : 3 ménages sous 60 % des "
        "plafonds dans l'ensemble E3, qui n'en loge que 2 (colonne menages)",
    )


def test_commune_outside_the_declared_territories(minimal):
    edit(minimal, "donnees/patrimoine.csv", "41025;;13;G;5", "75056;;13;G;5")
    assert_refused(
        minimal,
        "content/donnees/patrimoine.csv:9:1: DEPCOM : la commune 75056 (Paris, département 75) "
        "n'est dans aucun des territoires déclarés dans content/convention.yml (41, 200030385) : "
        "déclarez son département ou son EPCI, ou retirez ces lignes",
    )


def test_commune_of_a_declared_epci_across_the_border(minimal):
    """Only the EPCI is declared: its communes count, whatever their département."""
    edit(minimal, "convention.yml", '  - code: "41"\n    statut: associé\n', "")
    edit(minimal, "engagements.yml", 'territoire: "41"', 'territoire: "200030385"')
    status, stderr = check(minimal)
    assert "n'est dans aucun des territoires déclarés" not in stderr


def test_unreadable_csv_line_says_why(minimal):
    edit(minimal, "donnees/patrimoine.csv", "41009;;11", "41009;;;;11")
    assert_refused(
        minimal,
        "content/donnees/patrimoine.csv:8:1: ligne illisible : 13 champs pour 12 colonnes dans "
        "l'en-tête (un séparateur de trop, ou un texte qui en contient un sans guillemets)",
    )


def test_project_column_names_of_the_wrong_shape(minimal):
    (minimal / "content" / "donnees" / "colonnes.yml").write_text(
        "patrimoine:\n  DEPCOM: 5\n", encoding="utf-8"
    )
    assert_refused(
        minimal,
        "content/donnees/colonnes.yml:2:3: patrimoine.DEPCOM : une liste de noms de colonnes "
        "est attendue ([nom1, nom2])",
    )


# Markup is the closed text language's: its refusals are in tests/test_text.py.


def test_links_and_comparisons_are_not_markup(minimal):
    edit(
        minimal,
        "gestion_sociale.yml",
        "- Le texte du chapitre.",
        '- "Voir <https://www.ecologie.gouv.fr> ou <contact@exemple.fr> ; taux < 25 %."',
    )
    status, stderr = check(minimal)
    assert (status, stderr) == (0, "")


def test_init_into_an_impossible_path(tmp_path):
    target = tmp_path / "fichier"
    target.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(target / "convention")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"impossible de créer le dépôt dans {target / 'convention'} : un élément du chemin est "
        "un fichier, pas un dossier\n"
    )
