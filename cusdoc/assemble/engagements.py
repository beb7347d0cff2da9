"""Assemble stage for the commitments: one line per indicator and territory, one table each."""

from cusdoc.compute.secrecy import Rate, reason
from cusdoc.load.geography import Geographie
from cusdoc.model import (
    ORGANISME,
    TOTAL,
    Emphase,
    EngagementContext,
    Indicateur,
    Ligne,
    Paragraph,
    Partenaire,
    Quantity,
    Section,
    Table,
    Texte,
    Valeur,
    cumulative,
    cumulative_periods,
    indicator_section_id,
    niveau_of,
    years,
)

# Where the réalisé of a year comes from when the data of that year give it.
FROM_DATA = "calculé à partir des données de l'organisme"
# Why an EPCI owes PS-1, as convention.yml declares it (« assujetti_ps1 »).
FONDEMENTS = {
    "plh": "EPCI tenu de se doter d'un programme local de l'habitat",
    "habitat_qpv": "EPCI compétent en matière d'habitat avec au moins un quartier prioritaire",
}


def build_lignes(
    data: dict,
    catalogue: dict[str, Indicateur],
    context: EngagementContext,
    geo: Geographie,
    declared: dict | None = None,
) -> list[Ligne]:
    """The commitments of validated content, in catalogue order, with their réalisé: computed
    from the data of each later year, or declared (content/realise.yml: `declared`)."""
    lignes = []
    for ident, indicateur in catalogue.items():
        for row in data.get(ident, []):
            code = row["territoire"]
            niveau = niveau_of(code, indicateur, context)
            ventilations = {TOTAL: row["valeurs"], **(row.get("ventilations") or {})}
            if indicateur.reference == "calculee":
                reference = {
                    name: reference_value(indicateur, (ident, niveau, code, name), context)
                    for name in ventilations
                }
            else:
                reference = {TOTAL: Quantity(row.get("reference"), indicateur.unite)}
            ligne = Ligne(
                indicateur=indicateur,
                niveau=niveau,
                territoire=code,
                nom=territory_name(code, niveau, geo),
                reference=reference,
                source_reference=row.get("source_reference"),
                valeurs={
                    name: {int(y): v for y, v in values.items()}
                    for name, values in ventilations.items()
                },
                taux_cia=row.get("taux_cia"),
                cia=row.get("cia"),
                justification=row.get("justification"),
            )
            _computed_realise(ligne, context)
            for entry in (declared or {}).get(ident, []):
                if entry["territoire"] == code:
                    _declared_realise(ligne, entry)
            lignes.append(ligne)
    return lignes


def reference_value(indicateur: Indicateur, key: tuple, context: EngagementContext) -> Quantity:
    """A computed reference; a rate is masked with its count, as compute decided once on the
    whole organisation (its denominator or numerator under the secrecy threshold, its count
    masked in a table, or masked so that no other follows by difference)."""
    return _computed(indicateur, key, context.references, context.taux, context.seuil)


def _computed(indicateur: Indicateur, key: tuple, values: dict, rates: dict, seuil: int):
    rate: Rate | None = rates.get(key)
    masked = reason(seuil) if rate is not None and rate.masked else None
    return Quantity(values.get(key), indicateur.unite, masked=masked)


def _computed_realise(ligne: Ligne, context: EngagementContext) -> None:
    """The réalisé the data of each later year give a commitment, under that year's secrecy."""
    ident = ligne.indicateur.id
    for annee, (values, rates) in context.realise.items():
        for name in ligne.valeurs:
            key = (ident, ligne.niveau, ligne.territoire, name)
            if key in values:
                quantity = _computed(ligne.indicateur, key, values, rates, context.seuil)
                ligne.realise.setdefault(name, {})[annee] = quantity
                ligne.sources_realise[annee] = FROM_DATA


def _declared_realise(ligne: Ligne, entry: dict) -> None:
    """The réalisé content/realise.yml declares for a commitment, with its source."""
    series = {TOTAL: entry["valeurs"], **(entry.get("ventilations") or {})}
    for name, values in series.items():
        for annee, value in values.items():
            quantity = Quantity(value, ligne.indicateur.unite)
            ligne.realise.setdefault(name, {})[int(annee)] = quantity
            ligne.sources_realise[int(annee)] = entry["source"]


def territory_name(code: str, niveau: str, geo: Geographie) -> str:
    if niveau == ORGANISME:
        return "Ensemble de l'organisme"
    if niveau == "region":
        return f"Région {geo.regions[code]}"
    territoire = geo.territoire(code)
    return territoire.nom if territoire else code


