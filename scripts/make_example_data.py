"""Write the data files of the example organisation, Habitat Loire et Sologne, deterministically.

Usage: python scripts/make_example_data.py [content/donnees]

The figures that the example's prose states (content/etat_des_lieux.yml and
content/gestion_sociale.yml) are reproduced exactly, by allocation rather than sampling:
logements by EPCI, commune and QPV quartier, financing and DPE classes by département, F/G by
EPCI, rooms, construction periods, collectif/individuel, accessible logements, the 428 ensembles
and their classes, occupation rates, the attributions of 2021 to 2023 and the works and sales
of those years. Everything else follows the generic distributions of tests/synthetic.py.

Two classifications of the prose are not columns of the files; the data reproduce them under
these rules, which the indicators should follow:

- service rendu: note = 0.2 × (qualite_construction + equipements) + 0.3 × (localisation +
  environnement), from 1 to 5; A from 4, B from 3, C from 2, D under 2 (the prose's 3.25,
  2.5 and 1.75 on its 1-to-4 scale);
- occupation: an indicator stands out when the share of ménages under 60 % of the ceilings, or
  receiving the APL, is more than 10 points above the park's, when the vacancy rate is over
  twice the park's, or the rotation rate over 1.5 times; équilibrée: none stands out, à
  surveiller: one or two, fragile: three or four.
"""

import math
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from tests import synthetic
from tests.synthetic import Quota, allocate

SEED = 2024
TARGET = Path(__file__).resolve().parent.parent / "content" / "donnees"
LAST_YEAR = 2023  # the stock is that of 1 January 2024
OPS_YEAR = 2022  # the occupation survey is that of 1 January 2022

EPCI_LOGEMENTS = {
    "243700754": 7020,  # Tours Métropole Val de Loire
    "200073161": 1210,  # CC Touraine-Est Vallées
    "200072650": 1182,  # CC Touraine Vallée de l'Indre
    "200030385": 2154,  # CA de Blois « Agglopolys »
    "244100798": 484,  # CC du Grand Chambord
}
TMVL, CCTEV, CCTVI, AGGLOPOLYS, CHAMBORD = EPCI_LOGEMENTS

# quartier: (QPV code, urban renewal project)
QUARTIERS = {
    "Sanitas": ("QN037006M", True),
    "Europe-Chateaubriand": ("QN037004M", False),
    "Rives du Cher": ("QN037007M", False),
    "La Rabière": ("QN037002M", True),
    "La Rabaterie": ("QN037003M", False),
    "Quartiers Nord": ("QN041003M", True),
}

