"""The values a sentence cites, §{nom}, agree with the tables and indicators of the same data."""

import shutil
from dataclasses import replace

import pytest

from cusdoc.compute import classement, foyers, npl
from cusdoc.compute.tables import share
from cusdoc.compute.values import (
    SECRET,
    STOCK,
    WORKS,
    known,
    npl_values,
    setting_values,
    situation,
    under_secret,
)
from cusdoc.load.geography import load_geographie
from cusdoc.model import ORGANISME, TOTAL, Quantity, slug
from cusdoc.pipeline import Project, check
from tests.conftest import REPO
from tests.synthetic import Commune, generate
from tests.test_living_figures import EPCI, justify_every_commitment, write_npl


@pytest.fixture(scope="module")
def project():
    return check(REPO)


def test_the_share_of_ps1_is_the_reference_of_each_epci(project):
    references = {
        key[2]: value
        for key, value in project.context.references.items()
        if key[:2] == ("PS-1", "epci") and key[3] == TOTAL
    }
    assert len(references) == 5
    for territoire, reference in references.items():
        value = project.values(territoire)["part_attributions_premier_quartile"].value
        assert value == pytest.approx(reference), territoire


def test_the_quartiers_add_up_to_the_logements_in_qpv(project):
    for territoire in (ORGANISME, "37", "41", "200073161"):
        values = project.values(territoire)
        quartiers = [v.value for k, v in values.items() if k.startswith("logements_quartier_")]
        assert sum(quartiers) == values["logements_qpv"].value, territoire


def test_small_dalo_counts_are_masked_with_their_share(project):
    values = project.values("244100798")
    assert values["attributions_dalo"].masked and values["part_attributions_dalo"].masked


def test_a_quartier_is_named_by_its_code_in_lower_case():
    assert known("logements_quartier_qn037006m", None, set())
    assert not known("logements_quartier_QN037006M", None, set())


def test_the_attributions_of_each_year_are_counted_and_the_reference_year_is_the_default(project):
    values = project.values(ORGANISME)
    assert values["attributions_2023"] == values["attributions"]
    assert known("attributions_2021", None, set()) and not known("attributions_21", None, set())


def test_the_segments_of_the_strategic_plan_add_up_to_the_stock(project):
    values = project.values(ORGANISME)
    segments = [v.value for k, v in values.items() if k.startswith("logements_segment_")]
    assert sum(segments) == values["logements"].value
    assert known("part_segment_ceder", None, set())


def test_the_works_cited_are_the_references_of_their_indicators(project):
    """§{rehabilitations}… count what the references of PP-3… count, in each département and
    for the whole organisation (the sum of the départements)."""
    pairs = {
        "renovations_energetiques": "PP-2",
        "rehabilitations": "PP-3",
        "mises_en_commercialisation": "PP-4",
        "adaptations_pmr": "SR-1",
    }
    references = project.context.references
    for name, indicateur in pairs.items():
        parts = [references[(indicateur, "departement", d, TOTAL)] for d in ("37", "41")]
        for departement, part in zip(("37", "41"), parts, strict=True):
            assert project.values(departement)[name].value == part, (name, departement)
        assert project.values(ORGANISME)[name].value == sum(parts), name


# --- The values of every territory, computed at once, are those of each territory's own view.

# An undeclared département without a logement: its values are those of no row at all.
UNDECLARED = "36"
# Rates weighted by logements: DuckDB added them in the order its rows came, cusdoc adds them
# exactly; both agree to the last digits.
WEIGHTED = ("taux_vacance", "taux_rotation")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Project:
    """The example's text on a small generated organisation, with its NPL annex."""
    root = tmp_path_factory.mktemp("donnees-generees")
    shutil.copytree(REPO / "content", root / "content")
    donnees = root / "content" / "donnees"
    for data_file in donnees.glob("*.csv"):
        data_file.unlink()
    geo = load_geographie()
    communes = [Commune(c) for e in EPCI for c in sorted(geo.communes_of_epci(e))]
    generate(donnees, communes, 15000, [2021, 2022, 2023], seed=5)
    shutil.copy(REPO / "content" / "donnees" / "foyers.csv", donnees)
    write_npl(donnees, geo)
    justify_every_commitment(root / "content" / "engagements.yml")
    return check(root)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["exemple", "generees"])
