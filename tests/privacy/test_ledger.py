"""Disclosure control across publications: the ledger of published cells, nested-period
differencing and the interval audit (:mod:`eco_eval.privacy.ledger`, :mod:`eco_eval.privacy.audit`,
:func:`eco_eval.release.disclosure.publication_frames`).

The attacker here is written independently of the library: it knows every published cell of
every publication (the ledger), that participations add up over quarters and over the groups of a
dimension (plus people in no group), that counts are non-negative; for every hidden
participation count it computes the feasible interval with ``scipy.optimize.linprog`` on one
variable per (quarter, group). Every hidden count must stay at least k wide, and no two published
nested cells of one group may differ by 1 to k − 1.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError
from eco_eval.indicators.core import Tables
from eco_eval.indicators.engine import publication_periods
from eco_eval.periods import parse_period
from eco_eval.privacy.audit import Violation, audit
from eco_eval.privacy.ledger import (
    audit_cells,
    check_custom_range,
    ledger_cells,
    published_before,
)
from eco_eval.publish.open_data import apply_rule, label_cumulative, ledger_rows
from eco_eval.release.compute import compute_published
from eco_eval.release.disclosure import (
    AUDIT_KINDS,
    publication_frames,
    publication_ledger,
    raw_frames,
)
from sparse_city import sparse_city

ECO = load_ecosystem()
K = 5
DEPARTMENTS = {"Finances": 60, "Education": 40, "Culture": 14, "Sports": 8, "Port": 3}
LEVERS = {"bien_etre": "point_silence", "echanges": "la_balade"}
SESSION_COLUMNS = ["session_id", "date", "quarter", "tool_id", "lever_id", "duration_h",
                   "host_department", "status"]  # fmt: skip
QUARTERS = [f"2016-Q{q}" for q in range(1, 5)] + [f"2017-Q{q}" for q in range(1, 3)]


# --------------------------------------------------------------------------- a small city
def small_city(seed: int = 7) -> Tables:
    """125 staff in five departments (one of 3 people), two levers, 96 sessions over six
    quarters."""
    rng = np.random.default_rng(seed)
    departments = np.repeat(list(DEPARTMENTS), list(DEPARTMENTS.values()))
    staff = pd.DataFrame({
        "person_key": [f"P{i:04d}" for i in range(len(departments))],
        "department": departments,
        "category": rng.choice(["A", "B", "C"], len(departments)),
        "gender": rng.choice(["F", "M"], len(departments)),
        "filiere": "adm",
    })  # fmt: skip
    sessions, attendance = [], []
    for s in range(96):
        q = QUARTERS[s % len(QUARTERS)]
        p = parse_period(q)
        day = date.fromordinal(p.start.toordinal() + int(rng.integers(0, 80)))
        lever = list(LEVERS)[s % 2]
        sid = f"S{s:02d}"
        sessions.append((sid, day, q, LEVERS[lever], lever, 1.5, "Finances", "held"))
        for pos in rng.choice(len(staff), int(rng.integers(3, 10)), replace=False):
            attendance.append((sid, *staff.iloc[int(pos)]))
    ses = pd.DataFrame(sessions, columns=SESSION_COLUMNS)
    att = pd.DataFrame(attendance, columns=["session_id", *staff.columns])
    hc = staff.value_counts(["department", "category", "gender", "filiere"]).rename("headcount")
    hc = pd.concat([hc.reset_index().assign(quarter=q) for q in QUARTERS], ignore_index=True)
    feedback = sparse_city().feedback.iloc[:0]
    return Tables(sessions=ses, attendance=att, headcount=hc, feedback=feedback)


@pytest.fixture(scope="module")
def city() -> Tables:
    return small_city()


class Publisher:
    """Publications one after another, as the bilans do: the ledger and the log carried over."""

    def __init__(self, tables: Tables, by: tuple[str, ...] = ("department", "gender")):
        self.tables, self.by = tables, by
        self.ledger: pd.DataFrame | None = None
        self.log: pd.DataFrame | None = None

    def publish(self, label: str) -> dict[str, pd.DataFrame]:
        period = parse_period(label, launch=ECO.launch)
        name = f"bilan:{period.label}"
        check_custom_range(self.ledger, period, name)
        frames, self.log = publication_frames(
            self.tables, ECO, publication_periods(period, ECO.launch), k=K, by=self.by,
            suppression_log=self.log, ledger=self.ledger, publication=name, history_until=period,
        )  # fmt: skip
        cells = publication_ledger(frames, name, ECO.launch)
        old = self.ledger
        if old is not None:
            old = old[old["publication"] != name]
        self.ledger = cells if old is None else pd.concat([old, cells], ignore_index=True)
        return frames


# --------------------------------------------------------------------------- the attacker
def _day(d: object) -> int:
    return pd.Timestamp(d).date().toordinal()


def attack(ledger: pd.DataFrame, indicator: str = "participations") -> list[str]:
    """Every hidden participation count narrowed below K that may be 1 to K - 1 (linear programming over one variable
    per stretch of days between period boundaries and group), and every published nested pair of
    ``indicator`` 1 to K − 1 apart, as messages."""
    led = ledger[ledger["indicator"] == indicator].drop_duplicates(
        ["period", "lever", "tool", "dimension", "group"], keep="last"
    )
    # each cell's first and last day as ordinals, once; cells as plain records from here on
    led = led.assign(first=[_day(d) for d in led["start"]], last=[_day(d) for d in led["end"]])
    found = []
    cuts = sorted(set(led["first"]) | {d + 1 for d in led["last"]})
    atoms = list(itertools.pairwise(cuts))
    for (lever, tool), sub in led.groupby(["lever", "tool"]):
        totals = sub[sub["dimension"] == "*"]
        for dim, groups in sub[sub["dimension"] != "*"].groupby("dimension"):
            cells = pd.concat([totals, groups], ignore_index=True)
            names = [*sorted(set(groups["group"])), "(no group)"]
            width = len(names)

            def row(cell: dict, names: list[str] = names, width: int = width) -> np.ndarray:
                a = np.zeros(len(atoms) * width)
                for j, (s, e) in enumerate(atoms):
                    if cell["first"] <= s and e - 1 <= cell["last"]:
                        for g, name in enumerate(names):
                            if cell["dimension"] == "*" or cell["group"] == name:
                                a[j * width + g] = 1.0
                return a

            hidden = cells["suppressed"].astype(bool)
            shown = cells[~hidden].to_dict("records")
            a_eq = np.array([row(c) for c in shown]) if shown else None
            b_eq = np.array([c["value"] for c in shown], dtype=float) if shown else None
            if indicator == "participations":  # additive over days and groups
                for c in cells[hidden].to_dict("records"):
                    obj = row(c)
                    lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                    hi = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                    if lo.status != 0 or hi.status != 0:  # unbounded: nothing learnt
                        continue
                    low, high = lo.fun, -hi.fun
                    if high - low < K - 1e-6 and low < K - 1e-6 and high >= 1 - 1e-6:
                        found.append(
                            f"{indicator} {c['period']} {lever}/{tool} {dim}={c['group']}: "
                            f"[{lo.fun:g}, {-hi.fun:g}]"
                        )
            for a in shown:
                for b in shown:
                    inside = a["first"] <= b["first"] and b["last"] <= a["last"]
                    same = a["start"] == b["start"] and a["end"] == b["end"]
                    d = a["value"] - b["value"]
                    if inside and not same and a["group"] == b["group"] and 1 <= abs(d) <= K - 1:
                        found.append(
                            f"{indicator} {lever}/{tool} {a['period']} - {b['period']} "
                            f"{a['group']} = {d:g}"
                        )
    return found


# --------------------------------------------------------------------------- the audit itself
def _cells(rows: list[tuple[str, str, float, bool, bool]]) -> pd.DataFrame:
    """Audit cells of one lever from (period, group, value, hidden, new) rows."""
    out = []
    for period, group, value, hide, new in rows:
        p = parse_period(period)
        out.append({
            "period": period, "start": float(p.start.toordinal()), "end": float(p.end.toordinal()),
            "lever": "*", "tool": "*", "dimension": "*" if group == "*" else "department",
            "group": group, "indicator": "participations",
            "value": np.nan if hide else value, "suppressed": hide, "new": new, "t": float(K),
        })  # fmt: skip
    return pd.DataFrame(out)


def test_audit_pins_a_quarter_from_its_semester_and_the_other_quarter() -> None:
    # participations Q3 = 6, S2 = 7, so Q4 = 1 (the example)
    cells = _cells([
        ("2017-Q3", "Archives", 6, False, False), ("2017-Q4", "Archives", 1, True, False),
        ("2017-S2", "Archives", 7, False, True),
    ])  # fmt: skip
    found = audit(cells, {"participations": "additive"})
    narrowed = [v for v in found if v.row == 1]
    assert narrowed and narrowed[0].low == pytest.approx(1) and narrowed[0].high == pytest.approx(1)
    assert narrowed[0].fix == (2,) and not narrowed[0].earlier


def test_audit_leaves_a_hidden_cell_that_can_still_hold_k() -> None:
    # Q4 is only bounded by the semester: between 0 and 20
    cells = _cells([
        ("2017-Q4", "Archives", 3, True, False), ("2017-S2", "Archives", 20, False, True),
    ])  # fmt: skip
    assert audit(cells, {"participations": "additive"}) == []


def test_audit_finds_a_group_through_the_periods_around_it() -> None:
    # Q4: total 50, Finances and Archives hidden; Finances S2 = 76 and Q3 = 29 pin Finances Q4 to
    # 47, hence Archives Q4 to at most 3
    rows = [
        ("2017-Q4", "*", 50, False, False), ("2017-Q4", "Finances", 47, True, False),
        ("2017-Q4", "Archives", 3, True, False),
        ("2017-S2", "*", 80, False, True), ("2017-S2", "Finances", 76, False, True),
        ("2017-Q3", "Finances", 29, False, False),
    ]  # fmt: skip
    found = audit(_cells(rows), {"participations": "additive"})
    exposed = [v for v in found if v.row == 2]
    assert exposed and exposed[0].low == pytest.approx(0) and exposed[0].high == pytest.approx(3)
    assert exposed[0].fix[0] == 4  # Finances S2, a new cell sharing its days
    assert not [v for v in found if v.row == 1]  # Finances Q4 = 47: known, but not small
    # hiding it leaves every hidden cell at least k wide
    rows[4] = ("2017-S2", "Finances", 76, True, True)
    assert audit(_cells(rows), {"participations": "additive"}) == []


def test_people_counts_are_bounded_by_the_periods_around_them() -> None:
    # unique people: Q3 = 6, S2 = 10 gives Q4 in [4, 10]: wide enough for k = 5
    cells = _cells([
        ("2017-Q3", "Archives", 6, False, False), ("2017-Q4", "Archives", 4, True, False),
        ("2017-S2", "Archives", 10, False, True),
    ]).assign(indicator="unique_participants")  # fmt: skip
    found = audit(cells, {"unique_participants": "people"})
    # no interval below k, but S2 - Q3 = 4 newcomers is a published difference of 1 to k - 1
    assert [(v.row, v.high) for v in found] == [(2, 4.0)]


def _table(rows: list[tuple[str, str, str, str, float, bool, bool]]) -> pd.DataFrame:
    """Audit cells of participations from (period, lever, dimension, group, value, hidden, new)
    rows."""
    out = []
    for period, lever, dim, group, value, hide, new in rows:
        p = parse_period(period)
        out.append({
            "period": period, "start": float(p.start.toordinal()), "end": float(p.end.toordinal()),
            "lever": lever, "tool": "*", "dimension": dim, "group": group,
            "indicator": "participations", "value": np.nan if hide else value,
            "suppressed": hide, "new": new, "t": float(K),
        })  # fmt: skip
    return pd.DataFrame(out)


def _exposed(cells: pd.DataFrame, row: int) -> Violation:
    """The audit's violation of the hidden cell at ``row`` of ``cells`` (participations)."""
    found = [v for v in audit(cells, {"participations": "additive"}) if v.row == row]
    assert found, f"row {row} not found exposed"
    return found[0]


