"""The kit's two questionnaires: the post-session feedback and the staff barometer.

Both are built from the ecosystem (the tools offered in the feedback, one climate pair and one
participation row per lever in the barometer) and from the value scales of the kit's configuration:
every answer option's code is the scale's value and its label the scale's first label for that
value, so that an export with answer codes and an export with full answers both ingest through
the kit's ``eco_eval.yaml``. The item wording is the demo city's (``eco_eval.demo._surveys``), the
one questionnaire of the package; codes follow LimeSurvey's rules (:mod:`eco_eval.kit.lss`):
climate and participation sub-questions are coded by lever rank (``L01A``, ``L01B``, ``L01``)
because lever ids hold underscores, which LimeSurvey refuses in a code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eco_eval.demo._surveys import (
    CLIMATE_ITEMS,
    SWEMWBS_ITEMS,
    WHO5_ITEMS,
    climate_group,
    closing_questions,
    matricule_question,
    participation_group,
    session_questions,
)
from eco_eval.demo.limesurvey import Answer, Group, Question

FEEDBACK_SID = 571203
BAROMETER_SID = 571204
#: Climate items worded negatively (lever id, item number): scored 6 - answer.
NEGATIVE_ITEMS = (("temps", 2),)
CATEGORIES = ("A", "B", "C")
GENDERS = (("F", "Femme"), ("M", "Homme"))


@dataclass(frozen=True)
class Scales:
    """The labels of each value of the kit's scales (the first label the scale gives a value)."""

    labels: Mapping[str, Mapping[int, str]]

    @classmethod
    def from_config(cls, scales: Mapping[str, Mapping[str, object]]) -> Scales:
        out: dict[str, dict[int, str]] = {}
        for name, mapping in scales.items():
            firsts: dict[int, str] = {}
            for label, value in (mapping or {}).items():
                if isinstance(value, int) and not isinstance(value, bool):
                    firsts.setdefault(value, str(label))
            out[name] = dict(sorted(firsts.items()))
        return cls(out)

    def answers(self, scale: str, *, descending: bool = False) -> tuple[Answer, ...]:
        """The answer options of ``scale``: code = value, label, assessment value = value."""
        items = sorted(self.labels[scale].items(), reverse=descending)
        return tuple(Answer(str(v), label, v) for v, label in items)


def lever_code(rank: int) -> str:
    """The sub-question code of the lever at ``rank`` (1-based): ``L01``."""
    return f"L{rank:02d}"


def climate_texts(lever_id: str, lever_name: str) -> tuple[str, str]:
    """The two climate items of a lever (a generic pair for a lever the demo does not know)."""
    return CLIMATE_ITEMS.get(
        lever_id,
        (
            f"Dans mon service, {lever_name} a sa place au quotidien.",
            f"Je suis encouragé(e) à cultiver {lever_name} dans mon travail.",
        ),
    )


def feedback_groups(tool_names: Sequence[str], scales: Scales) -> list[Group]:
    """The post-session survey: session number, tool, satisfaction, usefulness, recommendation
    (0 to 10), comment."""
    return [
        Group(
            "Votre séance",
            "Questionnaire anonyme, à remplir après une séance d'un outil de l'écosystème.",
            (
                *session_questions(list(tool_names)),
                Question(
                    "SAT",
                    "L",
                    "Dans l'ensemble, êtes-vous satisfait(e) de cette séance ?",
                    answers=scales.answers("satisfaction5"),
                ),
                Question(
                    "UTIL",
                    "L",
                    "Cette séance m'a été utile dans mon travail.",
                    answers=scales.answers("agreement5"),
                ),
                *closing_questions(),
            ),
        )
    ]


def barometer_groups(
    levers: Sequence[tuple[str, str]],
    tool_names: Mapping[str, str],
    scales: Scales,
    *,
    licence_note: str,
) -> list[Group]:
    """The staff barometer: who answers (for breakdowns of at least k people), SWEMWBS, WHO-5,
    two climate items per lever, participation per lever since the last wave.

    ``levers``: (id, French name) in the ecosystem's order; ``tool_names``: lever id -> the
    names of its tools; ``licence_note``: shown under the well-being group."""
    climate: list[tuple[str, str]] = []
    for rank, (lever_id, name) in enumerate(levers, start=1):
        first, second = climate_texts(lever_id, name)
        climate += [(f"{lever_code(rank)}A", first), (f"{lever_code(rank)}B", second)]
    negative = [
        f"CLIM[{lever_code(rank)}{'AB'[item - 1]}]"
        for rank, (lever_id, _) in enumerate(levers, start=1)
        for lid, item in NEGATIVE_ITEMS
        if lid == lever_id
    ]
    participation = tuple(
        (lever_code(rank), f"« {tool_names[lever_id]} » ({name})")
        for rank, (lever_id, name) in enumerate(levers, start=1)
    )
    return [
        Group(
            "Vous",
            "Ces informations servent uniquement aux analyses par groupe d'au moins 10 personnes.",
            (
                matricule_question(),
                Question("DIR", "S", "Votre direction (telle qu'elle figure dans l'organigramme)"),
                Question(
                    "CAT", "L", "Votre catégorie", answers=tuple(Answer(c, c) for c in CATEGORIES)
                ),
                Question("SEXE", "L", "Vous êtes", answers=tuple(Answer(c, t) for c, t in GENDERS)),
            ),
        ),
        Group(
            "Bien-être",
            f"Au cours des deux dernières semaines. {licence_note}",
            (
                Question(
                    "WB",
                    "F",
                    "Voici quelques affirmations concernant vos sentiments et pensées (SWEMWBS).",
                    subquestions=tuple((f"SQ{i:03d}", t) for i, t in enumerate(SWEMWBS_ITEMS, 1)),
                    answers=scales.answers("frequency5"),
                ),
                Question(
                    "WHO",
                    "F",
                    "Au cours des deux dernières semaines (WHO-5).",
                    subquestions=tuple((f"SQ{i:03d}", t) for i, t in enumerate(WHO5_ITEMS, 1)),
                    answers=scales.answers("who5", descending=True),
                ),
            ),
        ),
        climate_group(
            (", ".join(negative) + " : formulé négativement, score = 6 - réponse.")
            if negative
            else "",
            tuple(climate),
            scales.answers("agreement5"),
        ),
        participation_group(participation),
    ]