# commune: (logements, of which individuels, logements by QPV quartier)
COMMUNES = {
    # Tours Métropole Val de Loire; agencies of Tours Nord, Tours Sud and Joué-lès-Tours
    "37261": (3670, 56, {"Sanitas": 1120, "Europe-Chateaubriand": 640, "Rives du Cher": 510}),
    "37233": (760, 34, {"La Rabaterie": 420}),  # Saint-Pierre-des-Corps
    "37122": (980, 73, {"La Rabière": 490}),  # Joué-lès-Tours
    "37214": (320, 90, {}),  # Saint-Cyr-sur-Loire
    "37109": (180, 70, {}),  # Fondettes
    "37172": (60, 24, {}),  # Notre-Dame-d'Oé
    "37152": (70, 24, {}),  # Mettray
    "37151": (50, 20, {}),  # La Membrolle-sur-Choisille
    "37054": (40, 18, {}),  # Chanceaux-sur-Choisille
    "37179": (30, 12, {}),  # Parçay-Meslay
    "37203": (50, 20, {}),  # Rochecorbon
    "37050": (200, 60, {}),  # Chambray-lès-Tours
    "37208": (180, 54, {}),  # Saint-Avertin
    "37018": (150, 54, {}),  # Ballan-Miré
    "37195": (170, 30, {}),  # La Riche
    "37243": (40, 16, {}),  # Savonnières
    "37139": (40, 18, {}),  # Luynes
    "37272": (15, 15, {}),  # Villandry
    "37219": (15, 15, {}),  # Saint-Genouph
    # CC Touraine-Est Vallées; agency of Amboise
    "37156": (420, 140, {}),  # Montlouis-sur-Loire
    "37273": (180, 60, {}),  # La Ville-aux-Dames
    "37281": (150, 50, {}),  # Vouvray
    "37267": (110, 40, {}),  # Véretz
    "37124": (90, 40, {}),  # Larçay
    "37015": (80, 40, {}),  # Azay-sur-Cher
    "37153": (70, 30, {}),  # Monnaie
    "37270": (60, 30, {}),  # Vernou-sur-Brenne
    "37194": (30, 30, {}),  # Reugny
    "37052": (20, 20, {}),  # Chançay
    # CC Touraine Vallée de l'Indre; agency of Joué-lès-Tours
    "37159": (260, 80, {}),  # Monts
    "37266": (200, 70, {}),  # Veigné
    "37154": (180, 50, {}),  # Montbazon
    "37104": (150, 50, {}),  # Esvres
    "37014": (140, 50, {}),  # Azay-le-Rideau
    "37250": (90, 40, {}),  # Sorigny
    "37211": (62, 32, {}),  # Saint-Branchs
    "37006": (50, 30, {}),  # Artannes-sur-Indre
    "37263": (50, 30, {}),  # Truyes
    # CA de Blois « Agglopolys »; agency of Blois
    "41018": (1620, 50, {"Quartiers Nord": 800}),  # Blois
    "41295": (160, 60, {}),  # Vineuil
    "41047": (140, 50, {}),  # La Chaussée-Saint-Victor
    "41212": (70, 30, {}),  # Saint-Gervais-la-Forêt
    "41276": (50, 30, {}),  # Villebarou
    "41167": (44, 24, {}),  # Veuzain-sur-Loire
    "41101": (40, 20, {}),  # Herbault
    "41032": (30, 30, {}),  # Chailles
    # CC du Grand Chambord; agency of Blois
    "41220": (130, 46, {}),  # Saint-Laurent-Nouan
    "41150": (110, 60, {}),  # Mont-près-Chambord
    "41025": (70, 40, {}),  # Bracieux
    "41104": (60, 40, {}),  # Huisseau-sur-Cosson
    "41207": (44, 24, {}),  # Saint-Dyé-sur-Loire
    "41204": (40, 20, {}),  # Saint-Claude-de-Diray
    "41148": (30, 30, {}),  # Montlivault
}

ENSEMBLES = 428
MEAN_ENSEMBLE = {"QPV": 35, "C": 30, "I": 14}

PERIODES = {
    "1920-1949": 450,
    "1950-1959": 350,
    "1960-1969": 3300,
    "1970-1979": 3800,
    "1980-1989": 1400,
    "1990-1999": 750,
    "2000-2009": 700,
    "2010-2019": 1000,
    "2020-2024": 300,
}
FAMILLES = {
    "37": {"ancien": 902, "PLUS": 6930, "PLAI": 1060, "PLS": 520},
    "41": {"ancien": 300, "PLUS": 1990, "PLAI": 265, "PLS": 83},
}
DPE = {
    "37": {"A": 120, "B": 720, "C": 2080, "D": 3897, "E": 1720, "F": 630, "G": 245},
    "41": {"A": 25, "B": 170, "C": 530, "D": 1068, "E": 580, "F": 195, "G": 70},
}
FG = {TMVL: 610, CCTEV: 140, CCTVI: 125, AGGLOPOLYS: 205, CHAMBORD: 60}
PIECES = {"1": 720, "2": 2410, "3": 4340, "4": 3380, "5": 1000, "6": 200}
ACCESSIBLES = 612
INDIVIDUELS = 2169
SEGMENTS_PSP = {"RESTRUCTURER": 1170, "REHABILITER": 3400, "CONSERVER": 7000, "CEDER": 480}

# class: (ensembles, logements)
SERVICE = {"A": (92, 2386), "B": (168, 4868), "C": (121, 3590), "D": (47, 1206)}
SERVICE_D_QPV = (31, 820)
OCCUPATION = {"equilibree": (251, 6480), "surveiller": (129, 3560), "fragile": (48, 2010)}
FRAGILE_C_OR_D = 38
FRAGILE_QPV_LOGEMENTS = 1809  # « près de 90 % »
FRAGILE_HORS_QPV = {"AB": 2, "CD": 4}  # ensembles

