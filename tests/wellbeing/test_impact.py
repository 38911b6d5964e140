"""eco_eval.wellbeing.impact: the per-lever DiD table, checked against stats.did_estimate, on a
synthetic city, and on the demo city against its ground truth (effects.csv)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from eco_eval.config import load_project
from eco_eval.indicators.core import Tables
from eco_eval.stats import StatsInputError, benjamini_hochberg, did_estimate, wave_change
from eco_eval.store import open_store
from eco_eval.wellbeing.impact import (
    IMPACT_TABLE_COLUMNS,
    _identifiable,
    _triangular_factor,
    impact_table,
)
from eco_eval.wellbeing.panel import link_panel

from .conftest import synthetic_city


@pytest.fixture(scope="module")
def table(city, instruments, eco) -> pd.DataFrame:
    return impact_table(city, instruments, eco, outcomes=("climate", "swemwbs"))


def _long(panel: pd.DataFrame, col: str) -> pd.DataFrame:
    """The linked panel as did_estimate reads it: one row per person and wave."""
    keep = ["person_key", "department", "category", "treated_temps", "prior_temps"]
    base = panel[keep].assign(prior=panel["prior_temps"].astype(str))
    return pd.concat(
        [
            base.assign(wave="from", y=panel[f"{col}_from"]),
            base.assign(wave="to", y=panel[f"{col}_to"]),
        ],
        ignore_index=True,
    )


def test_the_numpy_fit_is_stats_did_estimate(city, instruments, table):
    """Same model, same numbers: estimate, SE, interval, p-value, Hedges' g, with and without the
    baseline score (did_estimate dummy-codes the 0/1 prior flag: the same column)."""
    panel = link_panel(city, "2016-05", "2016-11", instruments=instruments)
    long = _long(panel, "clim_temps_score")
    kw = {"waves": ("from", "to"), "cluster": "department", "lever": "temps"}
    ref = did_estimate(
        long, "y", "treated_temps", covariates=("category", "department", "prior"), **kw
    )
    ref_b = did_estimate(
        long, "y", "treated_temps", covariates=("category", "department", "prior", "baseline"), **kw
    )
    row = table[(table["outcome"] == "climate") & (table["lever"] == "temps") & (table["wave_from"] == "2016-05") & ~table["pooled"]].iloc[0]  # fmt: skip
    for col in (
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "hedges_g",
        "g_ci_low",
        "g_ci_high",
    ):
        assert row[col] == pytest.approx(ref[col].iloc[0], rel=1e-9), col
    for col in ("n_treated", "n_control", "n_clusters"):
        assert row[col] == ref[col].iloc[0], col
    for col in ("estimate", "se", "ci_low", "ci_high"):
        assert row[f"{col}_baseline_adjusted"] == pytest.approx(ref_b[col].iloc[0], rel=1e-9), col


def test_table_shape_fdr_and_wording_flags(table):
    assert list(table.columns) == list(IMPACT_TABLE_COLUMNS)
    assert len(table) == 3 * 2 * 2  # (2 pairs + pooled) x 2 outcomes x 2 levers
    pooled = table[table["pooled"]]
    assert (pooled["wave_from"] == "2016-05").all() and (pooled["wave_to"] == "2017-05").all()
    assert (pooled["n_pairs"] == 2).all() and (table.loc[~table["pooled"], "n_pairs"] == 1).all()
    assert (table["design"] == "did_linked_panel").all()
    assert (table["sms_level"] == 3).all() and table["causal_wording_allowed"].all()
    for _, block in table.groupby(["wave_from", "wave_to", "outcome"]):
        bh = benjamini_hochberg(block["p_value"])
        assert np.allclose(block["p_adjusted"], bh["p_adjusted"])
        assert (block["significant_fdr"] == bh["rejected"]).all()
    clim = table[(table["outcome"] == "climate")].set_index(["lever", "pooled", "wave_from"])
    # planted: +0.6 item points on temps (rounding moves the realised effect a little), 0 on audace
    assert clim.loc[("temps", True, "2016-05"), "significant_fdr"]
    assert (
        clim.loc[("temps", True, "2016-05"), "ci_low"]
        < 0.6
        < clim.loc[("temps", True, "2016-05"), "ci_high"]
    )
    assert not clim.xs("audace")["significant_fdr"].any()
    pairs = table[~table["pooled"]]
    assert pairs["adjustment"].str.contains("attendance before the baseline wave").all()
    assert (pairs["estimator"] == "first_difference").all()
    assert pairs.loc[pairs["outcome"] == "swemwbs", "adjustment"].str.contains("other tools").all()
    assert not pairs.loc[pairs["outcome"] == "climate", "adjustment"].str.contains("other").any()
    assert (pooled["estimator"] == "twfe").all()
    assert pooled["adjustment"].str.contains("person and wave effects").all()


def test_pooled_rows_are_the_twfe_model_with_the_first_difference_aside(city, instruments, eco):
    """The headline (pooled) row is twfe_estimate's joint model on the long panel; the pooled
    first-difference estimate moves to its sensitivity columns."""
    from eco_eval.stats import twfe_estimate
    from eco_eval.wellbeing.twfe import long_panel

    table = impact_table(city, instruments, eco, outcomes=("swemwbs",))
    pairs = [("2016-05", "2016-11"), ("2016-11", "2017-05")]
    stacked = pd.concat(
        [link_panel(city, a, b, instruments=instruments).assign(pair=a) for a, b in pairs]
    )
    long = long_panel(stacked, "swemwbs_score", ["temps", "audace"])
    ref = twfe_estimate(long, "y", ["d_temps", "d_audace"]).set_index("treatment")
    pooled = table[table["pooled"]].set_index("lever")
    for lever in ("temps", "audace"):
        for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            assert pooled.loc[lever, col] == pytest.approx(ref.loc[f"d_{lever}", col], rel=1e-9)
        assert pooled.loc[lever, "estimate_first_difference"] != pooled.loc[lever, "estimate"]
    single = twfe_estimate(long, "y", "d_temps").iloc[0]
    assert pooled.loc["temps", "estimate_single_lever"] == pytest.approx(single["estimate"])
    assert pooled["ci_low_department"].notna().all()
    # the dose: sessions attended in the interval, every lever in one model
    assert (long["n_temps"] >= long["d_temps"]).all() and (
        (long["n_temps"] > 0) == (long["d_temps"] == 1)
    ).all()
    doses = twfe_estimate(long, "y", ["n_temps", "n_audace"]).set_index("treatment")
    for lever in ("temps", "audace"):
        assert pooled.loc[lever, "estimate_dose"] == pytest.approx(
            doses.loc[f"n_{lever}", "estimate"], rel=1e-9
        )
        assert pooled.loc[lever, "ci_low_dose"] == pytest.approx(
            doses.loc[f"n_{lever}", "ci_low"], rel=1e-9
        )
    # the event-study check: a lead whose interval excludes 0 is named in the note, and only then
    flagged = (pooled["pretrend_ci_low"] > 0) | (pooled["pretrend_ci_high"] < 0)
    assert (pooled["note"].str.contains("pre-trend") == flagged).all()
    # three waves, the first without a start: one usable wave has a next one, no lead to estimate
    assert pooled["pretrend_estimate"].isna().all()


def test_change_is_the_change_of_the_staff_mean(city, instruments, table):
    from eco_eval.wellbeing.scores import score_barometer

    scored = score_barometer(city.barometer, instruments)
    ref = wave_change(
        scored, "swemwbs_score", "wave", ("2016-05", "2016-11"), pairing="independent"
    )
    row = table[(table["outcome"] == "swemwbs") & (table["wave_from"] == "2016-05") & ~table["pooled"]].iloc[0]  # fmt: skip
    assert row["change"] == pytest.approx(ref["estimate"].iloc[0])
    assert row["change_ci_low"] == pytest.approx(ref["ci_low"].iloc[0])
    assert row["change_design"] == "before_after_independent"


def test_baseline_model_on_request_keeps_the_other(city, instruments, eco, table):
    other = impact_table(city, instruments, eco, outcomes=("climate",), baseline=True, pooled=False)
    mine = table[(table["outcome"] == "climate") & ~table["pooled"]].reset_index(drop=True)
    assert np.allclose(other["estimate"], mine["estimate_baseline_adjusted"])
    assert np.allclose(other["estimate_baseline_adjusted"], mine["estimate_baseline_adjusted"])


def test_without_linked_respondents_the_cross_section_is_an_association(instruments, eco):
    anonymous = synthetic_city(linked_share=0.0)
    out = impact_table(anonymous, instruments, eco, outcomes=("climate",))
    pairs = out[~out["pooled"]]
    assert (pairs["design"] == "cross_sectional").all()
    assert (pairs["sms_level"] == 2).all() and not pairs["causal_wording_allowed"].any()
    assert pairs["note"].str.contains("cross-sectional on part_").all()
    assert out.loc[out["pooled"], "estimate"].isna().all()


@pytest.mark.parametrize("shape", ["empty category", "no category column", "no department"])
def test_without_category_the_model_adjusts_for_the_rest_and_covers_the_truth(
    city, instruments, eco, shape
):
    """A barometer without category (or department): every linked respondent stays in the model, the
    adjustment says what was held fixed, and the planted +0.6 on temps is covered and detected."""
    from dataclasses import replace

    baro = city.barometer.assign(category=None)
    if shape == "no category column":
        baro = city.barometer.drop(columns="category")
    elif shape == "no department":
        baro = baro.assign(department=None)
    out = impact_table(replace(city, barometer=baro), instruments, eco, outcomes=("climate",))
    full = impact_table(city, instruments, eco, outcomes=("climate",))
    assert out["estimate"].notna().all()
    assert (out["n_treated"] + out["n_control"] == full["n_treated"] + full["n_control"]).all()
    temps = out[out["pooled"] & (out["lever"] == "temps")].iloc[0]
    assert temps["ci_low"] < 0.6 < temps["ci_high"] and temps["significant_fdr"]
    assert not out.loc[out["lever"] == "audace", "significant_fdr"].any()
    assert not out["adjustment"].str.contains("category").any()
    assert out["note"].str.contains("category not adjusted for").all()
    assert out["note"].str.contains("dropped").sum() == 0
    pairs, pooled = out[~out["pooled"]], out[out["pooled"]]
    # the headline model's person effects hold every stable trait fixed; clustered by person
    assert (pooled["n_clusters"] > 100).all()
    if shape == "no department":
        assert not pairs["adjustment"].str.contains("department").any()
        assert pairs["n_clusters"].isna().all()
        assert pairs["note"].str.contains("no clustering by department").all()
        assert pooled["ci_low_department"].isna().all()
    else:
        assert pairs["adjustment"].str.startswith("department, ").all()
        assert (pairs["n_clusters"] == 12).all()


def test_department_clustering_keeps_respondents_without_a_department(city, instruments, eco):
    """Some respondents leave the department blank: they form one cluster of their own, so the
    department-clustered interval exists and surrounds the same estimate as the headline."""
    from dataclasses import replace

    baro = city.barometer.copy()
    blank = baro["person_key"].isin(baro["person_key"].drop_duplicates().iloc[::10])
    baro.loc[blank, "department"] = None
    out = impact_table(replace(city, barometer=baro), instruments, eco, outcomes=("climate",))
    pooled = out[out["pooled"]]
    assert pooled["ci_low_department"].notna().all()
    assert (pooled["ci_low_department"] < pooled["estimate"]).all()
    assert (pooled["estimate"] < pooled["ci_high_department"]).all()
    # the clustering changes the interval, not the estimate: its midpoint is the estimate
    mid = (pooled["ci_low_department"] + pooled["ci_high_department"]) / 2
    assert np.allclose(mid, pooled["estimate"])
    assert not np.allclose(pooled["ci_low_department"], pooled["ci_low"])


def test_parameters_are_checked(city, instruments, eco):
    with pytest.raises(StatsInputError, match="min_group"):
        impact_table(city, instruments, eco, min_group=3, k=5)
    with pytest.raises(
        StatsInputError, match=r'unknown outcome .climat. \(did you mean "climate"\?\)'
    ):
        impact_table(city, instruments, eco, outcomes=("climat",))


# --------------------------------------------------------------------------- the demo city
@pytest.fixture(scope="module")
def demo(demo_project):
    project = load_project(demo_project)
    tables = Tables.from_store(open_store(demo_project / "data" / "processed" / "eco_eval.duckdb"))
    table = impact_table(
        tables, project.instruments(), project.ecosystem(), outcomes=("climate", "swemwbs_raw")
    )
    truth = pd.read_csv(demo_project / "data" / "ground_truth" / "effects.csv")
    truth["outcome"] = truth["outcome"].replace({"swemwbs": "swemwbs_raw"})  # raw points
    return _with_truth(table, truth)


def _with_truth(table: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The realised ATT on the observed scale, per pair; pooled: the mean over the pairs weighted
    by the treated linked respondents (what the stacked regression estimates)."""
    values = []
    for _, r in table.iterrows():
        t = truth[(truth["lever_id"] == r["lever"]) & (truth["outcome"] == r["outcome"])]
        if not r["pooled"]:
            t = t[t["wave_from"] == r["wave_from"]]
        values.append(float(np.average(t["realised_att"], weights=t["n_treated_linked"])))
    out = table.assign(truth=values)
    out["covers"] = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    out["covers_baseline"] = (out["ci_low_baseline_adjusted"] <= out["truth"]) & (
        out["truth"] <= out["ci_high_baseline_adjusted"]
    )
    return out


