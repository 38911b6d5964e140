"""Feedback batteries declared as instruments: mean, top-2-box over items, Cronbach's alpha."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError
from eco_eval.indicators.core import Tables
from eco_eval.indicators.reaction import reaction
from eco_eval.instruments import load_instruments
from eco_eval.periods import parse_period

ECO = load_ecosystem()
BATTERY = {
    "sat_battery": {
        "source": "feedback", "measures": "satisfaction", "items": {"prefix": "sat_", "count": 4},
        "item_range": [1, 4], "aggregate": "mean", "max_missing": 1, "reverse": ["sat_4"],
    }
}  # fmt: skip


def _tables(seed: int = 5, n: int = 300) -> Tables:
    """Feedback of one quarter: a 4-item battery on a 1-4 scale (sat_4 worded negatively), no
    single satisfaction question; a few answers missing."""
    rng = np.random.default_rng(seed)
    tool = ECO.tools[0]
    trait = rng.normal(0, 1, n)
    items = np.clip(np.round(2.6 + 0.8 * trait[:, None] + rng.normal(0, 0.7, (n, 4))), 1, 4)
    items[:, 3] = 5 - items[:, 3]  # as written: reverse-keyed
    items[rng.random((n, 4)) < 0.04] = np.nan
    fb = pd.DataFrame(
        {"tool_id": tool.id, "lever_id": tool.lever, "quarter": "2016-Q3", "satisfaction": np.nan,
         "usefulness": np.nan, "recommend": np.nan}
        | {f"sat_{j + 1}": items[:, j] for j in range(4)}
    )  # fmt: skip
    sessions = pd.DataFrame(
        {"session_id": ["s"], "date": [pd.Timestamp("2016-08-01").date()], "quarter": ["2016-Q3"],
         "tool_id": [tool.id], "lever_id": [tool.lever], "duration_h": [1.0],
         "host_department": ["D"], "status": ["held"]}
    )  # fmt: skip
    att = pd.DataFrame(
        {"session_id": "s", "person_key": [f"p{i}" for i in range(n)], "department": "D",
         "category": "A", "gender": "F", "filiere": "x"}
    )  # fmt: skip
    return Tables(sessions=sessions, attendance=att, headcount=pd.DataFrame(), feedback=fb)


def _programme(frame: pd.DataFrame, indicator: str) -> pd.Series:
    sel = frame[(frame["indicator"] == indicator) & (frame["lever"] == "*")]
    assert len(sel) == 1, indicator
    return sel.iloc[0]


@pytest.fixture(scope="module")
def computed() -> tuple[pd.DataFrame, pd.DataFrame]:
    tables = _tables()
    instruments = load_instruments(BATTERY, levers=ECO.lever_ids)
    frame = reaction(tables, parse_period("2016-Q3"), ECO, instruments)
    return frame, tables.feedback


def test_battery_mean_top2_and_alpha_match_a_computation_by_hand(computed):
    frame, fb = computed
    items = fb[[f"sat_{j}" for j in range(1, 5)]].to_numpy(dtype=float).copy()
    items[:, 3] = 1 + 4 - items[:, 3]  # reverse-keyed on 1..4
    answered = (~np.isnan(items)).sum(axis=1)
    ok = answered >= 3
    means = np.nanmean(items[ok], axis=1)
    rescaled = 1 + 4 * (means - 1) / 3
    mean = _programme(frame, "satisfaction_mean")
    assert mean["value"] == pytest.approx(rescaled.mean(), abs=1e-12) and mean["n"] == ok.sum()
    half = 1.959963984540054  # normal quantile: t(0.975, n-1) is within 0.3 % of it at n ~ 300
    se = rescaled.std(ddof=1) / np.sqrt(len(rescaled))
    assert mean["ci_high"] - mean["value"] == pytest.approx(half * se, rel=0.01)
    shares = (items[ok] >= 3).sum(axis=1) / answered[ok]
    top2 = _programme(frame, "satisfaction_top2")
    assert top2["value"] == pytest.approx(shares.mean(), abs=1e-12)
    complete = items[answered == 4]
    alpha_pg, _ = pg.cronbach_alpha(data=pd.DataFrame(complete))
    k = 4
    by_hand = (
        k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / complete.sum(axis=1).var(ddof=1))
    )
    alpha = _programme(frame, "satisfaction_alpha")
    assert alpha["value"] == pytest.approx(by_hand, abs=1e-9)
    assert alpha["value"] == pytest.approx(alpha_pg, abs=1e-9)
    assert alpha["n"] == len(complete) and alpha["ci_low"] < alpha["value"] < alpha["ci_high"]
    # the same figures at the lever level (one lever here)
    lever = frame[(frame["indicator"] == "satisfaction_mean") & (frame["lever"] != "*")]
    assert lever["value"].iloc[0] == pytest.approx(mean["value"])


def test_without_the_instrument_the_battery_is_not_used():
    tables = _tables()
    frame = reaction(tables, parse_period("2016-Q3"), ECO)
    assert not frame["indicator"].isin(["satisfaction_mean", "satisfaction_alpha"]).any()


def test_a_battery_partly_ingested_names_the_fix():
    tables = _tables()
    fb = tables.feedback.drop(columns="sat_4")
    tables = Tables(tables.sessions, tables.attendance, tables.headcount, fb)
    instruments = load_instruments(BATTERY, levers=ECO.lever_ids)
    with pytest.raises(ConfigError, match=r"sat_4 not in the store.*instruments\.sat_battery"):
        reaction(tables, parse_period("2016-Q3"), ECO, instruments)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"source": "enquete"}, r"source must be one of barometer, feedback"),
        ({"source": "barometer"}, r"measures is for a feedback battery"),
        ({"measures": "joy"}, r"measures is for a feedback battery"),
    ],
)
def test_battery_declaration_mistakes(override, message):
    with pytest.raises(ConfigError, match=message):
        load_instruments({"sat_battery": {**BATTERY["sat_battery"], **override}}, levers=[])