MENAGES = 11520
# Ménages in QPV: the share (32,95 %) at which the prose's rates by QPV status and overall agree.
MENAGES_QPV = 3796
VACANTS = {"37": 216, "41": 121}  # 2,3 % and 4,6 %, 2,8 % in all
DEPARTS = {"37": 828, "41": 269}  # 8,8 % and 10,2 %, 9,1 % in all
# % of ménages by département, in QPV, hors QPV and in all
SOUS_60 = {"37": 62.1, "41": 66.8, "qpv": 74.6, "hors": 57.5, "all": 63.1}
APL = {"37": 47.5, "41": 53.0, "qpv": 60.2, "hors": 43.0, "all": 48.7}

YEARS = (2021, 2022, 2023)
THRESHOLD_YEARS = (2021, 2022, 2023, 2024)
# attributions followed by a signed lease: year → EPCI → (hors QPV, in QPV)
SIGNED = {
    2021: {
        TMVL: (342, 276),
        CCTEV: (104, 0),
        CCTVI: (101, 0),
        AGGLOPOLYS: (106, 108),
        CHAMBORD: (41, 0),
    },
    2022: {
        TMVL: (353, 281),
        CCTEV: (112, 0),
        CCTVI: (98, 0),
        AGGLOPOLYS: (111, 110),
        CHAMBORD: (44, 0),
    },
    2023: {
        TMVL: (351, 290),
        CCTEV: (108, 0),
        CCTVI: (106, 0),
        AGGLOPOLYS: (101, 105),
        CHAMBORD: (45, 0),
    },
}
UNSIGNED = {2021: 57, 2022: 58, 2023: 58}  # about 5 % of the rows
# hors QPV, below the first-quartile threshold or relogés: year → EPCI → count
PREMIER_QUARTILE = {
    2021: {TMVL: 66, CCTEV: 22, CCTVI: 21, AGGLOPOLYS: 23, CHAMBORD: 10},
    2022: {TMVL: 72, CCTEV: 24, CCTVI: 20, AGGLOPOLYS: 25, CHAMBORD: 11},
    2023: {TMVL: 75, CCTEV: 25, CCTVI: 22, AGGLOPOLYS: 24, CHAMBORD: 13},
}
# in QPV, at or above the threshold (2nd to 4th quartiles): year → EPCI → count
AUTRES_QUARTILES_QPV = {
    2021: {TMVL: 139, AGGLOPOLYS: 47},
    2022: {TMVL: 144, AGGLOPOLYS: 48},
    2023: {TMVL: 151, AGGLOPOLYS: 47},
}
# relogés of the urban renewal projects: year → EPCI → (hors QPV, in QPV)
RELOGES = {
    2021: {TMVL: (13, 9), AGGLOPOLYS: (5, 3)},
    2022: {TMVL: (15, 10), AGGLOPOLYS: (5, 4)},
    2023: {TMVL: (14, 10), AGGLOPOLYS: (5, 4)},
}
PRIORITAIRES = {2021: 281, 2022: 297, 2023: 303}  # 26,1 %, 26,8 %, 27,4 %
DALO = {2021: {"37": 43, "41": 11}, 2022: {"37": 46, "41": 12}, 2023: {"37": 49, "41": 12}}
MUTATIONS = {2021: 245, 2022: 255, 2023: 262}  # 23,7 % in 2023
# logements of the works and sales of each year, by département (travaux.csv): of the order of
# the commitments of content/engagements.yml, whose references they give for 2023; about 150 a
# year taken out of F and G, « une centaine » of adaptations a year (the prose).
TRAVAUX = {
    2021: {
        "37": {"rehabilitation": 182, "renovation_energetique": 118, "adaptation_pmr": 70},
        "41": {"rehabilitation": 47, "renovation_energetique": 32, "adaptation_pmr": 18},
    },
    2022: {
        "37": {"rehabilitation": 195, "renovation_energetique": 121, "adaptation_pmr": 74},
        "41": {"rehabilitation": 52, "renovation_energetique": 30, "adaptation_pmr": 20},
    },
    2023: {
        "37": {"rehabilitation": 193, "renovation_energetique": 124, "adaptation_pmr": 78},
        "41": {"rehabilitation": 51, "renovation_energetique": 33, "adaptation_pmr": 21},
    },
}
VENTES = {  # (mises en commercialisation, ventes)
    2021: {"37": (15, 9), "41": (5, 3)},
    2022: {"37": (17, 11), "41": (7, 4)},
    2023: {"37": (16, 12), "41": (6, 4)},
}


