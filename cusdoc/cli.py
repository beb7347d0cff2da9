"""The command line: a thin layer over cusdoc.build."""

import errno
from pathlib import Path

import click

from cusdoc import __version__, cli_fr
from cusdoc.errors import ContentError, Problem, ToolError, os_reason, plural
from cusdoc.pipeline import DELIVERABLES, build, check, check_signable, prepare

cli_fr.install()

CONTEXT = {"help_option_names": ["-h", "--aide", "--help"]}


def github_annotation(problem: Problem) -> str:
    """::error (or ::warning) file=…,line=…,col=…::message, escaped as GitHub Actions reads
    it."""

    def escape(text: str, properties: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if properties else text

    message = f"{problem.path} : {problem.message}" if problem.path else problem.message
    level = "warning" if problem.avertissement else "error"
    return (
        f"::{level} file={escape(problem.file, True)},line={problem.line},"
        f"col={problem.column}::{escape(message)}"
    )


def warn(warnings: list[Problem]) -> None:
    """A project's warnings, on the error output: they stop only the signature version."""
    for warning in warnings:
        click.echo(str(warning), err=True)
    click.echo(
        f"{plural(len(warnings), 'avertissement')} : la version de signature (--signature) "
        "est refusée tant qu'il en reste.",
        err=True,
    )


def unexplained(warnings: list[Problem]) -> None:
    """The gaps of a bilan the organisation does not explain, on the error output."""
    for warning in warnings:
        click.echo(str(warning), err=True)
    atteint = "atteints" if len(warnings) > 1 else "atteint"
    click.echo(
        f"{plural(len(warnings), 'engagement')} non {atteint} sans explication : le bilan les "
        "présente sans commentaire de l'organisme.",
        err=True,
    )


SIGNATURE = click.option(
    "--signature",
    is_flag=True,
    help="Version de signature : refusée tant qu'il reste un avertissement ou une modification "
    "non enregistrée dans un commit ; la page de titre porte « Version signée du … ».",
)


def format_option(choices: list[str], help_text: str):
    """--format, one of the choices, the first by default."""
    return click.option(
        "-f",
        "--format",
        "format_",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help_text,
    )


def _formats(ctx, param, value: str) -> tuple[str, ...]:
    chosen = tuple(f.strip() for f in value.split(",") if f.strip())
    unknown = [f for f in chosen if f not in DELIVERABLES]
    if unknown or not chosen:
        raise click.BadParameter(
            f"formats possibles : {', '.join(DELIVERABLES)} (séparés par des virgules) ; "
            f"trouvé « {value} »"
        )
    return chosen


class Commands(click.Group):
    """The commands, under a net: the stages report what they foresee at file:line:column; a
    file the system refuses (permissions, a vanished folder) or a query stopped by Ctrl-C
    still ends in French, never in a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as error:
            if error.errno == errno.EPIPE:  # the reader went away: click ends quietly
                raise
            where = f" {error.filename}" if error.filename else ""
            raise ToolError(
                f"accès impossible à{where or ' un fichier'} ({os_reason(error)}) : vérifiez "
                "ses droits de lecture et d'écriture, puis relancez la commande"
            ) from error
        except RuntimeError as error:  # DuckDB turns Ctrl-C during a query into this
            if str(error) == "Query interrupted":
                raise click.Abort() from error
            raise


@click.group(cls=Commands, context_settings=CONTEXT, subcommand_metavar="COMMANDE [ARGUMENTS]...")
@click.version_option(__version__, "--version", message="cusdoc %(version)s")
@click.option(
    "-C",
    "--projet",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Dossier du projet (celui qui contient content/ et templates/).",
)
@click.pass_context
def main(ctx, projet: Path) -> None:
    """cusdoc : la convention d'utilité sociale d'un organisme HLM, tenue comme du code.

    Le contenu (content/*.yml) est vérifié puis mis en forme en DOCX et en PDF dans build/.
    """
    ctx.obj = projet


@main.command("check")
@format_option(
    ["texte", "github"],
    "github : chaque problème en annotation GitHub Actions, sur sa ligne du fichier.",
)
@click.option(
    "--signature",
    is_flag=True,
    help="Vérifie aussi ce que demande la version de signature : aucun avertissement, aucune "
    "modification hors commit.",
)
@click.pass_obj
def check_command(projet: Path, format_: str, signature: bool) -> None:
    """Vérifie le contenu sans rien produire.

    Chaque problème est signalé sur une ligne « fichier:ligne:colonne: chemin : message » ;
    le code de sortie est 1 s'il y en a au moins un. Les avertissements (notes de rédaction,
    formulations non relues) n'arrêtent que la version de signature ; avec --signature, ils
    donnent aussi le code de sortie 1.

    Exemple : cusdoc check --signature
    """
    try:
        project = check(projet)
    except ContentError as error:
        if format_ != "github":
            raise
        click.echo("\n".join(map(github_annotation, error.problems)))
        raise SystemExit(1) from error
    if format_ == "github" and project.warnings:
        click.echo("\n".join(map(github_annotation, project.warnings)))
    if signature:
        check_signable(project)
    elif project.warnings and format_ != "github":
        warn(project.warnings)
    click.echo(project.summary)


@main.command("build")
@click.option(
    "-f",
    "--format",
    "formats",
    default="docx,pdf,xlsx",
    show_default=True,
    metavar="FORMATS",
    callback=_formats,
    help="Formats à produire, séparés par des virgules : docx, pdf, xlsx (indicateurs), md.",
)
@SIGNATURE
@click.pass_obj
def build_command(projet: Path, formats: tuple[str, ...], signature: bool) -> None:
    """Vérifie le contenu puis produit la convention dans build/.

    Si une étape échoue, les fichiers déjà présents dans build/ restent inchangés. La page de
    titre porte « Projet n° N du … » (version.numero_projet de content/convention.yml), ou
    « Version signée du … » avec --signature.

    Exemple : cusdoc build --signature
    """
    for path in build(projet, formats, signature, warn):
        click.echo(f"Produit : {path}")


@main.command("indicateurs")
@format_option(["csv", "json"], "Format de sortie.")
@click.pass_obj
def indicateurs_command(projet: Path, format_: str) -> None:
    """Affiche les indicateurs, une ligne par indicateur, territoire, ventilation et année.

    Colonnes : indicateur, niveau, territoire, ventilation, annee, nature (reference,
    engagement ou realise), valeur, unite. Les cumuls à trois et six ans portent sur une période
    (« 2025-2027 »). Le réalisé d'une année de la période est calculé à partir des données de
    cette année (attributions.csv, travaux.csv) ou déclaré avec sa source dans
    content/realise.yml ; un cumul du réalisé (nombres seulement) n'est donné que si chacune
    de ses années a son réalisé.

    Exemple : cusdoc indicateurs --format csv > indicateurs.csv
    """
    from cusdoc.export.tidy import tidy_rows, to_csv, to_json

    (convention,) = prepare(projet)
    rows = tidy_rows(convention)
    click.echo(to_csv(rows) if format_ == "csv" else to_json(rows), nl=format_ == "json")


@main.command("extrait")
@click.option(
    "-p",
    "--partenaire",
    "codes",
    multiple=True,
    metavar="CODE",
    help="Code du département ou SIREN de l'EPCI (option répétable).",
)
@click.option("--tous", is_flag=True, help="Un extrait pour chaque partenaire déclaré.")
@SIGNATURE
@click.pass_obj
def extrait_command(projet: Path, codes: tuple[str, ...], tous: bool, signature: bool) -> None:
    """Produit l'extrait de la convention destiné à un partenaire (EPCI ou département).

    L'extrait ne contient que le territoire du partenaire : l'état des lieux, les orientations
    et les engagements qui le concernent, et les blocs de signature d'un partenaire signataire
    (un partenaire associé, consulté, ne signe rien). Chaque extrait est vérifié :
    s'il nomme un autre territoire, rien n'est écrit et la fuite est signalée.
    Les fichiers sont écrits dans build/extraits/ (DOCX et PDF).

    Exemple : cusdoc extrait --partenaire 243700754
    """
    from cusdoc.extracts import build_extracts

    if tous == bool(codes):
        raise click.UsageError("indiquez --partenaire CODE ou --tous")
    chosen = None if tous else list(codes)
    for path in build_extracts(projet, chosen, signature=signature, warn=warn):
        click.echo(f"Produit : {path}")


@main.command("bilan")
@click.option(
    "--annee",
    type=int,
    metavar="AAAA",
    required=True,
    help="L'année du bilan (AAAA), dans la période des engagements : la troisième pour le bilan "
    "à trois ans, la dernière pour le bilan à six ans.",
)
@click.option(
    "--partenaire",
    "codes",
    multiple=True,
    metavar="CODE",
    help="Produit aussi l'extrait du bilan pour ce partenaire (code du département ou SIREN de "
    "l'EPCI) ; répétable.",
)
@click.option("--tous", is_flag=True, help="Produit aussi l'extrait du bilan de chaque partenaire.")
@click.pass_obj
def bilan_command(projet: Path, annee: int, codes: tuple[str, ...], tous: bool) -> None:
    """Produit build/bilan-AAAA.docx et build/bilan-AAAA.pdf : pour chaque indicateur et chaque
    territoire, les engagements de la convention et le réalisé de chaque année jusqu'à AAAA et
    leurs cumuls, l'écart, l'engagement atteint ou non, un graphique par indicateur et les
    explications de content/bilans/AAAA.yml.

    Le réalisé vient des données des années suivant la signature (attributions.csv, travaux.csv)
    et de content/realise.yml. Les extraits des partenaires vont dans build/extraits/.

    Exemple : cusdoc bilan --annee 2027 --tous
    """
    from cusdoc.bilans import build_bilan
    from cusdoc.pipeline import ORGANISATION, check

    scopes: list[str | None] = [ORGANISATION, *codes]
    if tous:
        scopes += [p.code for p in check(projet).partenaires if p.code not in codes]
    for path in build_bilan(projet, annee, scopes, warn=unexplained):
        click.echo(f"Produit : {path}")


@main.command("diff")
@click.argument("avant", required=False)
@click.argument("apres", required=False)
@format_option(
    ["terminal", "markdown"], "terminal, ou markdown pour un commentaire de demande de fusion."
)
@click.pass_obj
def diff_command(projet: Path, avant: str | None, apres: str | None, format_: str) -> None:
    """Compare deux versions de la convention : engagements, texte, extraits concernés.

    AVANT et APRES sont des révisions git ; par défaut, le point de départ de la branche
    (sa base commune avec main) et l'état actuel des fichiers (« travail »).
    Aucun livrable n'est produit.

    Exemple : cusdoc diff main travail --format markdown
    """
    from cusdoc.git import WORKTREE, default_base
    from cusdoc.load.geography import load_geographie
    from cusdoc.review.diff import compare, report

    differences = compare(projet, avant or default_base(projet), apres or WORKTREE)
    click.echo(report(differences, load_geographie().names, format_ == "markdown"), nl=False)


@main.command("suivi")
@click.argument("avant", required=False)
@click.argument("apres", required=False)
@click.pass_obj
def suivi_command(projet: Path, avant: str | None, apres: str | None) -> None:
    """Produit build/suivi-des-modifications.docx : la nouvelle version, avec ses différences
    avec l'ancienne en modifications suivies de Word (à accepter ou refuser).

    AVANT et APRES sont des révisions git, par défaut la base de la branche et l'état actuel.

    Exemple : cusdoc suivi main travail
    """
    from cusdoc.git import WORKTREE, default_base
    from cusdoc.review.tracked import tracked_docx
    from cusdoc.write import write_atomically

    data = tracked_docx(projet, avant or default_base(projet), apres or WORKTREE)
    target = projet / "build" / "suivi-des-modifications.docx"
    write_atomically({target: data})
    click.echo(f"Produit : {target}")


@main.command("avenant")
@click.argument("base", required=False)
@click.option(
    "-n",
    "--numero",
    type=click.IntRange(min=1),
    metavar="K",
    help="Numéro de l'avenant ; par défaut, un de plus que le nombre d'avenants signés depuis "
    "la version signée (étiquettes avenant-*).",
)
@click.pass_obj
def avenant_command(projet: Path, base: str | None, numero: int | None) -> None:
    """Produit build/avenant-K.docx et build/avenant-K.pdf : l'avenant à la convention signée.

    BASE est la version signée, une révision git ; par défaut, la plus récente des étiquettes
    signee-* (git tag signee-2025 <commit>). L'avenant compare à l'état actuel des fichiers le
    texte en vigueur (le dernier avenant signé depuis BASE, étiquette avenant-*, sinon BASE) :
    un article par partie du texte modifiée et par engagement modifié, tel qu'il était et tel
    qu'il devient, et les signatures des seules parties concernées.

    Exemple : cusdoc avenant signee-2025
    """
    from cusdoc.review.avenant import build_avenant

    for path in build_avenant(projet, base, numero):
        click.echo(f"Produit : {path}")


@main.command("init")
@click.argument("dossier", type=click.Path(file_okay=False, path_type=Path))
def init_command(dossier: Path) -> None:
    """Crée le dépôt de la convention d'un nouvel organisme, prêt à vérifier et produire.

    Le dossier reçoit un contenu d'exemple commenté (content/), un Makefile qui installe
    cusdoc à cette version, l'intégration continue (GitHub Actions et GitLab), les schémas pour
    l'éditeur et la configuration pre-commit ; il devient un dépôt git (branche main) dont le
    premier commit contient le tout.

    Exemple : cusdoc init ../ma-convention
    """
    from cusdoc.errors import CusdocError
    from cusdoc.scaffold import BRANCH, init_project, init_repository

    init_project(dossier)
    try:
        commit, author, fallback = init_repository(dossier)
    except CusdocError as error:
        raise CusdocError(
            f"Fichiers écrits dans {dossier}, mais le dépôt git n'a pas pu être créé : "
            f"{error.message}\nCréez-le vous-même : cd {dossier} && git init && git add -A "
            "&& git commit"
        ) from error
    click.echo(
        f"Dépôt git créé : {dossier} (branche {BRANCH}), premier commit {commit} de {author}."
    )
    if fallback:
        click.echo(
            "Aucune identité git n'est configurée : ce commit porte celle de cusdoc. Pour les "
            'suivants : git config --global user.name "Prénom Nom" et git config --global '
            "user.email adresse@organisme.fr"
        )
    click.echo(
        "Remplacez d'abord l'organisme et les territoires d'exemple de content/convention.yml "
        ": cusdoc check signale la raison sociale et le SIREN d'exemple tant qu'ils restent."
    )
    click.echo(f"Ensuite : cd {dossier} && make convention")


@main.command("schema")
@click.argument(
    "dossier", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas")
)
@click.pass_obj
def schema_command(projet: Path, dossier: Path) -> None:
    """Écrit les schémas JSON du contenu, pour l'éditeur (complétion et erreurs en direct).

    Un schéma par sorte de fichier : convention, chapitre, orientations, engagements,
    classement, npl, réalisé déclaré, bilans. .vscode/settings.json les associe aux fichiers de
    content/. Un DOSSIER relatif l'est au projet (-C).

    Exemple : cusdoc schema schemas
    """
    from cusdoc.validate.jsonschema import write_schemas

    for path in write_schemas(projet / dossier):
        click.echo(f"Produit : {path}")
