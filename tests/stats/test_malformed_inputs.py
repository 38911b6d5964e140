"""Every public function of eco_eval.stats and eco_eval.wellbeing refuses malformed input with the
package's input error (one line naming the argument), never another exception.

A Hypothesis property: for each function, one argument of a valid call is replaced by a
malformed value (text, infinity, NaN, a negative or fractional count, a nested list, a frame of
text...); the call either works or raises :class:`eco_eval.errors.EcoEvalError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eco_eval import stats
from eco_eval.errors import EcoEvalError
from eco_eval.instruments import load_instruments
from eco_eval.stats.panel_did import twfe_estimate
from eco_eval.stats.reliability import item_statistics
from eco_eval.stats.weights import rake, weighted_mean_ci, weighted_share_ci
from eco_eval.wellbeing.drivers import key_drivers_table
from eco_eval.wellbeing.inputs import design_inputs
from eco_eval.wellbeing.panel import wave_cuts
from eco_eval.wellbeing.plan import phase_in_plan
from eco_eval.wellbeing.scores import reliability_by_wave, score_barometer, wellbeing_by_wave
from eco_eval.wellbeing.weights import barometer_weights

INSTRUMENTS = load_instruments(levers=["audace"])
RNG = np.random.default_rng(0)
N = 60


def _barometer() -> pd.DataFrame:
    f = RNG.normal(size=N)
    frame = pd.DataFrame(
        {
            "wave": np.repeat(["2016-05", "2016-11"], N // 2),
            "person_key": [f"p{i % (N // 2)}" for i in range(N)],
            "department": RNG.choice(["D1", "D2", "D3"], N),
            "category": RNG.choice(["A", "B", "C"], N),
            "gender": RNG.choice(["F", "M"], N),
        }
    )
    for j in range(1, 8):
        frame[f"swemwbs_{j}"] = np.clip(np.round(3 + f + RNG.normal(size=N) * 0.7), 1, 5)
    for j in range(1, 6):
        frame[f"who5_{j}"] = np.clip(np.round(2.5 + f + RNG.normal(size=N)), 0, 5)
    for j in (1, 2):
        frame[f"clim_audace_{j}"] = np.clip(np.round(3 + f + RNG.normal(size=N)), 1, 5)
    frame["part_audace"] = RNG.integers(0, 2, N)
    return frame


BARO = _barometer()
ITEMS = BARO[[f"swemwbs_{j}" for j in range(1, 8)]]
PANEL = pd.DataFrame(
    {
        "person_key": BARO["person_key"],
        "wave": BARO["wave"],
        "department": BARO["department"],
        "category": BARO["category"],
        "score": ITEMS.sum(axis=1).astype(float),
        "treated": RNG.integers(0, 2, N),
    }
)
HEADCOUNT = pd.DataFrame(
    {"quarter": "2016-Q2", "department": ["D1", "D2", "D3"], "category": ["A", "B", "C"],
     "gender": ["F", "M", "F"], "headcount": [40, 50, 60]}
)  # fmt: skip
X = RNG.normal(size=30)
Y = RNG.normal(size=30) + 0.3

#: Function -> a valid call's arguments. Each argument in turn is replaced by a malformed value.
CALLS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "benjamini_hochberg": (stats.benjamini_hochberg, {"pvalues": [0.01, 0.2, 0.5], "alpha": 0.05}),
    "bootstrap_mean_ci": (stats.bootstrap_mean_ci, {"values": X, "level": 0.95, "n_boot": 50, "seed": 1}),
    "cronbach_alpha": (stats.cronbach_alpha, {"items": ITEMS, "level": 0.95}),
    "item_statistics": (item_statistics, {"items": ITEMS}),
    "mcdonald_omega": (stats.mcdonald_omega, {"items": ITEMS, "n_boot": 0, "level": 0.95, "seed": 1}),
    "reliability_table": (stats.reliability_table, {"frame": BARO, "instruments": INSTRUMENTS, "by": "wave", "min_n": 10}),
    "hedges_g": (stats.hedges_g, {"x": X, "y": Y, "level": 0.95}),
    "mean_ci": (stats.mean_ci, {"values": X, "level": 0.95}),
    "minimum_detectable_effect": (stats.minimum_detectable_effect, {"n1": 50, "n2": 50, "alpha": 0.05, "power": 0.8}),
    "nps": (stats.nps, {"scores_0_10": [0, 5, 9, 10, 10, 7], "level": 0.95}),
    "top_box_share": (stats.top_box_share, {"values": [1, 2, 4, 5, 5], "top": 2}),
    "wilson_ci": (stats.wilson_ci, {"successes": [3], "n": [10], "level": 0.95}),
    "score": (stats.score, {"frame": BARO, "instrument": INSTRUMENTS["who5"]}),
    "score_all": (stats.score_all, {"frame": BARO, "instruments": INSTRUMENTS}),
    "did_estimate": (stats.did_estimate, {"panel": PANEL, "outcome": "score", "treated_col": "treated", "waves": ("2016-05", "2016-11"), "min_group": 3}),
    "wave_change": (stats.wave_change, {"frame": PANEL, "score_col": "score", "waves": ("2016-05", "2016-11")}),
    "cross_sectional_estimate": (stats.cross_sectional_estimate, {"frame": PANEL, "outcome": "score", "treated_col": "treated", "wave": "2016-11", "min_group": 3}),
    "twfe_estimate": (twfe_estimate, {"panel": PANEL, "outcome": "score", "treatments": "treated"}),
    "key_drivers": (stats.key_drivers, {"frame": BARO, "outcome": "who5_1", "predictors": ["swemwbs_1", "swemwbs_2"], "n_boot": 10, "seed": 1}),
    "stepped_wedge_calendar": (stats.stepped_wedge_calendar, {"departments": ["D1", "D2", "D3"], "n_steps": 3, "start_period": "2016-Q1", "seed": 1}),
    "stepped_wedge_power": (stats.stepped_wedge_power, {"effect": 0.3, "sd": 1.0, "icc": 0.05, "cluster_size": 20, "n_clusters": 12, "n_steps": 3}),
    "rake": (rake, {"sample": BARO, "margins": {"category": {"A": 10, "B": 20, "C": 30}}}),
    "weighted_mean_ci": (weighted_mean_ci, {"values": X, "weights": np.ones(30), "level": 0.95}),
    "weighted_share_ci": (weighted_share_ci, {"flags": X > 0, "weights": np.ones(30), "level": 0.95}),
    "score_barometer": (score_barometer, {"barometer": BARO, "instruments": INSTRUMENTS}),
    "wellbeing_by_wave": (wellbeing_by_wave, {"barometer": BARO, "instruments": INSTRUMENTS, "by": ("department",)}),
    "reliability_by_wave": (reliability_by_wave, {"barometer": BARO, "instruments": INSTRUMENTS, "min_n": 10}),
    "key_drivers_table": (key_drivers_table, {"barometer": BARO, "instruments": INSTRUMENTS, "n_boot": 10, "k_drivers": 5}),
    "design_inputs": (design_inputs, {"barometer": BARO, "instruments": INSTRUMENTS}),
    "phase_in_plan": (phase_in_plan, {"departments": ["D1", "D2", "D3", "D4"], "n_steps": 2, "effect": 0.3, "sd": 1.0, "icc": 0.05, "cluster_size": 20, "start_period": "2016-Q1", "seed": 1}),
    "wave_cuts": (wave_cuts, {"barometer": BARO}),
    "barometer_weights": (barometer_weights, {"barometer": BARO, "headcount": HEADCOUNT}),
}  # fmt: skip

MALFORMED = st.sampled_from(
    [
        None, "x", "", -1, 0, 2.5, -0.5, 1e12, float("inf"), float("-inf"), float("nan"), True,
        [], ["a", "b"], [[1, 2], [3]], {"a": 1}, (1,), np.array([[1.0, 2.0], [3.0, 4.0]]),
        np.array([np.inf, 1.0, 2.0]), pd.DataFrame({"a": ["x", "y", "z"]}),
        pd.DataFrame({"a": [np.inf, 1.0, 2.0], "b": [1.0, 2.0, 3.0], "c": [3.0, 1.0, 2.0]}),
        pd.DataFrame(), pd.Series(["oui", "non"]), object(),
    ]
)  # fmt: skip


@pytest.mark.parametrize("name", sorted(CALLS))
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_malformed_input_raises_the_packages_error(name, data):
    fn, valid = CALLS[name]
    arg = data.draw(st.sampled_from(sorted(valid)), label="argument")
    bad = data.draw(MALFORMED, label="value")
    try:
        fn(**{**valid, arg: bad})
    except EcoEvalError as exc:
        assert "\n" not in str(exc).strip(), "one line"
