"""inspect_file / render_inspection: roles per column, JSON-ready, no personal values shown."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from eco_eval.errors import InputFileError
from eco_eval.readers import inspect_file, render_inspection
from eco_eval.readers.inspect import column_role


def test_every_sample_inspects_to_json_and_text(samples: Path) -> None:
    files = sorted(p for p in samples.iterdir() if p.name != "README.md")
    assert len(files) == 11
    results = [inspect_file(p) for p in files]
    for result in results:
        json.dumps(result)
    text = render_inspection(results)
    assert text.count(str(samples)) == 11


def test_limesurvey_sample_report(samples: Path) -> None:
    result = inspect_file(samples / "survey_998192_R_data_file.csv")
    assert (result["format"], result["encoding"], result["delimiter"], result["header_row"]) == (
        "limesurvey", "utf-8-sig", ",", 1
    )  # fmt: skip
    assert (result["n_rows"], result["n_complete"], result["n_incomplete"]) == (7, 2, 5)
    roles = {c["name"]: c for c in result["columns"]}
    assert roles["Response ID"]["role"] == "identifier"
    assert roles["Date submitted"]["role"] == "date"
    assert roles["Date submitted"]["survey_role"] == "meta"
    assert roles["Start language"]["role"] == "categorical"
    assert set(roles["Start language"]["labels"]) == {"en", "nl-informal"}
    text = render_inspection(result)
    assert "rows: 7 (complete 2, incomplete 5)" in text
    assert "note: starts with a byte-order mark" in text


def test_rpc_sample_question_codes_and_numeric_likert(samples: Path) -> None:
    result = inspect_file(samples / "export_responses_rpc_csv_sid113242.csv")
    column = next(c for c in result["columns"] if c["name"] == "q1[vis1]")
    assert (column["question"], column["subquestion"], column["role"]) == ("q1", "vis1", "likert")
    assert any("more fields than the header" in n for n in result["notes"])


def test_structure_file_report(samples: Path) -> None:
    result = inspect_file(samples / "answers.lss")
    assert result["format"] == "limesurvey_structure"
    assert [q["code"] for q in result["questions"]] == ["Q01", "Q02"]
    assert "Q02" in render_inspection(result)


LIKERT = ("Tout à fait d'accord", "Plutôt d’accord", "Pas du tout d’accord")


def test_roles_on_a_city_file_never_show_identifiers(tmp_path: Path) -> None:
    path = tmp_path / "emargements_2016-T1.csv"
    rows = [
        "N° séance;Matricule;Nom;Courriel;Direction;Catégorie;Date;Durée;Présent;Avis;Commentaire",
        *(
            f"S{i % 5};M{1000 + i};Dupont{i};agent{i}@ville.fr;DIR{i % 3};{'ABC'[i % 3]};"
            f"{1 + i % 28:02d}/03/2016;{i % 4},5;{'Oui' if i % 2 else 'Non'};"
            f"{LIKERT[i % 3]};"
            f"Texte libre numéro {i} avec des mots"
            for i in range(40)
        ),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="cp1252")
    result = inspect_file(path)
    roles = {c["name"]: c["role"] for c in result["columns"]}
    assert roles == {
        "N° séance": "categorical", "Matricule": "identifier", "Nom": "identifier",
        "Courriel": "identifier", "Direction": "categorical", "Catégorie": "categorical",
        "Date": "date", "Durée": "numeric", "Présent": "yes_no", "Avis": "likert",
        "Commentaire": "free_text",
    }  # fmt: skip
    avis = next(c for c in result["columns"] if c["name"] == "Avis")
    assert avis["labels"] == list(LIKERT)  # in scale order, as written in the file
    text = json.dumps(result, ensure_ascii=False) + render_inspection(result)
    for secret in ("M1000", "Dupont1", "agent1@ville.fr", "Texte libre"):
        assert secret not in text


def test_email_values_are_identifiers_whatever_the_heading() -> None:
    values = pd.Series([f"a{i}@ville.fr" for i in range(10)], dtype="str")
    assert column_role("Contact", values) == {
        "filled": 10,
        "distinct": 10,
        "role": "identifier",
        "kind": "e-mail",
    }


def test_empty_column() -> None:
    assert column_role("x", pd.Series([None, " "], dtype="str"))["role"] == "empty"


def test_excel_report(tmp_path: Path) -> None:
    path = tmp_path / "journal.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Journal"
    ws.append(["Journal des animations"])
    ws.append(["N° séance", "Date", "Outil", "Durée (h)"])
    for i in range(6):
        ws.append([i, dt.datetime(2016, 3, 1 + i), ["la balade", "time out"][i % 2], 1.5])
    wb.save(path)
    result = inspect_file(path)
    assert (result["format"], result["sheet"], result["header_row"], result["n_rows"]) == (
        "xlsx",
        "Journal",
        2,
        6,
    )
    roles = {c["name"]: c["role"] for c in result["columns"]}
    assert (
        roles["Date"] == "date"
        and roles["Outil"] == "categorical"
        and roles["Durée (h)"] == "numeric"
    )
    assert "sheet: 'Journal' of 1; header row: 2" in render_inspection(result)


def test_inspect_raises_input_file_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty file"):
        inspect_file(path)
