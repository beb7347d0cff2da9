"""The one error family: every problem a user can fix is a Problem, reported in French."""

import errno
import unicodedata
from dataclasses import dataclass

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One thing to fix, located in a content file (line and column start at 1).

    A warning (avertissement) does not stop a project's build, only the signature build.
    """

    file: str
    line: int
    column: int
    path: str
    message: str
    avertissement: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        message = f"avertissement : {self.message}" if self.avertissement else self.message
        return f"{where}: {self.path} : {message}" if self.path else f"{where}: {message}"


def visible(text: str, also: frozenset[str] = frozenset()) -> str:
    """Text as a message shows it: an invisible character (control, format, or one of `also`)
    by its code, « Bra<U+200B>cieux »."""
    return "".join(
        f"<U+{ord(c):04X}>" if unicodedata.category(c)[0] == "C" or c in also else c for c in text
    )


def plural(count: int, word: str) -> str:
    """« 1 avertissement », « 3 avertissements »."""
    return f"{count} {word}{'s' if count > 1 else ''}"


class CusdocError(click.ClickException):
    """A user-facing failure; the CLI prints it without a traceback and exits with status 1."""

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


class ContentError(CusdocError):
    """The content has problems: all of them are listed, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        count = len(self.problems)
        summary = f"{count} problème{'s' if count > 1 else ''} à corriger dans le contenu."
        super().__init__("\n".join([*map(str, self.problems), summary]))


class SignatureError(CusdocError):
    """The signature version is refused: what stands in its way, one per line."""

    def __init__(self, warnings: list[Problem], reasons: list[str]):
        lines = [*map(str, sorted(warnings)), *reasons]
        count = len(warnings) + len(reasons)
        lines.append(f"Version de signature refusée : {plural(count, 'point')} à régler.")
        super().__init__("\n".join(lines))


class ToolError(CusdocError):
    """A tool of the chain (pandoc, Typst, the file system) failed."""


class LeakError(CusdocError):
    """An extract names another territory: nothing is written.

    leaks: (file of the extract, term found, territory it names, where in the file).
    """

    def __init__(self, leaks: list[tuple[str, str, str, str]]):
        lines = [
            f"build/extraits/{fichier} : « {terme} » ({territoire}) dans {ou}"
            for fichier, terme, territoire, ou in leaks
        ]
        count = len(leaks)
        lines.append(
            f"{count} fuite{'s' if count > 1 else ''} : les extraits n'ont pas été écrits."
        )
        super().__init__("\n".join(lines))


OS_REASONS = {
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.ENOSPC: "disque plein",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EBUSY: "fichier utilisé par un autre programme",
    errno.EEXIST: "le fichier existe déjà",
    errno.ENAMETOOLONG: "nom trop long",
    errno.EIO: "erreur d'entrée-sortie du disque",
    errno.EDQUOT: "quota de disque dépassé",
}


def os_reason(error: OSError) -> str:
    """Why the system refused, in French; its own words when the case is not listed."""
    return OS_REASONS.get(error.errno, error.strerror or str(error))
