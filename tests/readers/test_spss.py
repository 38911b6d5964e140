"""SPSS .sav files written with pyreadstat in tmp_path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from eco_eval.errors import InputFileError
from eco_eval.readers import read_file
from eco_eval.readers.spss import read_sav


def _sav(path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "matricule": ["A001", "A002", ""],
            "sat": [1.0, 4.0, float("nan")],
            "duree": [1.5, 2.0, 0.1 + 0.2],
            "date": [dt.date(2016, 3, 13), dt.date(2016, 3, 14), None],
        }
    )
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=["Matricule", "Satisfaction", "Durée (h)", "Date de la séance"],
        variable_value_labels={"sat": {1.0: "Pas du tout d'accord", 4.0: "Tout à fait d'accord"}},
    )
    return path


def test_sav_values_labels_and_cases(tmp_path: Path) -> None:
    raw = read_file(_sav(tmp_path / "barometre.sav"))
    assert raw.meta.format == "sav"
    assert raw.frame.columns.tolist() == ["matricule", "sat", "duree", "date"]
    assert raw.lines.tolist() == [1, 2, 3]
    assert raw.frame["sat"].tolist()[:2] == ["Pas du tout d'accord", "Tout à fait d'accord"]
    assert raw.frame["duree"].tolist() == ["1.5", "2", "0.3"]
    assert raw.frame["date"].tolist()[:2] == ["2016-03-13", "2016-03-14"]
    assert pd.isna(raw.frame["matricule"][2]) and pd.isna(raw.frame["sat"][2])
    assert raw.meta.extra["variable_labels"]["duree"] == "Durée (h)"
    assert raw.meta.extra["value_labels"]["sat"] == {
        "1": "Pas du tout d'accord",
        "4": "Tout à fait d'accord",
    }


def test_damaged_sav(tmp_path: Path) -> None:
    path = _sav(tmp_path / "x.sav")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(InputFileError, match=r"not a readable SPSS \.sav file"):
        read_sav(path)
