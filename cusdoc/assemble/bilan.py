"""Assemble stage for a bilan: the commitments of the convention against their réalisé, year by
year since the start of the period and cumulated, indicator by indicator and territory by
territory, with a chart per indicator and the organisation's explanation of each gap
(content/bilans/AAAA.yml).

A bilan is a document of the same model as the convention (`Convention`, template
templates/bilan.md.j2): the convention's document of the same scope, its chapters replaced.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from cusdoc.model import (
    TOTAL,
    Convention,
    Emphase,
    Graphique,
    Image,
    Ligne,
    Panneau,
    Paragraph,
    Quantity,
    Section,
    Table,
    Texte,
    cumulative_periods,
    realise_sources,
    slug,
    years,
)

Prose = Callable[[list, str], list]  # a writer's blocks, for a territory → model blocks
OUI, NON, EN_COURS, AUCUN = "oui", "non", "en cours", "–"
NOMBRES = {3: "trois", 6: "six"}
EVALUATION = ["Engagement", "Réalisé", "Écart", "Écart (%)", "Atteint"]


@dataclass
class Evaluation:
    """One row of a bilan's table: a year or a cumulative span of one breakdown."""

    libelle: str
    engagement: Quantity
    realise: Quantity
    atteint: str  # oui, non, en cours, or « – » when there is nothing to compare

    @property
    def ecart(self) -> Quantity:
        """Réalisé less engagement, in the indicator's unit (points for a rate)."""
        unit = "points" if self.engagement.unit == "pourcent" else self.engagement.unit
        if self.realise.masked:
            return Quantity(None, unit, masked=self.realise.masked)
        if self.realise.value is None or self.engagement.value is None:
            return Quantity(None, unit)
        return Quantity(self.realise.value - self.engagement.value, unit, signed=True)

    @property
    def ecart_relatif(self) -> Quantity:
        """The gap as a share of the engagement, in %."""
        gap = self.ecart
        if gap.masked:
            return Quantity(None, "pourcent", masked=gap.masked)
        if gap.value is None or not self.engagement.value:
            return Quantity(None, "pourcent")
        return Quantity(100 * gap.value / self.engagement.value, "pourcent", signed=True)


def kind(annee: int, periode: tuple[int, int]) -> str:
    """« à trois ans », « à six ans » at the ends of the cumulative spans, else « annuel »."""
    for _, span in cumulative_periods(periode):
        if annee == span[-1]:
            return f"à {NOMBRES.get(len(span), len(span))} ans"
    return "annuel"


def met(ligne: Ligne, engagement, realise) -> str:
    """Whether a réalisé meets its engagement in the indicator's direction (a cost, G-1, is met
    when it does not exceed it)."""
    if realise is None or engagement is None:
        return AUCUN
    if ligne.indicateur.sens == "baisse":
        return OUI if realise <= engagement else NON
    return OUI if realise >= engagement else NON


def evaluations(ligne: Ligne, ventilation: str, annee: int, periode) -> list[Evaluation]:
    """Each year from the start of the period to `annee`, then, for an additive indicator, the
    cumulative spans that end by then. A commitment made on its cumuls (horizon « cumul ») is
    met or not on them only: its years are shown, not judged."""
    unit = ligne.indicateur.unite
    committed = ligne.valeurs.get(ventilation, {})
    recorded = ligne.realise.get(ventilation, {})
    judged_yearly = ligne.indicateur.horizon != "cumul"
    rows = []
    for year in years(periode):
        if year > annee:
            break
        realise = recorded.get(year) or Quantity(None, unit)
        shown = None if realise.masked else realise.value
        atteint = met(ligne, committed.get(year), shown) if judged_yearly else AUCUN
        rows.append(Evaluation(str(year), Quantity(committed.get(year), unit), realise, atteint))
    if ligne.indicateur.additif:
        for _, span in cumulative_periods(periode):
            if span[-1] <= annee:
                rows.append(_cumulated(ligne, committed, recorded, span))
    return rows