def _show(frame: pd.DataFrame, title: str) -> None:
    print(f"\n{title}")
    print("  lever                truth  estimate [95% CI]          q      clear  covers  MDE")
    for _, r in frame.iterrows():
        print(
            f"  {r['lever']:19s} {r['truth']:+.3f}  {r['estimate']:+.3f} [{r['ci_low']:+.3f}, "
            f"{r['ci_high']:+.3f}]  {r['p_adjusted']:.4f}  {'yes' if r['significant_fdr'] else 'no ':3s}"
            f"    {'yes' if r['covers'] else 'NO '}     {r['mde']:.3f}"
        )


@pytest.mark.parametrize("outcome", ["climate", "swemwbs_raw"])
def test_demo_planted_effects_are_recovered(demo, outcome):
    """Every planted effect is covered by its interval and, when the design can see it, detected
    after FDR control; no planted zero effect is declared significant after FDR control."""
    rows = demo[demo["outcome"] == outcome]
    pooled, pairs = rows[rows["pooled"]], rows[~rows["pooled"]]
    _show(pooled, f"{outcome}: pooled over {int(pooled['n_pairs'].iloc[0])} wave pairs")
    for (w0, w1), block in pairs.groupby(["wave_from", "wave_to"]):
        _show(block, f"{outcome}: {w0} -> {w1}")
    print(
        f"\n{outcome}: coverage pooled {pooled['covers'].mean():.0%} (baseline-adjusted "
        f"{pooled['covers_baseline'].mean():.0%}), per pair {pairs['covers'].mean():.0%} "
        f"(baseline-adjusted {pairs['covers_baseline'].mean():.0%})"
    )
    planted, null = pooled[pooled["truth"] != 0], pooled[pooled["truth"] == 0]
    assert len(planted) and len(null)
    # the planted effects' 95 % intervals cover the realised ATT: with about a dozen intervals, one
    # miss is sampling (46 % of draws have one), two would be 1 draw in 9
    missed = planted.loc[~planted["covers"], "lever"].tolist()
    assert len(missed) <= 1, f"intervals miss the planted effect of {missed}"
    # every planted effect is detected after FDR control (the demo plants effects of at least
    # twice the minimum detectable effect of its sample, so a miss would be a fault, not bad luck)
    assert (planted["truth"] >= 1.5 * planted["mde"]).all(), planted[["lever", "truth", "mde"]]
    undetected = planted.loc[~planted["significant_fdr"], "lever"].tolist()
    assert not undetected, f"planted effects not detected after FDR: {undetected}"
    # no planted zero effect declared significant after FDR in the headline (pooled) estimates
    false = pooled.loc[(pooled["truth"] == 0) & pooled["significant_fdr"], "lever"].tolist()
    assert not false, f"null levers declared significant: {false}"
    # per wave pair, FDR control bounds the share of false discoveries, not their number: across
    # the pairs' tables, at most 10 % of the discoveries are planted zeros
    found = pairs[pairs["significant_fdr"]]
    fdp = float((found["truth"] == 0).mean()) if len(found) else 0.0
    print(f"{outcome}: per-pair discoveries {len(found)}, false discovery proportion {fdp:.0%}")
    assert fdp <= 0.10, found.loc[found["truth"] == 0, ["lever", "wave_from"]].to_dict("records")
    # per pair: nominal coverage up to sampling error (48 intervals)
    assert pairs["covers"].mean() >= 0.85
    # the textbook DiD (default) covers about as often as the baseline-adjusted model: on twelve
    # pooled 95 % intervals one miss is sampling, so it may cover one fewer; over the pairs, as often
    assert pooled["covers"].sum() >= pooled["covers_baseline"].sum() - 1
    assert pairs["covers"].sum() >= pairs["covers_baseline"].sum()


