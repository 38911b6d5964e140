"""indicators/results.py recomputed by hand on the fixtures of conftest.py."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import COLUMNS
from eco_eval.indicators.results import (
    funnel_counts,
    idea_stages,
    match_departments,
    organisational_results,
)
from eco_eval.periods import parse_period

ECO = load_ecosystem()
Q2 = parse_period("2016-Q2")


def val(frame, indicator, lever="*", dimension="*", group="*", col="value"):
    sel = frame[
        (frame.indicator == indicator)
        & (frame.lever == lever)
        & (frame.dimension == dimension)
        & (frame.group == group)
    ]
    assert len(sel) == 1, (indicator, lever, dimension, group, len(sel))
    return sel.iloc[0][col]


def wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score interval, written out (not statsmodels)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.fixture
def raw(tables):
    return organisational_results(tables, Q2, ECO)


def test_shape_and_catalogue(raw):
    assert list(raw.columns) == COLUMNS
    catalogue = load_catalogue()
    assert set(raw.indicator) <= set(catalogue.ids)
    for ind in set(raw.indicator):
        assert catalogue[ind].privacy == "activity"  # department-level aggregates, not people


def test_stages_reached(ideas):
    st = idea_stages(ideas).set_index(ideas["idea_id"])
    # I8 is adopted with blank study and trial dates: it went through them all the same
    assert st.loc["I8", ["studied", "trialled", "adopted"]].all()
    assert not st.loc["I8", "dropped"]
    # I2 was studied then dropped; I6 dropped at once
    assert st.loc["I2", "studied"] and not st.loc["I2", "trialled"] and st.loc["I2", "dropped"]
    assert not st.loc["I6", "studied"] and st.loc["I6", "dropped"]
    assert st.loc["I1", "weeks_to_adoption"] == 84 / 7  # 5 April -> 28 June 2016


def test_funnel_by_hand(raw, ideas):
    # cohort of 2016-Q2: I1..I6 and I8 (I7 was filed in Q1)
    cohort = ideas[ideas.idea_id != "I7"]
    assert funnel_counts(cohort) == {
        "proposed": 7, "studied": 5, "trialled": 4, "adopted": 3, "dropped": 2, "in_progress": 2,
    }  # fmt: skip
    assert val(raw, "ideas_proposed") == 7
    assert val(raw, "ideas_in_progress") == 2  # I3 (trialled), I5 (proposed)
    for indicator, x, n in (
        ("idea_study_rate", 5, 7),
        ("idea_trial_rate", 4, 5),
        ("idea_adoption_rate", 3, 4),
        ("idea_overall_adoption_rate", 3, 7),
    ):
        assert val(raw, indicator) == pytest.approx(x / n)
        assert val(raw, indicator, col="n") == n
        low, high = wilson(x, n)
        assert val(raw, indicator, col="ci_low") == pytest.approx(low)
        assert val(raw, indicator, col="ci_high") == pytest.approx(high)
    # 5/7: Wilson [0.359, 0.918] (R: binom::binom.confint(5, 7, method = "wilson"))
    assert val(raw, "idea_study_rate", col="ci_low") == pytest.approx(0.3589, abs=1e-4)
    assert val(raw, "idea_study_rate", col="ci_high") == pytest.approx(0.9178, abs=1e-4)


def test_median_time_to_adoption_by_hand(raw):
    # I1 84 days, I4 88 days, I8 42 days: weeks 12, 12.57, 6 -> median 12
    assert val(raw, "idea_median_weeks_to_adoption") == 12.0
    assert val(raw, "idea_median_weeks_to_adoption", col="n") == 3
    low = val(raw, "idea_median_weeks_to_adoption", col="ci_low")
    high = val(raw, "idea_median_weeks_to_adoption", col="ci_high")
    # a percentile bootstrap of a median stays within the observed values
    assert 6.0 <= low <= 12.0 <= high <= 88 / 7


def test_bootstrap_is_seeded(tables):
    a = organisational_results(tables, Q2, ECO)
    b = organisational_results(tables, Q2, ECO)
    pd.testing.assert_frame_equal(a, b)


def test_origin_shares_by_hand(raw):
    # cohort: colle ton avis I1 I2 I6 I8, essais libres I3 I4, outside I5
    assert val(raw, "ideas_tool_share", lever="remise_en_question") == pytest.approx(4 / 7)
    assert val(raw, "ideas_tool_share", lever="experimentation") == pytest.approx(2 / 7)
    assert val(raw, "ideas_tool_share", lever="bien_etre") == 0
    assert val(raw, "ideas_outside_tools_share") == pytest.approx(1 / 7)
    assert val(raw, "ideas_proposed", lever="remise_en_question") == 4
    assert val(raw, "idea_overall_adoption_rate", lever="remise_en_question") == pytest.approx(
        2 / 4
    )


def test_adopted_gains_are_a_flow_by_date_of_adoption(raw):
    # adopted in Q2: I1 (28 June), I7 (15 May, filed in Q1), I8 (1 June); I4 was adopted in July
    assert val(raw, "ideas_adopted") == 3
    assert val(raw, "adopted_hours_saved") == 100 + 20 + 10
    assert val(raw, "adopted_cost_saved") == 1000 + 500 + 200
    assert val(raw, "adopted_users_affected") == 50 + 10  # I8 left it blank
    assert val(raw, "adopted_users_affected", col="n") == 2


def test_ideas_per_100_staff_and_departments(raw):
    assert val(raw, "ideas_per_100_staff") == pytest.approx(7 / 100 * 100)
    # I8 was typed "EDUCATION ": counted for Education
    assert val(raw, "ideas_proposed", dimension="department", group="Education") == 4
    assert val(
        raw, "ideas_per_100_staff", dimension="department", group="Education"
    ) == pytest.approx(100 * 4 / 60)
    assert val(
        raw, "ideas_per_100_staff", dimension="department", group="Finances"
    ) == pytest.approx(100 * 3 / 40)
    assert "EDUCATION " not in set(raw.group)


def test_hr_by_hand(raw):
    # Q2: Finances 4 % (typed "FINANCES"), Education blank -> 546 / (60 x 91) = 10 %
    assert val(raw, "absence_rate") == pytest.approx((0.04 * 40 + 0.10 * 60) / 100)
    assert val(raw, "absence_rate", col="n") == 100
    # Q1: (5 % x 40 + 8 % x 60) / 100 = 6.8 %
    assert val(raw, "absence_rate_change") == pytest.approx(0.076 - 0.068)
    assert val(raw, "absence_rate", dimension="department", group="Education") == pytest.approx(0.1)
    assert val(
        raw, "absence_rate_change", dimension="department", group="Finances"
    ) == pytest.approx(-0.01)
    assert val(raw, "turnover_rate") == pytest.approx(3 / 100)
    assert val(raw, "turnover_rate_change") == pytest.approx(0.0)
    assert val(raw, "internal_mobility_rate") == pytest.approx(3 / 100)
    assert val(raw, "training_days_per_agent") == pytest.approx(42 / 100)


def test_hr_over_two_quarters(tables):
    s1 = organisational_results(tables, parse_period("2016-S1"), ECO)
    # (5 % x 40 x 91 + 8 % x 60 x 91 + 4 % x 40 x 91 + 10 % x 60 x 91) / (200 x 91)
    assert val(s1, "absence_rate") == pytest.approx((2 + 4.8 + 1.6 + 6) / 200)
    # leavers 1 + 2 + 0 + 3 over a mean average headcount of 100 (not annualised)
    assert val(s1, "turnover_rate") == pytest.approx(6 / 100)


def test_citizens_by_hand(raw):
    assert val(raw, "citizen_satisfaction") == pytest.approx((8 * 100 + 6 * 300) / 400)
    assert val(raw, "citizen_satisfaction", col="n") == 400
    assert val(raw, "citizen_satisfaction_change") == pytest.approx(6.5 - 7.0)
    assert val(
        raw, "citizen_satisfaction_change", dimension="department", group="Education"
    ) == pytest.approx(1.0)
    assert val(raw, "citizen_complaints") == 3  # the blank cell is missing, not 0


def test_absent_sources_give_nothing(tables):
    from dataclasses import replace

    bare = replace(tables, ideas=None, hr_results=None, citizen_satisfaction=None)
    out = organisational_results(bare, Q2, ECO)
    assert out.empty and list(out.columns) == COLUMNS


def test_match_departments():
    ref = ["Direction de l'Éducation", "Direction des Sports", "Finances"]
    got = match_departments(
        pd.Series(["DIRECTION DE L'EDUCATION", "direction  des sports ", "Finance", None]), ref
    )
    assert got.tolist()[:3] == ["Direction de l'Éducation", "Direction des Sports", "Finance"]
    assert got.isna().tolist()[3]
