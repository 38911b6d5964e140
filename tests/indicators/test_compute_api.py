"""eco_eval.compute as an analyst calls it: default period, period words, by=, time series
(on the hand-made tables of ``conftest.py``)."""

from __future__ import annotations

import pandas as pd
import pytest

import eco_eval
from eco_eval.errors import ConfigError
from eco_eval.release.compute import compute, latest_quarter, parse_by


def test_default_period_is_the_latest_quarter_with_data_not_the_calendars(tables):
    # the store's last held session is in 2016-Q2; today's calendar quarter has no data
    assert latest_quarter(tables).label == "2016-Q2"
    frame = compute(tables, compare=False)
    assert set(frame["period"]) == {"2016-Q2"}
    assert frame["value"].notna().any()
    assert frame.equals(compute(tables, "latest", compare=False))  # the README's word, in Python


def test_a_period_without_data_is_an_error_naming_the_latest(tables):
    with pytest.raises(ConfigError, match=r"'2017-Q1' has no held session.*'2016-Q2'"):
        compute(tables, "2017-Q1")
    with pytest.raises(ConfigError, match="no held session"):
        compute(tables, "last-quarter")  # the calendar's last quarter: years after the data


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("department", ("department",)),
        (("department",), ("department",)),
        (["direction", "Catégorie"], ("department", "category")),
        ("sexe", ("gender",)),
    ],
)
def test_by_accepts_a_string_a_sequence_and_french_names(by, expected):
    assert parse_by(by) == expected


def test_by_refuses_unknown_breakdowns_with_a_close_match(tables):
    with pytest.raises(ConfigError, match=r"unknown breakdown 'departement' \(did you mean"):
        compute(tables, by="departement")
    with pytest.raises(ConfigError, match="breakdown name or a list"):
        compute(tables, by=3)


def test_by_string_is_not_iterated_as_characters(tables):
    one = compute(tables, "2016-Q2", by="department", compare=False)
    seq = compute(tables, "2016-Q2", by=("department",), compare=False)
    pd.testing.assert_frame_equal(one, seq)
    # department_pair: the encounters between departments, which come with the department breakdown
    assert set(one["dimension"]) <= {"*", "department", "department_pair"}
    assert "department" in set(one["dimension"])


def test_periods_give_a_tidy_time_series(tables):
    series = compute(tables, periods=["2016-Q1", "2016-Q2"], compare=False)
    assert list(dict.fromkeys(series["period"])) == ["2016-Q1", "2016-Q2"]
    q2 = compute(tables, "2016-Q2", compare=False)
    pd.testing.assert_frame_equal(series[series["period"] == "2016-Q2"].reset_index(drop=True), q2)
    with pytest.raises(ConfigError, match="not both"):
        compute(tables, "2016-Q2", periods=["2016-Q1"])


def test_a_wrong_store_argument_is_a_one_line_error():
    with pytest.raises(ConfigError, match="open_store"):
        eco_eval.compute(42)


def test_one_sentinel_for_every_group_in_every_key_column(tables):
    frame = compute(tables, compare=False)
    keys = frame[["lever", "tool", "dimension", "group"]]
    assert not keys.isin(["all", "ensemble"]).any().any()
    whole_staff = frame[frame["dimension"] == "*"]
    assert len(whole_staff) > 100 and (whole_staff["group"] == "*").all()
    # "*" in group with a breakdown: a figure over every group of it (the dissimilarity index)
    across = frame[(frame["group"] == "*") & (frame["dimension"] != "*")]
    assert set(across["indicator"]) == {"dissimilarity_index"}


def test_the_older_word_all_is_read_as_the_sentinel(tmp_path):
    from eco_eval.privacy.suppression import read_suppression_log
    from eco_eval.schema import as_sentinel, one_sentinel

    old = pd.DataFrame(
        {"period": ["2016-Q2", "2016-Q2"], "lever": ["*", "*"], "tool": ["*", "*"],
         "dimension": ["all", "gender"], "group": ["*", "F"], "indicator": ["reach_rate"] * 2}
    )  # fmt: skip
    assert one_sentinel(old)["dimension"].tolist() == ["*", "gender"]
    path = tmp_path / "log.csv"
    old.to_csv(path, index=False)
    assert read_suppression_log(path)["dimension"].tolist() == ["*", "gender"]
    assert [as_sentinel(v) for v in ("all", "All", "*", "department")] == [
        "*", "*", "*", "department"
    ]  # fmt: skip