def test_the_dose_sensitivity_recovers_a_planted_effect_per_session():
    """Three waves, sessions attended before each drawn at random; the score gains 0.4 point per
    session on top of person and wave effects: the dose column's interval covers 0.4."""
    from eco_eval.wellbeing.twfe import twfe_rows

    rng = np.random.default_rng(5)
    n, per_session = 600, 0.4
    person = rng.normal(0, 2, n)
    waves = ["w1", "w2", "w3"]
    sessions = {w: rng.poisson(0.8, n) * (rng.random(n) < 0.5) for w in waves}
    score = {
        w: 20 + person + 0.5 * t + per_session * sessions[w] + rng.normal(0, 1, n)
        for t, w in enumerate(waves)
    }
    pairs = []
    for a, b in itertools.pairwise(waves):
        pairs.append(
            pd.DataFrame(
                {
                    "person_key": [f"p{i}" for i in range(n)],
                    "wave_from": a,
                    "wave_to": b,
                    "s_from": score[a],
                    "s_to": score[b],
                    "prior_x": (sessions[a] > 0).astype(int),
                    "treated_x": (sessions[b] > 0).astype(int),
                    "dose_from_x": sessions[a],
                    "dose_to_x": sessions[b],
                }
            )
        )
    # the first wave has no interval before it: the pairs start at w1 -> w2, so w1 is dropped
    # from the long panel as the package does; w2 and w3 remain, twice each person
    stacked = pd.concat(pairs, ignore_index=True)
    row = twfe_rows(stacked, "s", ["x"], 0.95)["x"]
    assert row["ci_low_dose"] <= per_session <= row["ci_high_dose"]
    assert abs(row["estimate_dose"] - per_session) < 0.1
    # without the doses in the pairs the columns are empty, the headline unchanged
    plain = twfe_rows(stacked.drop(columns=["dose_from_x", "dose_to_x"]), "s", ["x"], 0.95)["x"]
    assert np.isnan(plain["estimate_dose"]) and plain["estimate"] == row["estimate"]


