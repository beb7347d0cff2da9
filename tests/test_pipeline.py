"""The recipe: one check, documents per scope on views of the data, deliverables from the cache
only when nothing they depend on changed."""

import pytest

from cusdoc import extracts, pipeline
from cusdoc.extracts import build_extracts
from cusdoc.model import Quantity, Table
from cusdoc.pipeline import build, check, document, prepare
from tests.conftest import EPOCH, PROJETS, commit_project, copy_project, typed_data_kept
from tests.test_extraits import project  # noqa: F401  (the two-département fixture)

AGGLOPOLYS = "200030385"


def _cells(table: Table) -> list[list]:
    return [[c.value if isinstance(c, Quantity) else c for c in row] for row in table.lignes]


def _tables(convention) -> dict[str, list[list]]:
    """Title → cells of every table of a document, however deep."""
    out = {}

    def walk(section):
        for block in section.blocs:
            if isinstance(block, Table):
                out[block.titre] = _cells(block)
        for child in section.sections:
            walk(child)

    for chapitre in convention.chapitres:
        walk(chapitre)
    return out


def test_a_partner_view_restricts_the_data_and_leaves_the_connection_as_it_was(project):  # noqa: F811
    checked = check(project)
    typed_data_kept()
    state = (
        "SELECT current_setting('search_path'), (SELECT count(*) FROM duckdb_schemas()), "
        "(SELECT count(*) FROM duckdb_tables())"
    )
    before = checked.data.db.execute(state).fetchone()
    whole = _tables(document(checked))
    extract = _tables(document(checked, AGGLOPOLYS))
    assert checked.data.db.execute(state).fetchone() == before
    assert _tables(document(checked)) == whole
    # The financing table of the extract counts Agglopolys alone: 7 of the 8 logements of 41.
    parc = "Répartition du patrimoine par famille de financement initial"
    assert extract[parc][-1] == ["Total", 7, 7, 100.0]
    assert whole[parc][-1] == ["Total", 8, 8, 100.0]


def test_compute_returns_numbers_with_units_and_render_formats_them(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    (convention,) = prepare(root)
    ps1 = next(ligne for ligne in convention.engagements if ligne.indicateur.id == "PS-1")
    reference = ps1.reference["total"]
    assert reference.unit == "pourcent"
    # 3 signed leases hors QPV in Agglopolys: under the secrecy threshold, the rate is masked
    assert reference.masked == (
        "secret statistique (effectif inférieur à 5, ou qui permettrait d'en retrouver un par "
        "différence)"
    )


def test_an_unchanged_build_comes_from_the_cache_byte_for_byte(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = copy_project(PROJETS / "minimal", tmp_path)
    first = {p.name: p.read_bytes() for p in build(root, ("docx", "pdf"))}

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again although nothing changed")

    monkeypatch.setattr("cusdoc.export.to_docx", no_conversion)
    monkeypatch.setattr("cusdoc.export.to_pdf", no_conversion)
    second = {p.name: p.read_bytes() for p in build(root, ("docx", "pdf"))}
    assert second == first


def test_a_build_from_the_same_inputs_returns_at_once_with_its_warnings(tmp_path, monkeypatch):
    """Nothing read by the build changed: neither checked nor made again, warnings repeated;
    any change of the content, however small, goes through the whole recipe."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = copy_project(PROJETS / "minimal", tmp_path)
    chapter = root / "content" / "qualite_service.yml"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "note_de_redaction: Relire.\n", encoding="utf-8"
    )
    said = []
    first = {p.name: p.read_bytes() for p in build(root, ("docx", "md"), warn=said.append)}
    checks = []
    monkeypatch.setattr(
        pipeline, "check", lambda r, **options: checks.append(r) or check(r, **options)
    )
    again = {p.name: p.read_bytes() for p in build(root, ("docx", "md"), warn=said.append)}
    assert (again, checks) == (first, [])
    assert len(said) == 2 and said[0] == said[1] and said[0][0].avertissement
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    build(root, ("docx", "md"), warn=said.append)
    assert checks == [root]


def test_an_uncommitted_change_marks_and_rebuilds_only_the_extracts_it_reaches(
    project,  # noqa: F811
    monkeypatch,
):
    """The first uncommitted change does not make every extract « modified »: only those that
    print something the last commit does not."""
    commit_project(project)
    checked = check(project)
    assert {p.code: checked.version_of(p).modifie for p in checked.partenaires} == {
        "37": False,
        "41": False,
        AGGLOPOLYS: False,
    }
    zoom = project / "content" / "etat_des_lieux.yml"
    zoom.write_text(
        zoom.read_text(encoding="utf-8").replace("quartiers nord", "quartiers du nord"),
        encoding="utf-8",
    )
    checked = check(project)
    assert checked.version().modifie
    # The zoom is tagged 41: only the Loir-et-Cher's extract prints it.
    assert {p.code: checked.version_of(p).modifie for p in checked.partenaires} == {
        "37": False,
        "41": True,
        AGGLOPOLYS: False,
    }
    donnees = project / "content" / "donnees" / "patrimoine.csv"
    donnees.write_text(donnees.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    checked = check(project)
    assert all(checked.version_of(p).modifie for p in checked.partenaires)


@pytest.mark.slow
def test_changing_one_partner_rebuilds_only_its_extract_and_matches_a_clean_build(
    project,  # noqa: F811
    monkeypatch,
):
    build_extracts(project, workers=1)
    zoom = project / "content" / "etat_des_lieux.yml"
    zoom.write_text(
        zoom.read_text(encoding="utf-8").replace("quartiers nord", "quartiers du nord"),
        encoding="utf-8",
    )
    converted = []
    convert = extracts.convert
    monkeypatch.setattr(
        extracts, "convert", lambda job: converted.append(job.fichier) or convert(job)
    )
    paths = build_extracts(project, workers=1)
    # The zoom is tagged 41: the Loir-et-Cher and its EPCI change, Indre-et-Loire does not.
    assert "37-indre-et-loire" not in converted
    assert "41-loir-et-cher" in converted
    cached = {p.name: p.read_bytes() for p in paths}
    for path in (project / "build" / ".cache" / "extraits").iterdir():
        path.unlink()
    clean = {p.name: p.read_bytes() for p in build_extracts(project, workers=1)}
    assert cached == clean


def test_check_is_the_only_load_of_the_project(tmp_path, monkeypatch):
    """Every partner's document is prepared from one check: content and data read once."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    loads = []
    load_content = pipeline.load_content
    monkeypatch.setattr(pipeline, "load_content", lambda r: loads.append(r) or load_content(r))
    checked = check(root)
    for partenaire in checked.partenaires:
        document(checked, partenaire.code)
    assert len(loads) == 1


@pytest.mark.slow
def test_the_cache_key_of_a_scope_is_the_same_in_every_process(project):  # noqa: F811
    """Keys are compared across runs: nothing in them may depend on hash randomisation."""
    import subprocess
    import sys

    script = (
        "import sys; from pathlib import Path; from cusdoc.pipeline import check; "
        "from cusdoc.export.cache import key, scope_inputs; p = check(Path(sys.argv[1])); "
        "print([key(scope_inputs(p.content, x)) for x in [None, *p.partenaires]])"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", script, str(project)],
            capture_output=True,
            text=True,
            check=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2)
    }
    assert len(keys) == 1
