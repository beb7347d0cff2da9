"""The official geography shipped with cusdoc (Etalab découpage administratif, see scripts/)."""

import csv
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
    appellation: french.Nom  # the name in a sentence: « l'Indre », « la Communauté de … »

    @property
    def collectivite(self) -> french.Nom:
        """Who speaks for it: « le Département d'Indre-et-Loire », or the EPCI itself."""
        if self.nature == "département":
            return french.conseil(self.appellation)
        return self.appellation


@dataclass(frozen=True)
class Geographie:
    regions: dict[str, str]  # code → name
    departements: dict[str, Territoire]
    epci: dict[str, Territoire]
    communes: dict[str, tuple[str, str]]  # code → (nom, département)
    epci_members: dict[str, tuple[str, ...]]  # EPCI → codes of its communes

    def territoire(self, code: str) -> Territoire | None:
        return self.departements.get(code) or self.epci.get(code)

    def communes_of_epci(self, siren: str) -> frozenset[str]:
        return frozenset(self.epci_members.get(siren, ()))

    @cached_property
    def names(self) -> dict[str, str]:
        """Code → name of every département and EPCI."""
        return {c: t.nom for c, t in (*self.departements.items(), *self.epci.items())}

    def communes_of_departement(self, code: str) -> frozenset[str]:
        return self._by_departement.get(code, frozenset())

    @cached_property
    def _by_departement(self) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for commune, (_, departement) in self.communes.items():
            out.setdefault(departement, set()).add(commune)
        return {d: frozenset(c) for d, c in out.items()}


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


@cache
def load_geographie() -> Geographie:
    """Read the packaged CSV files once."""
    regions = {code: nom for code, nom, _ in _rows("regions.csv")}
    departements = {
        code: Territoire(
            code, "département", nom, (code,), region, french.departement(nom, liaison)
        )
        for code, nom, region, liaison in _rows("departements.csv")
    }
    communes: dict[str, tuple[str, str]] = {}
    deps_of_epci: dict[str, set[str]] = {}
    members: dict[str, list[str]] = {}
    # 35 000 lines without quotes: split by hand, three times faster than the csv module
    lines = files("cusdoc.data").joinpath("communes.csv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        code, nom, departement, epci_siren = line.split(",")
        communes[code] = (nom, departement)
        deps_of_epci.setdefault(epci_siren, set()).add(departement)
        members.setdefault(epci_siren, []).append(code)
    epci = {}
    for siren, raw_name, _ in _rows("epci.csv"):
        deps = tuple(sorted(deps_of_epci.get(siren, ())))
        region = departements[deps[0]].region if deps else ""
        nom = epci_name(raw_name)
        epci[siren] = Territoire(siren, "EPCI", nom, deps, region, french.epci(nom))
    return Geographie(
        regions, departements, epci, communes, {k: tuple(v) for k, v in members.items()}
    )
