"""Selective loading: ``compute_raw`` reads only the tables and columns it needs, and
gives the same figures as on tables built from frames; the one-pass attendance view equals the
pandas merge + group-bys, including on unusual frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.core import (
    INDICATOR_COLUMNS,
    Tables,
    _distinct_pairs,
    attendance_in,
    attendance_view,
    scopes,
)
from eco_eval.indicators.engine import compute_raw
from eco_eval.indicators.reach import reach
from eco_eval.periods import parse_period
from eco_eval.release.compute import indicator_tables
from eco_eval.store import open_store, write_transaction

ECO = load_ecosystem()
PERIODS = ["2016-Q2", "2016", "cumul:2016-Q2"]
KEYS = ["period", "lever", "tool", "dimension", "group", "indicator"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEYS, kind="stable").reset_index(drop=True)


@pytest.fixture
def store_path(tables: Tables, tmp_path: Path) -> Path:
    """The hand-made tables of conftest.py written to a store, with a barometer and comments."""
    path = tmp_path / "store.duckdb"
    frames = {
        "sessions": tables.sessions.assign(date=pd.to_datetime(tables.sessions["date"])),
        "attendance": tables.attendance,
        "headcount": tables.headcount.assign(as_of=pd.NaT),
        "feedback": tables.feedback,
        "barometer": pd.DataFrame(
            {
                "response_id": ["b1", "b2"],
                "wave": "2016-05",
                "wave_date": pd.to_datetime(["2016-05-15", "2016-05-15"]),
                "wave_start": pd.to_datetime(["2016-05-02", "2016-05-02"]),
                "wave_end": pd.to_datetime(["2016-05-27", "2016-05-27"]),
                "submitted_at": pd.to_datetime(["2016-05-03 10:00", "2016-05-27 09:00"]),
                "person_key": ["p1", "p2"],
                "department": "Finances",
                "category": "A",
                "gender": "F",
                "who5_1": [3.0, 2.0],
                "who5_2": [4.0, None],
            }
        ),
    }
    with write_transaction(path) as w:
        for name, frame in frames.items():
            w.replace_file_rows(
                name, f"{name}.csv", frame.assign(source_file=f"{name}.csv", source_line=1)
            )
    return path


class _Spy:
    """A store that records which tables and columns are read."""

    def __init__(self, path: Path):
        self.store = open_store(path)
        self.calls: list[tuple[str, tuple[str, ...] | None]] = []

    def table(self, name: str, **kw: object) -> pd.DataFrame:
        cols = kw.get("columns")
        self.calls.append((name, None if cols is None else tuple(cols)))  # type: ignore[arg-type]
        return self.store.table(name, **kw)  # type: ignore[arg-type]


def test_for_indicators_skips_barometer_and_comments(store_path: Path) -> None:
    spy = _Spy(store_path)
    tables = Tables.for_indicators(spy)
    read = dict(spy.calls)
    assert "barometer" not in read
    assert set(read) == set(INDICATOR_COLUMNS)
    assert "comment" not in read["feedback"] and "comment" not in tables.feedback.columns
    assert "barometer" not in tables.loaded
    assert isinstance(tables.attendance["person_key"].dtype, pd.CategoricalDtype)
    raw = compute_raw(tables, parse_period("2016-Q2"), ECO)
    assert len(raw)
    assert "barometer" not in dict(spy.calls), "compute_raw must not touch the barometer"
    # an unselected table is still there, read on first access, whole
    baro = tables.barometer
    assert "barometer" in tables.loaded and ("barometer", None) in spy.calls
    assert_frame_equal(baro, open_store(store_path).table("barometer"))


def test_compute_loads_selectively(store_path: Path) -> None:
    tables = indicator_tables(open_store(store_path))
    assert "barometer" not in tables.loaded  # type: ignore[attr-defined]


@pytest.mark.parametrize("period", PERIODS)
def test_selective_equals_frame_built(tables: Tables, store_path: Path, period: str) -> None:
    p = parse_period(period, launch=ECO.launch)
    store = open_store(store_path)
    expected = _sorted(compute_raw(tables, p, ECO))
    for loaded in (Tables.for_indicators(store), Tables.from_store(store)):
        assert_frame_equal(_sorted(compute_raw(loaded, p, ECO)), expected, check_exact=True)


def _unusual(tables: Tables) -> Tables:
    """Missing persons and groups, an unknown session, a duplicated held session id."""
    att = pd.concat(
        [
            tables.attendance,
            pd.DataFrame(
                [
                    ("S1", None, "Finances", "A", "F", "adm"),
                    ("S2", "p5", None, "B", "M", None),
                    ("S3", None, None, "B", "M", "anim"),
                    ("S9", "p6", "Finances", "A", "F", "adm"),
                ],
                columns=tables.attendance.columns,
            ),
        ],
        ignore_index=True,
    )
    dup = tables.sessions[tables.sessions["session_id"] == "S3"].assign(tool_id="la_balade")
    ses = pd.concat([tables.sessions, dup], ignore_index=True)
    return Tables(
        sessions=ses, attendance=att, headcount=tables.headcount, feedback=tables.feedback
    )


@pytest.mark.parametrize("dup_sessions", [False, True])
def test_view_equals_merge_and_groupby(tables: Tables, dup_sessions: bool) -> None:
    t = _unusual(tables)
    if not dup_sessions:
        t = Tables(
            sessions=t.sessions.drop_duplicates("session_id"),
            attendance=t.attendance,
            headcount=t.headcount,
            feedback=t.feedback,
        )
    p = parse_period("2016-Q2")
    att = attendance_in(t, p)
    view = attendance_view(t, p)
    assert view._enc.fast is not dup_sessions
    assert len(view) == len(att)
    frames = {(lv, tl): sub for lv, tl, sub in scopes(att, ECO)}
    for lever, tool, scope in view.scopes(ECO):
        sub = frames[(lever, tool)]
        people = sub.groupby("person_key").size()
        assert scope.people() == (len(people), int((people >= 2).sum()))
        assert len(scope) == len(sub)
        assert scope.nunique("department") == sub["department"].nunique()
        assert scope.duration_sum() == float(sub["duration_h"].sum())
        for dim in ("department", "category", "gender", "filiere"):
            part, visits = scope.by_group(dim)
            pd.testing.assert_series_equal(
                part.sort_index(),
                sub.groupby(dim)["person_key"].nunique().sort_index(),
                check_names=False,
                check_index_type=False,
            )
            pd.testing.assert_series_equal(
                visits.sort_index(),
                sub.groupby(dim).size().sort_index(),
                check_names=False,
                check_index_type=False,
            )
    per_dept = view.groups_per("department", "lever_id")
    assert per_dept.to_dict() == att.groupby("department")["lever_id"].nunique().to_dict()
    counts = view.rows_per_lever(list(ECO.lever_ids))
    np.testing.assert_array_equal(
        counts,
        att.groupby("lever_id").size().reindex(list(ECO.lever_ids), fill_value=0).to_numpy(float),
    )


def test_breakdown_by_a_session_column(tables: Tables) -> None:
    """A dimension the merge brings from sessions (``quarter``) still works (pandas path)."""
    frame = reach(tables, parse_period("2016"), ECO, by=("quarter",))
    got = frame[(frame.dimension == "quarter") & (frame.indicator == "unique_participants")]
    assert dict(zip(got[got.lever == "*"].group, got[got.lever == "*"].value, strict=True)) == {
        "2016-Q1": 1.0,
        "2016-Q2": 4.0,
    }


@pytest.mark.parametrize("arrow", [False, True])
def test_session_positions_equal_pandas_get_indexer(arrow: bool) -> None:
    """Attendance's session ids are found in the sessions table by Arrow's hash lookup: the
    positions ``get_indexer`` gives, −1 for an id the table lacks, text compared exactly."""
    from eco_eval.indicators.core import _positions

    dtype = "str" if arrow else object
    ids = pd.Series(["S1", "s1", "Séance 2", "S10", "10", "S 1", "ß"], dtype=dtype)
    values = pd.Index(["S10", "ß", "S1", "S2", "ss", "10", " S1", "Séance 2"], dtype=dtype)
    got = _positions(values, ids)
    expected = pd.Index(ids.astype(object)).get_indexer(values.astype(object))
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.int64 and (got == -1).sum() == 3


@pytest.mark.parametrize("rows", [10, 5_000])
def test_distinct_pairs_by_bitmap_or_hash_equal_pandas(rows: int) -> None:
    """Distinct values per group, by a bitmap when the rows are many for the cells (5,000 rows of
    20 groups × 300 values) or by hashing the pairs when they are few (10): pandas' nunique."""
    rng = np.random.default_rng(rows)
    g = rng.integers(-1, 20, rows)  # -1: a row without a group
    p = rng.integers(0, 300, rows)
    mask = g >= 0
    got = _distinct_pairs(g, p, mask, 20, 300)
    frame = pd.DataFrame({"g": g[mask], "p": p[mask]})
    want = frame.groupby("g")["p"].nunique().reindex(range(20), fill_value=0)
    assert got.tolist() == want.tolist()