def _cumulated(ligne: Ligne, committed: dict, recorded: dict, span: list[int]) -> Evaluation:
    unit = ligne.indicateur.unite
    engagement = sum(committed[y] for y in span) if all(y in committed for y in span) else None
    parts = [recorded.get(y) for y in span]
    masked = next((q.masked for q in parts if q is not None and q.masked), None)
    complete = all(q is not None and q.value is not None for q in parts)
    total = sum(q.value for q in parts) if complete and not masked else None
    realise = Quantity(total, unit, masked=masked)
    label = f"Cumul {span[0]}-{span[-1]}" if len(span) > 1 else str(span[0])
    return Evaluation(label, Quantity(engagement, unit), realise, met(ligne, engagement, total))


def summary_row(ligne: Ligne, annee: int, periode) -> Evaluation:
    """The figure a bilan judges a commitment on: the cumul that ends this year, else the year
    itself; for a commitment made on its cumuls between two of them, the cumul so far, in
    progress."""
    rows = evaluations(ligne, TOTAL, annee, periode)
    ending = [r for r in rows if r.libelle.startswith("Cumul") and r.libelle.endswith(str(annee))]
    if ending:
        return ending[0]
    if ligne.indicateur.horizon != "cumul":
        return rows[-1]
    span = [y for y in years(periode) if y <= annee]
    so_far = _cumulated(ligne, ligne.valeurs.get(TOTAL, {}), ligne.realise.get(TOTAL, {}), span)
    return replace(so_far, atteint=EN_COURS)


def assemble_bilan(
    convention: Convention,
    annee: int,
    explications: list[dict],
    prose: Prose,
    vigueur: list,
    parc: dict[int, dict],
    introduction: list | None = None,
) -> tuple[Convention, list[Graphique]]:
    """The bilan of a year, on the convention's document of its scope (the whole organisation
    or a partner's extract), and the charts it shows; vigueur: which commitments these are
    (« les engagements de la convention signée le … »); parc: the snapshots of the stock by
    year (1 January), that of the état des lieux first."""
    periode = convention.periode
    lignes = [ligne for ligne in convention.engagements if ligne.valeurs.get(TOTAL)]
    what = kind(annee, periode)
    chapitres = [
        Section(
            "objet-du-bilan",
            "1",
            "Objet du bilan",
            1,
            [
                *_method(convention, lignes, annee, what, vigueur),
                *prose(introduction or [], "organisme"),
            ],
        ),
        Section("synthese", "2", "Synthèse", 1, [_summary(lignes, annee, periode)]),
    ]
    indicateurs, graphiques = _by_indicator(convention, lignes, annee, explications, prose)
    chapitres.append(
        Section("engagements-et-realise", "3", "Engagements et réalisé", 1, [], indicateurs)
    )
    # the stock on 1 January after the year of the bilan, at the latest
    shown = {year: counts for year, counts in parc.items() if year <= annee + 1}
    if len(shown) > 1:
        chapitres.append(Section("etat-du-parc", "4", "État du parc", 1, _stock(convention, shown)))
    titre = f"Bilan {what} de la convention d'utilité sociale"
    if what == "annuel":
        titre = f"Bilan annuel {annee} de la convention d'utilité sociale"
    sous_titre = f"Année {annee} — engagements {periode[0]}-{periode[1]}"
    if convention.extrait is not None:
        sous_titre = f"Extrait pour {convention.extrait.partenaire.appellation.le} — année {annee}"
    return (
        replace(
            convention,
            chapitres=chapitres,
            titre=titre,
            sous_titre=sous_titre,
            gabarit="bilan",
            parties=[],
            engagements=lignes,
            npl=None,
        ),
        graphiques,
    )


