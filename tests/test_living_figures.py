"""The example's text tells the truth (issue 9): every figure the data determine is computed,
in the convention and in every extract, and follows the data when they are replaced."""

import csv
import math
import re
import shutil
from pathlib import Path

import pytest

from cusdoc import TEMPLATES
from cusdoc.load.geography import load_geographie
from cusdoc.model import (
    ORGANISME,
    Convention,
    Emphase,
    Lien,
    Liste,
    Note,
    Paragraph,
    Quantity,
    Section,
    Table,
    Texte,
    Valeur,
)
from cusdoc.pipeline import check, document
from cusdoc.render import render_markdown
from cusdoc.render.formats import nombre, pourcent
from cusdoc.render.text import valeur
from cusdoc.render.typography import typographie
from tests.conftest import REPO
from tests.synthetic import Commune, generate

# Another organisation's data is generated and every document rendered twice: `make test-lent`.
pytestmark = pytest.mark.slow

EPCI = ("243700754", "200073161", "200072650", "200030385", "244100798")


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> tuple[Path, Path]:
    """The example, and the example with another organisation's data (seed 11)."""
    example = tmp_path_factory.mktemp("exemple")
    shutil.copytree(REPO / "content", example / "content")
    other = tmp_path_factory.mktemp("autres-donnees")
    shutil.copytree(REPO / "content", other / "content")
    for data_file in (other / "content" / "donnees").glob("*.csv"):
        data_file.unlink()
    geo = load_geographie()
    communes = [Commune(c) for e in EPCI for c in sorted(geo.communes_of_epci(e))]
    generate(other / "content" / "donnees", communes, 15000, [2021, 2022, 2023], seed=11)
    shutil.copy(REPO / "content" / "donnees" / "foyers.csv", other / "content" / "donnees")
    write_npl(other / "content" / "donnees", geo)
    justify_every_commitment(other / "content" / "engagements.yml")
    return example, other


