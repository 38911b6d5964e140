"""Tests for eco_eval.stats.reliability: alpha against pingouin, omega against closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from eco_eval.errors import EcoEvalError
from eco_eval.instruments import load_instruments
from eco_eval.stats.reliability import (
    cronbach_alpha,
    item_statistics,
    item_warning,
    keyed_items,
    mcdonald_omega,
    reliability_table,
    spearman_brown,
)


def exact_moments(cov: np.ndarray, n: int, seed: int = 0) -> pd.DataFrame:
    """n rows whose sample covariance (ddof=1) is exactly ``cov``: the data fit the model exactly."""
    k = cov.shape[0]
    z = np.random.default_rng(seed).normal(size=(n, k))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    x = z @ np.linalg.cholesky(cov).T + 3.0
    return pd.DataFrame(x, columns=[f"i{j + 1}" for j in range(k)])


def feldt(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987) interval written out independently."""
    a = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (
        1 - (1 - alpha) * stats.f.ppf(1 - a / 2, df1, df2),
        1 - (1 - alpha) * stats.f.ppf(a / 2, df1, df2),
    )


# --- Cronbach's alpha -------------------------------------------------------------------------


def test_alpha_equals_pingouin_on_its_likert_dataset():
    # pingouin's "cronbach_alpha" dataset (15 subjects x 10 items); pingouin docs give
    # alpha = 0.5917188485995826, CI [0.195, 0.84] (tested there against R psych::alpha).
    data = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    ref_alpha, ref_ci = pg.cronbach_alpha(data=data)
    res = cronbach_alpha(data)
    assert res.alpha == pytest.approx(ref_alpha, abs=1e-6)
    assert res.alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    # pingouin rounds its CI to 3 decimals
    assert res.ci_low == pytest.approx(ref_ci[0], abs=5e-4)
    assert res.ci_high == pytest.approx(ref_ci[1], abs=5e-4)
    assert (res.ci_low, res.ci_high) == pytest.approx(feldt(res.alpha, 15, 10), abs=1e-12)


def test_alpha_listwise_equals_pingouin_and_uses_complete_rows_for_ci():
    # pingouin "cronbach_wide_missing": R psych::alpha(data, use = "complete.obs") = 0.8017
    data = pg.read_dataset("cronbach_wide_missing")
    ref_alpha, _ = pg.cronbach_alpha(data=data, nan_policy="listwise")
    res = cronbach_alpha(data)
    assert res.alpha == pytest.approx(ref_alpha, abs=1e-6)
    assert res.n == len(data.dropna()) == 9
    # pingouin's CI keeps n = 12 (rows before deletion); ours uses the 9 complete rows.
    assert (res.ci_low, res.ci_high) == pytest.approx(feldt(res.alpha, 9, 11), abs=1e-12)


def test_alpha_from_variances_by_hand():
    x = np.random.default_rng(7).integers(1, 6, size=(60, 4)).astype(float)
    x[:, 1] = np.clip(x[:, 0] + np.random.default_rng(8).integers(-1, 2, 60), 1, 5)
    k = 4
    by_hand = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert cronbach_alpha(pd.DataFrame(x)).alpha == pytest.approx(by_hand, abs=1e-12)