def _method(
    convention: Convention, lignes: list[Ligne], annee: int, what: str, vigueur: list
) -> list:
    first, last = convention.periode
    cumuls = sorted(
        {ligne.indicateur.id for ligne in lignes if ligne.indicateur.horizon == "cumul"}
    )
    span = f"de {first} à {annee}" if annee > first else f"pour {first}"
    opening = Paragraph(
        [
            Texte(
                f"Ce bilan {what} compare les engagements de la convention d'utilité sociale "
                f"{first}-{last} et leur réalisé {span}, indicateur par indicateur et territoire "
                "par territoire. Ce sont "
            ),
            *vigueur,
            Texte("."),
        ]
    )
    text = [
        "Le réalisé d'une année est calculé à partir des données de l'organisme pour cette année "
        "(attributions suivies d'un bail signé, travaux achevés, logements mis en "
        "commercialisation), selon les définitions des valeurs de référence de la convention ; "
        "à défaut, il est déclaré par l'organisme, avec sa source.",
        "Un engagement est atteint quand le réalisé l'égale ou le dépasse ; pour un coût (G-1), "
        "quand il ne le dépasse pas. L'écart est la différence entre le réalisé et l'engagement, "
        "en points pour un taux, et en pourcentage de l'engagement.",
    ]
    if cumuls:
        names = ", ".join(cumuls[:-1]) + (" et " if len(cumuls) > 1 else "") + cumuls[-1]
        text.append(
            f"Les engagements de {names} portent sur les cumuls à trois et six ans : leurs "
            "valeurs annuelles sont indiquées sans être évaluées."
        )
    if any(q.masked for ligne in lignes for s in ligne.realise.values() for q in s.values()):
        text.append(
            f"Un taux calculé sur moins de {convention.seuil} attributions n'est pas publié "
            "(secret statistique), non plus que l'écart qui le donnerait."
        )
    return [opening, *(Paragraph([Texte(t)]) for t in text)]


def _summary(lignes: list[Ligne], annee: int, periode) -> Table:
    rows = []
    for ligne in lignes:
        row = summary_row(ligne, annee, periode)
        rows.append(
            [
                ligne.indicateur.id,
                ligne.nom,
                row.libelle,
                row.engagement,
                row.realise,
                row.ecart,
                row.atteint,
            ]
        )
    return Table(
        f"Engagements et réalisé en {annee}",
        ["Indicateur", "Territoire", "Période", *EVALUATION[:3], EVALUATION[4]],
        rows,
        # the period (« Cumul 2025-2027 ») on one line before the territory's name does
        [1.0, 1.0, 4.0, 1.0, 1.0, 1.0, 1.0],
        "engagements de la convention ; réalisé calculé à partir des données de l'organisme ou "
        "déclaré par lui",
    )


def _by_indicator(
    convention: Convention, lignes: list[Ligne], annee: int, explications: list[dict], prose
) -> tuple[list[Section], list[Graphique]]:
    sections: list[Section] = []
    graphiques: list[Graphique] = []
    order = []
    for ligne in lignes:
        if ligne.indicateur.id not in order:
            order.append(ligne.indicateur.id)
    for rank, ident in enumerate(order, start=1):
        group = [ligne for ligne in lignes if ligne.indicateur.id == ident]
        indicateur = group[0].indicateur
        graphique = _chart(group, convention, annee)
        blocs: list = [
            Paragraph([Emphase([Texte(indicateur.intitule)])]),
            Image(
                graphique.fichier,
                f"{ident} — engagement et réalisé par année",
                "engagements de la convention ; réalisé calculé à partir des données de "
                "l'organisme ou déclaré par lui",
            ),
        ]
        for ligne in group:
            blocs.append(_territory_table(ligne, annee, convention.periode))
            for entry in explications:
                if entry["indicateur"] == ident and entry["territoire"] == ligne.territoire:
                    found = prose(entry["contenu"], ligne.territoire)
                    lead = Emphase([Texte("Explication de l'écart :")], fort=True)
                    if found and isinstance(found[0], Paragraph):
                        found[0] = Paragraph([lead, Texte(" "), *found[0].contenu])
                    blocs += found
        sections.append(
            Section(
                f"bilan-{slug(ident)}",
                f"3.{rank}",
                f"{ident} — {indicateur.titre}",
                2,
                blocs,
            )
        )
        graphiques.append(graphique)
    return sections, graphiques


