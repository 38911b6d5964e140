"""Tests for eco_eval.stats.scales: declared instruments, published tables, cut-offs, missing rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eco_eval.errors import ConfigError, EcoEvalError
from eco_eval.instruments import load_instruments
from eco_eval.stats.scales import score, score_all

# SWEMWBS raw score -> metric score, as published by Warwick Medical School ("SWEMWBS conversion
# table", Rasch analysis of Stewart-Brown et al. 2009, Health Qual Life Outcomes 7:15). Typed here
# from the published table independently of instruments.yaml, so a typo in either fails the test.
PUBLISHED_SWEMWBS = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98,
    23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03,
    31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip


@pytest.fixture(scope="module")
def instruments():
    return load_instruments()


def _items(prefix: str, values: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame(values, columns=[f"{prefix}{i}" for i in range(1, len(values[0]) + 1)])


def _rows_with_total(total: int, k: int = 7, lo: int = 1, hi: int = 5) -> list[float]:
    """k integer answers in [lo, hi] that sum to ``total``."""
    row = [lo] * k
    extra = total - lo * k
    for i in range(k):
        add = min(hi - lo, extra)
        row[i] += add
        extra -= add
    return row


def test_declared_instruments_and_climate_scales(instruments):
    assert {"wemwbs", "swemwbs", "who5"} <= set(instruments)
    climate = [i for i in instruments.values() if i.lever is not None]
    assert len(climate) == 12  # one per lever of ecosystem.yaml
    audace = instruments["clim_audace"]
    assert audace.items == ("clim_audace_1", "clim_audace_2")
    assert (audace.item_min, audace.item_max, audace.aggregate) == (1, 5, "mean")
    assert instruments["wemwbs"].score_range == (14.0, 70.0)
    assert instruments["who5"].score_range == (0.0, 100.0)
    assert instruments["swemwbs"].conversion_source  # the source is recorded


def test_swemwbs_table_equals_published_table(instruments):
    assert instruments["swemwbs"].conversion_table == PUBLISHED_SWEMWBS


def test_swemwbs_scores_every_raw_total_through_the_table(instruments):
    frame = _items("swemwbs_", [_rows_with_total(t) for t in range(7, 36)])
    out = score(frame, instruments["swemwbs"])
    assert (out["status"] == "complete").all()
    assert out["raw"].tolist() == list(range(7, 36))
    assert out["score"].tolist() == [PUBLISHED_SWEMWBS[t] for t in range(7, 36)]


def test_wemwbs_sum_range(instruments):
    out = score(_items("wemwbs_", [[1] * 14, [5] * 14, [3] * 14]), instruments["wemwbs"])
    assert out["score"].tolist() == [14, 70, 42]


@pytest.mark.parametrize(
    ("answers", "expected", "poor", "depression"),
    [
        # WHO-5: raw 0-25 x 4; <= 50 poor well-being; <= 28 likely depression (Topp et al. 2015).
        ([5, 5, 5, 5, 5], 100, False, False),
        ([3, 3, 3, 2, 2], 52, False, False),  # raw 13 -> 52: just above the cut-off
        ([3, 3, 2, 2, 2], 48, True, False),  # raw 12 -> 48
        ([2, 2, 1, 1, 1], 28, True, True),  # raw 7 -> 28: on the depression cut-off
        ([2, 2, 2, 1, 1], 32, True, False),  # raw 8 -> 32
        ([0, 0, 0, 0, 0], 0, True, True),
    ],
)
def test_who5_percentage_and_cutoffs(instruments, answers, expected, poor, depression):
    out = score(_items("who5_", [answers]), instruments["who5"]).iloc[0]
    assert out["score"] == expected
    assert bool(out["flag_poor_wellbeing"]) == poor
    assert bool(out["flag_likely_depression"]) == depression


def test_published_scales_score_complete_responses_by_default(instruments):
    # WEMWBS, SWEMWBS and WHO-5 guides score complete responses: one missing item, no score.
    for iid in ("wemwbs", "swemwbs", "who5"):
        inst = instruments[iid]
        row = [[inst.item_max] * (inst.n_items - 1) + [np.nan]]
        out = score(_items(f"{iid}_", row), inst).iloc[0]
        assert out["status"] == "too_many_missing" and np.isnan(out["score"])


def test_prorated_who5_of_50_is_not_flagged_since_raw_12_5_is_above_12():
    # Opt-in proration: four answers summing to 10, one missing -> raw 12.5 -> 50. The cut-off is
    # raw <= 12 (a percentage <= 50 on complete responses), so 12.5 is not flagged.
    who5 = load_instruments({"who5": {"max_missing": 1}}, levers=[])["who5"]
    out = score(_items("who5_", [[3, 3, 2, 2, np.nan], [3, 3, 2, 2, 2]]), who5)
    assert (out.loc[0, "status"], out.loc[0, "score"]) == ("prorated", 50.0)
    assert not bool(out.loc[0, "flag_poor_wellbeing"])
    assert out.loc[1, "raw"] == 12 and bool(out.loc[1, "flag_poor_wellbeing"])


def test_prorating_rounds_before_swemwbs_lookup_and_reports_reason():
    # opt-in proration: six answers of mean 3.5 -> raw 24.5 -> rounded half up to 25 -> 22.35
    swemwbs = load_instruments({"swemwbs": {"max_missing": 1}}, levers=[])["swemwbs"]
    out = score(_items("swemwbs_", [[3, 4, 3, 4, 3, 4, np.nan]]), swemwbs).iloc[0]
    assert out["status"] == "prorated"
    assert out["raw"] == pytest.approx(24.5)
    assert out["score"] == PUBLISHED_SWEMWBS[25]
    assert "swemwbs_7" in out["reason"] and "6 of 7" in out["reason"]


def test_missing_items_beyond_the_rule_give_nan_with_reason(instruments):
    rows = [[3, 3, 3, 3, 3, np.nan, np.nan], [np.nan] * 7]
    out = score(_items("swemwbs_", rows), instruments["swemwbs"])
    assert out["score"].isna().all()
    assert out["status"].tolist() == ["too_many_missing", "not_answered"]
    assert "swemwbs_6, swemwbs_7" in out.loc[0, "reason"] and "at most 0" in out.loc[0, "reason"]


def test_score_refuses_an_instrument_id_with_a_message(instruments):
    frame = _items("who5_", [[1, 2, 3, 4, 5]])
    with pytest.raises(EcoEvalError, match="load_instruments"):
        score(frame, "who5")
    with pytest.raises(EcoEvalError, match="load_instruments"):
        score_all(frame, ["who5"])


def test_who5_flags_are_missing_when_not_scored(instruments):
    out = score(_items("who5_", [[1, 1, np.nan, np.nan, 1]]), instruments["who5"])
    assert out.loc[0, "status"] == "too_many_missing"
    assert out["flag_poor_wellbeing"].isna().all() and out["flag_likely_depression"].isna().all()


def test_invalid_answers_are_never_scored(instruments):
    frame = _items("swemwbs_", [[3, 7, 3, 3, 3, 3, 3], [3, 3, 3, 3, 3, 3, 2.5]])
    frame = frame.astype(object)
    frame.loc[2] = [3, "beaucoup", 3, 3, 3, 3, 3]
    out = score(frame, instruments["swemwbs"])
    assert (out["status"] == "invalid").all()
    assert out["score"].isna().all()
    assert "swemwbs_2=7" in out.loc[0, "reason"]
    assert "'beaucoup'" in out.loc[2, "reason"]


def test_reverse_keyed_item_from_project_override():
    inst = load_instruments({"clim_audace": {"reverse": ["clim_audace_2"]}})["clim_audace"]
    out = score(pd.DataFrame({"clim_audace_1": [5, 4], "clim_audace_2": [1, 4]}), inst)
    # item 2 reversed on 1-5: 1 -> 5, 4 -> 2; mean with item 1
    assert out["score"].tolist() == [5.0, 3.0]


def test_climate_needs_both_items(instruments):
    out = score(
        pd.DataFrame({"clim_reve_1": [4.0], "clim_reve_2": [np.nan]}), instruments["clim_reve"]
    )
    assert out.loc[0, "status"] == "too_many_missing" and np.isnan(out.loc[0, "score"])


def test_levers_argument_and_new_instrument():
    extra = {
        "instruments": {
            "engagement": {"items": ["eng_a", "eng_b", "eng_c"], "item_range": [1, 7]},
        }
    }
    insts = load_instruments(extra, levers=["curiosite", "nouveau_levier"])
    assert "clim_nouveau_levier" in insts and "clim_audace" not in insts
    out = score(pd.DataFrame({"eng_a": [7], "eng_b": [1], "eng_c": [4]}), insts["engagement"])
    assert out.loc[0, "score"] == 12


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"who5": {"item_rnage": [0, 5]}}, 'did you mean "item_range"'),
        ({"who5": {"reverse": ["who5_9"]}}, "reverse-keyed item 'who5_9'"),
        ({"x": {"items": ["a", "b"]}}, "missing required key 'item_range'"),
        ({"swemwbs": {"max_missing": 7}}, "max_missing must be between 0 and 6"),
        ({"who5": {"flags": [{"id": "low", "below": 3}]}}, "one of le/lt/ge/gt"),
        ({"swemwbs": {"conversion": {"table": {7: 7.0, 8: 9.0}}}}, "one entry per raw score"),
    ],
)
def test_bad_definitions_raise_config_error_naming_the_place(extra, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_instruments(extra)
    assert "project configuration" in str(info.value)


def test_missing_item_column_names_a_close_match(instruments):
    frame = _items("swemwbs_", [[3] * 7]).rename(columns={"swemwbs_3": "swembws_3"})
    with pytest.raises(EcoEvalError, match='did you mean "swembws_3"'):
        score(frame, instruments["swemwbs"])


def test_score_all_prefixes_and_skips_absent_instruments(instruments):
    frame = pd.concat([_items("who5_", [[5, 5, 5, 5, 5]]), _items("swemwbs_", [[5] * 7])], axis=1)
    out = score_all(frame, instruments)
    assert out.loc[0, "who5_score"] == 100 and out.loc[0, "swemwbs_score"] == 35
    assert not any(c.startswith("wemwbs_") for c in out.columns)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_who5_complete_rows_property(answers):
    inst = load_instruments(levers=[])["who5"]
    out = score(_items("who5_", [answers]), inst).iloc[0]
    assert out["score"] == 4 * sum(answers)
    assert 0 <= out["score"] <= 100 and out["status"] == "complete" and out["reason"] == ""


@pytest.mark.parametrize(("iid", "n", "absent"), [("swemwbs", 7, 7), ("who5", 5, 3)])
def test_missing_item_names_the_override_that_fixes_it(instruments, iid, n, absent):
    import yaml

    frame = _items(f"{iid}_", [[3] * n, [4] * n]).drop(columns=[f"{iid}_{absent}"])
    with pytest.raises(EcoEvalError, match=r"instruments: \{") as err:
        score_all(frame, {iid: instruments[iid]})
    message = str(err.value)
    assert "\n" not in message and f"{iid}_{absent}" in message
    assert "sources.barometer.items" in message
    # the override the message names, pasted into eco_eval.yaml, scores the remaining items
    override = yaml.safe_load(message.split("eco_eval.yaml: ", 1)[1])["instruments"]
    fixed = load_instruments(override, levers=[])[iid]
    out = score_all(frame, {iid: fixed})
    assert (out[f"{iid}_n_items"] == n - 1).all()
    assert out[f"{iid}_status"].eq("complete").all()
