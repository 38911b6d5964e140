"""Each indicator recomputed by hand on the fixture of conftest.py."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import COLUMNS
from eco_eval.indicators.engine import compute_raw
from eco_eval.periods import parse_period
from eco_eval.release.compute import compute

from .conftest import SESSION_COLUMNS

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


@pytest.fixture
def raw(tables):
    return compute_raw(tables, Q2, ECO)


def test_shape_and_catalogue(raw):
    assert list(raw.columns) == COLUMNS
    assert set(raw.indicator) <= set(load_catalogue().ids)
    # every catalogue indicator of the core engine is produced
    assert {
        "sessions_held",
        "reach_rate",
        "satisfaction_mean",
        "lever_balance",
        "dissimilarity_index",
    } <= set(raw.indicator)


def test_implementation_by_hand(raw):
    assert val(raw, "sessions_planned") == 4  # S1..S4 in Q2
    assert val(raw, "sessions_held") == 3
    assert val(raw, "sessions_cancelled") == 1
    assert val(raw, "cancellation_rate") == 0.25
    assert val(raw, "sessions_held", lever="echanges") == 1
    assert val(raw, "facilitator_hours") == 1.5 + 1.0 + 2.0
    # participant hours: S1 1.5 h x 2, S2 1 h x 2, S3 2 h x 2
    assert val(raw, "participant_hours") == 3 + 2 + 4
    assert val(raw, "participants_per_session") == 6 / 3
    assert val(raw, "staff_time_days") == pytest.approx((4.5 + 9) / 7)
    assert val(raw, "staff_time_fte") == pytest.approx(13.5 / (1607 * 91 / 365))


def test_reach_by_hand(raw):
    assert val(raw, "unique_participants") == 4  # p1 p2 p3 p4
    assert val(raw, "participations") == 6
    assert val(raw, "reach_rate") == 4 / 100
    assert val(raw, "repeat_participation_rate") == 1 / 4  # p1 came three times
    assert val(raw, "unique_participants", lever="bien_etre") == 3
    assert val(raw, "reach_rate", dimension="department", group="Finances") == 2 / 40
    assert val(raw, "reach_rate", dimension="department", group="Education") == 2 / 60
    assert val(
        raw, "participation_ratio", dimension="department", group="Finances"
    ) == pytest.approx((2 / 40) / (4 / 100))
    # dissimilarity over departments: participants 2/4, 2/4 ; headcount 40/100, 60/100
    assert val(raw, "dissimilarity_index", dimension="department") == pytest.approx(
        0.5 * (abs(0.5 - 0.4) + abs(0.5 - 0.6))
    )
    # cumulative since launch adds p9 (Q1)
    assert val(raw, "cumulative_reach_rate") == 5 / 100


def test_adoption_by_hand(raw):
    assert val(raw, "departments_reached") == 2
    assert val(raw, "departments_hosting") == 2
    # Finances staff used bien_etre and echanges (p1), Education bien_etre (p3) and echanges (p4)
    assert val(raw, "levers_active_per_department") == 2


def test_reaction_against_scipy(raw):
    sat = np.array([5.0, 4.0, 2.0])
    m, se = sat.mean(), stats.sem(sat)
    lo, hi = stats.t.interval(0.95, len(sat) - 1, loc=m, scale=se)
    assert val(raw, "satisfaction_mean", lever="bien_etre") == pytest.approx(m)
    assert val(raw, "satisfaction_mean", lever="bien_etre", col="ci_low") == pytest.approx(lo)
    assert val(raw, "satisfaction_mean", lever="bien_etre", col="ci_high") == pytest.approx(hi)
    assert val(raw, "satisfaction_top2") == 3 / 4
    # promoters 10, 9 ; detractors 3 ; passive 8 -> NPS = 100 (2 - 1) / 4
    assert val(raw, "recommendation_score") == 25
    assert val(raw, "feedback_response_rate") == 4 / 6


def test_maintenance_by_hand(raw):
    # participations: bien_etre 4, echanges 2 out of 12 levers
    p = np.array([4, 2]) / 6
    assert val(raw, "lever_balance") == pytest.approx(-(p * np.log(p)).sum() / math.log(12))
    assert val(raw, "idle_levers") == 10
    assert val(raw, "active_quarters", lever="echanges") == 2  # Q1 and Q2


def test_compute_suppresses_small_groups_and_compares(tables):
    frame = compute(tables, "2016-Q2", k=5)
    # 4 unique participants overall < 5: hidden, never shown as 0
    row = frame[
        (frame.indicator == "unique_participants") & (frame.lever == "*") & (frame.dimension == "*")
    ].iloc[0]
    assert bool(row.suppressed) and math.isnan(row.value)
    # activity figures are not personal: kept
    assert val(frame, "sessions_held") == 3 and val(frame, "sessions_held", col="previous") == 1
    assert val(frame, "sessions_held", col="change") == 2
    with pytest.raises(Exception, match=r"below 3|never below|at least 3"):
        compute(tables, "2016-Q2", k=2)


def test_comparisons_before_a_city_s_launch_are_absent_with_a_note(tables):
    """A city launched on 2016-04-01: 2016-Q2 has no previous quarter to compare with (its
    sessions of 2016-Q1 came before the launch), and cumulative figures start at its launch."""
    from eco_eval.errors import ConfigError

    city = load_ecosystem({"launch": "2016-04-01"})
    frame = compute(tables, "2016-Q2", k=3, ecosystem=city)
    assert val(frame, "sessions_held") == 3
    assert math.isnan(val(frame, "sessions_held", col="previous"))
    assert math.isnan(val(frame, "sessions_held", col="change"))
    assert set(frame["comparison_note"]) == {
        "previous (2016-Q1) ends before the launch on 2016-04-01: no comparison; "
        "year_before (2015-Q2) ends before the launch on 2016-04-01: no comparison"
    }
    # with the packaged launch (2015-06-01) the same quarter has both comparisons
    packaged = compute(tables, "2016-Q2", k=3)
    assert val(packaged, "sessions_held", col="previous") == 1
    assert set(packaged["comparison_note"]) == {""}
    # cumulative since the city's launch: p9 took part only in 2016-Q1, before it
    since = compute(tables, "cumul:2016-Q2", k=3, ecosystem=city)
    before = compute(tables, "cumul:2016-Q2", k=3)
    people = {"p1", "p2", "p3", "p4"}
    assert val(since, "cumulative_reach_rate", col="n") == len(people)
    assert val(before, "cumulative_reach_rate", col="n") == len(people | {"p9"})
    assert "year_before (cumul:2015-Q2)" in set(since["comparison_note"]).pop()
    with pytest.raises(ConfigError, match="before the programme's launch"):
        compute(tables, "2016-Q1", ecosystem=city)


def _seasonal_sessions(counts: dict[str, list[int]], quarters: list[str]) -> pd.DataFrame:
    """Held sessions of each lever (its one tool) in each quarter, as the sessions table."""
    rows = []
    for lever, per_quarter in counts.items():
        tool = ECO.tools_of(lever)[0].id
        for quarter, n in zip(quarters, per_quarter, strict=True):
            year, q = int(quarter[:4]), int(quarter[-1])
            for i in range(n):
                sid = f"{lever}-{quarter}-{i}"
                rows.append(
                    (sid, date(year, 3 * q - 1, 10), quarter, tool, lever, 1.0, "F", "held")
                )
    return pd.DataFrame(
        rows,
        columns=SESSION_COLUMNS,
    ).assign(facilitator_key="f1", n_facilitators=1, place="salle")


def test_fading_rule_is_year_on_year(tables):
    """A seasonal tool (a summer trough every year, growing year on year) is not fading, though
    its last two quarters are below half the two before; a tool that lost most of its activity
    since the same quarter a year before is, though it grew since the summer."""
    quarters = [f"{y}-Q{q}" for y in (2016, 2017) for q in (1, 2, 3, 4)]
    sessions = _seasonal_sessions(
        {
            "bien_etre": [20, 20, 0, 10, 20, 22, 0, 12],  # Q3+Q4 2017: 12 < half of 42 (Q1+Q2)
            "echanges": [10, 10, 2, 13, 10, 9, 1, 4],  # Q4 2017: 4 < half of 13 (Q4 2016)
        },
        quarters,
    )
    local = dataclasses.replace(tables, sessions=sessions)
    raw = compute_raw(local, parse_period("2017-Q4"), ECO)
    assert val(raw, "fading_out", lever="bien_etre") == 0
    assert val(raw, "fading_out", lever="echanges") == 1
    assert val(raw, "fading_out", lever="echanges", col="n") == 17  # 13 a year before + 4
