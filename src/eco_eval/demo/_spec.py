"""The fictional city's fixed parameters: departments, filières, tools' activity, planted effects.

Everything here is data the generator reads; nothing is drawn at import time. Sizes are given for a
city of 2,400 agents and scaled proportionally for other sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# --- Filières (HR labels, as written in the headcount and attendance files) --------------------
FILIERES: tuple[str, ...] = (
    "Administrative",
    "Technique",
    "Culturelle",
    "Sociale",
    "Sportive",
    "Police municipale",
    "Médico-sociale",
    "Animation",
)
_F = {name: i for i, name in enumerate(FILIERES)}

CATEGORIES: tuple[str, ...] = ("A", "B", "C")
GENDERS: tuple[str, ...] = ("F", "M")
GENDER_LABELS_SURVEY: tuple[str, ...] = ("Femme", "Homme")  # barometer SEXE answers

# Participation multipliers (self-selection): cadres take part more, and fewer of them never come.
CATEGORY_PARTICIPATION: tuple[float, ...] = (2.6, 1.5, 0.8)
CATEGORY_NEVER_SHARE: tuple[float, ...] = (0.15, 0.22, 0.35)
GENDER_PARTICIPATION: tuple[float, ...] = (1.1, 0.88)


@dataclass(frozen=True)
class Department:
    """One direction: its size in a 2,400-agent city and the make-up of its staff."""

    name: str
    size: int
    p_a: float  # share of category A
    p_b: float  # share of category B (C is the rest)
    p_f: float  # share of women
    filieres: dict[str, float]
    participation: float  # multiplier of the propensity to take part in the tools
    climate: float = 0.0  # department effect on climate items (item points)
    wellbeing: float = 0.0  # department effect on well-being items (item points)


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Direction Générale des Services",
        22,
        0.55,
        0.25,
        0.55,
        {"Administrative": 1},
        2.0,
        0.15,
        0.05,
    ),
    Department(
        "Direction adjointe à l'Innovation organisationnelle",
        16,
        0.45,
        0.35,
        0.6,
        {"Administrative": 0.8, "Technique": 0.2},
        2.5,
        0.3,
        0.1,
    ),
    Department("Direction des Finances", 58, 0.2, 0.3, 0.7, {"Administrative": 1}, 1.2, -0.05, 0.0),
    Department(
        "Direction des Ressources Humaines",
        72,
        0.18,
        0.32,
        0.8,
        {"Administrative": 0.9, "Médico-sociale": 0.1},
        1.6,
        0.1,
        0.05,
    ),
    Department(
        "Direction des Systèmes d'Information",
        46,
        0.35,
        0.4,
        0.3,
        {"Technique": 0.6, "Administrative": 0.4},
        1.3,
        0.05,
        0.0,
    ),
    Department(
        "Direction des Affaires Juridiques et de la Commande Publique",
        28,
        0.4,
        0.3,
        0.7,
        {"Administrative": 1},
        1.0,
        0.0,
        0.0,
    ),
    Department(
        "Direction de la Communication",
        24,
        0.3,
        0.4,
        0.65,
        {"Administrative": 0.7, "Culturelle": 0.3},
        1.8,
        0.2,
        0.1,
    ),
    Department(
        "Direction de l'Éducation",
        420,
        0.03,
        0.1,
        0.85,
        {"Technique": 0.42, "Sociale": 0.3, "Animation": 0.22, "Administrative": 0.06},
        0.75,
        -0.1,
        -0.1,
    ),
    Department(
        "Direction de la Petite Enfance",
        230,
        0.08,
        0.2,
        0.95,
        {"Médico-sociale": 0.55, "Sociale": 0.3, "Technique": 0.1, "Administrative": 0.05},
        0.8,
        0.0,
        -0.05,
    ),
    Department(
        "Direction des Sports",
        120,
        0.06,
        0.22,
        0.35,
        {"Sportive": 0.45, "Technique": 0.5, "Administrative": 0.05},
        1.0,
        0.05,
        0.15,
    ),
    Department(
        "Direction de la Culture",
        70,
        0.15,
        0.3,
        0.6,
        {"Culturelle": 0.7, "Administrative": 0.2, "Technique": 0.1},
        1.3,
        0.1,
        0.05,
    ),
    Department(
        "Réseau des Médiathèques",
        68,
        0.12,
        0.35,
        0.75,
        {"Culturelle": 0.9, "Administrative": 0.1},
        1.4,
        0.1,
        0.05,
    ),
    Department(
        "Conservatoire de Musique et de Danse",
        55,
        0.35,
        0.55,
        0.55,
        {"Culturelle": 0.95, "Administrative": 0.05},
        0.9,
        0.05,
        0.1,
    ),
    Department(
        "Police municipale",
        85,
        0.03,
        0.12,
        0.3,
        {"Police municipale": 0.85, "Administrative": 0.15},
        0.5,
        -0.2,
        -0.15,
    ),
    Department(
        "Direction de l'Espace Public et de la Voirie",
        190,
        0.05,
        0.12,
        0.12,
        {"Technique": 0.95, "Administrative": 0.05},
        0.5,
        -0.15,
        -0.05,
    ),
    Department(
        "Direction des Espaces Verts",
        150,
        0.04,
        0.1,
        0.2,
        {"Technique": 0.97, "Administrative": 0.03},
        0.6,
        0.0,
        0.1,
    ),
    Department(
        "Direction du Patrimoine Bâti",
        125,
        0.08,
        0.15,
        0.15,
        {"Technique": 0.92, "Administrative": 0.08},
        0.7,
        -0.05,
        0.0,
    ),
    Department(
        "Direction de la Propreté Urbaine",
        175,
        0.02,
        0.06,
        0.1,
        {"Technique": 0.98, "Administrative": 0.02},
        0.35,
        -0.25,
        -0.2,
    ),
    Department(
        "Direction de la Jeunesse et de la Vie Associative",
        95,
        0.05,
        0.2,
        0.6,
        {"Animation": 0.75, "Administrative": 0.15, "Sportive": 0.1},
        1.2,
        0.1,
        0.05,
    ),
    Department(
        "Centre Communal d'Action Sociale",
        165,
        0.1,
        0.25,
        0.85,
        {"Sociale": 0.45, "Médico-sociale": 0.3, "Administrative": 0.25},
        1.1,
        -0.05,
        -0.1,
    ),
    Department(
        "Direction de la Population et de l'État Civil",
        62,
        0.05,
        0.2,
        0.8,
        {"Administrative": 1},
        0.9,
        -0.1,
        -0.05,
    ),
    Department(
        "Direction de l'Urbanisme",
        38,
        0.3,
        0.35,
        0.5,
        {"Technique": 0.6, "Administrative": 0.4},
        1.1,
        0.0,
        0.0,
    ),
    Department(
        "Direction de la Santé Publique",
        19,
        0.35,
        0.35,
        0.8,
        {"Médico-sociale": 0.8, "Administrative": 0.2},
        1.3,
        0.05,
        0.0,
    ),
    Department(
        "Direction de la Logistique et des Moyens Généraux",
        72,
        0.04,
        0.12,
        0.35,
        {"Technique": 0.8, "Administrative": 0.2},
        0.6,
        -0.1,
        -0.05,
    ),
    Department(
        "Archives municipales",
        15,
        0.2,
        0.3,
        0.6,
        {"Culturelle": 0.9, "Administrative": 0.1},
        1.0,
        0.05,
        0.05,
    ),
    Department(
        "Direction du Développement Économique et du Commerce",
        18,
        0.4,
        0.3,
        0.55,
        {"Administrative": 1},
        1.2,
        0.1,
        0.05,
    ),
)


def filiere_index(name: str) -> int:
    """Position of a filière label in :data:`FILIERES`."""
    return _F[name]


# --- Tools: activity, group sizes, durations, places, planted effects --------------------------
GENERIC_PLACES: tuple[str, ...] = (
    "Hôtel de Ville – salle du Conseil",
    "Hôtel de Ville – salle Marianne",
    "Centre administratif – salle 204",
    "Centre technique municipal – salle de réunion",
    "Maison des associations",
    "Médiathèque centrale – auditorium",
    "Salle polyvalente Jean-Moulin",
    "Espace Louise-Michel",
)


@dataclass(frozen=True)
class ToolSpec:
    """How a tool lives in the demo city (keyed by the ecosystem's tool id)."""

    rate: float  # sessions per quarter per 1,000 agents, before trend and season
    trend: tuple[float, float] = (1.0, 1.0)  # multiplier at the first and at the last quarter
    idle: tuple[str, ...] = ()  # quarters without any session
    group_p: float = 0.4  # participants = 4 + Binomial(11, group_p)
    durations: tuple[float, ...] = (1.0, 1.5, 2.0)
    places: tuple[str, ...] = ()
    profile: int = 0  # 0 neutral, 1 favoured by cadres (A), 2 favoured by field staff (C)
    satisfaction: float = 0.0  # tool effect on the feedback latent (Likert points)
    climate_effect: float = 0.0  # planted effect on the lever's two climate items (item points)
    wellbeing_effect: float = 0.0  # planted effect on SWEMWBS (raw score points, 7-35)
    host_share: float | None = None  # share of slots from the host department (None: HOST_SHARE)


DEFAULT_TOOL = ToolSpec(rate=5.0)

TOOLS: dict[str, ToolSpec] = {
    "cadran_total": ToolSpec(
        5.0, (0.9, 1.1), ("2016-Q3", "2017-Q3"), 0.35, (1.5, 2.0, 2.5), (), 1, 0.1, 0.0, 0.0
    ),
    "colle_ton_avis": ToolSpec(
        9.0,
        (1.6, 0.25),
        (),
        0.55,
        (0.5, 1.0),
        ("Hôtel de Ville – hall d'accueil",),
        0,
        -0.3,
        0.3,
        0.0,
    ),
    "la_balade": ToolSpec(
        12.0,
        (0.8, 1.3),
        (),
        0.45,
        (1.0, 1.5, 2.0),
        (
            "Parvis de l'Hôtel de Ville (départ)",
            "Parc de la Roseraie",
            "Bords de Loire – ponton des Mariniers",
        ),
        0,
        0.3,
        0.4,
        2.5,
    ),
    "regard_en_visite": ToolSpec(
        5.0,
        (1.0, 1.0),
        (),
        0.4,
        (2.0, 2.5, 3.0),
        (
            "Visite – station d'épuration",
            "Visite – mairie voisine",
            "Visite – crèche Les Lutins",
            "Visite – centre technique municipal",
        ),
        1,
        0.2,
        0.0,
        0.0,
    ),
    "point_silence": ToolSpec(
        17.0,
        (0.9, 1.2),
        (),
        0.62,
        (0.5, 0.5, 1.0),
        ("Salle de quiétude – Centre administratif", "Jardin de l'Hôtel de Ville"),
        2,
        0.4,
        0.5,
        2.0,
    ),
    "audace_up": ToolSpec(7.0, (1.0, 1.0), (), 0.4, (1.0, 1.5, 2.0), (), 1, 0.0, 0.0, 0.0),
    "echecs_and_mates": ToolSpec(6.0, (0.9, 1.1), (), 0.35, (1.0, 1.5, 2.0), (), 1, 0.1, 0.3, 0.0),
    "essais_libres": ToolSpec(
        7.0, (0.8, 1.2), (), 0.35, (1.0, 2.0, 3.0), ("Fab-lab municipal",), 0, 0.1, 0.0, 0.0
    ),
    "en_immersion": ToolSpec(
        6.0, (1.0, 1.0), (), 0.05, (2.0, 3.0), ("Dans le service d'accueil",), 0, 0.5, 0.6, 3.0
    ),
    "dans_la_peau_de_walt": ToolSpec(
        6.0, (1.5, 0.0), (), 0.45, (2.0, 2.5, 3.0), (), 1, -0.1, 0.0, 0.0
    ),
    "apprenons_nous": ToolSpec(14.0, (0.7, 1.4), (), 0.5, (1.0, 1.5, 2.0), (), 0, 0.3, 0.4, 0.0),
    "time_out": ToolSpec(14.0, (1.0, 1.1), (), 0.5, (0.5, 1.0, 1.5), (), 2, 0.2, 0.3, 2.0),
}

# The planted mixing pattern: the walking meetings across services fill every slot from the whole
# staff; the moments of quiet gather one team (most slots from the host department).
TOOLS["la_balade"] = replace(TOOLS["la_balade"], host_share=0.0)
TOOLS["point_silence"] = replace(TOOLS["point_silence"], host_share=0.7)

# Second-generation tools (declared with their dates in demo_project.yaml's ``ecosystem:``) live
# as the tool they take over from, or the tool of their lever they join: the same planted effects.
INHERITS = {"boite_a_avis": "colle_ton_avis", "cafe_des_idees": "la_balade"}
TOOLS.update({new: TOOLS[old] for new, old in INHERITS.items()})
#: Share of the sessions of its lever's first tool an added tool takes from its launch on.
ADDED_TOOL_SHARE = 0.4

# Season (quarter of the year -> multiplier) and the launch ramp of the first quarter.
SEASON: dict[int, float] = {1: 1.1, 2: 1.05, 3: 0.7, 4: 1.0}
LAUNCH_RAMP = 0.6

# Session status: past sessions; sessions after EXTRACTION_DAY of the last quarter stay planned.
P_CANCELLED = 0.08
P_PLANNED_PAST = 0.05
EXTRACTION_DAY = 15  # of the last month of the last quarter

# Participation: share of slots filled from the host department, category tilt of tool profiles.
HOST_SHARE = 0.2

# Facilitators: the pool, each tool's team, and the planted load and progression.
FACILITATORS_PER_2400 = 15
TEAM_SIZE = 5  # facilitators per tool, drawn from the pool
PILLAR_SHARE = 0.22  # one facilitator of the pool also leads this share of all sessions: overloaded
RECRUITS = 5  # participants who join the pool together, in the fourth quarter
RECRUIT_QUARTER = 3  # index of the quarter the recruits start leading sessions
RECRUIT_SHARE = 0.04  # share of the sessions from that quarter on each recruit leads
PROFILE_MULT: tuple[tuple[float, float, float], ...] = (
    (1.0, 1.0, 1.0),
    (1.8, 1.2, 0.8),
    (0.8, 1.0, 1.25),
)

# Post-session feedback.
FEEDBACK_RESPONSE_MEAN = 0.5
COMMENT_SHARE = 0.3
SEANCE_MISSING_SHARE = 0.08


@dataclass(frozen=True)
class BarometerSpec:
    """Latent model of the barometer (all in item points unless stated)."""

    response_base: float = 0.45  # logit of the response probability for an average agent
    matricule_types: tuple[tuple[float, float], ...] = ((0.6, 0.97), (0.2, 0.05), (0.2, 0.5))
    climate_mean: tuple[float, float] = (3.0, 3.6)  # lever means spread over this range
    climate_person_sd: float = 0.45
    climate_person_lever_sd: float = 0.25
    climate_wave_sd: float = 0.3
    climate_item_sd: float = 0.55
    climate_trend: float = 0.03  # secular change per wave, every lever
    wellbeing_mean: float = 3.35
    wellbeing_person_sd: float = 0.45
    wellbeing_wave_sd: float = 0.3
    wellbeing_item_sd: float = 0.6
    wellbeing_trend: float = 0.02
    who5_item_sd: float = 0.7
    selection_on_level: float = (
        0.35  # log-propensity of taking part per SD of the climate person effect
    )
    part_sensitivity: float = 0.92  # P(PART = Oui | took part)
    part_false_positive: float = 0.03  # P(PART = Oui | did not)
    demographic_missing: float = 0.015
    item_offsets_climate: tuple[float, float] = (0.0, -0.1)
    item_offsets_swemwbs: tuple[float, ...] = (0.05, 0.15, -0.25, -0.05, 0.1, 0.05, 0.2)
    item_offsets_who5: tuple[float, ...] = (0.2, -0.1, -0.3, -0.4, 0.1)


BAROMETER = BarometerSpec()
REVERSE_KEYED = ("temps", 2)  # CLIM[temps2] is worded negatively

# Defect rates (share of the rows of the file concerned) and minimum counts.
DEFECT_RATES: dict[str, tuple[float, int]] = {
    "tool_name_variant": (0.025, 3),
    "tool_name_unknown": (0.006, 2),
    "session_date_missing": (0.008, 2),
    "session_date_text": (0.03, 2),
    "duration_text": (0.03, 2),
    "attendance_unknown_session": (0.005, 3),
    "feedback_duplicate": (0.015, 3),
    "feedback_reco_out_of_range": (0.003, 2),
    "feedback_likert_out_of_range": (0.003, 2),
    "comment_identity": (0.006, 4),
    "comment_hostile": (0.0015, 1),  # per hostile string
    "comment_multiline": (0.02, 2),
}


# --- Organisational results: ideas register, HR indicators, citizen satisfaction ----------------
# Drawn from their own random stream, after everything above: the other files do not change.


@dataclass(frozen=True)
class IdeasSpec:
    """How ideas arise and move through the register (probabilities, durations in days)."""

    # P(a participation gives an idea), by tool id; tools not listed use ``per_participation_other``
    per_participation: tuple[tuple[str, float], ...] = (
        ("colle_ton_avis", 0.16),
        ("essais_libres", 0.2),
        ("audace_up", 0.03),
        ("dans_la_peau_de_walt", 0.03),
        ("cadran_total", 0.02),
    )
    per_participation_other: float = 0.006
    outside_per_100: float = (
        0.3  # ideas per 100 agents and quarter from outside the tools ("Autre")
    )
    proposal_delay_days: int = 15  # an idea is filed 0..14 days after the session
    p_studied: float = 0.72
    p_trialled: float = 0.5
    p_trialled_tool: tuple[tuple[str, float], ...] = (("essais_libres", 0.8),)
    p_adopted: float = 0.62
    # stage durations: gamma(shape, scale) in days, plus a floor
    study_days: tuple[float, float, int] = (2.0, 20.0, 7)
    trial_start_days: tuple[float, float, int] = (2.0, 18.0, 7)
    trial_length_days: tuple[float, float, int] = (3.0, 35.0, 21)
    drop_days: tuple[float, float, int] = (2.0, 15.0, 3)
    hours_saved: tuple[float, float] = (60.0, 0.9)  # lognormal median (h / year) and sigma
    cost_share_blank: float = 0.45
    cost_saved: tuple[float, float] = (2000.0, 1.0)  # € / year
    users_share_internal: float = 0.35  # adopted ideas that concern no user (written 0)
    users_affected: tuple[float, float] = (400.0, 1.2)


IDEAS = IdeasSpec()

# Absence rate (share of calendar days) by filière, before the department's own deviation.
ABSENCE_BY_FILIERE: dict[str, float] = {
    "Administrative": 0.07,
    "Technique": 0.105,
    "Culturelle": 0.065,
    "Sociale": 0.09,
    "Sportive": 0.08,
    "Police municipale": 0.085,
    "Médico-sociale": 0.10,
    "Animation": 0.095,
}
ACCIDENT_SHARE_BY_FILIERE: dict[str, float] = {
    "Administrative": 0.03,
    "Technique": 0.16,
    "Culturelle": 0.04,
    "Sociale": 0.06,
    "Sportive": 0.12,
    "Police municipale": 0.12,
    "Médico-sociale": 0.08,
    "Animation": 0.07,
}


@dataclass(frozen=True)
class HRSpec:
    """The quarterly HR indicators and the planted relation with programme exposure.

    Latent absence rate of department d in quarter t (a share of calendar days):
    ``level[d, 0] = base[d]``, ``level[d, t+1] = level[d, t] + trend + slope * (reach[d, t] -
    city_reach[t])``, observed ``rate[d, t] = (level[d, t] + season[t]) * m[d, t]`` with ``m``
    lognormal of mean 1 (relative sd ``sqrt(noise_structural**2 + noise_sampling**2 * 100 /
    headcount)``). So the change of the rate from t to t+1 is ``slope * reach[d, t]`` plus terms
    common to every department in that quarter plus noise independent of the reach.
    """

    slope: float = (
        -0.015
    )  # per unit of reach rate (−1.5 point of absence per 100 % of staff reached)
    base_sd: float = 0.006
    trend: float = 0.001  # per quarter, every department
    season: tuple[float, float, float, float] = (0.01, -0.003, -0.008, 0.004)  # Q1..Q4
    noise_structural: float = 0.06
    noise_sampling: float = 0.09  # at 100 agents
    sickness_share: tuple[float, float] = (0.58, 0.74)  # of the absence days, per department
    leave_first_quarter: float = (
        0.017  # leavers of the first quarter (the staff model starts there)
    )
    internal_moves_rate: float = 0.012  # per agent and quarter
    training_days_per_agent: float = 0.75  # per quarter, before season
    training_season: tuple[float, float, float, float] = (1.1, 1.2, 0.45, 1.25)


HR = HRSpec()

# Departments with a citizen-facing service surveyed each quarter: respondents per quarter in a
# 2,400-agent city, mean score (0-10). Satisfaction does not depend on the programme at all.
SERVICE_DEPARTMENTS: dict[str, tuple[int, float]] = {
    "Direction de l'Éducation": (260, 7.4),
    "Direction de la Petite Enfance": (150, 7.9),
    "Direction des Sports": (120, 7.2),
    "Direction de la Culture": (90, 7.8),
    "Réseau des Médiathèques": (180, 8.3),
    "Conservatoire de Musique et de Danse": (60, 8.1),
    "Police municipale": (70, 6.1),
    "Direction de l'Espace Public et de la Voirie": (110, 5.6),
    "Direction des Espaces Verts": (80, 7.0),
    "Direction de la Propreté Urbaine": (140, 5.3),
    "Direction de la Jeunesse et de la Vie Associative": (70, 7.3),
    "Centre Communal d'Action Sociale": (100, 6.8),
    "Direction de la Population et de l'État Civil": (220, 7.1),
    "Direction de l'Urbanisme": (50, 6.2),
    "Direction de la Santé Publique": (40, 7.5),
    "Archives municipales": (25, 8.4),
    "Direction du Développement Économique et du Commerce": (30, 6.6),
}


@dataclass(frozen=True)
class CitizenSpec:
    """Citizen satisfaction: department mean + season + AR(1) drift + sampling noise; no exposure."""

    season: tuple[float, float, float, float] = (-0.05, 0.05, 0.1, -0.1)
    ar: float = 0.5
    drift_sd: float = 0.15
    answer_sd: float = 2.1  # sd of one respondent's 0-10 answer
    respondents_season: tuple[float, float, float, float] = (1.0, 1.05, 0.75, 1.0)
    complaints_per_respondent: float = 0.04
    complaints_score_elasticity: float = -0.35  # log complaints per score point


CITIZEN = CitizenSpec()