def lignes_for(
    lignes: list[Ligne],
    partenaire: Partenaire,
    context: EngagementContext,
    catalogue: dict[str, Indicateur],
) -> list[Ligne]:
    """A partner's commitments: its own territory's, and for an EPCI the references computed on
    its territory where the commitment is departmental. Figures of the whole organisation or of
    the région are not the partner's: they stay in the convention."""
    out = [
        ligne
        for ligne in lignes
        if ligne.territoire == partenaire.code or ligne.territoire in partenaire.epci
    ]
    if partenaire.nature == "EPCI":
        present = {(kept.indicateur.id, kept.territoire) for kept in out}
        for ligne in lignes:
            indicateur = ligne.indicateur
            if indicateur.reference != "calculee" or (indicateur.id, partenaire.code) in present:
                continue
            if indicateur.echelle != "departement" or ligne.niveau != "departement":
                continue
            present.add((indicateur.id, partenaire.code))
            reference = {
                name: reference_value(
                    indicateur, (indicateur.id, "epci", partenaire.code, name), context
                )
                for name in ligne.valeurs
            }
            out.append(
                Ligne(
                    indicateur=indicateur,
                    niveau="epci",
                    territoire=partenaire.code,
                    nom=f"{partenaire.nom} (référence ; l'engagement est départemental)",
                    reference=reference,
                    source_reference=None,
                    valeurs={name: {} for name in ligne.valeurs},
                )
            )
    order = list(catalogue)
    return sorted(out, key=lambda kept: order.index(kept.indicateur.id))


def indicator_sections(
    lignes: list[Ligne], numero: str, context: EngagementContext
) -> list[Section]:
    """One section per indicator, with one table per territory."""
    sections: list[Section] = []
    for ligne in lignes:
        indicateur = ligne.indicateur
        ident = indicator_section_id(indicateur.id)
        if not sections or sections[-1].id != ident:
            # A wording not read on Légifrance is a warning of cusdoc check, never a printed note.
            blocs = [
                Paragraph([Emphase([Texte(indicateur.intitule)])]),
                Paragraph(
                    [
                        Emphase([Texte("Engagement :")], fort=True),
                        Texte(" " + indicateur.engagement),
                    ]
                ),
            ]
            sections.append(
                Section(
                    ident,
                    f"{numero}.{len(sections) + 1}",
                    f"{indicateur.id} — {indicateur.titre}",
                    2,
                    blocs,
                )
            )
        sections[-1].blocs += [engagement_table(ligne, context), *table_notes(ligne)]
    return sections


def table_notes(ligne: Ligne) -> list[Paragraph]:
    """What is printed under a territory's table: the rate of the convention intercommunale
    d'attribution that PS-1 follows, with its source; why a target falls short."""
    notes = []
    if ligne.taux_cia is not None and ligne.cia:
        notes.append(
            Paragraph(
                [
                    Emphase([Texte("Taux de la convention intercommunale d'attribution :")], True),
                    Texte(" "),
                    Valeur("taux_cia", quantite=Quantity(ligne.taux_cia, "pourcent")),
                    Texte(f" au moins (source : {ligne.cia['reference']}, "),
                    Valeur("date_cia", quantite=ligne.cia["date"]),
                    Texte(")."),
                ]
            )
        )
    if ligne.justification:
        notes.append(
            Paragraph([Emphase([Texte("Justification :")], True), Texte(" " + ligne.justification)])
        )
    return notes


def engagement_table(ligne: Ligne, context: EngagementContext) -> Table:
    """Référence | each year | cumul 3 ans | cumul 6 ans, one row per breakdown."""
    indicateur = ligne.indicateur
    unit = indicateur.unite
    span = years(context.periode)
    periods = cumulative_periods(context.periode)
    lignes = []
    for name, values in ligne.valeurs.items():
        cells = [ligne.reference.get(name) or Quantity(None, unit)]
        cells += [Quantity(values.get(y), unit) for y in span]
        for _, period in periods:
            total = cumulative(values, period) if indicateur.additif else None
            cells.append(Quantity(total, unit))
        label = "Total" if name == TOTAL else f"dont {name}" if name.startswith("hors") else name
        lignes.append([label, *cells])
    calculee = indicateur.reference == "calculee"
    source = (
        f"référence calculée à partir des données de l'organisme ({context.annee_reference})"
        if calculee
        else ligne.source_reference or "référence déclarée par l'organisme"
    )
    # a declared reference is of the period its source says (« moyenne … de 2021 à 2023 »)
    reference = f"Réf. {context.annee_reference}" if calculee else "Réf."
    if indicateur.echelle == "epci" and ligne.territoire in context.assujettis:
        source += f" ; {FONDEMENTS[context.assujettis[ligne.territoire]]} (CCH L. 441-1)"
    return Table(
        f"{indicateur.id} — {ligne.nom}",
        ["", reference, *map(str, span), *(label for label, _ in periods)],
        lignes,
        [2.2, 1.2, *[1] * len(span), 1.2, 1.2],
        source,
    )
