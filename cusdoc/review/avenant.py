"""The avenant: what changed since the signed convention, as the document the parties sign.

`cusdoc diff` shows a reviewer what changed; the avenant states it in numbered articles: each
part of the text rewritten, added or removed, and each territory's commitments as they were and
as they become. It is signed by the State, the organisation and the signatory partners whose
territory a change concerns.

Signed texts are marked by git tags (docs/avenants.md): `signee-AAAA` on the commit of the
signed convention, `avenant-K` on that of each signed avenant. The changes are those of the
working tree since the text in force: the last avenant signed after the convention, else the
convention itself.
"""

from dataclasses import replace
from pathlib import Path

from cusdoc import git
from cusdoc.errors import CusdocError
from cusdoc.model import (
    Avenant,
    Convention,
    EngagementContext,
    Paragraph,
    Partenaire,
    Section,
    Texte,
)
from cusdoc.pipeline import Project
from cusdoc.review.articles import TextArticles, by_line, commitment_article, ligne_of
from cusdoc.review.diff import differences, load

FINAL = "Les autres stipulations de la convention{} demeurent inchangées."
EFFECT = "Le présent avenant prend effet à la date de sa signature par la dernière des parties."


def build_avenant(root: Path, base: str | None = None, numero: int | None = None) -> list[Path]:
    """Write build/avenant-K.docx and .pdf: the changes of the working tree since the signed
    version `base` (by default the latest `signee-*` tag); on failure build/ stays as it was."""
    from cusdoc.export import export
    from cusdoc.export.convert import Templates
    from cusdoc.render import render_markdown
    from cusdoc.write import discard_stale, write_atomically

    in_force, avenant = amended(root, base, numero)
    before, old = load(root, in_force)
    after, new = load(root, git.WORKTREE)
    document = avenant_document(before, after, old.context, new, avenant)
    if document is None:
        raise CusdocError(
            f"aucune modification depuis la version signée ({in_force}) : pas d'avenant à produire"
        )
    templates = Templates.of(root)
    markdown = render_markdown(document, templates.root)
    files = export(markdown, document, templates, new.epoch, ("docx", "pdf"))
    target = root / "build"
    discard_stale(target)
    outputs = {target / f"avenant-{avenant.numero}.{fmt}": data for fmt, data in files.items()}
    write_atomically(outputs)
    return list(outputs)


def amended(root: Path, base: str | None, numero: int | None) -> tuple[str, Avenant]:
    """The revision of the text in force, and what the avenant says of itself: its number
    (by default, one more than the avenants signed since the convention), the day the
    convention was signed and the avenants signed since."""
    if git.commit(root) is None:
        raise CusdocError(
            "le projet n'est pas dans un dépôt git (ou n'a aucun commit) : l'avenant compare la "
            "version signée, enregistrée dans git, à l'état actuel des fichiers"
        )
    signed = base or latest_signed(root)
    git.resolve(root, signed)
    in_force, since = git.in_force(root, signed)
    precedents = [(rank, day) for rank, (_, day) in enumerate(since, start=1)]
    avenant = Avenant(numero or len(since) + 1, git.revision_date(root, signed), precedents)
    return in_force, avenant


def latest_signed(root: Path) -> str:
    """The most recent `signee-*` tag; a French error saying how to mark one if there is none."""
    found = git.latest_signed(root)
    if found is None:
        raise CusdocError(
            "aucune version signée : marquez le commit de la convention signée d'une étiquette "
            "git (git tag signee-2025 <commit>), ou donnez la version signée (cusdoc avenant "
            "<révision>)"
        )
    return found


def avenant_document(
    before: Convention,
    after: Convention,
    old_context: EngagementContext,
    project: Project,
    avenant: Avenant,
) -> Convention | None:
    """The avenant's document: one article per change of `after` from `before`, then the final
    article; signed by the parties the changes concern. None when nothing changed."""
    changes = differences(before, after, project.partenaires)
    texts = TextArticles(before, after)
    # In the order of the convention: each article ranked by its chapter, the commitments after
    # any change to the text of their chapter.
    order = [c.id for c in after.chapitres] + [c.id for c in before.chapitres] + ["engagements"]
    articles = []  # (rank, title, blocks)
    kept = []  # the territories of the changes an article states
    for change in changes.textes:
        article = texts.article(change.id)
        if article is not None:
            articles.append(((order.index(change.chapitre), 0), *article))
            kept += change.territoires
    for key, group in by_line(changes.engagements).items():
        old, new = ligne_of(before, key), ligne_of(after, key)
        article = commitment_article(group, old, new, old_context, project.context, project.geo)
        articles.append(((order.index("engagements"), 1), *article))
        kept.append(key[2])
    if not articles:
        return None
    articles.sort(key=lambda article: article[0])  # stable: a chapter's parts in their order
    since = f", telle que modifiée par {_avenants(avenant)}," if avenant.precedents else ""
    final = [Paragraph([Texte(FINAL.format(since))]), Paragraph([Texte(EFFECT)])]
    titled = [(title, blocks) for _, title, blocks in articles] + [("Dispositions finales", final)]
    partners = {p.code: p for p in project.partenaires}
    return replace(
        after,
        titre=f"Avenant n° {avenant.numero} à la convention d'utilité sociale",
        sous_titre=f"{after.periode[0]}-{after.periode[1]}",
        gabarit="avenant",
        parties=[
            p
            for p in after.parties
            if p.territoire is None or _concerned(partners.get(p.territoire), kept)
        ],
        chapitres=[
            Section(f"article-{n}", f"Article {n}", title, 2, blocks)
            for n, (title, blocks) in enumerate(titled, start=1)
        ],
        engagements=[],
        extrait=None,
        npl=None,
        avenant=avenant,
        version=replace(after.version, numero=None),  # not the convention's project number
    )


def _avenants(avenant: Avenant) -> str:
    """« l'avenant n° 1 », « les avenants n° 1 et n° 2 »."""
    numbers = [f"n° {numero}" for numero, _ in avenant.precedents]
    if len(numbers) == 1:
        return f"l'avenant {numbers[0]}"
    return f"les avenants {', '.join(numbers[:-1])} et {numbers[-1]}"


def _concerned(partner: Partenaire | None, territories: list[str]) -> bool:
    """Whether a change concerns a partner's territory (for a département, an EPCI in it)."""
    return partner is not None and any(partner.covers(code) for code in territories)