def test_alpha_degenerate_inputs():
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1, 2], "b": [2, 3]})).alpha)
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [3, 3, 3], "b": [2, 2, 2]})).alpha)
    with pytest.raises(EcoEvalError, match="at least 2 items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))


# --- McDonald's omega -------------------------------------------------------------------------


def test_omega_recovers_known_loadings_on_exact_data():
    # Congeneric model: standardised loadings 0.8, 0.7, 0.6, 0.5, 0.4; unit item variances.
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    cov = np.outer(lam, lam) + np.diag(1 - lam**2)
    res = mcdonald_omega(exact_moments(cov, 300))
    # Closed form (McDonald 1999): (sum lambda)^2 / ((sum lambda)^2 + sum psi) = 9 / (9 + 3.1)
    assert res.omega == pytest.approx(9.0 / 12.1, abs=1e-4)
    np.testing.assert_allclose(res.loadings, lam, atol=1e-3)
    np.testing.assert_allclose(res.uniquenesses, 1 - lam**2, atol=1e-3)


def test_omega_uses_raw_item_scale():
    # Same model with item SDs 1, 2, 0.5, 1, 3: omega of the raw sum uses lambda_i * sd_i.
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    sd = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    cov = np.outer(lam * sd, lam * sd) + np.diag((1 - lam**2) * sd**2)
    expected = (lam * sd).sum() ** 2 / ((lam * sd).sum() ** 2 + ((1 - lam**2) * sd**2).sum())
    assert mcdonald_omega(exact_moments(cov, 250)).omega == pytest.approx(expected, abs=1e-4)


def test_omega_equals_alpha_under_tau_equivalence():
    # Essentially tau-equivalent items (equal raw loadings, unequal error variances): alpha = omega
    # exactly (Novick & Lewis, 1967); alpha here is computed by pingouin, an independent route.
    cov = np.full((4, 4), 0.49) + np.diag([0.3, 0.6, 0.9, 0.5])
    data = exact_moments(cov, 200, seed=3)
    alpha, _ = pg.cronbach_alpha(data=data)
    assert mcdonald_omega(data).omega == pytest.approx(alpha, abs=1e-5)


def test_omega_large_sample_simulation_and_reverse_keyed_sign():
    rng = np.random.default_rng(42)
    lam = np.array([0.75, 0.65, 0.55, 0.45, 0.7, 0.6])
    f = rng.normal(size=20000)
    x = f[:, None] * lam + rng.normal(size=(20000, 6)) * np.sqrt(1 - lam**2)
    truth = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    res = mcdonald_omega(pd.DataFrame(x))
    assert res.omega == pytest.approx(truth, abs=0.01)
    assert min(res.loadings) > 0
    assert res.note == ""


def test_omega_bootstrap_interval_and_two_items():
    rng = np.random.default_rng(1)
    f = rng.normal(size=300)
    x = pd.DataFrame({f"i{j}": f * 0.7 + rng.normal(size=300) * 0.7 for j in range(4)})
    res = mcdonald_omega(x, n_boot=200, seed=5)
    assert res.ci_low < res.omega < res.ci_high
    two = mcdonald_omega(x[["i0", "i1"]])
    assert np.isnan(two.omega) and "at least 3 items" in two.note


def test_spearman_brown_two_items():
    # exact correlation 0.6: 2 * 0.6 / 1.6 = 0.75 (Eisinga et al. 2013)
    data = exact_moments(np.array([[1.0, 0.6], [0.6, 1.0]]), 100)
    assert spearman_brown(data) == pytest.approx(0.75, abs=1e-12)


# --- reliability_table ------------------------------------------------------------------------


@pytest.fixture
def barometer() -> pd.DataFrame:
    rng = np.random.default_rng(9)
    n = 240
    f = rng.normal(size=n)
    frame = pd.DataFrame({"wave": np.repeat(["2015-05", "2016-05"], n // 2)})
    for j in range(1, 8):
        frame[f"swemwbs_{j}"] = np.clip(np.round(3 + 0.9 * f + rng.normal(size=n) * 0.8), 1, 5)
    for j in range(1, 6):
        frame[f"who5_{j}"] = np.clip(np.round(2.5 + 1.1 * f + rng.normal(size=n)), 0, 5)
    g = rng.normal(size=n)
    frame["clim_audace_1"] = np.clip(np.round(3 + g + rng.normal(size=n) * 0.6), 1, 5)
    # second climate item is reverse-keyed in this project
    frame["clim_audace_2"] = 6 - np.clip(np.round(3 + g + rng.normal(size=n) * 0.6), 1, 5)
    frame.loc[3, "swemwbs_2"] = np.nan
    return frame


def test_reliability_table_by_wave(barometer):
    insts = load_instruments({"clim_audace": {"reverse": ["clim_audace_2"]}}, levers=["audace"])
    table = reliability_table(barometer, insts, by="wave")
    assert list(table.columns[:3]) == ["instrument", "wave", "k"]
    assert set(table["instrument"]) == {"swemwbs", "who5", "clim_audace"}  # wemwbs absent: skipped
    sw = table.query("instrument == 'swemwbs' and wave == '2015-05'").iloc[0]
    assert sw["n"] == 119  # one row with a missing item dropped
    sub = barometer.loc[barometer["wave"] == "2015-05", [f"swemwbs_{j}" for j in range(1, 8)]]
    assert sw["alpha"] == pytest.approx(pg.cronbach_alpha(sub, nan_policy="listwise")[0], abs=1e-6)
    assert sw["alpha_ci_low"] < sw["alpha"] < sw["alpha_ci_high"] and sw["omega"] > 0.8
    clim = table.query("instrument == 'clim_audace'").iloc[0]
    assert clim["spearman_brown"] > 0.6  # keyed: positive once item 2 is turned around
    assert np.isnan(clim["omega"]) and "Spearman-Brown" in clim["note"]


def test_reliability_table_small_groups_and_partial_items(barometer):
    insts = load_instruments(levers=[])
    small = reliability_table(barometer.head(8), insts, by=None)
    assert small["alpha"].isna().all() and small["note"].str.contains("complete responses").all()
    with pytest.raises(EcoEvalError, match="swemwbs_7"):
        reliability_table(barometer.drop(columns="swemwbs_7"), insts)


def test_keyed_items_turns_reverse_items_and_blanks_out_of_range():
    inst = load_instruments({"clim_reve": {"reverse": ["clim_reve_1"]}}, levers=["reve"])[
        "clim_reve"
    ]
    keyed = keyed_items(pd.DataFrame({"clim_reve_1": [1, 5, 9], "clim_reve_2": [2, 2, 2]}), inst)
    assert keyed["clim_reve_1"].tolist()[:2] == [5.0, 1.0] and np.isnan(keyed.loc[2, "clim_reve_1"])


# --- item analysis ----------------------------------------------------------------------------


def test_item_statistics_against_independent_computations():
    data = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    table = item_statistics(data).set_index("item")
    for item in data.columns:
        rest = data.drop(columns=item)
        r, _ = stats.pearsonr(data[item], rest.sum(axis=1))
        assert table.loc[str(item), "r_drop"] == pytest.approx(r, abs=1e-12)
        assert table.loc[str(item), "alpha_if_deleted"] == pytest.approx(
            pg.cronbach_alpha(data=rest)[0], abs=1e-12
        )
        assert table.loc[str(item), "mean"] == pytest.approx(data[item].mean())
    assert (table["n"] == 15).all()


def test_item_statistics_by_hand_on_three_items():
    # a = (1,2,3,4), b = (2,1,4,3), c = (4,3,2,1): rest of c is a + b = (3,3,7,7), r = -0.894427;
    # alpha of (a, b): 2 * (1 - (5/3 + 5/3) / (16/3)) = 0.75
    data = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3], "c": [4, 3, 2, 1]})
    table = item_statistics(data).set_index("item")
    assert table.loc["c", "r_drop"] == pytest.approx(-2 / np.sqrt(5), abs=1e-12)
    assert table.loc["c", "alpha_if_deleted"] == pytest.approx(0.75, abs=1e-12)
    assert table.loc["c", "flag"] == "negative"


def test_unreversed_item_is_named_in_the_reliability_note(barometer):
    insts = load_instruments(levers=[])
    frame = barometer.copy()
    frame["swemwbs_4"] = 6 - frame["swemwbs_4"]  # an item left un-reversed
    table = reliability_table(frame, insts, by=None)
    note = table.set_index("instrument").loc["swemwbs", "note"]
    assert "swemwbs_4" in note and "negatively" in note
    assert "negatively" not in reliability_table(barometer, insts, by=None)["note"].str.cat()


def test_constant_item_is_named():
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 2, 2, 2], "c": [1, 3, 3, 4, 4]})
    assert "constant item(s): b" in item_warning(item_statistics(data))


def test_reliability_table_refuses_instrument_ids(barometer):
    with pytest.raises(EcoEvalError, match="load_instruments"):
        reliability_table(barometer, ["swemwbs"])
