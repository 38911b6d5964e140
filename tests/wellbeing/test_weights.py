"""eco_eval.wellbeing.weights and the weighted levels of the release: the barometer's levels
describe the staff (calibrated on the headcount), not only the respondents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eco_eval.errors import EcoEvalError
from eco_eval.instruments import load_instruments
from eco_eval.release.wellbeing import weighted_levels
from eco_eval.stats import mean_ci, weighted_mean_ci, weighted_share_ci, wilson_ci
from eco_eval.wellbeing.scores import WELLBEING_INDICATORS, score_barometer, wellbeing_by_wave
from eco_eval.wellbeing.weights import barometer_weights


def city(seed: int, n_staff: int = 1200) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """A staff whose WHO-5 answers depend on category; category A answers twice as often as C.
    Returns the barometer (one wave), the headcount and the staff's true mean WHO-5 score."""
    rng = np.random.default_rng(seed)
    cat = rng.choice(["A", "B", "C"], n_staff, p=[0.2, 0.3, 0.5])
    dept = rng.choice(["Finances", "Voirie", "Culture"], n_staff)
    gender = rng.choice(["F", "M"], n_staff)
    level = np.select([cat == "A", cat == "B"], [3.6, 3.0], 2.2)
    items = np.clip(np.round(level[:, None] + rng.normal(0, 0.9, (n_staff, 5))), 0, 5)
    truth = float((items.sum(axis=1) * 4).mean())
    responds = rng.random(n_staff) < np.select([cat == "A", cat == "B"], [0.8, 0.6], 0.4)
    baro = pd.DataFrame(
        {"wave": "2016-05", "department": dept, "category": cat, "gender": gender,
         **{f"who5_{i + 1}": items[:, i] for i in range(5)}}
    ).loc[responds].reset_index(drop=True)  # fmt: skip
    staff = pd.DataFrame({"department": dept, "category": cat, "gender": gender})
    headcount = staff.value_counts().rename("headcount").reset_index().assign(quarter="2016-Q2")
    return baro, headcount, truth


def test_weighted_level_is_closer_to_the_staff_than_the_respondents_mean():
    instruments = load_instruments(levers=[])
    errors_w, errors_u = [], []
    for seed in range(5):
        baro, headcount, truth = city(seed)
        levels, summary = weighted_levels(baro, instruments, headcount, tool_of={}, k=5)
        row = levels[(levels["indicator"] == "who5_mean") & (levels["dimension"] == "*")].iloc[0]
        errors_w.append(abs(row["value"] - truth))
        errors_u.append(abs(row["value_unweighted"] - truth))
        assert row["ci_low"] <= truth <= row["ci_high"]
        assert row["n"] == len(baro) and row["n_effective"] < len(baro)
        assert summary.loc[0, "margins"] == "department, category, gender"
        assert summary.loc[0, "design_effect"] > 1
    assert np.mean(errors_w) < 0.3 * np.mean(errors_u)


def test_every_weighted_cell_is_the_one_sample_functions_figure():
    """The levels' intervals, computed for all cells at once, are those of weighted_mean_ci,
    weighted_share_ci, mean_ci and wilson_ci applied to each cell's respondents."""
    baro, headcount, _ = city(3, n_staff=600)
    instruments = load_instruments(levers=[])
    weights = barometer_weights(baro, headcount)
    levels = wellbeing_by_wave(baro, instruments, weights=weights)
    scored = score_barometer(baro, instruments)
    checked = 0
    for _, cell in levels.iterrows():
        rows = (
            scored
            if cell["dimension"] == "*"
            else scored[scored[cell["dimension"]] == cell["group"]]
        )
        col, kind = WELLBEING_INDICATORS[cell["indicator"]]
        values = rows[col].astype(float)
        known = values.notna()
        if kind == "mean":
            want = weighted_mean_ci(values[known], weights[rows.index][known])
            plain = mean_ci(values[known])
            plain_figures = (plain.estimate, plain.ci_low, plain.ci_high)
        else:
            want = weighted_share_ci(values[known], weights[rows.index][known])
            ci = wilson_ci([int(values[known].sum())], [int(known.sum())]).iloc[0]
            plain_figures = (ci["proportion"], ci["ci_low"], ci["ci_high"])
        got = cell[["value", "n_effective", "ci_low", "ci_high"]].to_numpy(dtype=float)
        assert got == pytest.approx(np.array(want, dtype=float), rel=1e-12, nan_ok=True)
        unweighted = cell[["value_unweighted", "ci_low_unweighted", "ci_high_unweighted"]]
        assert unweighted.to_numpy(dtype=float) == pytest.approx(plain_figures, rel=1e-12)
        assert cell["n"] == known.sum()
        checked += 1
    assert checked == len(levels) > 20


def test_the_rule_hides_small_cells_in_every_column_including_the_unweighted_ones():
    baro, headcount, _ = city(7)
    small = baro.assign(department=np.where(baro.index < 3, "Petite", baro["department"]))
    levels, _ = weighted_levels(small, load_instruments(levers=[]), headcount, tool_of={}, k=5)
    hidden = levels[levels["group"] == "Petite"]
    assert len(hidden) and hidden["suppressed"].all()
    assert (
        hidden[["value", "value_unweighted", "ci_low_unweighted", "n_effective"]].isna().all().all()
    )


def test_without_headcount_every_weight_is_one_and_the_summary_says_so():
    baro, _, _ = city(3)
    weights = barometer_weights(baro, None)
    assert (weights == 1).all()
    assert weights.attrs["summary"].loc[0, "margins"] == ""
    levels, _ = weighted_levels(baro, load_instruments(levers=[]), None, tool_of={}, k=5)
    shown = levels[~levels["suppressed"]]
    np.testing.assert_allclose(shown["value"], shown["value_unweighted"])


def test_a_margin_the_headcount_does_not_give_on_every_row_is_left_out():
    baro, headcount, _ = city(4)
    partial = headcount.assign(gender=headcount["gender"].where(headcount.index > 0))
    summary = barometer_weights(baro, partial).attrs["summary"]
    assert summary.loc[0, "margins"] == "department, category"
    assert summary.loc[0, "quarter"] == "2016-Q2"
    with pytest.raises(EcoEvalError, match="wave"):
        barometer_weights(baro.drop(columns="wave"), headcount)