def write_npl(donnees: Path, geo) -> None:
    """The example's NPL annex on the other organisation's ensembles: in each of the two
    agglomerations, part of a first ensemble's mass of rent maximums goes to a second one."""
    logements: dict[str, list[float]] = {}
    with (donnees / "patrimoine.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            logements.setdefault(row["ENSEMBLE"], []).append(
                float(row["SURFHAB"].replace(",", "."))
            )
    rows = ["ensemble;situation;categorie;logements;surface_m2;loyer_maximum_m2"]
    for epci in ("243700754", "200030385"):
        communes = geo.communes_of_epci(epci)
        first, second = [e for e in sorted(logements) if e.split("-")[0] in communes][:2]
        surfaces = [round(sum(logements[e]), 2) for e in (first, second)]
        moved = 0.5 * surfaces[0]  # € of rent maximums the first ensemble gives up
        after = [5.5, math.floor((4.2 * surfaces[1] + moved) / surfaces[1] * 100) / 100]
        for ensemble, surface, before, loyer in zip(
            (first, second), surfaces, (6.0, 4.2), after, strict=True
        ):
            n, m2 = len(logements[ensemble]), f"{surface:.2f}".replace(".", ",")
            rows.append(f"{ensemble};avant;HLM/O;{n};{m2};{before:.2f}".replace(".", ","))
            rows.append(f"{ensemble};apres;PLUS;{n};{m2};{loyer:.2f}".replace(".", ","))
    (donnees / "npl.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def justify_every_commitment(path: Path) -> None:
    """The example's targets measured against another organisation's references may fall short
    of them: each territory's commitment says why, as a writer would."""
    rows = re.split(r"(?m)^(?=    - territoire:)", path.read_text(encoding="utf-8"))
    justified = [
        row
        if "justification:" in row or not row.startswith("    - territoire:")
        else re.sub(r"(?m)^(      valeurs: .*\n)", r"\1      justification: autres données.\n", row)
        for row in rows
    ]
    path.write_text("".join(justified), encoding="utf-8")


def texts(items):
    """(text, in_value) of every piece of the writers' text, notes and links included."""
    for item in items:
        if isinstance(item, Texte):
            yield item.text
        elif isinstance(item, Emphase | Lien | Note):
            yield from texts(item.contenu)


def values(items):
    for item in items:
        if isinstance(item, Valeur):
            yield item
        elif isinstance(item, Emphase | Lien | Note):
            yield from values(item.contenu)


def rich_pieces(convention: Convention, sourced: bool | None = None):
    """Every parsed text of a document: paragraphs, list items, writers' table cells; with
    sourced=False, only the text that declares no source (a note « Source : … », a table's
    source line)."""

    def blocks(items):
        for block in items:
            if isinstance(block, Paragraph):
                yield block.contenu
            elif isinstance(block, Liste):
                yield from block.items
            elif isinstance(block, Table) and (sourced is None or not block.source):
                for row in block.lignes:
                    yield from (cell for cell in row if isinstance(cell, list))

    def walk(section: Section):
        yield from blocks(section.blocs)
        for action in section.actions:
            for part in (action.aujourd_hui, action.objectifs, action.moyens_et_etapes):
                yield from blocks(part)
        for child in section.sections:
            yield from walk(child)

    for chapitre in convention.chapitres:
        for piece in walk(chapitre):
            if sourced is None or not declares_source(piece):
                yield piece


def declares_source(piece) -> bool:
    return any(
        isinstance(item, Note) and "".join(texts(item.contenu)).startswith("Source")
        for item in piece
    )


# The figures a writer is most tempted to type: the stock, its QPV, F/G, accessible and social
# shares, the attributions, the occupation and the rates of vacancy and rotation.
WATCHED = (
    "logements",
    "ensembles",
    "logements_qpv",
    "part_qpv",
    "logements_fg",
    "part_fg",
    "logements_classe_g",
    "logements_classe_e",
    "logements_pmr",
    "part_pmr",
    "logements_plai",
    "part_plai",
    "logements_collectifs",
    "logements_individuels",
    "attributions",
    "menages",
    "taux_vacance",
    "taux_rotation",
)


def data_figures(project) -> set[str]:
    """The watched figures as printed, for the organisation and each territory: counts of 100
    and more, shares with their decimal — what a writer could not type by chance."""
    out = set()
    for code in [ORGANISME, *(t["code"] for t in project.content.convention["territoires"])]:
        values = project.values(code)
        for value in (values[name] for name in WATCHED):
            if not isinstance(value, Quantity) or value.value is None or value.masked:
                continue
            if value.unit == "nombre" and value.value >= 100:
                out.add(nombre(value.value))
            elif value.unit == "pourcent" and value.value:
                out.add(pourcent(value.value))
    return {typographie(f) for f in out}


def scopes(project):
    return [None, *(p.code for p in project.partenaires)]


def test_no_figure_of_the_data_is_typed_by_hand(projects):
    example, _ = projects
    project = check(example)
    figures = sorted(data_figures(project), key=len, reverse=True)
    # a figure alone: not part of a longer number, a date, a decree number or a percentage
    alone = (
        r"(?<![\d,\-\u202f])("
        + "|".join(map(re.escape, figures))
        + r")(?![\d,]|\s?(%|€|euros|millions))"
    )
    pattern = re.compile(alone)
    typed = set()
    for scope in scopes(project):
        for piece in rich_pieces(document(project, scope), sourced=False):
            for text in texts(piece):
                typed |= {(m[1], text[:60]) for m in pattern.finditer(typographie(text))}
    # the classement's thresholds are the configuration of content/classement.yml, stated
    config = project.content.sources["classement"].data["occupation"]["categories"]
    thresholds = {
        typographie(pourcent(bound["minimum"]))
        for category in config
        for bound in category.get("conditions", {}).values()
    }
    assert {figure for figure, _ in typed} - thresholds == set(), (
        f"chiffres des données saisis à la main au lieu de §{{nom}} : {sorted(typed)}"
    )


def test_every_value_follows_the_data_in_the_convention_and_every_extract(projects):
    example, other = projects
    before, after = check(example), check(other)
    changed = 0
    for scope in scopes(before):
        old = [v for piece in rich_pieces(document(before, scope)) for v in values(piece)]
        new_document = document(after, scope)
        new = [v for piece in rich_pieces(new_document) for v in values(piece)]
        markdown = render_markdown(new_document, TEMPLATES)
        assert [(v.nom, v.territoire) for v in old] == [(v.nom, v.territoire) for v in new]
        for a, b in zip(old, new, strict=True):
            assert b.quantite is not None, b.nom
            printed = typographie(valeur(b.quantite))
            assert printed in markdown, (scope, b.nom, printed)
            if valeur(a.quantite) != valeur(b.quantite):
                changed += 1
    assert changed > 0


def test_no_extract_carries_a_figure_of_the_organisation(projects):
    example, _ = projects
    project = check(example)
    for partenaire in project.partenaires:
        extract = document(project, partenaire.code)
        cited = {v.territoire for piece in rich_pieces(extract) for v in values(piece)}
        assert cited <= {None, partenaire.code, *partenaire.epci}, partenaire.code
        assert {ligne.niveau for ligne in extract.engagements} <= {"departement", "epci"}
        assert all(partenaire.covers(ligne.territoire) for ligne in extract.engagements)
        markdown = render_markdown(extract, TEMPLATES)
        assert "Ensemble du patrimoine" not in markdown