def test_audit_finds_a_group_through_the_second_dimension() -> None:
    """Department B in 2017-Q4 (3) is only bounded by its semester (10) within the
    departments; the categories, all shown, pin the quarters' hidden totals (the semester's total
    less the quarters' category sums leaves no room), hence B."""
    rows = [
        ("2017-S2", "*", "*", "*", 80, False, True),
        ("2017-S2", "*", "department", "A", 70, False, True),
        ("2017-S2", "*", "department", "B", 10, False, True),
        ("2017-Q3", "*", "*", "*", 37, True, False),
        ("2017-Q3", "*", "department", "A", 30, False, False),
        ("2017-Q3", "*", "department", "B", 7, True, False),
        ("2017-Q4", "*", "*", "*", 43, True, False),
        ("2017-Q4", "*", "department", "A", 40, False, False),
        ("2017-Q4", "*", "department", "B", 3, True, False),
        ("2017-Q3", "*", "category", "X", 20, False, False),
        ("2017-Q3", "*", "category", "Y", 17, False, False),
        ("2017-Q4", "*", "category", "X", 25, False, False),
        ("2017-Q4", "*", "category", "Y", 18, False, False),
    ]  # fmt: skip
    cells = _table(rows)
    b_q4 = _exposed(cells, 8)
    assert b_q4.low == pytest.approx(3) and b_q4.high == pytest.approx(3)
    assert set(b_q4.fix) <= {0, 1, 2} and b_q4.fix and not b_q4.earlier
    # the departments alone leave B between 0 and 10: the second dimension is what pins it
    departments = cells[cells["dimension"] != "category"]
    assert audit(departments, {"participations": "additive"}) == []


