"""Load stage for the indicator catalogue (cusdoc/data/indicateurs.yml)."""

from functools import cache

import yaml

from cusdoc import DATA
from cusdoc.model import Indicateur

CATALOGUE = DATA / "indicateurs.yml"


@cache
def load_catalogue() -> dict[str, Indicateur]:
    """The indicators in the order of the catalogue file."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {
        key: Indicateur(
            id=key,
            titre=item["titre"],
            intitule=item["intitule"],
            a_verifier=item["a_verifier"],
            engagement=item["engagement"],
            volet=item["volet"],
            obligatoire=item["obligatoire"],
            unite=item["unite"],
            horizon=item["horizon"],
            echelle=item["echelle"],
            ventilations=tuple(item["ventilations"]),
            reference=item["reference"],
        )
        for key, item in data.items()
    }
