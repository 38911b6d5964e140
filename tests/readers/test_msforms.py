"""Microsoft Forms exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from eco_eval.readers import msforms_columns, read_file
from eco_eval.readers.msforms import is_msforms


def test_msforms_xlsx_with_likert(tmp_path: Path) -> None:
    path = tmp_path / "Retours séance(1-2).xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Last modified time",
            "Quel outil ?",
            "Votre avis.Accueil",
            "Votre avis.Contenu",
            "Commentaire",
        ]
    )
    ws.append(
        [
            1,
            dt.datetime(2016, 3, 1, 10),
            dt.datetime(2016, 3, 1, 10, 4),
            "anonymous",
            None,
            None,
            "la balade",
            "Plutôt d'accord",
            "Tout à fait d'accord",
            "Très bien",
        ]
    )
    ws.append([2, dt.datetime(2016, 3, 2, 11), dt.datetime(2016, 3, 2, 11, 9), "anonymous", None, None,
               "time out", "Pas du tout d'accord", "Plutôt d'accord", None])  # fmt: skip
    wb.save(path)
    raw = read_file(path)
    assert raw.meta.format == "msforms" and len(raw.frame) == 2
    cols = msforms_columns(raw).set_index("column")
    assert cols.loc["Completion time", ["role", "field"]].tolist() == ["meta", "completion_time"]
    assert cols.loc["Votre avis.Contenu", ["question", "statement"]].tolist() == [
        "Votre avis",
        "Contenu",
    ]
    assert cols.loc["Quel outil ?", "question"] == "Quel outil ?"
    assert cols.loc["Commentaire", "role"] == "question"
    assert raw.frame["Start time"].tolist() == ["2016-03-01 10:00:00", "2016-03-02 11:00:00"]


def test_detection_french_headings() -> None:
    assert is_msforms(["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom"])
    assert not is_msforms(["ID", "Nom", "Date"])