def test_identifiability_on_the_triangular_factor_is_the_designs_rank():
    """A column is identifiable when dropping it lowers the design's rank (numpy's SVD rank,
    computed on the n x p design itself): the check on R agrees, column by column, for designs
    with a sum of columns, a copy, a zero column and a column only nearly dependent."""
    rng = np.random.default_rng(7)
    n = 400
    dept = rng.integers(0, 6, n)
    base = np.column_stack(
        [np.ones(n), (rng.random((n, 6)) < 0.2), *[(dept == i) for i in range(1, 6)]]
    ).astype(float)
    replaced = {  # column -> what it becomes
        3: lambda x: x[:, 1] + x[:, 2],
        5: lambda x: x[:, 4],
        2: lambda x: np.zeros(n),
        6: lambda x: x[:, 1] + 1e-3 * rng.random(n),
    }
    designs = [base]
    for j, column in replaced.items():
        x = base.copy()
        x[:, j] = column(x)
        designs.append(x)
    dependent = 0
    for x in designs:
        r = _triangular_factor(x)
        rank = np.linalg.matrix_rank(x)
        for j in range(x.shape[1]):
            expected = np.linalg.matrix_rank(np.delete(x, j, axis=1)) < rank
            assert _identifiable(r, j) == expected, (j, x[:, j][:5])
            dependent += not expected
    assert dependent == 3 + 2 + 1  # the sum and its two terms, the copy and its original, zero
