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
    return root
