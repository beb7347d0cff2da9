"""Assemble stage for the writers' text: parsed inlines with their values and renvois resolved.

A value, §{nom}, is resolved for the territory of the passage it stands in: the territory a
block, an action or a section is tagged with (when it is one), else the document's (the whole
organisation, or the partner of an extract); §{nom@code} names its territory. Values of the
commitments come from the engagement lines; every other value from the data (`values`).
"""

from collections.abc import Callable
from statistics import mean

from cusdoc.compute.values import value_of
from cusdoc.load.text import parse, references
from cusdoc.model import (
    ORGANISME,
    TOTAL,
    Emphase,
    Lien,
    Ligne,
    Note,
    Quantity,
    Renvoi,
    Rich,
    Texte,
    Valeur,
    cumulative,
    ventilation_key,
)

Values = Callable[[str], dict]  # territory code (or ORGANISME) → data values


class Resolver:
    """Values for the passages of one document."""

    def __init__(self, values: Values, lignes: list[Ligne], extrait: bool):
        self.values = values
        self.lignes = lignes
        self.extrait = extrait  # an extract leaves out what holds for another territory

    def rich(self, text, territoire: str) -> Rich:
        """A writer's text (already valid) as inlines, values resolved for the territory."""
        inlines, _ = parse(str(text))
        for item in references(inlines):
            if isinstance(item, Valeur):
                item.quantite = self.value(item.nom, item.territoire or territoire)
        return _tidied(inlines)

    def value(self, nom: str, territoire: str) -> Quantity | str | None:
        head, _, rest = nom.partition(".")
        if head == "engagement":
            return self._engagement(rest, territoire)
        if head == "reference":
            return self._reference(rest, territoire)
        return value_of(self.values(territoire), nom)

    def _lignes(self, indicateur: str, territoire: str) -> list[Ligne]:
        found = [
            ligne
            for ligne in self.lignes
            if ligne.indicateur.id.upper() == indicateur.upper() and ligne.territoire == territoire
        ]
        if found or territoire != ORGANISME:
            return found
        # The organisation's commitment on a count set by territory: the sum of the level that
        # partitions it (the départements; the EPCI when only they are committed).
        counts = [
            ligne
            for ligne in self.lignes
            if ligne.indicateur.id.upper() == indicateur.upper() and ligne.indicateur.additif
        ]
        departements = [ligne for ligne in counts if ligne.niveau == "departement"]
        return departements or counts

    def _reference(self, rest: str, territoire: str) -> Quantity | None:
        lignes = self._lignes(rest, territoire)
        if len(lignes) == 1:
            return lignes[0].reference.get(TOTAL)
        references_ = [ligne.reference.get(TOTAL) for ligne in lignes]
        complete = all(r is not None and r.value is not None for r in references_)
        if lignes and complete and lignes[0].indicateur.additif:
            return Quantity(sum(r.value for r in references_), lignes[0].indicateur.unite)
        return None

    def _engagement(self, rest: str, territoire: str) -> Quantity | None:
        parts = rest.split(".")
        indicateur, what = parts[0], parts[-1] if len(parts) > 1 else "cumul"
        ventilation = parts[1] if len(parts) == 3 else TOTAL
        lignes = self._lignes(indicateur, territoire)
        if not lignes:
            return None
        unite = lignes[0].indicateur.unite
        series: dict[int, float] = {}
        for ligne in lignes:
            values = _ventilation(ligne, ventilation)
            if values is None:
                return None
            if len(lignes) > 1 and not ligne.indicateur.additif:
                return None
            for year, value in values.items():
                series[year] = series.get(year, 0) + value
        if not series:
            return None
        if what.isdigit():
            value = series.get(int(what))
        elif what == "cumul":
            value = cumulative(series, sorted(series)) if lignes[0].indicateur.additif else None
        elif what == "moyenne":
            value = mean(series.values())
            if unite == "nombre":  # an average of counts reads whole: « 111 logements par an »
                return Quantity(value, unite, decimals=0)
        elif what == "minimum":
            value = min(series.values())
        elif what == "maximum":
            value = max(series.values())
        else:
            value = None
        return None if value is None else Quantity(value, unite)


def prints_nothing(inlines: Rich) -> bool:
    """Whether text prints nothing: spaces, and values that print nothing (`sur_le_territoire`
    for the organisation)."""
    return all(
        (isinstance(item, Texte) and not item.text.strip())
        or (isinstance(item, Valeur) and item.quantite == "")
        for item in inlines
    )


def _tidied(inlines: Rich, opening: bool = True) -> Rich:
    """Text once its values are known. A value that prints nothing takes the space before it
    along (« l'office §{sur_le_territoire} compte » reads « l'office compte »); an emphasis or
    a note left with nothing to print goes, a link shows its address. Text that opens a
    paragraph, an item, a cell or a note starts with a capital when a value opens it."""
    out: Rich = []
    for item in inlines:
        first = opening and prints_nothing(out)
        if isinstance(item, Emphase | Note):
            item.contenu = _tidied(item.contenu, first or isinstance(item, Note))
            if prints_nothing(item.contenu):
                _drop_space(out)
                continue
        elif isinstance(item, Lien):
            item.contenu = _tidied(item.contenu, first)
            if prints_nothing(item.contenu):
                item.contenu = [Texte(item.url.removeprefix("mailto:"))]
        elif isinstance(item, Valeur) and item.quantite == "":
            _drop_space(out)
        elif first and isinstance(item, Valeur) and isinstance(item.quantite, str):
            item.quantite = item.quantite[:1].upper() + item.quantite[1:]
        elif first and isinstance(item, Texte) and out:  # after values that print nothing
            text = item.text.lstrip().lstrip(",;:").lstrip()  # « §{…}, le parc » → « Le parc »
            item = Texte(text[:1].upper() + text[1:]) if text else item
        out.append(item)
    return out


def _drop_space(out: Rich) -> None:
    """The space before what prints nothing goes with it."""
    if out and isinstance(out[-1], Texte) and out[-1].text.endswith(" "):
        out[-1] = Texte(out[-1].text[:-1])


def _ventilation(ligne: Ligne, name: str) -> dict[int, float] | None:
    if name == TOTAL:
        return ligne.valeurs.get(TOTAL)
    for key, values in ligne.valeurs.items():
        if ventilation_key(key) == name.lower():
            return values
    return None


def values_of(inlines: Rich):
    """Every resolved Valeur of inlines."""
    return (i for i in references(inlines) if isinstance(i, Valeur))


def holds_for(inlines: Rich, allowed: Callable[[str], bool]) -> bool:
    """Whether every value of the text is for a territory the document may show, and known."""
    for valeur in values_of(inlines):
        if valeur.territoire is not None and not allowed(valeur.territoire):
            return False
        if valeur.quantite is None:
            return False
    return True


def resolve_renvois(inlines: Rich, targets: dict, elsewhere: dict) -> None:
    """§[id] → the number and title of its target; in an extract, a part it leaves out is
    named with its number in the convention."""
    for item in references(inlines):
        if not isinstance(item, Renvoi):
            continue
        if item.id in targets:
            item.numero, item.titre = targets[item.id]
        else:
            item.present = False
            item.numero, item.titre = elsewhere.get(item.id, (None, None))
