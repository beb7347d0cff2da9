"""Validate the writers' text: the closed language, the values it names, the territories it
speaks of.

Every text of the content is checked for the forms of other languages (pandoc, HTML, LaTeX,
Typst) that `cusdoc.load.text` refuses; the texts that are parsed (paragraphs, list items, table
cells) also for what their own forms need: a closed emphasis, a link in https: or mailto:, a
value the catalogue knows, for a territory that has it. A passage of a chapter that extracts
receive, tagged with no territory, must not name several of the convention's territories: it is
either one territory's (`territoires: [code]`) or the whole organisation's (`[organisme]`).
"""

import difflib
import re

from cusdoc.compute.values import CATALOGUE, known, names
from cusdoc.errors import Problem
from cusdoc.load.content import Content, Source, dotted
from cusdoc.load.geography import Geographie
from cusdoc.load.text import parse, references, refusals
from cusdoc.model import CHAPITRES_EXTRAIT, ORGANISME, Indicateur, Valeur, slug, ventilation_key

UNIT_AFTER = re.compile(r"§\{([^}|]*)\}\s*%")  # a value followed by the unit it prints
BLOCKS = ("contenu", "introduction", "aujourd_hui", "objectifs", "moyens_et_etapes")


class _Checker:
    def __init__(self, content: Content, geo: Geographie, catalogue: dict[str, Indicateur]):
        self.problems: list[Problem] = []
        declared = content.convention.get("territoires")
        self.territoires = {
            t["code"]
            for t in (declared if isinstance(declared, list) else [])
            if isinstance(t, dict) and isinstance(t.get("code"), str)
        }
        self.geo = geo
        self.catalogue = catalogue
        classement = content.sources.get("classement")
        self.classement = classement.data if classement else None
        engagements = content.sources.get("engagements")
        data = engagements.data if engagements else {}
        engagements = data.get("engagements") if isinstance(data, dict) else None
        self.engagements = engagements if isinstance(engagements, dict) else {}
        self.noms = {
            code: _normal(t.nom)
            for code in self.territoires
            if (t := geo.territoire(code)) is not None
        }

    def problem(
        self, source: Source, path, message: str, snippet: str = "", value="", offset: int = 0
    ) -> None:
        line, column = source.position_in(path, snippet, str(value), offset)
        self.problems.append(Problem(source.file, line, column, dotted(path), message))

    def plain(self, source: Source, path, value) -> None:
        """A text printed as typed (a title, a source, a name): no form of another language,
        and no value or renvoi, which only the text of paragraphs, lists and cells resolves."""
        if not isinstance(value, str):
            return
        for refusal in refusals(value):
            self.problem(source, path, refusal.message, refusal.found, value, refusal.offset)
        for form, end in (("§{", "}"), ("§[", "]")):
            if form in value:
                self.problem(
                    source,
                    path,
                    f"« {form}…{end} » n'est lu que dans un paragraphe, un élément de liste ou "
                    "une cellule : ici, écrivez le texte lui-même",
                    form,
                    value,
                    value.index(form),
                )

    def rich(self, source: Source, path, value, scope: str, tagged: bool, extract: bool) -> None:
        if not isinstance(value, str):
            return
        inlines, refused = parse(value)
        for refusal in refused:
            self.problem(source, path, refusal.message, refusal.found, value, refusal.offset)
        for item in references(inlines):
            if isinstance(item, Valeur):
                self.valeur(source, path, item, scope, value)
        for match in UNIT_AFTER.finditer(value):  # « §{part_qpv} % » would print « 33,0 % % »
            if self.unite(match[1].split("@")[0].strip()) == "pourcent":
                self.problem(
                    source,
                    path,
                    f"« {match[0].strip()} » : la valeur s'imprime avec son unité (« 33,0 % ») ; "
                    "supprimez le « % » qui la suit",
                    match[0].strip(),
                    value,
                    match.start(),
                )
        if extract and not tagged:
            normal = _normal(value)
            named = [code for code, nom in self.noms.items() if nom in normal]
            if len(named) > 1:
                listed = ", ".join(self.geo.territoire(c).nom for c in sorted(named))
                self.problem(
                    source,
                    path,
                    f"ce passage nomme plusieurs territoires de la convention ({listed}) sans "
                    "être balisé : ajoutez « territoires: [organisme] » s'il ne vaut que pour "
                    "l'ensemble de l'organisme (il sera omis des extraits), ou le code du "
                    "territoire qu'il concerne",
                    value=value,
                )

    def valeur(self, source: Source, path, item: Valeur, scope: str, text: str) -> None:
        written = f"§{{{item.nom}" + (f"@{item.territoire}" if item.territoire else "")
        if item.formes:
            written += "|" + "|".join(item.formes)
        typed = written + "}"
        indicateurs = [i.id for i in self.catalogue.values()]
        if not known(item.nom, self.classement, set(indicateurs)):
            close = difflib.get_close_matches(
                item.nom, names(self.classement, indicateurs), n=1, cutoff=0.6
            )
            hint = f" ; vouliez-vous dire « §{{{close[0]}}} » ?" if close else ""
            self.problem(
                source,
                path,
                f"valeur inconnue « §{{{item.nom}}} »{hint} (les valeurs sont listées dans la "
                "documentation, page « Valeurs calculées »)",
                written,
                text,
                item.offset,
            )
            return
        territoire = item.territoire or scope
        if item.territoire and item.territoire not in self.territoires | {ORGANISME}:
            self.problem(
                source,
                path,
                f"territoire inconnu « {item.territoire} » dans « {typed} » : un code de "
                "« territoires » de content/convention.yml ou « organisme » est attendu",
                written,
                text,
                item.offset,
            )
            return
        if item.formes and self.unite(item.nom) != "nombre":
            self.problem(
                source,
                path,
                f"« {typed} » : seul un nombre s'accorde avec le nom qui le suit ; écrivez "
                f"§{{{item.nom}}} puis le texte",
                written,
                text,
                item.offset,
            )
        head, _, rest = item.nom.partition(".")
        if head in ("engagement", "reference"):
            message = self.engagement(head, rest, territoire)
            if message:
                self.problem(source, path, f"« {typed} » : {message}", written, text, item.offset)

    def unite(self, nom: str) -> str:
        """The unit of a value: the catalogue's, an indicator's for a commitment."""
        head, _, rest = nom.partition(".")
        if head in ("engagement", "reference"):
            ident = rest.split(".")[0]
            found = next((i for k, i in self.catalogue.items() if k.upper() == ident.upper()), None)
            return found.unite if found else "nombre"
        if nom in CATALOGUE:
            return CATALOGUE[nom].unite
        return "pourcent" if nom.startswith("part_") else "nombre"

    def engagement(self, head: str, rest: str, territoire: str) -> str | None:
        """Why a commitment's value cannot be given for the territory, or None."""
        parts = rest.split(".")
        ident = next((i for i in self.catalogue if i.upper() == parts[0].upper()), parts[0])
        indicateur = self.catalogue[ident]
        rows = self.engagements.get(ident)
        rows = [r for r in (rows if isinstance(rows, list) else []) if isinstance(r, dict)]
        lines = [r for r in rows if r.get("territoire") == territoire]
        if not lines and territoire == ORGANISME and indicateur.additif:
            lines = rows
        nom = "l'organisme" if territoire == ORGANISME else self._nom(territoire)
        if not lines:
            return (
                f"l'indicateur {ident} n'a pas d'engagement pour {nom} ; placez la phrase dans "
                f"un passage balisé du territoire voulu, ou écrivez §{{{head}.{rest}@code}}"
            )
        if head == "reference":
            return None if len(parts) == 1 else "écrivez §{reference.INDICATEUR}, sans suite"
        if len(parts) not in (2, 3):
            return (
                "écrivez §{engagement.INDICATEUR.année}, §{engagement.INDICATEUR.cumul} "
                "(moyenne, minimum, maximum) ou §{engagement.INDICATEUR.ventilation.année}"
            )
        what = parts[-1]
        if what.isdigit():
            years = {str(y) for r in lines for y in _mapping(r.get("valeurs"))}
            if what not in years:
                return f"aucun engagement pour l'année {what}"
        elif what not in ("cumul", "moyenne", "minimum", "maximum"):
            return f"« {what} » : une année, cumul, moyenne, minimum ou maximum est attendu"
        elif what == "cumul" and not indicateur.additif:
            return "un taux ou un montant ne se cumule pas : écrivez moyenne, minimum ou maximum"
        if len(parts) == 3:
            known_ = {ventilation_key(k) for r in lines for k in _mapping(r.get("ventilations"))}
            if parts[1].lower() not in known_:
                offered = ", ".join(sorted(known_)) or "aucune"
                return f"ventilation inconnue « {parts[1]} » (ventilations : {offered})"
        return None

    def _nom(self, code: str) -> str:
        territoire = self.geo.territoire(code)
        return territoire.nom if territoire else code

    # -- the walk over a chapter -------------------------------------------------------------

    def chapter(self, source: Source, extract: bool) -> None:
        self.walk(source, source.data, (), ORGANISME, False, extract)

    def walk(self, source, value, path, scope: str, tagged: bool, extract: bool) -> None:
        if isinstance(value, dict):
            if path and source.file != "content/convention.yml":
                self.tags(source, value, path)
            scope, tagged = self.scoped(value, scope, tagged)
            for key, item in value.items():
                if key in BLOCKS and isinstance(item, list):
                    for index, block in enumerate(item):
                        self.block(source, block, (*path, key, index), scope, tagged, extract)
                else:
                    self.walk(source, item, (*path, key), scope, tagged, extract)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.walk(source, item, (*path, index), scope, tagged, extract)
        else:
            self.plain(source, path, value)

    def scoped(self, value: dict, scope: str, tagged: bool) -> tuple[str, bool]:
        tags = value.get("territoires")
        if isinstance(tags, list) and tags:
            return (tags[0] if len(tags) == 1 and isinstance(tags[0], str) else scope), True
        return scope, tagged

    def tags(self, source: Source, value: dict, path) -> None:
        """A passage is tagged with territories of the convention, or « organisme »."""
        tags = value.get("territoires")
        for index, code in enumerate(tags if isinstance(tags, list) else []):
            if isinstance(code, str) and code not in self.territoires | {ORGANISME}:
                where = (*path, "territoires", index)
                known = self.geo.territoire(code)
                named = f" ({known.nom})" if known else ""
                self.problem(
                    source,
                    where,
                    f"le territoire {code}{named} n'est pas un territoire de la convention : un "
                    "code de « territoires » de content/convention.yml ou « organisme » est "
                    "attendu",
                )

    def block(self, source, block, path, scope: str, tagged: bool, extract: bool) -> None:
        if isinstance(block, str):
            self.rich(source, path, block, scope, tagged, extract)
            return
        if not isinstance(block, dict):
            return
        self.tags(source, block, path)
        scope, tagged = self.scoped(block, scope, tagged)
        for key, item in block.items():
            here = (*path, key)
            if key == "paragraphe":
                self.rich(source, here, item, scope, tagged, extract)
            elif key in ("liste", "liste_numerotee") and isinstance(item, list):
                for index, entry in enumerate(item):
                    self.entry(source, entry, (*here, index), scope, tagged, extract)
            elif key == "tableau" and isinstance(item, dict):
                self.table(source, item, here, scope, tagged, extract)
            else:
                self.walk(source, item, here, scope, tagged, extract)

    def entry(self, source, entry, path, scope: str, tagged: bool, extract: bool) -> None:
        if isinstance(entry, dict):
            self.tags(source, entry, path)
            scope, tagged = self.scoped(entry, scope, tagged)
            self.rich(source, (*path, "texte"), entry.get("texte"), scope, tagged, extract)
        else:
            self.rich(source, path, entry, scope, tagged, extract)

    def table(self, source, table: dict, path, scope: str, tagged: bool, extract: bool) -> None:
        for key, item in table.items():
            if key != "lignes" or not isinstance(item, list):
                self.walk(source, item, (*path, key), scope, tagged, extract)
                continue
            for r, row in enumerate(item):
                here, there, marked = (*path, key, r), scope, tagged
                if isinstance(row, dict):
                    self.tags(source, row, here)
                    there, marked = self.scoped(row, scope, tagged)
                    here, row = (*here, "cellules"), row.get("cellules")
                for c, cell in enumerate(row if isinstance(row, list) else []):
                    if isinstance(cell, str):
                        self.rich(source, (*here, c), cell, there, marked, extract)


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _normal(text: str) -> str:
    """Names compared without case, accents or hyphens, as whole words."""
    return f" {slug(text, ' ')} "


def check_text(
    content: Content, geo: Geographie, catalogue: dict[str, Indicateur]
) -> list[Problem]:
    """Every problem of the writers' text, at its file, line and column."""
    checker = _Checker(content, geo, catalogue)
    for name, source in content.sources.items():
        if name == "convention":
            checker.walk(source, source.data, (), ORGANISME, True, False)
        else:
            checker.chapter(source, extract=name in CHAPITRES_EXTRAIT)
    return sorted(checker.problems)
