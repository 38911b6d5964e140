"""RawTable and the helpers every reader shares."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from eco_eval.readers.table import RawMeta, RawTable, header_index, text_frame, unique_names


def test_unique_names() -> None:
    assert unique_names(["id", "", "Q", "Q", None, "Q (2)", " "]) == [
        "id", "Unnamed: 1", "Q", "Q (3)", "Unnamed: 4", "Q (2)", "Unnamed: 6"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["a", "b"], ["1", "2"]], 0),
        ([["Journal des animations", None, None], [None, None, None], ["N°", "Date", "Outil"]], 2),
        ([["Export du 12/03/2016", "", "", ""], ["a", "b", "c", "d"]], 1),
        ([["", "b", ""], ["1", "2", "3"]], 0),  # a header with gaps, not a title
        ([[None, "Satisfaction", None], ["Matricule", "Accueil", "Contenu"], ["A1", "4", "5"]], 1),
        ([["seul"], ["x"]], 0),
        ([[None, None], ["", ""]], None),
    ],
)
def test_header_index(rows: list[list[str | None]], expected: int | None) -> None:
    assert header_index(rows) == expected


def test_text_frame_pads_and_marks_missing() -> None:
    frame = text_frame(["a", "b"], [["1"], ["", "x"]])
    assert frame["a"].isna().tolist() == [False, True]
    assert frame["b"].tolist()[1] == "x" and pd.isna(frame["b"][0])
    assert all(str(t) == "str" for t in frame.dtypes)


def test_raw_table_invariants_and_meta_json() -> None:
    frame = text_frame(["a"], [["1"]])
    with pytest.raises(ValueError, match="line numbers"):
        RawTable(frame, np.array([1, 2]), ("a",), RawMeta(path="x", format="csv"))
    raw = RawTable(frame, np.array([2]), ("a",), RawMeta(path="x", format="csv", title_rows=("T",)))
    assert len(raw) == 1
    assert json.loads(json.dumps(raw.meta.as_dict()))["title_rows"] == ["T"]
