"""Compute stage: everything the document needs from the organisation's data, as plain values."""

from dataclasses import dataclass, field

from cusdoc import classement
from cusdoc.donnees import DATA_DIR
from cusdoc.errors import Problem
from cusdoc.indicateurs import compute_references, missing_thresholds, stock
from cusdoc.secret import SEUIL
from cusdoc.tableaux import COMPUTED_TABLES, TableContext


@dataclass
class Calculs:
    """References per (indicateur, niveau, territoire, ventilation), stock counts, tables."""

    references: dict = field(default_factory=dict)
    denominateurs: dict = field(default_factory=dict)  # of the rates: attributions counted
    stock: dict = field(default_factory=dict)
    tables: dict[str, dict] = field(default_factory=dict)


def compute(
    db,
    annee_reference: int,
    names: dict[str, str],
    config_classement: dict | None,
    tables: bool = True,
    seuil: int = SEUIL,
) -> tuple[Calculs, list[Problem]]:
    """Run every computation once; the data is then no longer needed.

    tables=False leaves out the tables that only the document prints.
    """
    problems = [
        Problem(
            f"{DATA_DIR}/patrimoine.csv",
            1,
            1,
            "ENSEMBLE",
            f"l'ensemble immobilier {ensemble} n'est pas décrit dans ensembles.csv",
        )
        for ensemble in classement.unknown_ensembles(db)[:10]
    ]
    problems += [
        Problem(
            f"{DATA_DIR}/seuils_premier_quartile.csv",
            1,
            1,
            "",
            f"seuil du premier quartile manquant pour l'EPCI {epci} en {annee_reference}, "
            "année de référence (PS-1)",
        )
        for epci in missing_thresholds(db, annee_reference)
    ]
    references, denominateurs = compute_references(db, annee_reference)
    calculs = Calculs(references=references, denominateurs=denominateurs, stock=stock(db))
    if tables:
        context = TableContext(names, annee_reference, seuil)
        calculs.tables = {name: make(db, context) for name, make in COMPUTED_TABLES.items()}
    if tables and config_classement:
        rows = classement.classify(db, config_classement)
        calculs.tables.update(classement.tables(rows, config_classement))
    return calculs, problems


def compute_content(db, content, geo, tables: bool) -> tuple[Calculs, list[Problem]]:
    """compute() with what the content says: reference year, classement, secrecy threshold."""
    convention = content.sources["convention"].data
    classement = content.sources.get("classement")
    return compute(
        db,
        convention["generation"]["annee_reference"],
        geo.names,
        classement.data if classement else None,
        tables,
        convention.get("secret_statistique", SEUIL),
    )


def restrict(db, partenaire) -> None:
    """From now on, the tables the computations read hold the partner's territory only.

    The same names in a schema of their own come first in the search path, so that every
    definition runs unchanged on the subset: the data is filtered before anything is computed.
    """
    schema = f"territoire_{partenaire.code}"
    column = "departement" if partenaire.nature == "département" else "epci"
    communes = f"SELECT code FROM main.communes WHERE {column} = '{partenaire.code}'"
    db.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for table, condition in (
        ("logements", f"{column} = '{partenaire.code}'"),
        ("attribution", f"{column} = '{partenaire.code}'"),
        ("patrimoine", f"DEPCOM IN ({communes})"),
        ("ensembles", f"DEPCOM IN ({communes})"),
        (
            "seuils_premier_quartile",
            f"EPCI IN (SELECT DISTINCT epci FROM main.communes "
            f"WHERE {column} = '{partenaire.code}')",
        ),
    ):
        db.execute(
            f"CREATE OR REPLACE TABLE {schema}.{table} AS "
            f"SELECT * FROM main.{table} WHERE {condition}"
        )
    db.execute(f"SET search_path = '{schema},main'")


def unrestrict(db) -> None:
    db.execute("SET search_path = 'main'")