def test_the_values_of_every_territory_are_those_of_its_own_view(case, project, generated):
    checked = project if case == "exemple" else generated
    declared = [t["code"] for t in checked.content.convention["territoires"]]
    for territoire in [ORGANISME, *declared, UNDECLARED]:
        expected = reference_values(checked, territoire)
        found = checked.values(territoire)
        assert found.keys() == expected.keys(), territoire
        for name, value in expected.items():
            if name in WEIGHTED and value.value is not None:
                assert found[name].value == pytest.approx(value.value, rel=1e-12), name
                value = replace(value, value=found[name].value)
            assert found[name] == value, (territoire, name)


def reference_values(project: Project, territoire: str) -> dict:
    """The values of one territory computed on its view of the data, query by query, as cusdoc
    computed them one territory at a time."""
    settings = project.content.settings
    out = dict(setting_values(settings.periode, settings.annee_reference, settings.seuil))
    data = project.data
    if territoire != ORGANISME:
        data = data.territory(project.geo.territoire(territoire).nature, territoire)
    config = project.content.sources["classement"].data
    out |= view_values(data, settings.annee_reference, settings.seuil, config)
    out["npl_plafond_pls"] = Quantity(
        project.content.sources["npl"].data["plafond_pls"]["valeur"], "euros_m2"
    )
    whole = out if territoire == ORGANISME else reference_values(project, ORGANISME)
    out["part_parc"] = share(out["logements"].value, whole["logements"].value)
    out["regime_foyers"] = foyers.regime(whole["part_foyers"].value)
    # not a value of the data (tests/test_text.py checks what it prints)
    out["sur_le_territoire"] = situation(
        None if territoire == ORGANISME else project.geo.territoire(territoire)
    )
    return under_secret(out, project.secret, project._leaves(territoire))


def view_values(data, annee: int, seuil: int, config: dict) -> dict[str, Quantity]:
    counts = ", ".join(f"count(*) FILTER (WHERE {c})" for _, c in STOCK.values())
    total, ensembles, communes, quartiers, moyenne, *stock = data.execute(
        "SELECT count(*), count(DISTINCT ENSEMBLE), count(DISTINCT DEPCOM), "
        f"count(DISTINCT QPV), avg(CONSTRUCT), {counts} FROM logements"
    ).fetchone()
    out = {
        "logements": Quantity(total),
        "ensembles": Quantity(ensembles),
        "communes": Quantity(communes),
        "quartiers_qpv": Quantity(quartiers),
        "annee_construction_moyenne": Quantity(moyenne and round(moyenne), "annee"),
    }
    for key, n in zip(STOCK, stock, strict=True):
        out |= {f"logements_{key}": Quantity(n), f"part_{key}": percent(n, total)}
    for quartier, n in data.execute(
        "SELECT QPV, count(*) FROM logements WHERE en_qpv GROUP BY QPV"
    ).fetchall():
        out[f"logements_quartier_{quartier.lower()}"] = Quantity(n)
    for segment, n in data.execute(
        "SELECT CODSEGPATRIM, count(*) FROM logements WHERE CODSEGPATRIM IS NOT NULL "
        "GROUP BY CODSEGPATRIM"
    ).fetchall():
        name = slug(segment, "_")
        out |= {f"logements_segment_{name}": Quantity(n), f"part_segment_{name}": percent(n, total)}
    out |= attribution_values(data, annee, seuil)
    sums = ", ".join(f"coalesce(sum(logements) FILTER (WHERE {c}), 0)" for _, c in WORKS.values())
    row = data.execute(f"SELECT {sums} FROM operations WHERE annee = ?", [annee]).fetchone()
    out |= {name: Quantity(n) for name, n in zip(WORKS, row, strict=True)}
    return (
        out
        | ensemble_values(data, seuil, config)
        | npl_values(npl.ensembles(data), None)
        | foyer_values(data)
    )


def masked(*counts: tuple[int, int]) -> str | None:
    return SECRET if any(0 < n < seuil for n, seuil in counts) else None


def percent(n, total, why: str | None = None) -> Quantity:
    return Quantity(100 * n / total if total else None, "pourcent", masked=why)