def test_audit_finds_a_lever_through_the_programme_and_the_other_levers() -> None:
    """Lever L1 in 2017-Q4 (3): its own figures (semester 25, quarters hidden) leave it between
    0 and 25; the programme's quarters less lever L2's leave at most 22 and 3, whose sum is
    the semester's 25: both pinned."""
    rows = [
        ("2017-S2", "*", "*", "*", 85, False, True),
        ("2017-Q3", "*", "*", "*", 42, False, False),
        ("2017-Q4", "*", "*", "*", 43, True, False),
        ("2017-S2", "L1", "*", "*", 25, False, True),
        ("2017-Q3", "L1", "*", "*", 22, True, False),
        ("2017-Q4", "L1", "*", "*", 3, True, False),
        ("2017-Q3", "L2", "*", "*", 20, False, False),
        ("2017-Q4", "L2", "*", "*", 40, False, False),
    ]  # fmt: skip
    cells = _table(rows)
    l1_q4 = _exposed(cells, 5)
    assert l1_q4.low == pytest.approx(3) and l1_q4.high == pytest.approx(3)
    assert l1_q4.fix and set(l1_q4.fix) <= {0, 3} and not l1_q4.earlier
    # the lever alone cannot: the programme and the other lever are what narrow it
    assert audit(cells[cells["lever"] == "L1"], {"participations": "additive"}) == []


