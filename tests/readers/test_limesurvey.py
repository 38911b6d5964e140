"""LimeSurvey response exports: the real samples, column roles, completion."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eco_eval.readers import limesurvey_columns, limesurvey_status, read_file
from eco_eval.readers.limesurvey import is_limesurvey, split_code


def test_rpc_export(samples: Path) -> None:
    """RemoteControl export: BOM, ';', CRLF, trailing empty line, anonymised submitdate."""
    raw = read_file(samples / "export_responses_rpc_csv_sid113242.csv")
    meta = raw.meta
    assert (meta.format, meta.encoding, meta.bom, meta.delimiter) == (
        "limesurvey",
        "utf-8-sig",
        True,
        ";",
    )
    assert len(raw.frame) == 1 and raw.lines.tolist() == [2]
    assert meta.footer_blank_rows == 1
    assert raw.original_columns[:5] == ("id", "submitdate", "lastpage", "startlanguage", "seed")
    assert raw.frame.loc[0, "id"] == "2543"
    assert raw.frame.loc[0, "q10[wor7]"] == "1"
    # the published sample really has 82 values for 79 headings: kept, reported, not dropped
    assert len([h for h in raw.original_columns if h]) == 79
    assert meta.ragged_lines == (2,)
    assert raw.frame.columns[-3:].tolist() == ["Unnamed: 79", "Unnamed: 80", "Unnamed: 81"]
    status = limesurvey_status(raw)
    assert status["complete"].tolist() == [True]  # 1980-01-01 00:00:00 = completed, no date kept
    assert status["submitted_at"].isna().all()
    assert meta.extra == {"n_complete": 1, "n_incomplete": 0}
    cols = limesurvey_columns(raw).set_index("column")
    assert cols.loc["q3[bod5]", ["role", "question", "subquestion"]].tolist() == [
        "question",
        "q3",
        "bod5",
    ]
    assert cols.loc["submitdate", ["role", "field"]].tolist() == ["meta", "submitdate"]
    assert (cols["role"] == "question").sum() == 4 + 70 + 3


def test_r_data_export_100001(samples: Path) -> None:
    """R data file: ',', every value quoted, full-text headings, one empty, duplicated texts."""
    raw = read_file(samples / "survey_100001_R_data_file.csv")
    assert raw.meta.format == "limesurvey" and raw.meta.delimiter == ","
    assert raw.frame.shape == (3, 646)
    assert raw.lines.tolist() == [2, 3, 4]
    assert raw.original_columns[9] == "" and raw.frame.columns[9] == "Unnamed: 9"
    assert raw.original_columns[10] == " [Other]"
    assert raw.frame.columns.is_unique
    assert len(set(raw.original_columns)) < 646  # duplicated full texts, renamed "Text (2)"
    assert any(c.endswith(" (2)") for c in raw.frame.columns)
    assert raw.frame["Where do you live?  "].tolist()[0] == "af00"
    assert raw.frame["Response ID"].tolist() == ["1", "2", "3"]
    status = limesurvey_status(raw)
    assert status["complete"].tolist() == [True, False, True]
    assert status["submitted_at"].tolist()[0] == "2022-03-15 10:50:10"
    assert raw.meta.extra == {"n_complete": 2, "n_incomplete": 1}
    # incomplete response 2: "" fields are missing, not empty strings
    assert pd.isna(raw.frame.loc[1, "Last page"])


def test_r_data_export_998192(samples: Path) -> None:
    raw = read_file(samples / "survey_998192_R_data_file.csv")
    assert raw.frame.shape == (7, 71)
    assert raw.frame["Response ID"].tolist() == ["1", "4", "5", "6", "7", "8", "9"]
    assert raw.lines.tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert raw.meta.extra == {"n_complete": 2, "n_incomplete": 5}
    assert raw.frame["Start language"].tolist()[1] == "nl-informal"
    identify = raw.frame["How do you identify?"]
    assert pd.isna(identify[0]) and identify.tolist()[1:3] == ["man", "-oth-"]
    uploads = [v for v in raw.frame.iloc[0] if isinstance(v, str) and v.startswith("[{")]
    assert uploads and '"title":"plaatje"' in uploads[0]  # "" escapes undone
    cols = limesurvey_columns(raw)
    assert cols["role"].head(7).eq("meta").all()
    assert cols["field"].head(7).tolist() == [
        "id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("G01Q02", ("G01Q02", None, None, None)),
        ("Q1[SQ001]", ("Q1", "SQ001", None, None)),
        ("Q3[other]", ("Q3", "other", None, "other")),
        ("Q3[SQ001comment]", ("Q3", "SQ001", None, "comment")),
        ("Q5[SQ001][1]", ("Q5", "SQ001", "1", None)),
        ("Q5[SQ001#1]", ("Q5", "SQ001", "1", None)),
        ("Q7[1]", ("Q7", "1", None, None)),
        ("Q1_SQ001", ("Q1", "SQ001", None, None)),
        ("Q5_SQ001_1", ("Q5", "SQ001", "1", None)),
        ("Q1[SQ001]. Votre satisfaction [Accueil]", ("Q1", "SQ001", None, None)),
        ("Quel est votre avis ?", None),
    ],
)
def test_split_code(heading: str, expected: tuple | None) -> None:
    assert split_code(heading) == expected


def test_code_heading_export_roles(tmp_path: Path) -> None:
    headings = [
        "id", "submitdate", "lastpage", "startlanguage", "seed", "token", "MATRICULE", "WB[SQ001]",
        "CLIM[balade1]", "PART[balade]", "Q3[other]", "Q1_SQ001", "interviewtime", "groupTime12",
        "MATRICULETime", "attribute_1",
    ]  # fmt: skip
    values = [
        "1",
        "",
        "2",
        "fr",
        "123",
        "",
        "A123",
        "Souvent",
        "4",
        "Oui",
        "",
        "x",
        "12.5",
        "3",
        "1",
        "DRH",
    ]
    path = tmp_path / "results-survey1.csv"
    text = (
        ";".join(f'"{h}"' for h in headings)
        + "\r\n"
        + ";".join(f'"{v}"' if v else "" for v in values)
        + "\r\n\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    raw = read_file(path)
    assert raw.meta.format == "limesurvey"
    cols = limesurvey_columns(raw).set_index("column")
    assert cols["role"].to_dict() == {
        "id": "meta", "submitdate": "meta", "lastpage": "meta", "startlanguage": "meta",
        "seed": "meta", "token": "meta", "MATRICULE": "question", "WB[SQ001]": "question",
        "CLIM[balade1]": "question", "PART[balade]": "question", "Q3[other]": "question",
        "Q1_SQ001": "question", "interviewtime": "timing", "groupTime12": "timing",
        "MATRICULETime": "timing", "attribute_1": "attribute",
    }  # fmt: skip
    assert cols.loc["CLIM[balade1]", "subquestion"] == "balade1"
    assert cols.loc["Q3[other]", "suffix"] == "other"
    assert limesurvey_status(raw)["complete"].tolist() == [False]


def test_detection() -> None:
    assert is_limesurvey(["id", "submitdate", "lastpage", "startlanguage"])
    assert is_limesurvey(["Response ID", "Date submitted", "Last page", "Start language"])
    assert not is_limesurvey(["id", "nom", "date"])


def test_status_without_submitdate_is_a_key_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a;b\n1;2\n")
    with pytest.raises(KeyError, match="submitdate"):
        limesurvey_status(read_file(path))
