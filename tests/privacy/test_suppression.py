"""Hand-computed fixtures for :mod:`eco_eval.privacy.suppression`.

Each expected set of hidden cells is worked out in the comment beside it, following the rules of
the module docstring (k = 5 unless said otherwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eco_eval.errors import ConfigError, EcoEvalError
from eco_eval.privacy.suppression import (
    DIFF_COLUMNS,
    LOG_COLUMNS,
    check_differencing,
    suppress_small_cells,
    thresholds_for_kinds,
)

from ._frames import LAUNCH, hidden, tidy


def test_single_small_group_and_its_complement():
    # T = 40 = F 37 + M 3: M < 5 is primary; F = T − M would give it back, so F is hidden too.
    frame = tidy([("*", "*", 40), ("gender", "F", 37), ("gender", "M", 3)])
    res = suppress_small_cells(frame)
    assert hidden(res.frame) == {("gender", "F"), ("gender", "M")}
    assert (res.n_primary, res.n_complementary) == (1, 1)
    assert res.frame.loc[0, "n"] == 40


def test_suppressed_cells_are_blank_never_zero():
    frame = tidy([("*", "*", 40), ("gender", "F", 37), ("gender", "M", 3)])
    frame["ci_low"], frame["ci_high"] = 0.1, 0.9
    out = suppress_small_cells(frame).frame
    small = out[out["suppressed"]]
    assert small[["value", "n", "ci_low", "ci_high"]].isna().all().all()
    assert not (out[["value", "n"]] == 0).any().any()


def test_complementary_cell_is_the_next_smallest():
    # A 3 is primary; the smallest other group is B 10: hidden mass 13 >= 5 with two cells.
    frame = tidy(
        [("*", "*", 57), ("dept", "A", 3), ("dept", "B", 10), ("dept", "C", 14),
         ("dept", "D", 30)]
    )  # fmt: skip
    assert hidden(suppress_small_cells(frame).frame) == {("dept", "A"), ("dept", "B")}


def test_hidden_mass_must_reach_k():
    # A 1 and B 2 are primary but together 3 < 5: a reader would know both are tiny.
    # The next smallest, C 6, is added: hidden mass 9 >= 5.
    frame = tidy(
        [("*", "*", 49), ("dept", "A", 1), ("dept", "B", 2), ("dept", "C", 6),
         ("dept", "D", 40)]
    )  # fmt: skip
    res = suppress_small_cells(frame)
    assert hidden(res.frame) == {("dept", "A"), ("dept", "B"), ("dept", "C")}
    assert (res.n_primary, res.n_complementary) == (2, 1)


def test_total_below_k_is_suppressed_with_everything():
    frame = tidy([("*", "*", 4), ("dept", "A", 3), ("dept", "B", 1)])
    res = suppress_small_cells(frame)
    assert res.frame["suppressed"].all()
    assert res.n_primary == 3


def test_zero_cells_are_small_cells():
    # "nobody from C" is about C's people too; C 0 is hidden, then B 20 with it (mass 20).
    frame = tidy([("*", "*", 50), ("dept", "A", 30), ("dept", "B", 20), ("dept", "C", 0)])
    assert hidden(suppress_small_cells(frame).frame) == {("dept", "B"), ("dept", "C")}


def test_dimensions_sharing_a_total_are_protected_each():
    # gender: M 3 primary, F complementary; category: all groups >= 5, nothing hidden.
    frame = tidy(
        [("*", "*", 40), ("gender", "F", 37), ("gender", "M", 3), ("category", "A", 20),
         ("category", "B", 12), ("category", "C", 8)]
    )  # fmt: skip
    assert hidden(suppress_small_cells(frame).frame) == {("gender", "F"), ("gender", "M")}


def test_people_in_no_group_are_a_hidden_cell():
    # T 50 − (A 25 + B 22) = 3 people with no department: isolated by subtraction.
    # Hiding the smallest group, B, makes the hidden mass 22 + 3 = 25.
    frame = tidy([("*", "*", 50), ("dept", "A", 25), ("dept", "B", 22)])
    res = suppress_small_cells(frame)
    assert hidden(res.frame) == {("dept", "B")}
    assert check_differencing(res.frame).empty
    # with 5 people in no group nothing needs hiding
    frame = tidy([("*", "*", 50), ("dept", "A", 25), ("dept", "B", 20)])
    assert hidden(suppress_small_cells(frame).frame) == set()


def test_breakdown_without_total_is_treated_as_if_the_total_were_known():
    frame = tidy([("dept", "A", 3), ("dept", "B", 20), ("dept", "C", 30)])
    assert hidden(suppress_small_cells(frame).frame) == {("dept", "A"), ("dept", "B")}


def test_missing_n_is_suppressed():
    frame = tidy([("*", "*", 50), ("dept", "A", 25), ("dept", "B", 25)])
    frame.loc[1, "n"] = np.nan
    assert ("dept", "A") in hidden(suppress_small_cells(frame).frame)


def test_means_are_protected_through_their_n():
    # satisfaction_mean is not additive but its n is: X (n 3) primary, then Y (n 12) so that
    # n_X cannot be had as 30 − 12 − 15.
    frame = tidy(
        [("*", "*", 30, 4.1), ("dept", "X", 3, 5.0), ("dept", "Y", 12, 3.9),
         ("dept", "Z", 15, 4.0)],
        indicator="satisfaction_mean",
    )  # fmt: skip
    out = suppress_small_cells(frame).frame
    assert hidden(out) == {("dept", "X"), ("dept", "Y")}
    assert out.loc[out["suppressed"], "value"].isna().all()
    assert out.loc[0, "value"] == 4.1


@pytest.mark.parametrize("k", [2, 0, -1, 2.5, True, "5"])
def test_k_below_3_or_not_whole_is_refused(k):
    with pytest.raises(ConfigError, match="k"):
        suppress_small_cells(tidy([("*", "*", 40)]), k=k)


def test_k_is_configurable():
    frame = tidy([("*", "*", 40), ("gender", "F", 36), ("gender", "M", 4)])
    assert hidden(suppress_small_cells(frame, k=3).frame) == set()
    assert hidden(suppress_small_cells(frame, k=5).frame) == {("gender", "F"), ("gender", "M")}


def test_thresholds_per_kind_are_declared_data():
    kinds = {"satisfaction_mean": "score", "comment_count": "comments", "driver_r": "drivers"}
    assert thresholds_for_kinds(kinds, k=5) == {
        "satisfaction_mean": 5,
        "comment_count": 10,
        "driver_r": 25,
    }
    with pytest.raises(ConfigError, match="k_comments"):
        thresholds_for_kinds(kinds, k_comments=2)
    # 8 comments: enough for a score (5), not for comments (10)
    rows = [("*", "*", 60), ("dept", "A", 8), ("dept", "B", 22), ("dept", "C", 30)]
    scores = tidy(rows, indicator="satisfaction_mean")
    comments = tidy(rows, indicator="comment_count")
    both = pd.concat([scores, comments], ignore_index=True)
    out = suppress_small_cells(both, thresholds=thresholds_for_kinds(kinds)).frame
    assert hidden(out[out["indicator"] == "satisfaction_mean"]) == set()
    assert hidden(out[out["indicator"] == "comment_count"]) == {("dept", "A"), ("dept", "B")}


def test_a_threshold_mapping_only_raises_k():
    frame = tidy([("*", "*", 40), ("gender", "F", 36), ("gender", "M", 4)])
    out = suppress_small_cells(frame, k=5, thresholds={"unique_participants": 3}).frame
    assert hidden(out) == {("gender", "F"), ("gender", "M")}
    with pytest.raises(ConfigError, match="below 3"):
        suppress_small_cells(frame, thresholds={"unique_participants": 2})


def test_a_family_is_hidden_together():
    # unique_participants A = 3 is primary. reach_rate A rests on 10 staff (n = headcount) and
    # would pass alone, but 0.3 × 10 gives the 3 back: one family, one pattern.
    people = tidy([("*", "*", 73), ("dept", "A", 3), ("dept", "B", 30), ("dept", "C", 40)])
    rate = tidy(
        [("*", "*", 150, 73 / 150), ("dept", "A", 10, 0.3), ("dept", "B", 60, 0.5),
         ("dept", "C", 80, 0.5)],
        indicator="reach_rate",
    )  # fmt: skip
    both = pd.concat([people, rate], ignore_index=True)
    alone = suppress_small_cells(both).frame
    assert hidden(alone[alone["indicator"] == "reach_rate"]) == set()
    fam = {"unique_participants": "reach", "reach_rate": "reach"}
    out = suppress_small_cells(both, families=fam).frame
    for ind in fam:
        assert hidden(out[out["indicator"] == ind]) == {("dept", "A"), ("dept", "B")}
    # a `family` column does the same
    out = suppress_small_cells(both.assign(family="reach")).frame
    assert hidden(out[out["indicator"] == "reach_rate"]) == {("dept", "A"), ("dept", "B")}


def test_people_counted_in_a_share_are_protected():
    # A: 2 of 40 staff reached (5 %): the 2 are a small cell even though n = 40.
    rate = tidy(
        [("*", "*", 150, 0.5), ("dept", "A", 40, 0.05), ("dept", "B", 50, 0.6),
         ("dept", "C", 60, 43 / 60)],
        indicator="reach_rate",
    )  # fmt: skip
    assert hidden(suppress_small_cells(rate).frame) == set()
    out = suppress_small_cells(rate, numerators={"reach_rate": "share"}).frame
    assert hidden(out) == {("dept", "A"), ("dept", "B")}
    # 38 of 40 (95 %) names the 2 who never came just as well
    rate.loc[1, "value"], rate.loc[2, "value"] = 0.95, 0.24
    out = suppress_small_cells(rate, numerators={"reach_rate": "share"}).frame
    assert ("dept", "A") in hidden(out)
    # 0 of 40 is no person: not a small cell
    rate.loc[1, "value"], rate.loc[2, "value"] = 0.0, 0.64
    out = suppress_small_cells(rate, numerators={"reach_rate": "share"}).frame
    assert hidden(out) == set()


def test_counts_and_percents_in_value():
    counts = tidy(
        [("*", "*", 150, 60), ("dept", "A", 40, 3), ("dept", "B", 50, 27), ("dept", "C", 60, 30)],
        indicator="participants",
    )  # fmt: skip
    out = suppress_small_cells(counts, numerators={"participants": "count"}).frame
    assert hidden(out) == {("dept", "A"), ("dept", "B")}
    pct = counts.assign(value=counts["value"] / counts["n"] * 100, indicator="reach_pct")
    out = suppress_small_cells(pct, numerators={"reach_pct": "percent"}).frame
    assert hidden(out) == {("dept", "A"), ("dept", "B")}
    with pytest.raises(ConfigError, match="share"):
        suppress_small_cells(pct, numerators={"reach_pct": "shares"})


def test_exempt_indicators_are_left_alone():
    sessions = tidy(
        [("*", "*", 12), ("dept", "A", 1), ("dept", "B", 11)], indicator="sessions_held"
    )
    out = suppress_small_cells(sessions, exempt={"sessions_held"}).frame
    assert hidden(out) == set()
    assert out["n"].tolist() == [12.0, 1.0, 11.0]


def test_earlier_release_of_the_same_period_keeps_its_suppressions():
    first = tidy([("*", "*", 50), ("dept", "A", 4), ("dept", "B", 10), ("dept", "C", 36)])
    res1 = suppress_small_cells(first)
    assert hidden(res1.frame) == {("dept", "A"), ("dept", "B")}
    assert list(res1.log.columns) == list(LOG_COLUMNS)
    assert sorted(res1.log["reason"]) == ["complementary", "primary"]
    # revised data: A is now 6, nothing would be hidden, but A and B were hidden before
    revised = tidy([("*", "*", 52), ("dept", "A", 6), ("dept", "B", 10), ("dept", "C", 36)])
    assert hidden(suppress_small_cells(revised).frame) == set()
    res2 = suppress_small_cells(revised, suppression_log=res1.log)
    assert hidden(res2.frame) == {("dept", "A"), ("dept", "B")}
    assert (res2.n_primary, res2.n_complementary) == (0, 2)
    pd.testing.assert_frame_equal(res2.log, res1.log)  # the original reasons are kept
    # the log of another period does not apply
    other = revised.assign(period="2016-Q3")
    res3 = suppress_small_cells(other, suppression_log=res1.log)
    assert hidden(res3.frame) == set()
    assert len(res3.log) == 2


def test_cumulative_release_cannot_be_differenced_with_the_previous_one():
    # cumul Q1: 40 = 20 F + 20 M. cumul Q2: 42 = 22 F + 20 M: 2 newcomers, both women.
    q1 = tidy([("*", "*", 40), ("gender", "F", 20), ("gender", "M", 20)], period="cumul:2016-Q1")
    q2 = tidy([("*", "*", 42), ("gender", "F", 22), ("gender", "M", 20)], period="cumul:2016-Q2")
    prev = suppress_small_cells(q1).frame
    naive = suppress_small_cells(q2).frame
    offences = check_differencing([prev, naive], launch=LAUNCH)
    assert set(zip(offences["dimension_b"], offences["group_b"], strict=True)) == {
        ("*", "*"),
        ("gender", "F"),
    }
    assert offences["difference"].tolist() == [2.0, 2.0]
    res = suppress_small_cells(q2, previous_cumulative=prev, launch=LAUNCH)
    # the total and F differ by 2 from Q1: hidden; M then hides with F (one hidden cell
    # would be recoverable once the total is known)
    assert res.frame["suppressed"].all()
    assert set(res.log["reason"]) == {"differencing", "complementary"}
    assert check_differencing([prev, res.frame], launch=LAUNCH).empty
    # 10 newcomers: nothing to hide
    q2b = tidy([("*", "*", 50), ("gender", "F", 25), ("gender", "M", 25)], period="cumul:2016-Q2")
    assert (
        hidden(suppress_small_cells(q2b, previous_cumulative=[prev], launch=LAUNCH).frame) == set()
    )


def test_lever_hierarchy_in_one_frame_cannot_be_differenced():
    # whole programme 30 = X 12 + Y 18; lever audace 28 = X 10 + Y 18: the 2 people of the
    # programme not in audace would be isolated (30 − 28, and 12 − 10 in X).
    prog = tidy([("*", "*", 30), ("dept", "X", 12), ("dept", "Y", 18)])
    lever = tidy([("*", "*", 28), ("dept", "X", 10), ("dept", "Y", 18)], lever="audace")
    both = pd.concat([prog, lever], ignore_index=True)
    assert len(check_differencing(both)) == 2
    out = suppress_small_cells(both).frame
    assert not out.loc[out["lever"] == "*", "suppressed"].any()  # the headline figures stay
    assert out.loc[out["lever"] == "audace", "suppressed"].all()
    assert check_differencing(out).empty


def test_check_differencing_finds_remainders():
    # a hand-made bad release: T 40 and F 37 shown, M hidden alone -> M = 3 by subtraction
    bad = tidy([("*", "*", 40), ("gender", "F", 37), ("gender", "M", 3)])
    bad.loc[2, ["value", "n"]] = np.nan
    bad.loc[2, "suppressed"] = True
    offences = check_differencing({"2016-Q2": bad}, k=5)
    assert list(offences.columns) == list(DIFF_COLUMNS)
    # total − F isolates M (a nested pair), and so does total − published groups (remainder)
    assert offences[["kind", "dimension_b", "group_b", "difference"]].values.tolist() == [
        ["nested", "gender", "F", 3.0],
        ["remainder", "gender", "", 3.0],
    ]
    assert set(offences["frame_a"]) == {"2016-Q2"}
    assert check_differencing(bad, k=3).empty
    good = suppress_small_cells(tidy([("*", "*", 40), ("gender", "F", 30), ("gender", "M", 10)]))
    assert check_differencing(good.frame).empty


def test_input_is_not_modified_and_extra_columns_are_kept():
    frame = tidy([("*", "*", 40), ("gender", "F", 37), ("gender", "M", 3)])
    frame["label"] = ["Ensemble", "Femmes", "Hommes"]
    frame.index = [10, 11, 12]
    before = frame.copy()
    out = suppress_small_cells(frame).frame
    pd.testing.assert_frame_equal(frame, before)
    assert list(out.columns) == list(frame.columns)
    assert list(out.index) == [10, 11, 12]
    assert out["label"].tolist() == ["Ensemble", "Femmes", "Hommes"]


def test_a_frame_that_is_not_tidy_is_refused_with_the_fix():
    frame = tidy([("*", "*", 40)]).rename(columns={"n": "N"})
    with pytest.raises(EcoEvalError, match=r"missing column\(s\) n \(did you mean \"N\"\?\)"):
        suppress_small_cells(frame)
    dup = pd.concat([tidy([("*", "*", 40)])] * 2, ignore_index=True)
    with pytest.raises(EcoEvalError, match="same key"):
        suppress_small_cells(dup)
    with pytest.raises(EcoEvalError, match="suppression_log"):
        suppress_small_cells(tidy([("*", "*", 40)]), suppression_log=pd.DataFrame({"x": [1]}))


def test_empty_frame():
    res = suppress_small_cells(tidy([("*", "*", 40)]).iloc[0:0])
    assert res.frame.empty and res.log.empty and res.n_primary == 0


def test_numerators_are_differenced_too():
    # cumulative reach rate of a 40-strong service: 10/40 then 12/40. n (the headcount) does
    # not move, but the 2 people reached in between are isolated by 12 − 10.
    nums = {"reach_rate": "share"}
    q1 = tidy(
        [("*", "*", 100, 0.3), ("dept", "A", 40, 0.25), ("dept", "B", 60, 20 / 60)],
        period="cumul:2016-Q1", indicator="reach_rate",
    )  # fmt: skip
    q2 = tidy(
        [("*", "*", 100, 0.42), ("dept", "A", 40, 0.3), ("dept", "B", 60, 0.5)],
        period="cumul:2016-Q2", indicator="reach_rate",
    )  # fmt: skip
    prev = suppress_small_cells(q1, numerators=nums).frame
    naive = suppress_small_cells(q2, numerators=nums).frame
    offences = check_differencing([prev, naive], numerators=nums, launch=LAUNCH)
    assert offences[["measure", "group_b", "difference"]].values.tolist() == [["num", "A", 2.0]]
    res = suppress_small_cells(q2, numerators=nums, previous_cumulative=prev, launch=LAUNCH)
    assert hidden(res.frame) == {("dept", "A"), ("dept", "B")}
    assert check_differencing([prev, res.frame], numerators=nums, launch=LAUNCH).empty


def test_nesting_follows_periods_levers_and_releases():
    # S1 contains Q1 and Q2 (dates); Q1 and Q2 do not contain each other; a bare "cumul" of a
    # later release contains the earlier release's "cumul"; lever "*" contains lever audace.
    def cell(period, n, lever="*"):
        return tidy([("*", "*", n)], period=period, lever=lever)

    frame = pd.concat([cell("2016-Q1", 20), cell("2016-Q2", 22), cell("2016-S1", 23)])
    offences = check_differencing(frame)
    assert offences[["period_a", "period_b", "difference"]].values.tolist() == [
        ["2016-S1", "2016-Q1", 3.0],
        ["2016-S1", "2016-Q2", 1.0],
    ]
    releases = {"Q1": cell("cumul", 30), "Q2": cell("cumul", 33)}
    offences = check_differencing(releases)
    assert offences[["frame_a", "frame_b", "difference"]].values.tolist() == [["Q2", "Q1", 3.0]]
    assert (
        check_differencing(pd.concat([cell("2016", 40), cell("2016", 37, "audace")])).shape[0] == 1
    )
    assert check_differencing(pd.concat([cell("2016", 40), cell("2016", 30, "audace")])).empty
    # the same figure published again unchanged is not a difference
    assert check_differencing([cell("2016-Q1", 20), cell("2016-Q1", 20)]).empty
    # a revised figure is: the 2 late answers are isolated
    assert len(check_differencing([cell("2016-Q1", 20), cell("2016-Q1", 22)])) == 1
