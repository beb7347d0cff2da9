"""Partner extracts: each EPCI or département gets the convention limited to its territory.

Content is filtered at the data level, before anything is rendered: a section, an orientation or
an action tagged with `territoires` goes only to the partners those territories belong to;
untagged text concerns everyone and goes to every extract.
"""

from cusdoc.load.geography import Geographie
from cusdoc.model import Partenaire, slug


def partenaires(convention: dict, geo: Geographie) -> list[Partenaire]:
    """Every département and EPCI declared in content/convention.yml, in its order."""
    declared = [t["code"] for t in convention["territoires"]]
    out = []
    for item in convention["territoires"]:
        code = item["code"]
        territoire = geo.territoire(code)
        if territoire.nature == "département":
            communes = geo.communes_of_departement(code)
            epci = frozenset(
                c for c in declared if c in geo.epci and geo.epci[c].departements == (code,)
            )
        else:
            communes = geo.communes_of_epci(code)
            epci = frozenset()
        out.append(
            Partenaire(
                code=code,
                nature=territoire.nature,
                nom=territoire.nom,
                statut=item["statut"],
                contact=item.get("contact"),
                date_consultation=item.get("date_consultation"),
                communes=communes,
                epci=epci,
                appellation=territoire.collectivite,
                slug=slug(territoire.nom),
            )
        )
    return out


def _kept(item, partenaire: Partenaire) -> bool:
    tags = item.get("territoires") if isinstance(item, dict) else None
    return not tags or any(partenaire.covers(code) for code in tags)


def filter_chapter(value, partenaire: Partenaire):
    """A copy of chapter data without the sections, orientations and actions of other
    territories: new dicts and lists, the same text, numbers and dates (which never change)."""
    if isinstance(value, dict):
        return {k: filter_chapter(v, partenaire) for k, v in value.items()}
    if isinstance(value, list):
        return [filter_chapter(v, partenaire) for v in value if _kept(v, partenaire)]
    return value


def kept_strings(value, partenaire: Partenaire, path: tuple = ()):
    """(path, text) of every string of chapter data that the partner's extract keeps."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "territoires":
                yield from kept_strings(item, partenaire, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if _kept(item, partenaire):
                yield from kept_strings(item, partenaire, (*path, index))
