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
    territories: new dicts and lists, the same text, numbers and dates (which never change),
    but for a list whose last item is left out: the item that now ends it ends as it did."""
    if isinstance(value, dict):
        return {k: filter_chapter(v, partenaire) for k, v in value.items()}
    if isinstance(value, list):
        kept = [filter_chapter(v, partenaire) for v in value if _kept(v, partenaire)]
        if kept and not _kept(value[-1], partenaire):
            kept[-1] = _ending_as(kept[-1], value[-1])
        return kept
    return value


def _ending_as(item, last):
    """A list item that ends with « ; » ends with the full stop of the list's last item."""
    text, ending = _text(item), _text(last)
    if text is None or ending is None or not ending.rstrip().endswith("."):
        return item
    stripped = text.rstrip()
    if not stripped.endswith(";"):
        return item
    ended = stripped[:-1].rstrip() + "."
    return ended if isinstance(item, str) else {**item, "texte": ended}


def _text(item) -> str | None:
    """The text of a list item: a string, or the « texte » of a tagged one."""
    if isinstance(item, dict):
        item = item.get("texte")
    return item if isinstance(item, str) else None


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
