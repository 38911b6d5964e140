"""Question texts and codebooks (LimeSurvey structures) of the two surveys of the demo city."""

from __future__ import annotations

from eco_eval.demo import _spec
from eco_eval.demo.barometer import PART_LABELS, SWEMWBS_LABELS, WHO5_LABELS
from eco_eval.demo.feedback import AGREEMENT_LABELS, SATISFACTION_LABELS
from eco_eval.demo.limesurvey import Answer, Group, Question

FEEDBACK_SID = 482915
BAROMETER_SID = 736251
ADMIN_EMAIL = "innovation@ville-exemple.fr"

SWEMWBS_ITEMS = (
    "Je me suis senti(e) optimiste quant à l'avenir",
    "Je me suis senti(e) utile",
    "Je me suis senti(e) détendu(e)",
    "J'ai bien géré mes problèmes",
    "J'ai eu les idées claires",
    "Je me suis senti(e) proche des autres",
    "J'ai été capable de prendre mes propres décisions",
)
WHO5_ITEMS = (
    "Je me suis senti(e) bien et de bonne humeur",
    "Je me suis senti(e) calme et tranquille",
    "Je me suis senti(e) plein(e) d'énergie et vigoureux(se)",
    "Je me suis réveillé(e) en me sentant frais(che) et dispos(e)",
    "Ma vie quotidienne a été remplie de choses intéressantes",
)
CLIMATE_ITEMS: dict[str, tuple[str, str]] = {
    "contrainte": (
        "Dans mon service, les contraintes (budget, délais) nous poussent à trouver des solutions nouvelles.",
        "Je sais tirer parti d'un cadre contraint pour avancer.",
    ),
    "remise_en_question": (
        "Dans mon service, on peut remettre en question les façons de faire.",
        "Mon avis est sollicité quand une pratique est réexaminée.",
    ),
    "echanges": (
        "J'échange régulièrement avec des collègues d'autres services.",
        "Les échanges entre services facilitent mon travail.",
    ),
    "curiosite": (
        "J'ai l'occasion de découvrir le travail d'autres services ou organisations.",
        "Ma curiosité professionnelle est encouragée.",
    ),
    "bien_etre": (
        "Je trouve dans mon travail des moments pour souffler.",
        "Je me sens bien dans mon environnement de travail.",
    ),
    "audace": (
        "Je me sens libre de proposer des idées audacieuses.",
        "Dans mon service, une proposition originale est prise au sérieux.",
    ),
    "determination": (
        "Dans mon service, on tire des leçons des échecs sans chercher de coupable.",
        "Face à une difficulté, nous persévérons ensemble.",
    ),
    "experimentation": (
        "Je peux essayer une nouvelle façon de travailler sans lourde autorisation préalable.",
        "Les expérimentations sont encouragées dans mon service.",
    ),
    "bienveillance": (
        "Mes collègues font preuve de bienveillance à mon égard.",
        "Je comprends les contraintes du métier de mes collègues.",
    ),
    "reve": (
        "On m'invite à imaginer l'avenir de mon service.",
        "Les idées ambitieuses ont leur place dans ma direction.",
    ),
    "diversite": (
        "J'apprends régulièrement de collègues aux profils différents du mien.",
        "La diversité des compétences est valorisée dans ma direction.",
    ),
    "temps": (
        "Je dispose de temps pour prendre du recul sur mon travail.",
        "Je manque de temps pour réfléchir à ma façon de travailler.",
    ),
}


def _scale(
    labels: tuple[str, ...], values: range | tuple[int, ...], scale: int = 0
) -> tuple[Answer, ...]:
    return tuple(Answer(str(v), label, v, scale) for label, v in zip(labels, values, strict=True))


def session_questions(tool_names: list[str]) -> tuple[Question, Question]:
    """The post-session survey's first questions: the session's number and the tool (answer
    codes ``O01``... in the ecosystem's order)."""
    tools = tuple(Answer(f"O{i + 1:02d}", name, i + 1) for i, name in enumerate(tool_names))
    return (
        Question(
            "SEANCE",
            "S",
            "Numéro de la séance (indiqué sur la feuille d'émargement)",
            "Laissez vide si vous ne le connaissez pas.",
        ),
        Question("OUTIL", "L", "Quel outil avez-vous expérimenté ?", mandatory=True, answers=tools),
    )


def closing_questions() -> tuple[Question, Question]:
    """The post-session survey's last questions: recommendation (0 to 10) and a comment."""
    return (
        Question(
            "RECO",
            "N",
            "Recommanderiez-vous cet outil à un(e) collègue ? (0 = pas du tout, 10 = tout à fait)",
            attributes={"min_num_value_n": "0", "max_num_value_n": "10", "num_value_int_only": "1"},
        ),
        Question("COMM", "T", "Un commentaire ?", "Merci de ne citer le nom d'aucun(e) collègue."),
    )


