"""Statistical secrecy across documents: decided once on the whole organisation's data, so that
no extract prints a count the convention masks, and no masked count follows from a printed rate
or by subtraction from printed totals, whatever documents one puts side by side."""

import json

import pytest
from click.testing import CliRunner

from cusdoc.cli import main
from cusdoc.model import TOTAL, Quantity, Table
from cusdoc.pipeline import check, document
from tests.test_extraits import AGGLOPOLYS, project  # noqa: F401  (the two-département fixture)

CHAMBORD = "244100798"
TOURS_METROPOLE = "243700754"
COLUMNS = [
    "Attributions",
    "dont hors QPV",
    "dont 1er quartile ou relogés, hors QPV",
    "dont ménages prioritaires",
    "dont DALO",
    "dont mutations",
]
QUARTILE, PRIORITAIRES, DALO = COLUMNS[2], COLUMNS[3], COLUMNS[4]
# The rates and the column of the attributions table that counts their numerator.
RATES = {"PS-1": QUARTILE, "PS-2": PRIORITAIRES, "PS-3": DALO, "PP-5": COLUMNS[5]}


def _attributions() -> str:
    """Signed leases of 2023, hors QPV: Agglopolys 12 (6 under its threshold, 7 DALO), Grand
    Chambord 6 (2 under its threshold), Tours 15 (5 priority households, 2 of them DALO).

    The convention masks Indre-et-Loire's 2 DALO, then the Loir-et-Cher's 7 so that the 2 do
    not follow from the whole's 9, then Agglopolys's 7 so that the Loir-et-Cher's do not follow
    from its EPCI; and Agglopolys's 6 households under the threshold, lest Grand Chambord's 2
    follow from the Loir-et-Cher's 8."""
    rows = ["annee,DEPCOM,QPV,bail_signe,ressources_uc,relogement_anru,prioritaire,dalo,mutation"]
    for i in range(12):
        dalo = int(i < 7)
        rows.append(f"2023,41018,0,1,{5000 if i < 6 else 12000},0,{dalo},{dalo},0")
    for i in range(6):
        rows.append(f"2023,41025,0,1,{3000 if i < 2 else 12000},0,0,0,0")
    for i in range(15):
        rows.append(f"2023,37261,0,1,20000,0,{int(i < 5)},{int(i < 2)},0")
    return "\n".join(rows) + "\n"


@pytest.fixture
def secret(project):  # noqa: F811
    donnees = project / "content" / "donnees"
    (donnees / "attributions.csv").write_text(_attributions(), encoding="utf-8")
    # Grand Chambord owes PS-1 here: its threshold, its declaration and its commitment
    with (donnees / "seuils_premier_quartile.csv").open("a", encoding="utf-8") as f:
        f.write(f"2023;{CHAMBORD};7500\n")
    _replace(
        project / "content" / "convention.yml",
        "signataires:",
        f'  - code: "{CHAMBORD}"\n    statut: associé\n    assujetti_ps1: plh\n\nsignataires:',
    )
    _replace(
        project / "content" / "engagements.yml",
        "  PS-2:",
        f'    - territoire: "{CHAMBORD}"\n'
        "      valeurs: {2025: 35, 2026: 35, 2027: 35, 2028: 35, 2029: 35, 2030: 35}\n  PS-2:",
    )
    zeros = "{2025: 0, 2026: 0, 2027: 0, 2028: 0, 2029: 0, 2030: 0}"
    _replace(
        project / "content" / "engagements.yml",
        f'  PS-2:\n    - territoire: "37"\n      valeurs: {zeros}\n',
        f'  PS-2:\n    - territoire: "37"\n      valeurs: {zeros}\n'
        "      justification: aucun logement en Indre-et-Loire.\n",
    )
    edl = project / "content" / "etat_des_lieux.yml"
    edl.write_text(
        edl.read_text(encoding="utf-8").replace(
            "      - tableau_calcule: parc_par_financement\n",
            "      - tableau_calcule: parc_par_financement\n"
            "      - tableau_calcule: attributions_par_territoire\n",
        ),
        encoding="utf-8",
    )
    return project


