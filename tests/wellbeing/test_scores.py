"""eco_eval.wellbeing.scores: per-response scores, the tidy frame per wave, reliability."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eco_eval.indicators.core import COLUMNS
from eco_eval.privacy.wellbeing import suppress_wellbeing
from eco_eval.wellbeing.scores import reliability_by_wave, score_barometer, wellbeing_by_wave

from .conftest import response


def test_score_barometer_scores_every_instrument(instruments):
    frame = pd.DataFrame(
        [
            response(1, "2016-05", "a", swemwbs=3, who5=2, temps=(4, 2)),
            response(2, "2016-05", "b", swemwbs=5, who5=1, temps=(4, None)),
        ]
    )
    out = score_barometer(frame, instruments)
    # SWEMWBS raw 7 x 3 = 21 -> metric 19.25 (Warwick conversion table); 35 -> 35.00
    assert out["swemwbs_raw"].tolist() == [21.0, 35.0]
    assert out["swemwbs_score"].tolist() == [19.25, 35.0]
    # WHO-5: 5 x 2 x 4 = 40 (<= 50, > 28); 5 x 1 x 4 = 20 (<= 28)
    assert out["who5_score"].tolist() == [40.0, 20.0]
    assert out["who5_flag_poor_wellbeing"].tolist() == [True, True]
    assert out["who5_flag_likely_depression"].tolist() == [False, True]
    # clim_temps_2 is reverse-keyed: 2 -> 4, mean (4 + 4) / 2; one item missing is not the scale
    assert out.loc[0, "clim_temps_score"] == 4.0
    assert math.isnan(out.loc[1, "clim_temps_score"])
    assert out.loc[1, "clim_temps_status"] == "too_many_missing"
    assert "clim_temps_2" in out.loc[1, "clim_temps_reason"]
    # identifiers and self-reported participation carried over; no raw column for mean scales
    assert {"response_id", "wave", "person_key", "department", "part_temps"} <= set(out.columns)
    assert "clim_temps_raw" not in out.columns
    assert "wemwbs_score" not in out.columns  # not asked in this barometer


def _levels(frame, instruments, k=None):
    out = wellbeing_by_wave(frame, instruments)
    return (out if k is None else suppress_wellbeing(out, k=k)).set_index(
        ["period", "lever", "dimension", "group", "indicator"]
    )


def test_wellbeing_by_wave_is_the_tidy_frame_with_hand_checked_intervals(instruments):
    swem = [2, 3, 3, 4, 4, 4, 5, 3] * 2 + [3, 3, 4, 4]  # SWEMWBS item level of each respondent
    # WHO-5 item level x 20 = score: one 20, five 40, the others 60 to 100
    who5 = [1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 2, 3, 4]
    rows = [
        response(i, "2016-05", f"p{i}", department="Finances", swemwbs=s, who5=w)
        for i, (s, w) in enumerate(zip(swem, who5, strict=True))
    ]
    frame = pd.DataFrame(rows)
    out = suppress_wellbeing(wellbeing_by_wave(frame, instruments), k=5)
    assert list(out.columns) == COLUMNS
    assert out["period"].unique().tolist() == ["2016-05"]
    levels = _levels(frame, instruments, k=5)
    # SWEMWBS metric scores from the conversion table: raw 14 -> 15.32, 21 -> 19.25, 28 -> 25.03,
    # 35 -> 35.00. Mean and t interval computed by hand.
    table = {2: 15.32, 3: 19.25, 4: 25.03, 5: 35.00}
    metric = np.array([table[s] for s in swem])
    m, se = metric.mean(), metric.std(ddof=1) / np.sqrt(20)
    t = stats.t.ppf(0.975, 19)
    row = levels.loc[("2016-05", "*", "*", "*", "swemwbs_mean")]
    assert row["value"] == pytest.approx(m)
    assert row["n"] == 20
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((m - t * se, m + t * se))
    # WHO-5 <= 50: scores 20 and five 40 -> 6 of 20. Wilson (z = 1.96) by hand.
    p, n, z = 6 / 20, 20, stats.norm.ppf(0.975)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    share = levels.loc[("2016-05", "*", "*", "*", "who5_poor_wellbeing_share")]
    assert share["value"] == pytest.approx(6 / 20)
    assert (share["ci_low"], share["ci_high"]) == pytest.approx((centre - half, centre + half))
    # one respondent (score 20) <= 28: a count of 1 is below k, so the share is hidden
    hidden = levels.loc[("2016-05", "*", "*", "*", "who5_likely_depression_share")]
    assert hidden["suppressed"] and math.isnan(hidden["value"]) and math.isnan(hidden["n"])
    # climate per lever, tool filled when given
    clim = levels.loc[("2016-05", "temps", "*", "*", "climate_mean")]
    assert clim["value"] == pytest.approx(3.0)


def test_small_groups_are_hidden_never_shown_as_zero(instruments):
    rows = [response(i, "2016-05", f"p{i}", department="Finances") for i in range(12)]
    rows += [response(20 + i, "2016-05", f"q{i}", department="Archives") for i in range(2)]
    levels = _levels(pd.DataFrame(rows), instruments, k=5)
    small = levels.loc[("2016-05", "*", "department", "Archives", "swemwbs_mean")]
    assert small["suppressed"] and math.isnan(small["value"]) and math.isnan(small["n"])
    # complementary suppression: the other department would give the small one back
    other = levels.loc[("2016-05", "*", "department", "Finances", "swemwbs_mean")]
    assert other["suppressed"]
    assert not levels.loc[("2016-05", "*", "*", "*", "swemwbs_mean")]["suppressed"]
    raw = _levels(pd.DataFrame(rows), instruments)
    assert raw.loc[("2016-05", "*", "department", "Archives", "swemwbs_mean")]["n"] == 2


def test_breakdowns_by_department_category_gender(instruments):
    rows = [
        response(i, w, f"p{i}", department=d, category=c, gender=g)
        for i, (w, d, c, g) in enumerate(
            [(w, d, c, g) for w in ("2016-05", "2016-11") for d in ("X", "Y") for c in ("A", "C")
             for g in ("F", "M") for _ in range(3)]
        )
    ]  # fmt: skip
    out = suppress_wellbeing(wellbeing_by_wave(pd.DataFrame(rows), instruments), k=5)
    dims = out.groupby("dimension")["group"].unique().map(sorted).to_dict()
    assert dims == {
        "*": ["*"],
        "category": ["A", "C"],
        "department": ["X", "Y"],
        "gender": ["F", "M"],
    }
    assert sorted(out["period"].unique()) == ["2016-05", "2016-11"]
    assert set(out.loc[out["lever"] != "*", "indicator"]) == {"climate_mean"}


def test_reliability_by_wave_judges_each_scale(instruments):
    rng = np.random.default_rng(3)
    rows = []
    for i in range(200):
        level = rng.normal(0, 1)
        items = {
            "swemwbs": 3,
            "who5": 3,
            "temps": (int(np.clip(round(3 + level + rng.normal(0, 0.4)), 1, 5)),
                      int(np.clip(round(3 - level + rng.normal(0, 0.4)), 1, 5))),  # reverse-keyed
            "audace": (int(rng.integers(1, 6)), int(rng.integers(1, 6))),  # unrelated items
        }  # fmt: skip
        rows.append(response(i, "2016-05", f"p{i}", **items))
    rel = reliability_by_wave(pd.DataFrame(rows), instruments).set_index("instrument")
    temps, audace = rel.loc["clim_temps"], rel.loc["clim_audace"]
    assert temps["lever"] == "temps" and temps["k"] == 2 and temps["n"] == 200
    # two items: the coefficient judged is Spearman-Brown 2r / (1 + r), on the keyed items
    frame = pd.DataFrame(rows)
    r = np.corrcoef(frame["clim_temps_1"], 6 - frame["clim_temps_2"])[0, 1]
    assert temps["reliability"] == pytest.approx(2 * r / (1 + r))
    assert temps["trusted"] and not audace["trusted"]
    # constant items (every SWEMWBS answer 3): not estimated, not trusted
    assert not rel.loc["swemwbs", "trusted"]
