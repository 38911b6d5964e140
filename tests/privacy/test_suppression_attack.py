"""Property-based attacks on :mod:`eco_eval.privacy.suppression`.

Random staff (random group sizes, tiny ones included, some people with no group), random
breakdowns (1 to 3 dimensions of 1 to 5 groups), random k in 3..10 and 1 to 3 releases, either
quarterly or cumulative since launch, are suppressed release after release as the report does.
An attacker written here, independently of the library, then tries to get hidden counts back.

The attacker (linear programming, ``scipy.optimize.linprog``) knows every published cell of every
release, that the groups of each dimension plus the people in no group add up to the total, that
counts are non-negative, that a dimension has no "no group" people when that is so, and, for
cumulative releases, that no count ever decreases. For every hidden count it computes the
feasible interval ``[lo, hi]``. The release is safe when:

1. every hidden count below ``k`` (zeros included), and every unpublished "no group" remainder of
   1 to ``k − 1`` people, can still be ``k`` or more (``hi ≥ k``): it is never pinned to an exact
   value below ``k``, nor known to be below ``k``;
2. for cumulative releases, every increase of 1 to ``k − 1`` people between two consecutive
   releases (newcomers in a group) that is not published directly can still be ``k`` or more;
3. no two published nested counts differ by 1 to ``k − 1`` (``check_differencing`` is empty).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from eco_eval.privacy.suppression import check_differencing, suppress_small_cells

from ._frames import LAUNCH

IND = "unique_participants"
TOL = 1e-6


@st.composite
def cases(draw):
    k = draw(st.integers(3, 10))
    n_periods = draw(st.sampled_from([1, 2, 3, 3]))
    cumulative = draw(st.sampled_from([True, True, False]))
    dims = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    with_missing = [draw(st.booleans()) and draw(st.booleans()) for _ in dims]
    # a few big groups and many tiny ones: people drawn group by group
    people = []
    scale = draw(st.sampled_from([1, 1, 2, 4]))
    for _ in range(draw(st.integers(0, 6))):
        size = draw(st.sampled_from([1, 1, 2, 3, 4, 5, 8, 12, 20])) * draw(
            st.sampled_from([1, scale])
        )
        attrs = [
            draw(st.none() if miss and draw(st.integers(0, 4)) == 0 else st.integers(0, g - 1))
            for g, miss in zip(dims, with_missing, strict=True)
        ]
        first = draw(st.integers(0, n_periods - 1))
        last = draw(st.integers(first, n_periods - 1))
        people.extend([(first, last, attrs)] * size)
        # spread a few of them over other groups and periods
        for _ in range(draw(st.integers(0, 3))):
            a2 = [
                draw(st.none() if miss and draw(st.booleans()) else st.integers(0, g - 1))
                for g, miss in zip(dims, with_missing, strict=True)
            ]
            f2 = draw(st.integers(0, n_periods - 1))
            people.append((f2, draw(st.integers(f2, n_periods - 1)), a2))
    return k, n_periods, cumulative, dims, with_missing, people


def true_counts(case):
    """{(period, dim, group): count}; dim -1 is the total, group -1 the "no group" remainder."""
    _k, n_periods, cumulative, _dims, _miss, people = case
    out = Counter()
    for p in range(n_periods):
        for first, last, attrs in people:
            if not (first <= p and (cumulative or p <= last)):
                continue
            out[(p, -1, 0)] += 1
            for d, a in enumerate(attrs):
                out[(p, d, -1 if a is None else a)] += 1
    return out


def label(cumulative, p):
    return f"cumul:2016-Q{p + 1}" if cumulative else f"2016-Q{p + 1}"


def frame_of(case, counts, p):
    _k, _n, cumulative, dims, _miss, _people = case
    rows = [("*", "*", counts[(p, -1, 0)])]
    rows += [(f"d{d}", f"g{g}", counts[(p, d, g)]) for d, ng in enumerate(dims) for g in range(ng)]
    return pd.DataFrame(
        [
            {"period": label(cumulative, p), "lever": "*", "tool": "*", "dimension": dim,
             "group": grp, "indicator": IND, "value": float(c), "n": float(c),
             "ci_low": np.nan, "ci_high": np.nan, "suppressed": False}
            for dim, grp, c in rows
        ]
    )  # fmt: skip


def publish(case, counts):
    k, n_periods, cumulative, *_ = case
    published, log = [], None
    for p in range(n_periods):
        res = suppress_small_cells(
            frame_of(case, counts, p),
            k=k,
            suppression_log=log,
            previous_cumulative=list(published) if cumulative else None,
            launch=LAUNCH,
        )
        published.append(res.frame)
        log = res.log
    return published


class Attacker:
    """The LP described in the module docstring, over all releases at once."""

    def __init__(self, case, published):
        _k, n_periods, cumulative, dims, with_missing, _ = case
        self.index: dict[tuple, int] = {}
        keys = []
        for p in range(n_periods):
            keys.append((p, -1, 0))
            for d, ng in enumerate(dims):
                keys += [(p, d, g) for g in range(ng)]
                if with_missing[d]:
                    keys.append((p, d, -1))
        self.index = {key: i for i, key in enumerate(keys)}
        nv = len(keys)
        a_eq, b_eq, a_ub, b_ub = [], [], [], []
        self.bounds = [(0.0, None)] * nv
        self.published = {}
        for p, frame in enumerate(published):
            for r in frame.itertuples():
                d = -1 if r.dimension == "*" else int(r.dimension[1:])
                g = 0 if r.dimension == "*" else int(r.group[1:])
                if not r.suppressed:
                    self.bounds[self.index[(p, d, g)]] = (r.n, r.n)
                    self.published[(p, d, g)] = r.n
            for d, ng in enumerate(dims):
                row = np.zeros(nv)
                row[[self.index[(p, d, g)] for g in range(ng)]] = 1
                if with_missing[d]:
                    row[self.index[(p, d, -1)]] = 1
                row[self.index[(p, -1, 0)]] = -1
                a_eq.append(row)
                b_eq.append(0.0)
        if cumulative:
            for (p, d, g), i in self.index.items():
                if p > 0:
                    row = np.zeros(nv)
                    row[self.index[(p - 1, d, g)]], row[i] = 1, -1  # x[p-1] - x[p] <= 0
                    a_ub.append(row)
                    b_ub.append(0.0)
        self.a_eq, self.b_eq = np.array(a_eq), np.array(b_eq)
        self.a_ub = np.array(a_ub) if a_ub else None
        self.b_ub = np.array(b_ub) if b_ub else None
        self.nv = nv

    def extreme(self, weights: dict[tuple, float], sense: int) -> float:
        c = np.zeros(self.nv)
        for key, w in weights.items():
            c[self.index[key]] = w * sense
        res = linprog(
            c, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=self.b_eq,
            bounds=self.bounds, method="highs",
        )  # fmt: skip
        assert res.status in (0, 3), res.message  # the published data are consistent
        return np.inf if res.status == 3 else sense * res.fun

    def hi(self, weights):
        return self.extreme(weights, -1)


STATS = Counter()
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]


def check_release(case):
    """One random case: publish it release by release, then attack every hidden count."""
    k, _n_periods, cumulative, _dims, _miss, _people = case
    counts = true_counts(case)
    published = publish(case, counts)
    attacker = Attacker(case, published)
    STATS["cases"] += 1
    for key in attacker.index:
        true = counts[key]
        hidden = key not in attacker.published
        if not hidden:
            assert attacker.published[key] == true
            continue
        STATS["hidden cells"] += 1
        sensitive = true < k if key[2] != -1 else 0 < true < k
        if sensitive:
            STATS["cells checked"] += 1
            hi = attacker.hi({key: 1.0})
            assert hi >= k - TOL, f"{key}: true {true}, attacker knows it is at most {hi}"
    if cumulative:
        for key in attacker.index:
            p = key[0]
            if p == 0:
                continue
            before = (p - 1, *key[1:])
            delta = counts[key] - counts[before]
            if 1 <= delta < k and not (key in attacker.published and before in attacker.published):
                STATS["increments checked"] += 1
                hi = attacker.hi({key: 1.0, before: -1.0})
                assert hi >= k - TOL, f"{before}->{key}: {delta} newcomers, at most {hi}"
    offences = check_differencing(published, k, launch=LAUNCH)
    assert offences.empty, offences.to_string()


def run_attack(check, strategy, max_examples):
    STATS.clear()
    settings(max_examples=max_examples, deadline=None, suppress_health_check=HEALTH)(
        given(strategy)(check)
    )()
    return STATS


def report_lp(stats):
    print(
        f"\nLP attacker: {stats['cases']} cases, {stats['hidden cells']} hidden cells, "
        f"{stats['cells checked']} small cells and {stats['increments checked']} small "
        "increments checked: none pinned, none bounded below k"
    )


def test_no_hidden_count_can_be_derived_from_published_cells():
    stats = run_attack(check_release, cases(), 40)
    report_lp(stats)
    assert stats["cases"] > 0


def test_a_later_release_does_not_bound_the_growth_of_a_hidden_total():
    """Found by the attack: the total hidden at Q2 (8, one newcomer since the 7 of Q1) was
    bounded at 8 once Q3 published its total (12) and a group (8) whose Q2 value (4) was
    published: the people in no group at Q2 are at most the 12 − 8 of Q3, so 4 + 4."""
    case = (4, 3, True, [1, 1, 1], [True, True, False], [
        (0, 0, [0, None, 0]), (0, 0, [None, None, 0]), (0, 0, [0, 0, 0]),
        (0, 0, [None, None, 0]), (0, 0, [0, None, 0]), (0, 0, [0, None, 0]),
        (0, 0, [None, None, 0]), (1, 1, [None, None, 0]), *[(2, 2, [0, None, 0])] * 4,
    ])  # fmt: skip
    STATS.clear()
    check_release(case)
    assert STATS["increments checked"] > 0


@pytest.mark.slow
def test_no_hidden_count_can_be_derived_many_cases():
    stats = run_attack(check_release, cases(), 400)
    report_lp(stats)
    assert stats["increments checked"] > 0


# --- differencing: pairs of published cells across levers, periods and releases --------------

LEVERS = ("A", "B")


@st.composite
def programmes(draw):
    """People with a department (or none) who attend levers A and B in quarters 1 to 3."""
    k = draw(st.integers(3, 10))
    n_releases = draw(st.integers(1, 3))
    n_depts = draw(st.integers(1, 4))
    people = []
    for _ in range(draw(st.integers(0, 8))):
        size = draw(st.sampled_from([1, 1, 2, 3, 4, 6, 10, 20]))
        dept = draw(st.none() | st.integers(0, n_depts - 1)) if draw(st.booleans()) else 0
        visits = draw(
            st.sets(
                st.tuples(st.integers(0, n_releases - 1), st.sampled_from(LEVERS)),
                min_size=1,
                max_size=4,
            )
        )
        people.extend([(dept, frozenset(visits))] * size)
    return k, n_releases, n_depts, people


def periods_of(release):
    """Period labels published at a release and the quarters (0-based) they cover."""
    out = {f"2016-Q{release + 1}": {release}, f"cumul:2016-Q{release + 1}": set(range(release + 1))}
    if release == 1:
        out["2016-S1"] = {0, 1}
    return out


def programme_frame(prog, release):
    _k, _n, n_depts, people = prog
    rows = []
    for label, quarters in periods_of(release).items():
        for lever in ("*", *LEVERS):
            came = [
                d for d, v in people if any(q in quarters and lever in ("*", lv) for q, lv in v)
            ]
            groups = [("*", "*", len(came))]
            groups += [("dept", f"d{g}", sum(d == g for d in came)) for g in range(n_depts)]
            for dim, grp, n in groups:
                rows.append(
                    {"period": label, "lever": lever, "tool": "*", "dimension": dim,
                     "group": grp, "indicator": IND, "value": float(n), "n": float(n),
                     "ci_low": np.nan, "ci_high": np.nan, "suppressed": False,
                     "_quarters": frozenset(quarters)}
                )  # fmt: skip
    return pd.DataFrame(rows)


def contains(a, b):
    """The attacker's own nesting: more quarters, the whole programme, the whole population."""
    return (
        a["_quarters"] >= b["_quarters"]
        and a["lever"] in ("*", b["lever"])
        and (a["dimension"] == "*" or (a["dimension"], a["group"]) == (b["dimension"], b["group"]))
        and a is not b
    )