def _territory_table(ligne: Ligne, annee: int, periode) -> Table:
    rows = []
    for ventilation in ligne.valeurs:
        label = "" if ventilation == TOTAL else f"{_breakdown(ventilation)} — "
        for row in evaluations(ligne, ventilation, annee, periode):
            rows.append(
                [
                    label + row.libelle,
                    row.engagement,
                    row.realise,
                    row.ecart,
                    row.ecart_relatif,
                    row.atteint,
                ]
            )
    recorded = [y for y in ligne.sources_realise if y <= annee]
    sources = [f"réalisé {text}" for text in realise_sources(ligne, recorded)]
    return Table(
        f"{ligne.indicateur.id} — {ligne.nom}",
        ["Année" if list(ligne.valeurs) == [TOTAL] else "", *EVALUATION],
        rows,
        [2.4, 1.3, 1.3, 1.3, 1.3, 1.0],
        " ; ".join(sources) if sources else "aucun réalisé enregistré",
    )


def _breakdown(name: str) -> str:
    return f"dont {name}" if name.startswith("hors") else name


def _chart(group: list[Ligne], convention: Convention, annee: int) -> Graphique:
    indicateur = group[0].indicateur
    panneaux = []
    for ligne in group:
        recorded = ligne.realise.get(TOTAL, {})
        reference = ligne.reference.get(TOTAL)
        panneaux.append(
            Panneau(
                ligne.nom,
                dict(ligne.valeurs[TOTAL]),
                {
                    y: q.value
                    for y, q in recorded.items()
                    if y <= annee and not q.masked and q.value is not None
                },
                None if reference is None or reference.masked else reference.value,
            )
        )
    return Graphique(
        f"bilan-{annee}-{slug(indicateur.id)}.png",
        indicateur.unite,
        years(convention.periode),
        panneaux,
        "Référence de la convention",
    )


def _stock(convention: Convention, parc: dict[int, dict]) -> list:
    """The stock of the état des lieux against the latest snapshot: logements, F or G,
    accessible, for each territory of the document."""
    first, last = min(parc), max(parc)
    partenaire = convention.extrait.partenaire if convention.extrait else None
    rows = []
    for territoire in convention.territoires:
        code = territoire["code"]
        if partenaire is not None and not partenaire.covers(code):
            continue
        niveau = "epci" if territoire["nature"] == "EPCI" else "departement"
        before, after = (parc[y].get((niveau, code)) for y in (first, last))
        rows.append([territoire["nom"], *_compared(before, after)])
    if partenaire is None:
        total = [_whole(parc[y]) for y in (first, last)]
        rows.append(["Ensemble du patrimoine", *_compared(*total)])
    text = Paragraph(
        [
            Texte(
                f"Le parc au 1er janvier {last}, d'après le répertoire des logements locatifs "
                f"des bailleurs sociaux, comparé à celui de l'état des lieux de la convention "
                f"(1er janvier {first})."
            )
        ]
    )
    table = Table(
        f"Logements au 1er janvier {first} et au 1er janvier {last}",
        [
            "Territoire",
            *(f"Logements {y}" for y in (first, last)),
            *(f"F ou G {y}" for y in (first, last)),
            *(f"Accessibles {y}" for y in (first, last)),
        ],
        rows,
        [2.6, 1, 1, 1, 1, 1, 1],
        f"répertoire des logements locatifs des bailleurs sociaux (RPLS) au 1er janvier {first} "
        f"et au 1er janvier {last}",
    )
    return [text, table]


def _compared(before: dict | None, after: dict | None) -> list[Quantity]:
    return [
        Quantity((counts or {}).get(name)) for name in ("logements", "fg", "pmr") for counts in
        (before, after)
    ]  # fmt: skip


def _whole(counts: dict) -> dict:
    """The organisation's counts: the sum of its départements'."""
    departements = [c for (niveau, _), c in counts.items() if niveau == "departement"]
    return {name: sum(c[name] for c in departements) for name in ("logements", "fg", "pmr")}
