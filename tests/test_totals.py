"""A writer's table whose « Total » row the data no longer make the sum of its rows."""

from click.testing import CliRunner

from cusdoc.cli import main
from tests.test_text import position, write_paragraph

QUARTIERS = """      - tableau:
          titre: Logements en quartier prioritaire
          colonnes: [Quartier, Logements]
          lignes:
            - [Quartier Nord, "§{logements_quartier_qn04101m}"]
            - [Total, "§{logements_qpv}"]
"""
SUBTOTALS = """      - tableau:
          titre: Logements par territoire
          colonnes: [Territoire, Logements, Ensembles]
          lignes:
            - [Agglopolys, "§{logements@200030385}", 1]
            - [Grand Chambord, 1, 1]
            - [Total du département, "§{logements@41}", 2]
            - [Total, "§{logements}", 2]
"""


def _check(root):
    return CliRunner().invoke(main, ["-C", str(root), "check"])


def test_a_total_the_rows_add_up_to_passes_subtotals_included(minimal):
    write_paragraph(minimal, QUARTIERS + SUBTOTALS)
    result = _check(minimal)
    assert result.exit_code == 0 and "avertissement" not in result.stderr, result.stderr


def test_a_total_the_new_data_no_longer_add_up_to_is_warned_at_its_cell(minimal):
    """Another quartier in the data: the total follows it, the typed rows do not."""
    text = write_paragraph(minimal, QUARTIERS)
    patrimoine = minimal / "content" / "donnees" / "patrimoine.csv"
    with patrimoine.open("a", encoding="utf-8") as f:
        f.write("41018;QN04102M;13;D;4;80;1990;C;S2;E2;oui;Blois\n")
    result = _check(minimal)
    assert result.exit_code == 0, result.stderr
    where = position(text, '"§{logements_qpv}"')
    assert result.stderr.splitlines() == [
        f"content/gestion_sociale.yml:{where}: sections[0].contenu[0].tableau.lignes[1][1] : "
        "avertissement : la ligne « Total » donne 4, mais les lignes au-dessus font 3 dans la "
        "colonne 2 : une partie manque ou est de trop (les données ont-elles changé ?) ; citez "
        "chaque partie par une valeur, ou retirez la ligne du total",
        "1 avertissement : la version de signature (--signature) est refusée tant qu'il en reste.",
    ]


TYPED = """      - tableau:
          titre: Flux
          colonnes: [Réservataire, Part, Logements]
          lignes:
            - [Ensemble Les Tilleuls, 33.3, "1 200"]
            - [État, 33.3, "215"]
            - [Action Logement, 33.4, 7]
            - [Total, 100, "1 400"]
"""


def test_typed_counts_are_added_but_not_shares_nor_a_row_named_ensemble(minimal):
    """« 1 200 » and 7 are counts; 33.3 is a share; « Ensemble Les Tilleuls » is a name. The
    table cites no value: it is checked all the same."""
    text = write_paragraph(minimal, TYPED)
    result = _check(minimal)
    assert result.exit_code == 0, result.stderr
    where = position(text, '"1 400"')
    assert result.stderr.splitlines()[0] == (
        f"content/gestion_sociale.yml:{where}: sections[0].contenu[0].tableau.lignes[3][2] : "
        "avertissement : la ligne « Total » donne 1\u202f400, mais les lignes au-dessus font "
        "1\u202f422 dans la colonne 3 : une partie manque ou est de trop (les données ont-elles "
        "changé ?) ; citez chaque partie par une valeur, ou retirez la ligne du total"
    )
    assert len(result.stderr.splitlines()) == 2