def check_pairs(prog):
    """One random programme: publish it, then subtract every nested pair of published cells."""
    k, n_releases, _n_depts, _people = prog
    published, cells = [], []
    for r in range(n_releases):
        frame = programme_frame(prog, r)
        res = suppress_small_cells(
            frame.drop(columns="_quarters"),
            k=k,
            previous_cumulative=list(published),
            launch=LAUNCH,
        )
        published.append(res.frame)
        shown = res.frame.assign(_quarters=frame["_quarters"], _release=r)
        cells += [row for row in shown.to_dict("records") if not row["suppressed"]]
        # a total minus the published groups of its breakdown
        for (_p, _lv), g in shown.groupby(["period", "lever"]):
            total = g[g["dimension"] == "*"]
            groups = g[g["dimension"] != "*"]
            if total["suppressed"].any() or groups.empty:
                continue
            STATS["subtractions"] += 1
            rest = total["n"].iloc[0] - groups["n"].sum()
            low = 0 if groups["suppressed"].any() else 1
            assert not (low <= rest <= k - 1), f"total − groups = {rest}\n{g.to_string()}"
    STATS["programmes"] += 1
    for a in cells:
        for b in cells:
            if contains(a, b):
                STATS["pairs"] += 1
                d = a["n"] - b["n"]
                assert not (1 <= d <= k - 1), f"{a} minus {b} isolates {d} people"


def report_pairs(stats):
    print(
        f"\ndifferencing attacker: {stats['programmes']} programmes, {stats['pairs']} nested "
        f"pairs of published cells and {stats['subtractions']} total-minus-groups checked"
    )


def test_no_subtraction_between_published_cells_isolates_fewer_than_k_people():
    stats = run_attack(check_pairs, programmes(), 25)
    report_pairs(stats)
    assert stats["pairs"] > 0


@pytest.mark.slow
def test_no_subtraction_isolates_fewer_than_k_people_many_cases():
    stats = run_attack(check_pairs, programmes(), 250)
    report_pairs(stats)
    assert stats["pairs"] > 0
