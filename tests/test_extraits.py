"""Partner extracts: only the partner's territory, checked for leaks, nothing written on a leak."""

import datetime
import io
import multiprocessing

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from pypdf import PdfReader

from cusdoc.assemble import month_before
from cusdoc.cli import main
from cusdoc.errors import ContentError
from cusdoc.extracts import LeakError, build_extracts, pool
from cusdoc.extracts.leaks import scan_docx, scan_pdf
from cusdoc.extracts.terms import forbidden_terms
from cusdoc.load.geography import load_geographie
from cusdoc.pipeline import check
from tests.conftest import EPOCH, PROJETS, copy_project, docx_printed_text, leftovers

AGGLOPOLYS = "200030385"
ZEROS = "{2025: 0, 2026: 0, 2027: 0, 2028: 0, 2029: 0, 2030: 0}"
ZOOM_41 = """
  - id: zoom-41
    titre: Zoom territorial
    territoires: ["41"]
    contenu:
      - Le patrimoine de Blois se concentre dans les quartiers nord.
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The minimal project with a second, associated département (Indre-et-Loire)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = copy_project(PROJETS / "minimal", tmp_path / "projet")
    convention = root / "content" / "convention.yml"
    text = convention.read_text(encoding="utf-8").replace(
        "territoires:\n",
        'territoires:\n  - code: "37"\n    statut: associé\n'
        "    date_consultation: 2025-03-17\n"
        "    contact: {nom: Léa Morel, fonction: chargée de mission, courriel: lm@exemple.fr}\n",
    )
    convention.write_text(text, encoding="utf-8")
    edl = root / "content" / "etat_des_lieux.yml"
    edl.write_text(edl.read_text(encoding="utf-8") + ZOOM_41, encoding="utf-8")
    engagements = root / "content" / "engagements.yml"
    text = engagements.read_text(encoding="utf-8")
    for indicateur in ("PP-1", "PP-2", "PP-3", "PP-4", "PS-2", "SR-1"):
        declared = "      reference: 0\n" if indicateur == "PP-1" else ""
        text = text.replace(
            f"  {indicateur}:\n",
            f'  {indicateur}:\n    - territoire: "37"\n{declared}      valeurs: {ZEROS}\n',
        )
    engagements.write_text(text, encoding="utf-8")
    return root


def _partner(project, code: str):
    return check(project).partenaire(code)


def _text(path) -> str:
    document = docx.Document(path)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _printed(path) -> str:
    """What a reader sees in an extract, DOCX or PDF."""
    if path.suffix == ".docx":
        return docx_printed_text(path)
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.slow
def test_every_partner_gets_its_extract(project):
    written = build_extracts(project, workers=1)
    for path in written:
        assert leftovers(_printed(path)) == [], path.name
    names = sorted(p.name for p in written)
    assert names == [
        "200030385-communaute-d-agglomeration-de-blois-agglopolys.docx",
        "200030385-communaute-d-agglomeration-de-blois-agglopolys.pdf",
        "37-indre-et-loire.docx",
        "37-indre-et-loire.pdf",
        "41-loir-et-cher.docx",
        "41-loir-et-cher.pdf",
    ]


@pytest.mark.slow
def test_a_zoom_goes_to_its_territory_only(project):
    build_extracts(project, ["41", "37"], workers=1)
    extraits = project / "build" / "extraits"
    assert "Blois se concentre" in _text(extraits / "41-loir-et-cher.docx")
    assert "Blois" not in _text(extraits / "37-indre-et-loire.docx")


def test_the_cover_names_version_consultation_and_contact(project):
    build_extracts(project, ["37"], workers=1)
    text = _text(project / "build" / "extraits" / "37-indre-et-loire.docx")
    assert "Établi à l’intention du Département d’Indre-et-Loire, associé" in text
    assert "Réunion de consultation\u00a0: 17 mars 2025" in text
    assert "transmis au plus tard le 17 février 2025" in text
    assert "Léa Morel, chargée de mission, lm@exemple.fr" in text
    assert "Version\u00a0: Projet du 1er janvier 2026\u202f;" in text
    assert "les effectifs de moins de 5 ménages sont masqués" in text


@pytest.mark.parametrize(
    ("consultation", "limite"),
    [
        ("2025-04-30", "2025-03-30"),  # not the 28th: a full month, no more
        ("2025-03-31", "2025-02-28"),  # February has no 31st: its last day
        ("2024-03-30", "2024-02-29"),
        ("2025-01-15", "2024-12-15"),
    ],
)
def test_the_deadline_is_a_month_before_the_consultation(consultation, limite):
    day = datetime.date.fromisoformat
    assert month_before(day(consultation)) == day(limite)


def test_figures_are_recomputed_on_the_territory(project):
    build_extracts(project, [AGGLOPOLYS], workers=1)
    document_path = (
        project
        / "build"
        / "extraits"
        / f"{AGGLOPOLYS}-communaute-d-agglomeration-de-blois-agglopolys.docx"
    )
    document = docx.Document(document_path)
    financement = next(
        t for t in document.tables if t.cell(0, 0).text == "Financement" and len(t.columns) == 4
    )
    title = "Convention d’utilité sociale 2025-2030"
    extrait = "extrait pour la Communauté d’agglomération de Blois «\u00a0Agglopolys\u00a0»"
    assert document.core_properties.title == f"{title} — {extrait}"
    pdf = PdfReader(document_path.with_suffix(".pdf"))
    assert pdf.metadata.title == f"{title} — Habitat Exemple — {extrait}"
    assert financement.rows[-1].cells[1].text == "7"  # 7 of the 8 logements are in Agglopolys
    # the column of those 7 is headed by the EPCI: Loir-et-Cher has 8
    assert financement.cell(0, 1).text.startswith("Communauté d’agglomération de Blois")
    titles = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Signatures" in titles
    # the organisation's commitments (G-1) are not the partner's: they stay in the convention
    captions = [p.text for p in document.paragraphs if p.text.startswith("Tableau\u00a0")]
    assert captions and not [c for c in captions if "G-1" in c or "organisme" in c]
    assert "G-1 —" not in "\n".join(titles)


def test_signature_blocks_only_for_the_signatories_concerned(project):
    """A signatory EPCI signs with the State and the organisation; Indre-et-Loire, only
    associated with the drafting, is consulted on its extract and signs nothing."""
    build_extracts(project, ["37", AGGLOPOLYS], workers=1)
    extraits = project / "build" / "extraits"
    signing = docx.Document(
        extraits / f"{AGGLOPOLYS}-communaute-d-agglomeration-de-blois-agglopolys.docx"
    )
    table = next(t for t in signing.tables if t.style.name == "Signatures")
    blocks = [c.text for row in table.rows for c in row.cells if c.text.startswith("Pour ")]
    assert len(blocks) == 3
    assert any("en 3 exemplaires originaux" in p.text for p in signing.paragraphs)
    consulted = docx.Document(extraits / "37-indre-et-loire.docx")
    assert not [t for t in consulted.tables if t.style.name == "Signatures"]
    headings = [p.text for p in consulted.paragraphs if p.style.name.startswith("Heading")]
    assert "Signatures" not in headings and "exemplaires" not in docx_printed_text(
        extraits / "37-indre-et-loire.docx"
    )


def test_untagged_text_naming_another_territory_is_refused_with_its_position(project):
    edl = project / "content" / "etat_des_lieux.yml"
    edl.write_text(
        edl.read_text(encoding="utf-8").replace(
            "Un paragraphe avec une note", "À Blois, un paragraphe avec une note"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as error:
        build_extracts(project, workers=1)
    assert str(error.value.problems[0]) == (
        "content/etat_des_lieux.yml:8:9: sections[0].contenu[0] : « Blois » (Communauté "
        "d'agglomération de Blois «\u00a0Agglopolys\u00a0») fuirait dans l'extrait "
        "37 (Indre-et-Loire) : "
        "marquez ce passage avec « territoires » ou reformulez-le sans nommer de territoire"
    )
    assert not (project / "build" / "extraits").exists()


def test_the_output_check_searches_every_part_of_the_docx(project):
    geo = load_geographie()
    partner = _partner(project, "37")
    terms = forbidden_terms(partner, ["37", "41", AGGLOPOLYS], geo)
    document = docx.Document()
    document.add_paragraph("Rien à signaler.")
    document.sections[0].header.paragraphs[0].text = "Agglopolys"
    document.core_properties.subject = "Loir-et-Cher"
    bookmark = document.paragraphs[0]._p.makeelement(
        qn("w:bookmarkStart"), {qn("w:name"): "zoom-41018"}
    )
    document.paragraphs[0]._p.append(bookmark)
    buffer = io.BytesIO()
    document.save(buffer)
    found = {(leak.terme, leak.ou.split()[1]) for leak in scan_docx(buffer.getvalue(), terms)}
    assert ("Agglopolys", "word/header1.xml") in found
    assert ("Loir-et-Cher", "docProps/core.xml") in found
    assert ("41018", "word/document.xml") in found


def test_the_output_check_reads_the_pdf_text(project):
    build_extracts(project, ["41"], workers=1)
    pdf = (project / "build" / "extraits" / "41-loir-et-cher.pdf").read_bytes()
    geo = load_geographie()
    partner = _partner(project, "37")
    leaks = scan_pdf(pdf, forbidden_terms(partner, ["37", "41", AGGLOPOLYS], geo))
    assert {leak.terme for leak in leaks} >= {"Blois", "Loir-et-Cher"}


def test_a_leak_in_the_output_writes_nothing(project, monkeypatch):
    import cusdoc.extracts as extraction

    monkeypatch.setattr(extraction, "content_leaks", lambda *args: [])
    edl = project / "content" / "etat_des_lieux.yml"
    edl.write_text(
        edl.read_text(encoding="utf-8").replace(
            "Un paragraphe avec", "À Blois, un paragraphe avec"
        ),
        encoding="utf-8",
    )
    with pytest.raises(LeakError) as error:
        build_extracts(project, ["37"], workers=1)
    assert "build/extraits/37-indre-et-loire.docx : « Blois »" in str(error.value)
    assert not (project / "build" / "extraits").exists()


def test_unknown_partner_and_cli(project):
    runner = CliRunner()
    result = runner.invoke(main, ["-C", str(project), "extrait", "--partenaire", "99"])
    assert result.exit_code == 1
    assert "partenaire inconnu : 99" in result.stderr
    result = runner.invoke(main, ["-C", str(project), "extrait"])
    assert result.exit_code == 2
    assert "indiquez --partenaire CODE ou --tous" in result.stderr


@pytest.mark.slow
def test_the_example_gives_every_partner_a_leak_free_extract(tmp_path, monkeypatch):
    from tests.conftest import REPO

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = copy_project(REPO, tmp_path / "exemple")
    written = build_extracts(root)
    assert len(written) == 14  # 7 partners, DOCX and PDF
    for path in written:
        assert leftovers(_printed(path)) == [], path.name
    tours = _text(root / "build" / "extraits" / "243700754-tours-metropole-val-de-loire.docx")
    assert "Tours Métropole Val de Loire" in tours
    for other in ("Loir-et-Cher", "Agglopolys", "Blois", "Grand Chambord"):
        assert other not in tours


class NoProcess:
    """A process pool that must not start."""

    def __init__(self, *args, **kwargs):
        raise AssertionError("a worker process was started")


def test_no_worker_starts_when_every_extract_is_cached(project, monkeypatch):
    first = {p.name: p.read_bytes() for p in build_extracts(project, ["41", AGGLOPOLYS], workers=1)}
    monkeypatch.setattr(pool, "ProcessPoolExecutor", NoProcess)
    again = build_extracts(project, ["41", AGGLOPOLYS], workers=2)
    assert {p.name: p.read_bytes() for p in again} == first


def test_workers_start_before_the_check_only_when_nothing_is_cached(project, monkeypatch):
    started = []
    monkeypatch.setattr(pool.Workers, "start", lambda self, count=None: started.append(count))
    build_extracts(project, ["41"], workers=2)
    assert started == [None, 1]  # before the check (all of them), then for the one job
    started.clear()
    build_extracts(project, ["41", "37"], workers=2)
    assert started == [1]  # the cache holds 41's: only 37's job, converted here


def test_one_job_runs_here_without_a_pool(monkeypatch):
    monkeypatch.setattr(pool, "ProcessPoolExecutor", NoProcess)
    with pool.Workers(2) as workers:
        assert workers.map(str.upper, iter(["a"]), 1) == ["A"]
        assert workers.map(str.upper, iter([]), 0) == []


def test_a_problem_stops_the_workers_started_early_without_waiting_for_them(minimal):
    (minimal / "content" / "convention.yml").write_text("organisme: [\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build_extracts(minimal, workers=2)
    assert multiprocessing.active_children() == []


@pytest.mark.slow
def test_workers_started_early_make_the_same_extracts(project, tmp_path):
    alone = {p.name: p.read_bytes() for p in build_extracts(project, workers=1)}
    other = copy_project(project, tmp_path / "autre")
    assert not (other / "build").exists()  # nothing cached: the workers start at once
    early = {p.name: p.read_bytes() for p in build_extracts(other, workers=2)}
    assert early == alone


def test_a_list_cut_short_by_an_extract_still_ends_with_a_full_stop(minimal):
    """An item of another territory left out of the end of a list: the item that now ends it
    ends with the list's full stop, not with its « ; »."""
    from cusdoc.assemble.scope import filter_chapter

    agglopolys = check(minimal).partenaire(AGGLOPOLYS)
    chapter = {
        "liste": [
            "un premier point ;",
            {"texte": "un point de l'EPCI ;", "territoires": [AGGLOPOLYS]},
            {"texte": "un point d'ailleurs.", "territoires": ["37"]},
        ],
        "autre": ["a ;", "b."],
    }
    assert filter_chapter(chapter, agglopolys) == {
        "liste": [
            "un premier point ;",
            {"texte": "un point de l'EPCI.", "territoires": [AGGLOPOLYS]},
        ],
        "autre": ["a ;", "b."],
    }
    # a list whose last item stays is left as the writer wrote it
    whole = ["x ;", {"texte": "y ;", "territoires": ["37"]}, "z."]
    assert filter_chapter(whole, agglopolys) == ["x ;", "z."]


def test_a_partner_of_an_action_tagged_for_a_territory_is_named_in_its_extracts_only(minimal):
    from cusdoc.assemble.scope import filter_chapter

    agglopolys = check(minimal).partenaire(AGGLOPOLYS)
    action = {
        "partenaires": [
            "État",
            {"texte": "communauté d'agglomération", "territoires": [AGGLOPOLYS]},
            {"texte": "métropole", "territoires": ["243700754"]},
        ]
    }
    assert filter_chapter(action, agglopolys) == {
        "partenaires": [
            "État",
            {"texte": "communauté d'agglomération", "territoires": [AGGLOPOLYS]},
        ]
    }