def _replace(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _attribution_table(convention) -> Table:
    def walk(section):
        for block in section.blocs:
            if isinstance(block, Table) and block.titre.startswith("Attributions suivies"):
                yield block
        for child in section.sections:
            yield from walk(child)

    return next(t for chapitre in convention.chapitres for t in walk(chapitre))


def _rows(convention, scope: str | None) -> list[tuple[tuple, dict[str, Quantity]]]:
    """Each printed row, as the organisation's row it counts, with its cells: in a
    département's extract the whole is the département; in an EPCI's, every row is the EPCI."""
    out = []
    for label, *cells in _attribution_table(convention).lignes:
        if scope is None:
            row = () if label == "Ensemble" else LABELS[label]
        elif scope in ("37", "41"):
            whole = label in ("Ensemble du territoire", names_of(scope))
            row = (scope,) if whole else LABELS[label]
        else:
            row = ("41", scope)
        out.append((row, dict(zip(COLUMNS, cells, strict=True))))
    return out


def names_of(code: str) -> str:
    return {"37": "Indre-et-Loire", "41": "Loir-et-Cher"}[code]


LABELS = {
    "Indre-et-Loire": ("37",),
    "Loir-et-Cher": ("41",),
    "dont Tours Métropole Val de Loire": ("37", TOURS_METROPOLE),
    "dont Communauté d'agglomération de Blois «\u00a0Agglopolys\u00a0»": ("41", AGGLOPOLYS),
    "dont Communauté de communes du Grand Chambord": ("41", CHAMBORD),
}


def _documents(root):
    checked = check(root)
    scopes = [None, *(p.code for p in checked.partenaires)]
    return checked, {scope: document(checked, scope) for scope in scopes}


def _printed_rates(convention) -> dict[tuple, float]:
    """(indicateur, niveau, territoire) → the reference rate a document prints."""
    out = {}
    for ligne in convention.engagements:
        reference = ligne.reference.get(TOTAL)
        shown = reference is not None and not reference.masked and reference.value is not None
        if ligne.indicateur.id in RATES and shown:
            out[(ligne.indicateur.id, ligne.niveau, ligne.territoire)] = reference.value
    return out


def test_the_convention_masks_what_protects_another_territory(secret):
    _, documents = _documents(secret)
    rows = dict(_rows(documents[None], None))
    masked = {(row, c) for row, cells in rows.items() for c, q in cells.items() if q.masked}
    # primary: Indre-et-Loire's 2 DALO, Grand Chambord's 2 under the threshold
    assert (("37",), DALO) in masked and (("41", CHAMBORD), QUARTILE) in masked
    # secondary: what would give them back by difference
    assert (("41",), DALO) in masked and (("41", AGGLOPOLYS), DALO) in masked
    assert (("41", AGGLOPOLYS), QUARTILE) in masked
    assert rows[()][DALO].value == 9 and not rows[()][DALO].masked


def test_a_masked_total_takes_one_of_its_parts_with_it():
    """A département masked to protect another (secondary) would follow from its EPCI if they
    were all printed: one of them is masked too."""
    from cusdoc.compute.secrecy import decide

    counts = {
        ("37",): [2],
        ("37", TOURS_METROPOLE): [2],
        ("41",): [12],
        ("41", AGGLOPOLYS): [6],
        ("41", CHAMBORD): [6],
        (): [14],
    }
    masked = {row for row, _ in decide(counts, ["DALO"], 5).masked}
    assert masked == {("37",), ("37", TOURS_METROPOLE), ("41",), ("41", AGGLOPOLYS)}


def test_no_extract_prints_a_count_the_convention_masks(secret):
    _, documents = _documents(secret)
    convention = dict(_rows(documents[None], None))
    for scope, extract in documents.items():
        if scope is None:
            continue
        for row, cells in _rows(extract, scope):
            for column, cell in cells.items():
                assert cell.value == convention[row][column].value, (scope, row, column)
                if convention[row][column].masked:
                    assert cell.masked, (scope, row, column)
    # the cells the extracts used to print: the Loir-et-Cher's 7 DALO, in its extract and
    # in Agglopolys's, where the département's row counts Agglopolys only
    seven = [("41",), ("41", AGGLOPOLYS)]
    for scope in ("41", AGGLOPOLYS):
        cells = [cells[DALO] for row, cells in _rows(documents[scope], scope) if row in seven]
        assert cells and all(cell.value == 7 and cell.masked for cell in cells), scope


def test_no_masked_count_follows_from_a_rate_or_a_subtraction(secret):
    """Put every document side by side: what they print, what printed rates times their
    denominators give, and what the totals give by difference, never reaches a masked count."""
    checked, documents = _documents(secret)
    seuil = checked.content.settings.seuil
    convention = dict(_rows(documents[None], None))
    masked = {(row, c) for row, cells in convention.items() for c, q in cells.items() if q.masked}
    known: dict[tuple, int] = {}
    for scope, doc in documents.items():
        for row, cells in _rows(doc, scope):
            for column, cell in cells.items():
                if not cell.masked:
                    known[(row, column)] = cell.value
    # a printed rate gives its numerator back, the denominator being known
    for scope, doc in documents.items():
        for (indicateur, niveau, territoire), value in _printed_rates(doc).items():
            rate = checked.context.taux[(indicateur, niveau, territoire, TOTAL)]
            numerator = round(value * rate.denominator / 100)
            assert numerator == 0 or numerator >= seuil, (scope, indicateur, territoire)
            row = (territoire,) if niveau == "departement" else ("41", territoire)
            if (row, RATES[indicateur]) in masked:
                pytest.fail(f"{indicateur} {territoire} printed although its count is masked")
            known.setdefault((row, RATES[indicateur]), numerator)
    # totals: the whole adds up its départements, a département its EPCI
    relations = [((), [("37",), ("41",)])]
    relations += [(("37",), [("37", TOURS_METROPOLE)])]
    relations += [(("41",), [("41", AGGLOPOLYS), ("41", CHAMBORD)])]
    changed = True
    while changed:
        changed = False
        for column in COLUMNS:
            for total, parts in relations:
                cells = [(total, column)] + [(p, column) for p in parts]
                unknown = [c for c in cells if c not in known]
                if len(unknown) != 1:
                    continue
                (cell,) = unknown
                others = sum(known[(p, column)] for p in parts if (p, column) in known)
                known[cell] = others if cell[0] == total else known[(total, column)] - others
                changed = True
    assert not masked & set(known), sorted(masked & set(known))


def test_a_rate_is_masked_with_its_count(secret):
    checked, documents = _documents(secret)
    rates = checked.context.taux
    # PS-1 Agglopolys: 6 of 12, a count the table masks lest Grand Chambord's 2 follow
    assert rates[("PS-1", "epci", AGGLOPOLYS, TOTAL)].masked
    # PS-3 of the Loir-et-Cher: its 7 DALO households are masked in the table
    assert rates[("PS-3", "departement", "41", TOTAL)].masked
    # PS-2: the 5 priority households of 15 in Indre-et-Loire, 7 of 18 in Loir-et-Cher
    assert not rates[("PS-2", "departement", "37", TOTAL)].masked
    assert not rates[("PS-2", "departement", "41", TOTAL)].masked
    for doc in documents.values():
        assert ("PS-1", "epci", AGGLOPOLYS) not in _printed_rates(doc)


def test_a_rate_with_few_households_is_masked_whatever_its_denominator(tmp_path):
    """The minimal project: 2 of the 5 signed leases of the Loir-et-Cher are to priority
    households; 40 % of 5 would give the 2 back."""
    from tests.conftest import PROJETS, copy_project

    root = copy_project(PROJETS / "minimal", tmp_path / "minimal")
    checked = check(root)
    rate = checked.context.taux[("PS-2", "departement", "41", TOTAL)]
    assert (rate.numerator, rate.denominator, rate.masked) == (2, 5, True)
    ps2 = next(ligne for ligne in document(checked).engagements if ligne.indicateur.id == "PS-2")
    assert ps2.reference[TOTAL].masked


def test_tidy_outputs_round_as_printed_and_omit_masked_values(secret):
    result = CliRunner().invoke(main, ["-C", str(secret), "indicateurs", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {
        (r["indicateur"], r["territoire"], r["nature"], r["annee"]): r["valeur"]
        for r in json.loads(result.stdout)
        if r["ventilation"] == TOTAL
    }
    assert rows[("PS-2", "37", "reference", "2023")] == 33.3  # 5 / 15, printed « 33,3 % »
    assert rows[("PS-2", "41", "reference", "2023")] == 38.9  # 7 / 18

    assert rows[("PS-1", AGGLOPOLYS, "reference", "2023")] is None