def matricule_question() -> Question:
    """The barometer's optional staff number (links waves; never published)."""
    return Question(
        "MATRICULE",
        "S",
        "Votre matricule (facultatif)",
        "Il permet de suivre l'évolution d'une vague à l'autre ; il n'est jamais publié.",
    )


def feedback_groups(tool_names: list[str]) -> list[Group]:
    """The post-session survey. EVAL keeps the contract's codes EVAL[SAT] and EVAL[UTIL]; SAT is
    answered on scale 0 (satisfaction labels), UTIL on scale 1 (agreement labels)."""
    return [
        Group(
            "Votre séance",
            "Questionnaire anonyme, à remplir après une séance d'un outil de l'écosystème.",
            (
                *session_questions(tool_names),
                Question(
                    "EVAL",
                    "F",
                    "Votre avis sur la séance",
                    "SAT se lit sur l'échelle 0 (satisfaction), UTIL sur l'échelle 1 (accord).",
                    subquestions=(
                        ("SAT", "Dans l'ensemble, êtes-vous satisfait(e) de cette séance ?"),
                        ("UTIL", "Cette séance m'a été utile dans mon travail."),
                    ),
                    answers=_scale(SATISFACTION_LABELS, range(1, 6), 0)
                    + _scale(AGREEMENT_LABELS, range(1, 6), 1),
                ),
                *closing_questions(),
            ),
        )
    ]


def barometer_groups(
    lever_ids: list[str], lever_names: dict[str, str], tool_names: dict[str, str]
) -> list[Group]:
    """The staff barometer; CLIM[temps2] is reverse-keyed (see its help text)."""
    depts = tuple(Answer(f"D{i + 1:02d}", d.name) for i, d in enumerate(_spec.DEPARTMENTS))
    clim_sq: list[tuple[str, str]] = []
    for lever in lever_ids:
        texts = CLIMATE_ITEMS.get(
            lever, (f"Le levier {lever_names[lever]} est présent dans mon service.",) * 2
        )
        clim_sq += [(f"{lever}1", texts[0]), (f"{lever}2", texts[1])]
    rev = f"{_spec.REVERSE_KEYED[0]}{_spec.REVERSE_KEYED[1]}"
    part_sq = tuple(
        (lever, f"« {tool_names[lever]} » ({lever_names[lever]})") for lever in lever_ids
    )
    return [
        Group(
            "Vous",
            "Ces informations servent uniquement aux analyses par groupe d'au moins 10 personnes.",
            (
                matricule_question(),
                Question("DIR", "L", "Votre direction", answers=depts),
                Question(
                    "CAT",
                    "L",
                    "Votre catégorie",
                    answers=tuple(Answer(c, c) for c in _spec.CATEGORIES),
                ),
                Question(
                    "SEXE", "L", "Vous êtes", answers=(Answer("F", "Femme"), Answer("M", "Homme"))
                ),
            ),
        ),
        Group(
            "Bien-être",
            "Au cours des deux dernières semaines.",
            (
                Question(
                    "WB",
                    "F",
                    "Voici quelques affirmations concernant vos sentiments et pensées (SWEMWBS).",
                    subquestions=tuple((f"SQ{i + 1:03d}", t) for i, t in enumerate(SWEMWBS_ITEMS)),
                    answers=_scale(SWEMWBS_LABELS, range(1, 6)),
                ),
                Question(
                    "WHO",
                    "F",
                    "Au cours des deux dernières semaines (WHO-5).",
                    subquestions=tuple((f"SQ{i + 1:03d}", t) for i, t in enumerate(WHO5_ITEMS)),
                    answers=_scale(WHO5_LABELS[::-1], range(5, -1, -1)),
                ),
            ),
        ),
        climate_group(
            f"{rev} est formulé négativement : score = 6 - réponse.",
            tuple(clim_sq),
            _scale(AGREEMENT_LABELS, range(1, 6)),
        ),
        participation_group(part_sq),
    ]


def climate_group(
    help_text: str, subquestions: tuple[tuple[str, str], ...], answers: tuple[Answer, ...]
) -> Group:
    """The barometer's climate group: one array of agreement items (two per lever)."""
    return Group(
        "Climat",
        "Votre direction et votre service aujourd'hui.",
        (
            Question(
                "CLIM",
                "F",
                "Dans quelle mesure êtes-vous d'accord avec les affirmations suivantes ?",
                help_text,
                subquestions=subquestions,
                answers=answers,
            ),
        ),
    )


def participation_group(subquestions: tuple[tuple[str, str], ...]) -> Group:
    """The barometer's participation group: one yes/no row per lever (N = 0, Y = 1)."""
    return Group(
        "Participation",
        "Depuis la vague précédente du baromètre.",
        (
            Question(
                "PART",
                "F",
                "Depuis le dernier baromètre, avez-vous participé à une séance de ces outils ?",
                subquestions=subquestions,
                answers=(Answer("N", PART_LABELS[0], 0), Answer("Y", PART_LABELS[1], 1)),
            ),
        ),
    )
