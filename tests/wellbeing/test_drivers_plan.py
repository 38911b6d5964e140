"""eco_eval.wellbeing.drivers (key drivers, k_drivers) and eco_eval.wellbeing.plan (phase-in)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from eco_eval.stats import stepped_wedge_power
from eco_eval.wellbeing.drivers import DRIVER_COLUMNS, key_drivers_table
from eco_eval.wellbeing.inputs import design_inputs
from eco_eval.wellbeing.plan import phase_in_plan

from .conftest import response


def _barometer(n: int, seed: int = 5) -> pd.DataFrame:
    """SWEMWBS follows the climate of ``temps`` closely and that of ``audace`` not at all."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        level = rng.normal(0, 1)
        temps = int(np.clip(round(3 + level), 1, 5))
        rows.append(
            response(
                i, "2016-05", f"p{i}", department=f"D{i % 4}",
                swemwbs=int(np.clip(round(3 + 0.8 * level + rng.normal(0, 0.3)), 1, 5)),
                temps=(temps, 6 - temps),
                audace=(int(rng.integers(1, 6)), int(rng.integers(1, 6))),
            )
        )  # fmt: skip
    return pd.DataFrame(rows)


def test_key_drivers_rank_the_associated_climate_first(instruments):
    out = key_drivers_table(_barometer(200), instruments, n_boot=50, seed=1)
    assert list(out.columns) == list(DRIVER_COLUMNS)
    assert out["lever"].tolist() == ["temps", "audace"]
    assert (out["interpretation"] == "association").all() and not out["suppressed"].any()
    assert out["importance"].sum() == pytest.approx(out["r2"].iloc[0])
    assert out["n"].iloc[0] == 200 and out["wave"].iloc[0] == "2016-05"
    assert (out["ci_low"] <= out["importance"]).all() and (
        out["importance"] <= out["ci_high"]
    ).all()


def test_key_drivers_need_k_drivers_respondents(instruments):
    out = key_drivers_table(_barometer(24), instruments, n_boot=0, k_drivers=25)
    assert out["suppressed"].all() and out["importance"].isna().all() and out["n"].isna().all()
    assert out.attrs["n_available"] == 24
    assert not key_drivers_table(_barometer(25), instruments, n_boot=0)["suppressed"].any()


def test_phase_in_plan_gives_the_calendar_and_its_power():
    depts = [f"D{i}" for i in range(8)]
    plan = phase_in_plan(
        depts, 4, effect=1.0, sd=4.0, icc=0.03, cluster_size=40, start_period="2018-Q1", seed=7
    )
    ref = stepped_wedge_power(1.0, 4.0, 0.03, 40, design=plan.calendar)
    assert plan.power.power == pytest.approx(ref.power)
    assert plan.calendar["period"].nunique() == 5
    assert plan.schedule["sequence"].value_counts().tolist() == [2, 2, 2, 2]
    # the MDE is the effect detected with the target power
    at_mde = stepped_wedge_power(plan.mde, 4.0, 0.03, 40, design=plan.calendar)
    assert at_mde.power == pytest.approx(0.8, abs=1e-6)
    # the same seed gives the same draw (it is kept with the calendar)
    again = phase_in_plan(
        depts, 4, effect=1.0, sd=4.0, icc=0.03, cluster_size=40, start_period="2018-Q1", seed=7
    )
    pd.testing.assert_frame_equal(plan.calendar, again.calendar)


def test_phase_in_plan_steps_follow_the_barometer():
    plan = phase_in_plan(
        ["A", "B", "C", "D"], 2, effect=1.0, sd=4.0, icc=0.02, cluster_size=50,
        start_period="2018-05", seed=1, freq="M", step=6,
    )  # fmt: skip
    assert sorted(plan.calendar["period"].unique()) == ["2018-05", "2018-11", "2019-05"]
    assert sorted(plan.schedule["crossover_period"].unique()) == ["2018-11", "2019-05"]


def test_design_inputs_read_the_barometer(instruments):
    baro = _barometer(200)
    inputs = design_inputs(baro, instruments)
    assert inputs.departments == ("D0", "D1", "D2", "D3")
    assert inputs.cluster_size == 50 and inputs.n == 200 and inputs.wave == "2016-05"
    # departments are assigned in turn, not by level: the ICC is about 0 (truncated at 0)
    assert 0 <= inputs.icc < 0.05
    assert not math.isnan(inputs.sd) and inputs.sd > 0