def attribution_values(data, annee: int, seuil: int) -> dict[str, Quantity]:
    total, *counts = data.execute(
        "SELECT count(*), count(*) FILTER (WHERE QPV), count(*) FILTER (WHERE prioritaire OR "
        "dalo), count(*) FILTER (WHERE mutation), count(*) FILTER (WHERE dalo) "
        "FROM attribution WHERE annee = ? AND bail_signe",
        [annee],
    ).fetchone()
    out = {"attributions": Quantity(total, masked=masked((total, seuil)))}
    for year, n in data.execute(
        "SELECT annee, count(*) FROM attribution WHERE bail_signe GROUP BY annee"
    ).fetchall():
        out[f"attributions_{year}"] = Quantity(n, masked=masked((n, seuil)))
    for key, n in zip(("qpv", "prioritaires", "mutations", "dalo"), counts, strict=True):
        out[f"attributions_{key}"] = Quantity(n, masked=masked((n, seuil)))
        why = masked((total, seuil), (n, seuil))
        out[f"part_attributions_{key}"] = percent(n, total, why)
    rows = data.execute(
        """
        SELECT QPV, count(*), count(*) FILTER (WHERE ressources_uc < s.seuil OR relogement_anru),
               count(*) FILTER (WHERE ressources_uc >= s.seuil)
        FROM attribution a JOIN seuils_premier_quartile s ON s.EPCI = a.epci AND s.annee = a.annee
        WHERE a.annee = ? AND bail_signe GROUP BY QPV
        """,
        [annee],
    ).fetchall()
    by_qpv = {bool(qpv): (total, premier, autres) for qpv, total, premier, autres in rows}
    total, n, _ = by_qpv.get(False, (0, 0, 0))
    out["part_attributions_premier_quartile"] = percent(
        n, total, masked((total, seuil), (n, seuil))
    )
    total, _, n = by_qpv.get(True, (0, 0, 0))
    why = masked((total, seuil), (n, seuil))
    out["part_attributions_qpv_autres_quartiles"] = percent(n, total, why)
    return out


def ensemble_values(data, seuil: int, config: dict) -> dict[str, Quantity]:
    menages, vacance, rotation = data.execute(
        """
        SELECT sum(e.menages), sum(e.taux_vacance * n.logements) / nullif(sum(n.logements), 0),
               sum(e.taux_rotation * n.logements) / nullif(sum(n.logements), 0)
        FROM ensembles e
        JOIN (SELECT ENSEMBLE, count(*) AS logements FROM logements GROUP BY ENSEMBLE) n
          ON n.ENSEMBLE = e.ENSEMBLE
        """
    ).fetchone()
    menages = int(menages or 0)
    out = {
        "menages": Quantity(menages, masked=masked((menages, seuil))),
        "taux_vacance": Quantity(vacance, "pourcent"),
        "taux_rotation": Quantity(rotation, "pourcent"),
    }
    rows = classement.classify(data, config, seuil)
    for classe in "ABCD":
        kept = [r for r in rows if r["classe"] == classe]
        out[f"ensembles_service_{classe.lower()}"] = Quantity(len(kept))
        out[f"logements_service_{classe.lower()}"] = Quantity(sum(r["logements"] for r in kept))
    categories = [c["categorie"] for c in config["occupation"]["categories"]]
    for name in (*categories, classement.NON_PUBLIEE):
        kept = [
            r
            for r in rows
            if (r["categorie"] == name and r["publiee"])
            or (name == classement.NON_PUBLIEE and not r["publiee"])
        ]
        out[f"ensembles_occupation_{slug(name, '_')}"] = Quantity(len(kept))
        out[f"logements_occupation_{slug(name, '_')}"] = Quantity(sum(r["logements"] for r in kept))
    return out


def foyer_values(data) -> dict[str, Quantity]:
    found = foyers.counts(data)
    return {
        "foyers": Quantity(found["etablissements"]),
        "equivalents_foyers": Quantity(found["equivalents"]),
        "equivalents_foyers_fg": Quantity(found["equivalents_fg"]),
        "part_foyers": Quantity(found["part"], "pourcent"),
    }
