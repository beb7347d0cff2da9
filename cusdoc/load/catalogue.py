"""Load stage for the indicator catalogue (cusdoc/data/indicateurs.yml)."""

from dataclasses import replace
from functools import cache

import yaml

from cusdoc import DATA
from cusdoc.model import Indicateur

CATALOGUE = DATA / "indicateurs.yml"


@cache
def load_catalogue() -> dict[str, Indicateur]:
    """The indicators in the order of the catalogue file."""
    # libyaml: the catalogue is read by every command, `cusdoc check` included
    data = yaml.load(CATALOGUE.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
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
            sens=item["sens"],
            echelle=item["echelle"],
            ventilations=tuple(item["ventilations"]),
            reference=item["reference"],
            calcul=item.get("calcul", ""),
            donnees=item.get("donnees", ""),
        )
        for key, item in data.items()
    }


def verified(catalogue: dict[str, Indicateur], convention: dict) -> dict[str, Indicateur]:
    """The catalogue as the organisation read it: the wordings it declares in
    `intitules_verifies` (content/convention.yml) are verified, in their words if it gives them."""
    out = dict(catalogue)
    for item in convention.get("intitules_verifies") or []:
        indicateur = out[item["indicateur"]]
        intitule = item.get("intitule", indicateur.intitule)
        out[indicateur.id] = replace(indicateur, intitule=intitule, a_verifier=False)
    return out


def for_data(catalogue: dict[str, Indicateur], absent: tuple[str, ...]) -> dict[str, Indicateur]:
    """The catalogue as the project's data allows: a reference computed from an optional file
    the project goes without is declared in content/engagements.yml."""
    return {
        key: replace(indicateur, reference="declaree")
        if indicateur.donnees and indicateur.donnees in absent
        else indicateur
        for key, indicateur in catalogue.items()
    }