def test_unknown_audit_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="expected one of additive, people"):
        audit(_cells([]), {"participations": "mean"})


# --------------------------------------------------------------------------- the sequences
def test_quarter_then_semester_recovers_nothing(city: Tables) -> None:
    pub = Publisher(city)
    pub.publish("2016-Q3")
    frames = pub.publish("2016-S2")
    assert pub.ledger is not None
    assert attack(pub.ledger) == []
    assert attack(pub.ledger, "unique_participants") == []
    # the audit hid cells of the semester, and logged why
    assert pub.log is not None and (pub.log["reason"] != "primary").any()
    assert frames["current"]["suppressed"].any()


def test_the_same_sequence_without_the_ledger_leaks(city: Tables) -> None:
    """Control: without the ledger the semester gives quarter figures back (the attack is
    real, so the test above could fail)."""
    first = publication_frames(city, ECO, {"q3": parse_period("2016-Q3")}, k=K,
                               by=("department", "gender"))[0]  # fmt: skip
    second = publication_frames(city, ECO, {"s2": parse_period("2016-S2")}, k=K,
                                by=("department", "gender"))[0]  # fmt: skip
    ledger = pd.concat(
        [ledger_cells(first["q3"], "a", ECO.launch), ledger_cells(second["s2"], "b", ECO.launch)]
    )
    assert attack(ledger) or attack(ledger, "unique_participants")


def test_custom_range_inside_a_published_quarter_is_refused(city: Tables) -> None:
    pub = Publisher(city)
    pub.publish("2016-Q4")
    with pytest.raises(ConfigError) as err:
        pub.publish("2016-10-01..2016-12-14")
    message = str(err.value)
    assert "'2016-10-01..2016-12-14' shares days with the published period '2016-Q4'" in message
    assert "\n" not in message and "whole quarters (e.g. 2016-Q4)" in message
    # a range of whole quarters is a union of quarters: allowed, and audited
    pub.publish("2016-07-01..2016-12-31")
    assert attack(pub.ledger) == []
    # a range that shares no day with anything published is allowed
    check_custom_range(pub.ledger, parse_period("2018-01-05..2018-02-14"), "x")


