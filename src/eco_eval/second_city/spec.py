"""Valbrune's fixed parameters: directions, filières, its tools' activity, waves, planted effects.

The levers and tools themselves are read from the city's configuration
(``_data/valbrune_project.yaml``, section ``ecosystem``): one definition for the generator, the
ingest and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CONFIG_FILE = "_data/valbrune_project.yaml"
FIRST_QUARTER = (2016, 2)  # the launch quarter (launch 2016-04-01)
N_QUARTERS = 10  # 2016-Q2 .. 2018-Q3
DOMAIN = "valbrune.fr"
DEFAULT_STAFF = 900
#: The default seed. Its 95 % intervals cover every planted effect (tests/second_city); like any
#: 95 % interval they miss now and then on other seeds (seed 7: l'équilibre's climate by 0.007).
DEFAULT_SEED = 8


@dataclass(frozen=True)
class Direction:
    code: str
    name: str
    pole: str
    weight: float  # share of the staff


DIRECTIONS: tuple[Direction, ...] = (
    Direction("DGA-RH", "Ressources humaines et dialogue social", "Ressources", 0.05),
    Direction("DGA-FIN", "Finances et commande publique", "Ressources", 0.05),
    Direction("DGA-SI", "Systèmes d'information", "Ressources", 0.04),
    Direction("D01", "Eau et assainissement", "Services urbains", 0.12),
    Direction("D02", "Collecte et valorisation des déchets", "Services urbains", 0.15),
    Direction("D03", "Voirie et espaces publics", "Services urbains", 0.11),
    Direction("D04", "Mobilités et transports", "Aménagement", 0.07),
    Direction("D05", "Urbanisme et habitat", "Aménagement", 0.06),
    Direction("D06", "Culture et conservatoire", "Services à la population", 0.09),
    Direction("D07", "Piscines et équipements sportifs", "Services à la population", 0.10),
    Direction("D08", "Petite enfance", "Services à la population", 0.10),
    Direction("D09", "Développement économique", "Aménagement", 0.06),
)

FILIERES: tuple[tuple[str, float], ...] = (
    ("Administrative", 0.30),
    ("Technique", 0.42),
    ("Culturelle", 0.09),
    ("Sportive", 0.08),
    ("Médico-sociale", 0.11),
)


@dataclass(frozen=True)
class ToolPlan:
    """How a tool is run: held sessions per quarter (range), group size, durations, spellings."""

    tool_id: str
    sessions: tuple[int, int]  # held sessions per quarter, inclusive range
    group: tuple[int, int]  # sign-ins per held session, inclusive range
    durations: tuple[float, ...]  # hours
    spellings: tuple[str, ...]  # how facilitators write the tool's name in the session log


TOOLS: tuple[ToolPlan, ...] = (
    ToolPlan("binome_dun_jour", (3, 5), (6, 10), (3.5, 7.0), ("Binôme d'un jour", "BINOME D'UN JOUR", "binome d'un jour")),
    ToolPlan("cercle_ecoute", (3, 5), (6, 10), (1.5, 2.0), ("Cercle d'écoute", "cercle d'ecoute", "Cercle d'Écoute")),
    ToolPlan("cafe_des_idees", (2, 4), (6, 11), (1.0, 1.5), ("Café des idées", "CAFE DES IDEES", "café des idées")),
    ToolPlan("labo_express", (1, 3), (5, 8), (2.5, 3.0), ("Labo express", "Labo Xpress", "LABO EXPRESS")),
    ToolPlan("savoirs_partages", (3, 5), (6, 10), (1.5, 2.5), ("Savoirs partagés", "savoirs partages", "Savoirs Partagés")),
    ToolPlan("boussole", (2, 4), (6, 10), (2.0,), ("La boussole", "Boussole", "la Boussole")),
    ToolPlan("pause_active", (3, 5), (7, 12), (0.5, 0.75), ("Pause active", "pause-active", "PAUSE ACTIVE")),
)  # fmt: skip

#: Barometer waves: wave number, LimeSurvey's fielding window (first and last day).
WAVES: tuple[tuple[int, date, date], ...] = (
    (1, date(2016, 6, 6), date(2016, 6, 24)),
    (2, date(2017, 2, 6), date(2017, 2, 24)),
    (3, date(2017, 10, 2), date(2017, 10, 20)),
    (4, date(2018, 6, 4), date(2018, 6, 22)),
)
BAROMETER_SID = 271828
FEEDBACK_SID = 594317

#: Planted effects of taking part in a lever's tool in the interval just before a wave, on the
#: latent scale: ``climate`` in item points of the lever's climate item (1-5), ``swemwbs`` in raw
#: SWEMWBS points (7-35, spread over the seven items). Levers absent here have no effect at all.
CLIMATE_EFFECTS: dict[str, float] = {"cooperation": 0.8, "initiative": 0.7, "equilibre": 0.6}
SWEMWBS_EFFECTS: dict[str, float] = {"equilibre": 2.5}

FIRST_NAMES = (
    "Aurélie", "Bastien", "Camille", "Cédric", "Chloé", "Damien", "Élodie", "Fabrice", "Gaëlle",
    "Hélène", "Jérôme", "Karine", "Laurent", "Léa", "Manon", "Mathieu", "Nadia", "Noémie",
    "Olivier", "Pascale", "Quentin", "Rachid", "Sandrine", "Sébastien", "Sophie", "Thierry",
    "Valérie", "Xavier", "Yasmina", "Zoé", "Agnès", "Benoît", "Coralie", "Didier", "Estelle",
    "Franck", "Géraldine", "Hugo", "Inès", "Julien",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Garnier", "Faure", "Rousseau",
    "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
    "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson",
    "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier",
    "Roger", "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Pérez", "Marchand",
    "Dufour", "Blanchard", "Barbier", "Brun", "Giraud",
)  # fmt: skip
ROOMS = (
    "Salle du conseil",
    "Espace Agora",
    "Tiers-lieu des Tanneurs",
    "Salle B12",
    "Médiathèque",
    "Sur site",
)
#: How the session log joins two facilitators (the ingest counts hours for each).
FACILITATOR_JOINS = (" / ", " et ", ", ", " & ")
COMMENTS = (
    "Très bon moment d'échange, à refaire.",
    "Un peu court, on aurait aimé plus de temps.",
    "Bonne animation, merci à {facilitator}.",
    "Intéressant mais difficile à appliquer dans mon service.",
    "J'ai découvert le travail de collègues que je ne connaissais pas.",
    "Salle trop petite pour le nombre de participants.",
)
