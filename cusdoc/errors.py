"""The one error family: every problem a user can fix is a Problem, reported in French."""

from dataclasses import dataclass

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One thing to fix, located in a content file (line and column start at 1)."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path} : {self.message}" if self.path else f"{where}: {self.message}"


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