# --------------------------------------------------------------------------- the open data
def open_data(
    tables: Tables, label: str, by: tuple[str, ...] = ("department", "gender")
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The open-data package of ``label`` as the run builds it: the raw figures, the published
    frame (k = 10, counts rounded to 5) and its ledger rows."""
    period = parse_period(label, launch=ECO.launch)
    raw = raw_frames(tables, ECO, {"current": period}, by=by)["current"]
    figures = label_cumulative(raw, period.label)
    published = apply_rule(figures, k=10, launch=ECO.launch).frame
    return figures, published, ledger_rows(figures, published, period, ECO.launch)


def _export(tables: Tables, label: str, ledger: pd.DataFrame | None) -> pd.DataFrame:
    """The ledger rows of the ``indicators`` export of ``label`` by gender, checked against
    ``ledger``."""
    return compute_published(
        tables, parse_period(label), ecosystem=ECO, by=("gender",), k=K, ledger=ledger,
        publication=f"export:{label}",
    )[1]  # fmt: skip


def few_women_in_2016_q4(tables: Tables) -> Tables:
    """``tables`` with two participations of women in 2016-Q4: 2016-S2 less 2016-Q3 is 2."""
    quarter = tables.attendance["session_id"].map(
        tables.sessions.set_index("session_id")["quarter"]
    )
    women = (tables.attendance["gender"] == "F") & (quarter == "2016-Q4")
    attendance = tables.attendance[~women | women.cumsum().le(2)].reset_index(drop=True)
    return dataclasses.replace(tables, attendance=attendance)


def test_open_data_cells_go_into_the_ledger_before_rounding(city: Tables) -> None:
    figures, published, cells = open_data(city, "2016-Q3")
    assert set(cells["publication"]) == {"open-data:2016-Q3"}
    people = figures[figures["indicator"].isin(list(AUDIT_KINDS))]
    assert len(cells[cells["indicator"].isin(list(AUDIT_KINDS))]) == len(people) > 0
    # the shown counts are published rounded to 5; the ledger keeps the exact figure
    key = ["period", "lever", "tool", "dimension", "group", "indicator"]
    both = (
        cells[~cells["suppressed"]]
        .merge(published[[*key, "value"]], on=key, suffixes=("", "_published"))
        .merge(people[[*key, "value"]], on=key, suffixes=("", "_raw"))
    )
    assert len(both) > 0
    assert (both["value"] == both["value_raw"].astype(float)).all()
    assert (both["value_published"].astype(float) % 5 == 0).all()
    assert (both["value"] % 5 != 0).any()
    hidden = cells[cells["suppressed"]]
    assert len(hidden) > 0 and hidden["value"].isna().all() and hidden["n"].isna().all()


def test_open_data_then_an_overlapping_export_recovers_nothing() -> None:
    """The open data of 2016-Q3, then the export of 2016-S2: the export is checked against the
    package's cells in the ledger, and an attacker holding both (the package's figures before
    rounding, more than a reader has) pins no hidden count and finds no nested pair 1 to k − 1
    apart."""
    city = few_women_in_2016_q4(CITY)
    package = open_data(city, "2016-Q3", by=("gender",))[2]
    ledger = pd.concat([package, _export(city, "2016-S2", package)], ignore_index=True)
    assert attack(ledger) == []
    assert attack(ledger, "unique_participants") == []


def test_the_same_export_without_the_open_data_in_the_ledger_leaks() -> None:
    """Control: an export not checked against the open data gives the two women of 2016-Q4
    back (the semester's count less the quarter's, rounded or not, is under k)."""
    city = few_women_in_2016_q4(CITY)
    package = open_data(city, "2016-Q3", by=("gender",))[2]
    ledger = pd.concat([package, _export(city, "2016-S2", None)], ignore_index=True)
    assert "participations */* 2016-S2 - 2016-Q3 F = 2" in attack(ledger)


def test_a_cell_one_publication_shows_is_known_even_if_another_hides_it(city: Tables) -> None:
    """The open data hide cells (under 10) the bilan shows: a reader holding both knows the
    figure, so the pairwise rules of a later publication compare with it."""
    frames = publication_frames(city, ECO, {"q3": parse_period("2016-Q3")}, k=K, by=())[0]
    bilan = publication_ledger(frames, "bilan:2016-Q3", ECO.launch)
    shown = bilan[~bilan["suppressed"]].head(3)
    assert len(shown) == 3
    package = shown.assign(publication="open-data:2016-Q3", suppressed=True, value=np.nan, n=np.nan)
    for ledger in (pd.concat([bilan, package]), pd.concat([package, bilan])):
        held = published_before(ledger, parse_period("2016-S2"))[0]
        back = held.merge(shown[["lever", "tool", "dimension", "group", "indicator"]])
        assert len(back) == 3 and not back["suppressed"].any()
        assert sorted(back["value"]) == sorted(shown["value"].astype(float))


@pytest.mark.slow
@settings(max_examples=3, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["2016-Q2", "2016-Q3", "2016-Q4", "2017-Q1", "2016-S1", "2016-S2", "2016",
             "cumul:2016-Q4", "cumul:2017-Q1", "2016-04-01..2016-09-30", "2016-08-01..2016-08-31"]
        ),
        min_size=2,
        max_size=3,
    )
)  # fmt: skip
def test_random_sequences_of_period_requests_leak_nothing(requests: list[str]) -> None:
    pub = Publisher(CITY, by=("department",))
    for label in requests:
        try:
            pub.publish(label)
        except ConfigError as exc:  # a refused custom range publishes nothing
            assert "shares days with the published period" in str(exc)
    assert pub.ledger is not None
    assert attack(pub.ledger) == []
    assert attack(pub.ledger, "unique_participants") == []
    # no published count of people below k
    people = pub.ledger[pub.ledger["indicator"].isin(list(AUDIT_KINDS))]
    shown = people[~people["suppressed"].astype(bool)]
    assert not ((shown["n"] > 0) & (shown["n"] < K)).any()
    # and the library's own audit agrees
    cells = audit_cells(pub.ledger, {}, k=K, launch=ECO.launch).assign(new=True)
    assert [v for v in audit(cells, AUDIT_KINDS) if not v.earlier] == []


CITY = small_city()


# --------------------------------------------------------------------------- the demo city
@pytest.mark.slow
def test_demo_bilan_then_exports_of_overlapping_periods_leak_nothing(demo_project) -> None:
    """The issue's sequences on the demo: the 2017-Q4 bilan, then exports of 2017-Q3 and
    2017-S2 (whose difference gave Q4's hidden cells back), then a range inside Q4."""
    from eco_eval.config import load_project
    from eco_eval.release.compute import compute_published
    from eco_eval.store import open_store

    project = load_project(demo_project)
    eco = project.ecosystem()
    tables = Tables.for_indicators(open_store(project.store_path))
    by = ("department",)
    q4 = parse_period("2017-Q4")
    frames, log = publication_frames(
        tables, eco, publication_periods(q4, eco.launch), k=project.privacy.k, by=by,
        history_until=q4, publication="bilan:2017-Q4",
    )  # fmt: skip
    ledger = publication_ledger(frames, "bilan:2017-Q4", eco.launch)
    for label in ("2017-Q3", "2017-S2"):
        _, cells = compute_published(
            tables, parse_period(label), ecosystem=eco, by=by, k=project.privacy.k,
            suppression_log=log, ledger=ledger, publication=f"export:{label}",
        )  # fmt: skip
        ledger = pd.concat([ledger, cells], ignore_index=True)
    programme = ledger[ledger["lever"] == "*"]
    assert attack(programme) == []
    assert attack(programme, "unique_participants") == []
    with pytest.raises(ConfigError, match="shares days with the published period '2017-Q4'"):
        check_custom_range(ledger, parse_period("2017-10-01..2017-12-14"), "bilan:x")


def test_the_store_keeps_the_ledger_across_ingests(tmp_path) -> None:
    from eco_eval.store import KEPT_BY_INGEST, open_store, record_publication, write_transaction

    path = tmp_path / "eco_eval.duckdb"
    frames = publication_frames(CITY, ECO, {"q3": parse_period("2016-Q3")}, k=K, by=())[0]
    cells = publication_ledger(frames, "bilan:2016-Q3", ECO.launch)
    record_publication(path, cells)
    record_publication(path, cells)  # the same publication again replaces its rows
    with write_transaction(path, carry_over=KEPT_BY_INGEST):
        pass  # an ingest starts the store again but for what it carries over
    kept = open_store(path).table("publication_ledger")
    assert len(kept) == len(cells) > 0
    assert set(kept["period"]) == {"2016-Q3"} and kept["published_at"].notna().all()
    hidden = kept[kept["suppressed"]]
    assert hidden["value"].isna().all() and hidden["n"].isna().all()
