"""The Table Schemas of the open-data files: field names, types, French titles, constraints.

Declared here, apart from the code that fills the files (:mod:`eco_eval.publish.open_data`): a
field is one entry (camelCase name, Table Schema type, French title and description,
constraints). Every schema declares the two labelled missing values, so that an empty cell always
says why it is empty, and the indicator file's ``effectif`` carries the publication rule itself
(``minimum: 10``): ``frictionless validate`` fails on a published count of fewer than 10 people.
"""

from __future__ import annotations

from typing import Any

SECRET = "secret statistique"
NOT_APPLICABLE = "non applicable"
#: Numeric cells are numbers or empty; ``secretStatistique`` says whether an empty cell is hidden
#: (« oui ») or does not exist (« non »). The two labels are also read back from packages
#: published before the value columns became purely numeric.
MISSING_VALUES = [""]
LEGACY_MISSING_VALUES = [SECRET, NOT_APPLICABLE]
LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence 2.0",
    "path": "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",
}
ALL_FR = "ensemble"
DIMENSIONS_FR = {
    "*": ALL_FR,
    "department": "direction",
    "category": "categorie",
    "gender": "sexe",
    "filiere": "filiere",
}
NATURE_FR = {"people": "personnes", "answers": "reponses", "activity": "activite"}


def _f(name: str, type_: str, title: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "title": title, "description": description, **extra}


REQUIRED = {"required": True}
PRODUCER_FIELDS = [
    _f("nomProducteur", "string", "Nom du producteur", "Collectivité qui publie les données.",
       constraints=REQUIRED),
    _f("siretProducteur", "string", "SIRET du producteur", "Numéro SIRET de la collectivité (14 chiffres).",
       constraints={"required": True, "pattern": r"^\d{14}$"}),
    _f("datePublication", "date", "Date de publication", "Date de publication du fichier (AAAA-MM-JJ).",
       format="default", constraints=REQUIRED),
]  # fmt: skip
INDICATOR_FIELDS = [
    *PRODUCER_FIELDS,
    _f("periode", "string", "Période", "Trimestre (2017-Q4), semestre, année, ou cumul depuis le lancement (cumul:2017-Q4).",
       constraints=REQUIRED),
    _f("dateDebut", "date", "Début de la période", "Premier jour couvert.", constraints=REQUIRED),
    _f("dateFin", "date", "Fin de la période", "Dernier jour couvert.", constraints=REQUIRED),
    _f("levierId", "string", "Identifiant du levier", "Levier de l'écosystème d'innovation, ou « ensemble » pour tout le programme.",
       constraints=REQUIRED),
    _f("levier", "string", "Levier", "Nom du levier.", constraints=REQUIRED),
    _f("outilId", "string", "Identifiant de l'outil", "Outil du levier, ou « ensemble ».", constraints=REQUIRED),
    _f("outil", "string", "Outil", "Nom de l'outil.", constraints=REQUIRED),
    _f("dimension", "string", "Ventilation", "Dimension de ventilation des agents.",
       constraints={"required": True, "enum": sorted(set(DIMENSIONS_FR.values()))}),
    _f("groupe", "string", "Groupe", "Groupe d'agents dans la ventilation (une direction, une catégorie...), ou « ensemble ».",
       constraints=REQUIRED),
    _f("indicateurId", "string", "Identifiant de l'indicateur", "Voir le fichier catalogue_indicateurs.",
       constraints=REQUIRED),
    _f("indicateur", "string", "Indicateur", "Nom de l'indicateur.", constraints=REQUIRED),
    _f("unite", "string", "Unité", "Unité de la valeur (% : pourcentage entre 0 et 100, 7.1 pour 7,1 %)."),
    _f("nature", "string", "Nature", "Ce sur quoi repose la valeur : des personnes, des réponses à un questionnaire, ou l'activité (séances, heures).",
       constraints={"required": True, "enum": sorted(NATURE_FR.values())}),
    _f("valeur", "number", "Valeur", "Valeur de l'indicateur (nombre ; vide si secret statistique ou non applicable) ; les effectifs de personnes sont arrondis à 5.",
       decimalChar="."),
    _f("effectif", "integer", "Effectif", "Nombre de personnes ou de réponses sur lequel repose la valeur, arrondi à 5 ; jamais moins de 10.",
       constraints={"minimum": 10}),
    _f("intervalleBas", "number", "Borne basse", "Borne basse de l'intervalle de confiance à 95 %.", decimalChar="."),
    _f("intervalleHaut", "number", "Borne haute", "Borne haute de l'intervalle de confiance à 95 %.", decimalChar="."),
    _f("secretStatistique", "boolean", "Secret statistique", "« oui » quand la case est masquée pour protéger l'anonymat des agents (ses valeurs sont alors vides) ; « non » sinon (une valeur vide n'existe pas : non applicable).",
       trueValues=["oui"], falseValues=["non"], constraints=REQUIRED),
]  # fmt: skip
ECOSYSTEM_FIELDS = [
    *PRODUCER_FIELDS,
    _f("levierId", "string", "Identifiant du levier", "Identifiant stable du levier.", constraints=REQUIRED),
    _f("levier", "string", "Levier", "Nom du levier.", constraints=REQUIRED),
    _f("outilId", "string", "Identifiant de l'outil", "Identifiant stable de l'outil.",
       constraints={"required": True, "unique": True}),
    _f("outil", "string", "Outil", "Nom officiel de l'outil.", constraints=REQUIRED),
    _f("generation", "integer", "Génération", "Génération d'outils (1 : la « première révolution » de 2015).",
       constraints={"required": True, "minimum": 1}),
]  # fmt: skip
CATALOGUE_FIELDS = [
    *PRODUCER_FIELDS,
    _f("indicateurId", "string", "Identifiant de l'indicateur", "Identifiant stable.",
       constraints={"required": True, "unique": True}),
    _f("indicateur", "string", "Indicateur", "Nom de l'indicateur.", constraints=REQUIRED),
    _f("definition", "string", "Définition", "Ce que mesure l'indicateur.", constraints=REQUIRED),
    _f("formule", "string", "Formule", "Mode de calcul.", constraints=REQUIRED),
    _f("unite", "string", "Unité", "Unité de la valeur."),
    _f("dimensionReaim", "string", "Dimension RE-AIM", "Dimension du cadre d'évaluation RE-AIM.",
       constraints=REQUIRED),
    _f("sens", "string", "Sens souhaité", "up : plus haut est mieux ; down : plus bas est mieux."),
    _f("nature", "string", "Nature", "personnes, reponses ou activite.",
       constraints={"required": True, "enum": sorted(NATURE_FR.values())}),
    _f("precautions", "string", "Précautions de lecture", "Limites connues de l'indicateur."),
]  # fmt: skip


def table_schema(fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "fields": fields,
        "missingValues": MISSING_VALUES,
    }