def departement(epci: str) -> str:
    return "41" if epci in (AGGLOPOLYS, CHAMBORD) else "37"


# --- The stock ------------------------------------------------------------------------------


def segments() -> list[dict]:
    """Each commune's QPV quartiers, collectif and individuel stock, with its ensembles."""
    rows = []
    for code, (logements, individuels, quartiers) in COMMUNES.items():
        for quartier, count in quartiers.items():
            qpv, anru = QUARTIERS[quartier]
            rows.append(_segment(code, count, "C", "QPV", qpv, quartier, anru))
        collectifs = logements - individuels - sum(quartiers.values())
        rows.append(_segment(code, collectifs, "C", "C"))
        rows.append(_segment(code, individuels, "I", "I"))
    rows = [row for row in rows if row["logements"] > 0]
    counts = allocate(
        ENSEMBLES,
        [row["logements"] / MEAN_ENSEMBLE[row["kind"]] for row in rows],
        [max(1, math.ceil(row["logements"] / 290)) for row in rows],
        [max(1, row["logements"] // 10) for row in rows],
    )
    return [row | {"ensembles": n} for row, n in zip(rows, counts, strict=True)]


def _segment(code, logements, typeconst, kind, qpv=None, quartier=None, anru=False) -> dict:
    return {
        "DEPCOM": code,
        "QPV": qpv,
        "quartier": quartier,
        "anru": anru,
        "TYPECONST": typeconst,
        "logements": logements,
        "kind": kind,
    }


def split_table(rows: dict[str, int], columns: dict[str, int]) -> dict[str, dict[str, int]]:
    """A table of counts with the given row and column totals, rows in proportion to columns."""
    remaining = dict(columns)
    table = {}
    for row, total in rows.items():
        counts = allocate(total, list(remaining.values()))
        table[row] = dict(zip(remaining, counts, strict=True))
        remaining = {c: remaining[c] - table[row][c] for c in remaining}
    return table


def dpe_by_epci() -> dict[str, dict[str, int]]:
    """DPE classes by EPCI: the département's F, G and A to E split by the EPCI's F/G count."""
    table = {}
    for dep, classes in DPE.items():
        epcis = [e for e in EPCI_LOGEMENTS if departement(e) == dep]
        fg = split_table({e: FG[e] for e in epcis}, {c: classes[c] for c in "FG"})
        others = {e: EPCI_LOGEMENTS[e] - FG[e] for e in epcis}
        rest = split_table(others, {c: classes[c] for c in "ABCDE"})
        table |= {e: rest[e] | fg[e] for e in epcis}
    return table


def logement_quotas() -> dict[str, Quota]:
    """The exact counts the prose states for the columns of patrimoine.csv."""
    return {
        "periode": Quota.shares(PERIODES),
        "famille": Quota(("DEP",), {(dep,): counts for dep, counts in FAMILLES.items()}),
        "dpe": Quota(("EPCI",), {(e,): counts for e, counts in dpe_by_epci().items()}),
        "segment": Quota.shares(SEGMENTS_PSP),
        "pieces": Quota.shares(PIECES),
        "pmr": Quota.shares({"1": ACCESSIBLES, "0": sum(EPCI_LOGEMENTS.values()) - ACCESSIBLES}),
    }


# --- The ensembles ------------------------------------------------------------------------


def ensemble_facts(con) -> list[dict]:
    """What the classifications need to know of each ensemble."""
    query = f"""
        SELECT e.ens, e.DEP AS dep, e.QPV IS NOT NULL AS qpv, e.logements,
            avg(l.CONSTRUCT) AS construct,
            avg(strpos('ABCDEFG', l.DPEENERGIE)) AS dpe,
            count(*) FILTER (WHERE l.CONSTRUCT < {OPS_YEAR}) AS stock_ops,
            o.qualite_construction, o.equipements, o.localisation, o.environnement
        FROM ensemble e JOIN logement l USING (ens) JOIN ensemble_out o USING (ens)
        GROUP BY ALL ORDER BY e.ens
    """
    result = con.execute(query)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def pick(candidates: list[dict], count: int, total: int) -> list[dict]:
    """The first candidates, swapped for later ones until their logements add up to total."""
    chosen, rest = list(candidates[:count]), list(candidates[count:])
    while (gap := total - sum(e["logements"] for e in chosen)) != 0:
        swap = _best_swap(chosen, rest, gap)
        if swap is None:
            raise SystemExit(f"no {count} ensembles make {total} logements")
        i, j = swap
        chosen[i], rest[j] = rest[j], chosen[i]
    return chosen


def _best_swap(chosen: list[dict], rest: list[dict], gap: int) -> tuple[int, int] | None:
    """The swap that closes most of the gap, giving up the least preferred candidates."""
    best, best_key = None, None
    for i in range(len(chosen)):
        for j in range(len(rest)):
            left = abs(gap - (rest[j]["logements"] - chosen[i]["logements"]))
            key = (left, j - i)
            if left < abs(gap) and (best_key is None or key < best_key):
                best, best_key = (i, j), key
    return best


def classify_service(ensembles: list[dict], rng: random.Random) -> dict[int, str]:
    """Classes A to D with the prose's counts: D the worst kept, A the best."""
    for e in ensembles:
        e["worse"] = e["dpe"] + (2024 - e["construct"]) / 15 + 1.5 * e["qpv"] + rng.random()
    by_worse = sorted(ensembles, key=lambda e: -e["worse"])
    classes = {}
    d_qpv = pick([e for e in by_worse if e["qpv"]], *SERVICE_D_QPV)
    d_count, d_total = (a - b for a, b in zip(SERVICE["D"], SERVICE_D_QPV, strict=True))
    d_other = pick([e for e in by_worse if not e["qpv"]], d_count, d_total)
    classes |= {e["ens"]: "D" for e in d_qpv + d_other}
    for name in ("A", "B"):
        free = [e for e in reversed(by_worse) if e["ens"] not in classes]
        classes |= {e["ens"]: name for e in pick(free, *SERVICE[name])}
    classes |= {e["ens"]: "C" for e in ensembles if e["ens"] not in classes}
    return classes


def classify_occupation(
    ensembles: list[dict], service: dict[int, str], rng: random.Random
) -> dict[int, str]:
    """Occupation classes with the prose's counts: fragile mostly in QPV and classes C or D."""
    occupied = [e for e in ensembles if e["stock_ops"] > 0]
    for e in occupied:
        e["fragility"] = 3 * e["qpv"] + e["worse"] / 3 + rng.random()
    by_fragility = sorted(occupied, key=lambda e: -e["fragility"])
    poor = [e for e in by_fragility if service[e["ens"]] in "CD"]
    good = [e for e in by_fragility if service[e["ens"]] in "AB"]
    ab_count = OCCUPATION["fragile"][0] - FRAGILE_C_OR_D
    ab_hors = [e for e in good if not e["qpv"]][: FRAGILE_HORS_QPV["AB"]]
    ab_qpv = [e for e in good if e["qpv"]][: ab_count - FRAGILE_HORS_QPV["AB"]]
    hors_left = OCCUPATION["fragile"][1] - FRAGILE_QPV_LOGEMENTS - _logements(ab_hors)
    cd_hors = pick([e for e in poor if not e["qpv"]], FRAGILE_HORS_QPV["CD"], hors_left)
    qpv_left = FRAGILE_QPV_LOGEMENTS - _logements(ab_qpv)
    cd_qpv = pick([e for e in poor if e["qpv"]], FRAGILE_C_OR_D - FRAGILE_HORS_QPV["CD"], qpv_left)
    classes = {e["ens"]: "fragile" for e in ab_hors + ab_qpv + cd_hors + cd_qpv}
    free = [e for e in by_fragility if e["ens"] not in classes]
    classes |= {e["ens"]: "surveiller" for e in pick(free, *OCCUPATION["surveiller"])}
    return {e["ens"]: classes.get(e["ens"], "equilibree") for e in ensembles}


def _logements(ensembles: list[dict]) -> int:
    return sum(e["logements"] for e in ensembles)


# The service note, ×10 to stay in integers, and the lowest note of each class.
SCORES = ("qualite_construction", "equipements", "localisation", "environnement")
SCORE_WEIGHTS = (2, 2, 3, 3)
CLASS_FLOOR = {"A": 40, "B": 30, "C": 20, "D": 10}
CLASS_CEILING = {"A": 50, "B": 39, "C": 29, "D": 19}


def note(scores: Sequence[int]) -> int:
    """The service note of four scores, ×10."""
    return sum(w * s for w, s in zip(SCORE_WEIGHTS, scores, strict=True))


def fit_scores(scores: list[int], target: str) -> list[int]:
    """Raise the lowest or lower the highest score until the note falls in the class."""
    scores = list(scores)
    while note(scores) < CLASS_FLOOR[target]:
        scores[scores.index(min(scores))] += 1
    while note(scores) > CLASS_CEILING[target]:
        scores[scores.index(max(scores))] -= 1
    return scores


# --- Occupation ----------------------------------------------------------------------------

STAND_OUT_SHARE = 10  # points above the park's share of ménages
STAND_OUT_VACANCY = 2  # times the park's vacancy rate
STAND_OUT_ROTATION = 1.5  # times the park's rotation rate
# points kept between the values that stand out and the others
SHARE_MARGIN, RATE_MARGIN = 1, 0.3


def standing_out(occupation: str, qpv: bool, rng: random.Random) -> set[str]:
    """The indicators that stand out for an ensemble of an occupation class."""
    if occupation == "equilibree":
        return set()
    if occupation == "fragile":
        return {"s60", "apl"} | rng.choice([{"vacance"}, {"rotation"}, {"vacance", "rotation"}])
    if qpv:
        return rng.choice([{"s60"}, {"s60", "apl"}, {"s60", "apl"}, {"apl"}, {"s60", "rotation"}])
    return rng.choice([{"vacance"}, {"rotation"}, {"apl"}, {"s60"}, {"vacance", "rotation"}])


def rate_bounds(
    size: int, limit: float, out: bool, margin: float, cap: float = 100
) -> tuple[int, int]:
    """Counts among size whose rate is over the limit by a margin (or under it), at most cap %."""
    if out:
        return min(size, math.ceil(size * (limit + margin) / 100)), math.floor(size * cap / 100)
    return 0, max(0, math.floor(size * (limit - margin) / 100))


def spread_by(
    ensembles: list[dict],
    totals: dict,
    group: Callable[[dict], object],
    weight: Callable[[dict], float],
    bounds: Callable[[dict], tuple[int, int]],
) -> dict[int, int]:
    """Split each group's total among its ensembles, by weight and within bounds."""
    values = {}
    members = defaultdict(list)
    for e in ensembles:
        members[group(e)].append(e)
    for key, total in totals.items():
        part = members[key]
        limits = [bounds(e) for e in part]
        counts = allocate(total, [weight(e) for e in part], *zip(*limits, strict=True))
        values |= {e["ens"]: n for e, n in zip(part, counts, strict=True)}
    return values


def occupy(ensembles: list[dict], occupation: dict[int, str], rng: random.Random) -> None:
    """Vacancy, rotation, ménages and their resources, to the prose's rates by territory."""
    stock = sum(e["logements"] for e in ensembles)
    for e in ensembles:
        e["out"] = standing_out(occupation[e["ens"]], e["qpv"], rng)
        e["noise"] = rng.random()
    vacancy = 100 * sum(VACANTS.values()) / stock
    rotation = 100 * sum(DEPARTS.values()) / stock
    vacants = spread_by(
        ensembles,
        VACANTS,
        lambda e: e["dep"],
        lambda e: e["logements"] * (0.1 if "vacance" in e["out"] else 0.01 + 0.03 * e["noise"]),
        lambda e: rate_bounds(
            e["logements"], vacancy * STAND_OUT_VACANCY, "vacance" in e["out"], RATE_MARGIN, 30
        ),
    )
    departs = spread_by(
        ensembles,
        DEPARTS,
        lambda e: e["dep"],
        lambda e: e["logements"] * (0.18 if "rotation" in e["out"] else 0.06 + 0.05 * e["noise"]),
        lambda e: rate_bounds(
            e["logements"], rotation * STAND_OUT_ROTATION, "rotation" in e["out"], RATE_MARGIN, 40
        ),
    )
    for e in ensembles:
        e["vacants"], e["departs"] = vacants[e["ens"]], departs[e["ens"]]
    settle_menages(ensembles)
    for name, rates, key in (("s60", SOUS_60, "menages_sous_60_pct"), ("apl", APL, "menages_apl")):
        totals = cell_totals(ensembles, rates)
        values = spread_by(
            ensembles,
            totals,
            lambda e: (e["dep"], e["qpv"]),
            lambda e, n=name: e["menages"] * (0.85 if n in e["out"] else 0.45 + 0.2 * e["noise"]),
            lambda e, n=name, r=rates: rate_bounds(
                e["menages"], r["all"] + STAND_OUT_SHARE, n in e["out"], SHARE_MARGIN
            ),
        )
        for e in ensembles:
            e[key] = values[e["ens"]]


def settle_menages(ensembles: list[dict]) -> None:
    """Ménages at the occupation survey: the stock then, less its vacant logements."""
    stock = {q: sum(e["stock_ops"] for e in ensembles if e["qpv"] == q) for q in (True, False)}
    menages = {True: MENAGES_QPV, False: MENAGES - MENAGES_QPV}
    vacant = spread_by(
        ensembles,
        {q: stock[q] - menages[q] for q in (True, False)},
        lambda e: e["qpv"],
        lambda e: e["vacants"] + 0.3,
        lambda e: (0, e["stock_ops"]),
    )
    for e in ensembles:
        e["menages"] = e["stock_ops"] - vacant[e["ens"]]


def rounding_window(rate: float, size: int) -> range:
    """The counts among size whose percentage, to one decimal, is the rate."""
    return range(
        math.ceil((rate - 0.049) * size / 100), math.floor((rate + 0.049) * size / 100) + 1
    )


def cell_totals(ensembles: list[dict], rates: dict[str, float]) -> dict[tuple[str, bool], int]:
    """Counts by département and QPV status whose percentages give all the prose's rates."""
    size = Counter()
    for e in ensembles:
        size[e["dep"], e["qpv"]] += e["menages"]
    dep = {d: size[d, True] + size[d, False] for d in ("37", "41")}
    qpv = {q: size["37", q] + size["41", q] for q in (True, False)}
    whole = sum(size.values())
    for r37 in rounding_window(rates["37"], dep["37"]):
        for r41 in rounding_window(rates["41"], dep["41"]):
            if r37 + r41 not in rounding_window(rates["all"], whole):
                continue
            for in_qpv in rounding_window(rates["qpv"], qpv[True]):
                if r37 + r41 - in_qpv in rounding_window(rates["hors"], qpv[False]):
                    return _split_cells(size, r37, r41, in_qpv)
    raise SystemExit(f"no counts give the rates {rates}")


def _split_cells(size: Counter, r37: int, r41: int, in_qpv: int) -> dict[tuple[str, bool], int]:
    """The 2 × 2 cells of given margins, QPV of Loir-et-Cher 3 points above Indre-et-Loire's."""
    q37, q41 = size["37", True], size["41", True]
    t = round((in_qpv - 0.03 * q41) / (1 + q41 / q37))
    return {
        ("37", True): t,
        ("37", False): r37 - t,
        ("41", True): in_qpv - t,
        ("41", False): r41 - (in_qpv - t),
    }


def describe(con, ensembles: list[dict], service: dict[int, str]) -> None:
    """Write the scores and the occupation of each ensemble into ensemble_out."""
    scores = [fit_scores([e[s] for s in SCORES], service[e["ens"]]) for e in ensembles]
    columns = {"ens": [e["ens"] for e in ensembles]}
    columns |= {s: [row[i] for row in scores] for i, s in enumerate(SCORES)}
    for name in ("menages", "menages_sous_60_pct", "menages_apl", "vacants", "departs"):
        columns[name] = [e[name] for e in ensembles]
    synthetic.replace_columns(con, "ensemble_out", "ens", columns)


# --- Attributions --------------------------------------------------------------------------


def attribution_cells() -> list[tuple[int, str, int, int, int]]:
    """Rows by (year, EPCI, QPV, bail signé): the prose's signed ones, about 5 % unsigned."""
    cells = []
    for year, by_epci in SIGNED.items():
        signed = [(epci, q, n) for epci, pair in by_epci.items() for q, n in enumerate(pair)]
        unsigned = allocate(UNSIGNED[year], [n for _, _, n in signed])
        for (epci, q, n), u in zip(signed, unsigned, strict=True):
            cells += [(year, epci, q, 1, n), (year, epci, q, 0, u)]
    return [cell for cell in cells if cell[4] > 0]


def profiles(year: int, epci: str, in_qpv: int, rows: int) -> dict[str, int]:
    """Signed attributions of a cell by profile: relogé or not, below the threshold or not."""
    hors, qpv = RELOGES[year].get(epci, (0, 0))
    if not in_qpv:
        qualifying = PREMIER_QUARTILE[year][epci]
        r1 = round(0.6 * hors)
        return {"R1": r1, "R2": hors - r1, "Q1": qualifying - hors, "AU": rows - qualifying}
    above = AUTRES_QUARTILES_QPV[year][epci]
    r2 = round(0.4 * qpv)
    return {"R1": qpv - r2, "R2": r2, "Q1": rows - above - (qpv - r2), "AU": above - r2}


def attribution_quotas(cells: list[tuple[int, str, int, int, int]]) -> dict[str, Quota]:
    """The prose's counts for signed attributions, the generic shares for the others."""
    profil = {}
    for year, epci, in_qpv, signed, rows in cells:
        anru = "1" if epci in (TMVL, AGGLOPOLYS) else "0"
        key = (str(year), epci, str(in_qpv), str(signed))
        if signed:
            profil[key] = profiles(year, epci, in_qpv, rows)
        else:
            profil[key] = synthetic.PROFILE_SHARES[str(in_qpv), anru]
    signed_rows = Counter()
    for year, epci, _, signed, rows in cells:
        signed_rows[year, signed] += rows
        signed_rows[year, departement(epci), signed] += rows
    return {
        "profil": Quota(("annee", "EPCI", "qpv", "bail_signe"), profil),
        "prioritaire": _yearly(PRIORITAIRES, signed_rows, "prioritaire"),
        "dalo": Quota(
            ("annee", "DEP", "bail_signe"),
            {
                (str(year), dep, "1"): {"1": n, "0": signed_rows[year, dep, 1] - n}
                for year, by_dep in DALO.items()
                for dep, n in by_dep.items()
            }
            | {(str(y), d, "0"): synthetic.SHARES["dalo"] for y in YEARS for d in ("37", "41")},
        ),
        "mutation": _yearly(MUTATIONS, signed_rows, "mutation"),
    }


def _yearly(counts: dict[int, int], rows: Counter, name: str) -> Quota:
    """A yes/no quota: the given count of the signed rows, the generic share of the others."""
    weights = {(str(y), "1"): {"1": n, "0": rows[y, 1] - n} for y, n in counts.items()}
    weights |= {(str(y), "0"): synthetic.SHARES[name] for y in counts}
    return Quota(("annee", "bail_signe"), weights)


# --- Works and sales -----------------------------------------------------------------------


def work_cells() -> list[tuple[int, str, str, int]]:
    """Works and sales by (year, département, nature, logements)."""
    cells = []
    for year, by_dep in TRAVAUX.items():
        for dep, works in by_dep.items():
            cells += [(year, dep, nature, n) for nature, n in works.items()]
            commercialises, vendus = VENTES[year][dep]
            cells += [(year, dep, "mise_en_commercialisation", commercialises)]
            cells += [(year, dep, "vente", vendus)]
    return cells


# --- The recipe ----------------------------------------------------------------------------


def main(target: Path) -> None:
    rng = random.Random(SEED)
    con = synthetic.connect(SEED, LAST_YEAR)
    synthetic.load_communes(con, {code: row[0] for code, row in COMMUNES.items()})
    synthetic.load_segments(con, segments())
    synthetic.cut_ensembles(con)
    synthetic.allocate_logements(con, logement_quotas())
    synthetic.plan_sales(con)
    synthetic.describe_ensembles(con)
    ensembles = ensemble_facts(con)
    service = classify_service(ensembles, rng)
    occupy(ensembles, classify_occupation(ensembles, service, rng), rng)
    describe(con, ensembles, service)
    synthetic.set_thresholds(con, THRESHOLD_YEARS)
    cells = attribution_cells()
    synthetic.frame_attributions(con, cells)
    synthetic.allocate_attributions(con, attribution_quotas(cells))
    synthetic.frame_works(con, work_cells())
    for name, rows in synthetic.write_files(con, target).items():
        print(f"{target / name}: {rows} lignes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET)
