"""The official geography shipped with cusdoc (Etalab découpage administratif, see scripts/)."""

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files

from cusdoc import french

# The Etalab names abbreviate the EPCI's legal form; a convention spells it out.
EPCI_FORMS = {
    "CA ": "Communauté d'agglomération ",
    "CC ": "Communauté de communes ",
    "CU ": "Communauté urbaine ",
}


@dataclass(frozen=True)
class Territoire:
    """A département or an EPCI, named as in the official geography."""

    code: str
    nature: str  # "département" or "EPCI"
    nom: str
    departements: tuple[str, ...]  # the départements it lies in
    region: str  # code of the (main) région
    liaison: str = ""  # a département's INSEE type of name (TNCC), which gives its article

    @cached_property
    def appellation(self) -> french.Nom:
        """The name in a sentence: « l'Indre », « la Communauté de … » (made when asked: a
        command names a few of the 1 300 territories)."""
        if self.nature == "département":
            return french.departement(self.nom, self.liaison)
        return french.epci(self.nom)

    @property
    def collectivite(self) -> french.Nom:
        """Who speaks for it: « le Département d'Indre-et-Loire », or the EPCI itself."""
        if self.nature == "département":
            return french.conseil(self.appellation)
        return self.appellation


@dataclass(frozen=True)
class Communes:
    """communes.csv column by column, in the file's order: its 35 000 communes are indexed only
    when a command needs them."""

    codes: list[str]
    noms: list[str]
    departements: list[str]
    epci: list[str]  # the SIREN of each commune's EPCI, "" for none


@dataclass(frozen=True)
class Geographie:
    regions: dict[str, str]  # code → name
    departements: dict[str, Territoire]
    epci: dict[str, Territoire]
    table: Communes

    def territoire(self, code: str) -> Territoire | None:
        return self.departements.get(code) or self.epci.get(code)

    @cached_property
    def communes(self) -> dict[str, tuple[str, str]]:
        """Code → (nom, département) of every commune."""
        table = self.table
        return dict(zip(table.codes, zip(table.noms, table.departements, strict=True), strict=True))

    def communes_of_epci(self, siren: str) -> frozenset[str]:
        return frozenset(self._by_epci.get(siren, ()))

    def communes_of_departement(self, code: str) -> frozenset[str]:
        return frozenset(self._by_departement.get(code, ()))

    @cached_property
    def names(self) -> dict[str, str]:
        """Code → name of every département and EPCI."""
        return {c: t.nom for c, t in (*self.departements.items(), *self.epci.items())}

    @cached_property
    def _by_epci(self) -> dict[str, list[str]]:
        return _grouped(self.table.epci, self.table.codes)

    @cached_property
    def _by_departement(self) -> dict[str, list[str]]:
        return _grouped(self.table.departements, self.table.codes)


def _grouped(keys: list[str], codes: list[str]) -> dict[str, list[str]]:
    """Key → the codes that have it."""
    out = defaultdict(list)
    for key, code in zip(keys, codes, strict=True):
        out[key].append(code)
    return out


def _rows(name: str) -> list[list[str]]:
    """The rows of a packaged CSV file, header skipped."""
    with files("cusdoc.data").joinpath(name).open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))[1:]


def epci_name(name: str) -> str:
    """« CC du Grand Chambord » → « Communauté de communes du Grand Chambord »."""
    for short, long in EPCI_FORMS.items():
        if name.startswith(short):
            return long + name[len(short) :]
    return name


def _communes() -> Communes:
    """communes.csv by column: its fields hold no comma nor quote (tests/test_geographie.py), so
    that one split of the whole file gives every cell, five times faster than line by line."""
    text = files("cusdoc.data").joinpath("communes.csv").read_text(encoding="utf-8")
    cells = text.rstrip("\n").replace("\n", ",").split(",")
    return Communes(*(cells[i::4][1:] for i in range(4)))


@cache
def load_geographie() -> Geographie:
    """Read the packaged CSV files once."""
    regions = {code: nom for code, nom, _ in _rows("regions.csv")}
    departements = {
        code: Territoire(code, "département", nom, (code,), region, liaison)
        for code, nom, region, liaison in _rows("departements.csv")
    }
    communes = _communes()
    deps_of_epci: dict[str, set[str]] = {}
    for siren, departement in set(zip(communes.epci, communes.departements, strict=True)):
        deps_of_epci.setdefault(siren, set()).add(departement)
    epci = {}
    for siren, raw_name, _ in _rows("epci.csv"):
        deps = tuple(sorted(deps_of_epci.get(siren, ())))
        region = departements[deps[0]].region if deps else ""
        nom = epci_name(raw_name)
        epci[siren] = Territoire(siren, "EPCI", nom, deps, region)
    return Geographie(regions, departements, epci, communes)
