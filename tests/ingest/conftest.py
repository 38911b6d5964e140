"""A tiny project in the demo's shapes, written by hand so every count is known."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from eco_eval.config import demo_config_text

HEADCOUNT = (
    "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n"
    "30/09/2016;Direction des Finances;A;F;administrative;10\n"
    "30/09/2016;Direction des Finances;C;M;administrative;20\n"
    "30/09/2016;Direction de l'Éducation;B;F;animation;30\n"
)
SESSIONS = [
    (
        "N° séance",
        "Date",
        "Outil",
        "Animateur",
        "Durée (h)",
        "Lieu",
        "Direction d'accueil",
        "Statut",
    ),
    (
        "S1",
        "05/07/2016",
        "Point Silence",
        "Marie Curie",
        "1,5",
        "Salle A",
        "Direction des Finances",
        "Réalisée",
    ),
    (
        "S2",
        "12/08/2016",
        "la balade",
        "Marie Curie",
        2,
        "Parc",
        "Direction de l'Éducation",
        "Réalisée",
    ),
    (
        "S3",
        "13/09/2016",
        "time-out",
        "Jean Moulin",
        1,
        "Salle B",
        "Direction des Finances",
        "Annulée",
    ),
    (
        "S4",
        None,
        "point silence",
        "Jean Moulin",
        1,
        "Salle B",
        "Direction des Finances",
        "Réalisée",
    ),  # missing date
    (
        "S5",
        "20/09/2016",
        "atelier zen",
        "Jean Moulin",
        1,
        "Salle B",
        "Direction des Finances",
        "Réalisée",
    ),  # unknown tool
]
ATTENDANCE = (
    "N° séance;Matricule;Nom;Prénom;Courriel;Direction;Catégorie;Sexe;Filière\n"
    "S1;100001;Martin;Alice;alice.martin@ville-exemple.fr;Direction des Finances;A;F;administrative\n"
    "S1;100002;Durand;Bruno;bruno.durand@ville-exemple.fr;Direction des Finances;C;M;administrative\n"
    "S2;100001;Martin;Alice;alice.martin@ville-exemple.fr;Direction des Finances;A;F;administrative\n"
    "S2;100003;Petit;Chloé;chloe.petit@ville-exemple.fr;Direction de l'Éducation;B;F;animation\n"
    "S9;100004;Roux;Denis;denis.roux@ville-exemple.fr;Direction de l'Éducation;B;M;animation\n"
)
FEEDBACK = (
    '\ufeff"id";"submitdate";"lastpage";"startlanguage";"seed";"SEANCE";"OUTIL";"EVAL[SAT]";"EVAL[UTIL]";"RECO";"COMM"\r\n'
    '"1";"2016-07-05 12:00:00";"1";"fr";"11";"S1";"point silence";"Très satisfait";"Tout à fait d\'accord";"10";"Merci Alice Martin, écrire à alice.martin@ville-exemple.fr"\r\n'
    '"2";"2016-07-05 12:00:05";"1";"fr";"12";"S1";"point silence";"Très satisfait";"Tout à fait d\'accord";"10";"Merci Alice Martin, écrire à alice.martin@ville-exemple.fr"\r\n'
    '"3";"2016-08-12 15:00:00";"1";"fr";"13";"S2";"la balade";"Satisfait";"Plutôt d\'accord";"12";\r\n'
    '"4";"2016-08-12 15:10:00";"1";"fr";"14";"S2";"la balade";"Peu satisfait";"Plutôt pas d\'accord";"6";"<script>alert(1)</script>"\r\n'
    "\r\n"
)
BAROMETER_HEAD = (
    ["id", "submitdate", "lastpage", "startlanguage", "seed", "MATRICULE", "DIR", "CAT", "SEXE"]
    + [f"WB[SQ00{i}]" for i in range(1, 8)]
    + [f"WHO[SQ00{i}]" for i in range(1, 6)]
    + ["CLIM[bien_etre1]", "CLIM[bien_etre2]", "PART[bien_etre]"]
)


def _barometer() -> str:
    rows = [BAROMETER_HEAD]
    rows.append(
        ["1", "2016-11-10 10:00:00", "3", "fr", "1", "100001", "Direction des Finances", "A", "F"]
        + ["Souvent"] * 7
        + ["La plupart du temps"] * 5
        + ["Plutôt d'accord", "Tout à fait d'accord", "Oui"]
    )
    rows.append(
        ["2", "2016-11-11 10:00:00", "3", "fr", "2", "", "Direction de l'Éducation", "B", "F"]
        + ["Parfois"] * 7
        + ["Jamais"] * 5
        + ["Plutôt pas d'accord", "7", "Non"]
    )  # 7 out of range
    return "\ufeff" + "\r\n".join(";".join(f'"{v}"' if v else "" for v in r) for r in rows) + "\r\n"


STRUCTURE_HEAD = (
    "id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language",
    "validation", "mandatory", "other",
)  # fmt: skip
SATISFACTION = ("Pas du tout satisfait", "Peu satisfait", "Moyennement satisfait", "Satisfait",
                "Très satisfait")  # fmt: skip
AGREEMENT = ("Pas du tout d'accord", "Plutôt pas d'accord", "Ni d'accord ni pas d'accord",
             "Plutôt d'accord", "Tout à fait d'accord")  # fmt: skip
FREQUENCY = ("Jamais", "Rarement", "Parfois", "Souvent", "Tout le temps")
WHO5 = ("Jamais", "De temps en temps", "Moins de la moitié du temps",
        "Plus de la moitié du temps", "La plupart du temps", "Tout le temps")  # fmt: skip


def structure_tsv(sid, questions, languages=("fr",), title="Enquête"):
    """A LimeSurvey survey-structure export (tab-separated), as LimeSurvey writes it.

    ``questions``: (code, type, subquestion codes, answers) with answers as (code, label, scale);
    a label is text (same in every language) or {language: text}.
    """

    def row(**cells):
        return "\t".join(str(cells.get(h.replace("/", "_"), "")) for h in STRUCTURE_HEAD)

    def text(value, lang):
        return value.get(lang, "") if isinstance(value, dict) else value

    rows = [
        row(**{"class": "S", "name": "sid", "text": sid}),
        row(**{"class": "S", "name": "language", "text": languages[0]}),
        row(**{"class": "S", "name": "additional_languages", "text": " ".join(languages[1:])}),
    ]
    rows += [
        row(**{"class": "SL", "name": "surveyls_title", "text": title, "language": lang})
        for lang in languages
    ]
    rows += [
        row(**{"class": "G", "name": "G1", "text": "Groupe", "language": lang})
        for lang in languages
    ]
    for code, qtype, subs, answers in questions:
        rows += [
            row(**{"class": "Q", "type_scale": qtype, "name": code, "text": f"Question {code}",
                   "language": lang, "mandatory": "N", "other": "N"})
            for lang in languages
        ]  # fmt: skip
        rows += [
            row(**{"class": "SQ", "type_scale": "0", "name": sq, "text": sq, "language": lang})
            for sq in subs
            for lang in languages
        ]
        rows += [
            row(**{"class": "A", "type_scale": str(scale), "name": a, "text": text(label, lang),
                   "language": lang})
            for a, label, scale in answers
            for lang in languages
        ]  # fmt: skip
    return "\t".join(STRUCTURE_HEAD) + "\n" + "\n".join(rows) + "\n"


def numbered(labels, first=1, scale=0):
    return [(str(first + i), label, scale) for i, label in enumerate(labels)]


FEEDBACK_STRUCTURE = structure_tsv(
    "123",
    [
        ("SEANCE", "S", [], []),
        ("OUTIL", "L", [], [("O1", "point silence", 0), ("O2", "la balade", 0)]),
        ("EVAL", "F", ["SAT", "UTIL"], numbered(SATISFACTION) + numbered(AGREEMENT, scale=1)),
        ("RECO", "N", [], []),
        ("COMM", "T", [], []),
    ],
)
BAROMETER_STRUCTURE = structure_tsv(
    "736251",
    [
        ("MATRICULE", "S", [], []),
        ("DIR", "S", [], []),
        ("CAT", "L", [], [("A", "A", 0), ("B", "B", 0), ("C", "C", 0)]),
        ("SEXE", "L", [], [("F", "Femme", 0), ("M", "Homme", 0)]),
        ("WB", "F", [f"SQ00{i}" for i in range(1, 8)], numbered(FREQUENCY)),
        ("WHO", "F", [f"SQ00{i}" for i in range(1, 6)], numbered(WHO5, first=0)),
        ("CLIM", "F", ["bien_etre1", "bien_etre2"], numbered(AGREEMENT)),
        ("PART", "F", ["bien_etre"], [("Y", "Oui", 0), ("N", "Non", 0)]),
    ],
)


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    root = tmp_path / "city"
    raw = root / "data" / "raw"
    for sub in ("rh", "animations", "presences", "retours", "barometre"):
        (raw / sub).mkdir(parents=True)
    (root / "eco_eval.yaml").write_text(demo_config_text(), encoding="utf-8")
    (raw / "rh" / "effectifs_trimestriels.csv").write_bytes(HEADCOUNT.encode("cp1252"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Journal"
    ws.append(["Journal des animations"])
    ws.append([])
    for r in SESSIONS:
        ws.append(list(r))
    wb.save(raw / "animations" / "journal_animations.xlsx")
    (raw / "presences" / "emargements_2016-T3.csv").write_text(ATTENDANCE, encoding="utf-8")
    (raw / "retours" / "results-survey123.csv").write_bytes(FEEDBACK.encode("utf-8"))
    (raw / "barometre" / "barometre_2016-11.csv").write_bytes(_barometer().encode("utf-8"))
    # the codebooks the demo configuration declares (sources.*.codebook)
    (raw / "retours" / "limesurvey_survey_123.txt").write_text(FEEDBACK_STRUCTURE, encoding="utf-8")
    (raw / "barometre" / "limesurvey_survey_736251.txt").write_text(
        BAROMETER_STRUCTURE, encoding="utf-8"
    )
    return root
