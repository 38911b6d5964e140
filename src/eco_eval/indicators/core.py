"""Shared pieces of the indicator engine: the tables, the tidy shape, period slicing, scopes.

Everything here is pure: frames in, frames out. ``Tables`` is what the store holds, loaded once
by the caller; indicator functions never open files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eco_eval.config import DIMENSIONS
from eco_eval.ecosystem import Ecosystem
from eco_eval.periods import Period
from eco_eval.schema import ALL as SCHEMA_ALL
from eco_eval.schema import ITEMS

T = TypeVar("T")

#: The tidy indicator frame (docs/data-model.md): the key of a cell, its figures, whether hidden.
KEY = ("period", "lever", "tool", "dimension", "group", "indicator")
FIGURES = ("value", "n", "ci_low", "ci_high")
COLUMNS = [*KEY, *FIGURES, "suppressed"]
#: "Every group" in lever, tool, dimension and group (:data:`eco_eval.schema.ALL`).
ALL = SCHEMA_ALL
#: The tables a breakdown must be present in to be one: participants are counted in the
#: attendance register and rated against the HR headcount.
BREAKDOWN_SOURCES = ("attendance", "headcount")

#: What :func:`eco_eval.indicators.compute_raw` reads from the store: these tables only (not the
#: wide barometer), and of them only these columns (``None``: every column). ``feedback`` comes
#: without its free-text comments; attendance and feedback keys come as pandas categoricals.
INDICATOR_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "sessions": (
        "session_id",
        "date",
        "quarter",
        "tool_id",
        "lever_id",
        "duration_h",
        "facilitator_key",
        "n_facilitators",
        "host_department",
        "status",
    ),
    "attendance": ("session_id", "person_key", "department", "category", "gender", "filiere"),
    "headcount": None,
    "feedback": (
        "tool_id",
        "lever_id",
        "quarter",
        "satisfaction",
        "usefulness",
        "recommend",
        ITEMS,  # the answers to feedback batteries (sources.feedback.items)
    ),
    "ideas": None,
    "hr_results": None,
    "citizen_satisfaction": None,
}
INDICATOR_CATEGORICAL = ("attendance", "feedback")
_OPTIONAL = ("ideas", "hr_results", "citizen_satisfaction")


@dataclass(frozen=True)
class Tables:
    """The canonical tables an indicator needs (see docs/data-model.md)."""

    sessions: pd.DataFrame
    attendance: pd.DataFrame
    headcount: pd.DataFrame
    feedback: pd.DataFrame
    barometer: pd.DataFrame | None = None
    ideas: pd.DataFrame | None = None
    hr_results: pd.DataFrame | None = None
    citizen_satisfaction: pd.DataFrame | None = None

    @classmethod
    def from_store(
        cls,
        store: object,
        *,
        only: Collection[str] | None = None,
        columns: Mapping[str, Sequence[str] | None] | None = None,
        categorical: Collection[str] = (),
    ) -> Tables:
        """The store's tables as frames.

        Without arguments every table is loaded at once, whole. With ``only``,
        the named tables are loaded now and the others are read from the store on first access
        (so a caller that never touches ``barometer`` never pays for it); ``columns`` restricts
        the columns read per table (a table not named is read whole); the string columns of the
        tables in ``categorical`` come as pandas categoricals (compact keys at national scale).
        :meth:`for_indicators` is the selection :func:`eco_eval.indicators.compute_raw` needs.
        """
        if only is not None or columns or categorical:
            return _StoreTables._open(store, only, columns or {}, categorical)
        get = store.table  # type: ignore[attr-defined]
        return cls(
            sessions=get("sessions"),
            attendance=get("attendance"),
            headcount=get("headcount"),
            feedback=get("feedback"),
            barometer=get("barometer"),
            ideas=_optional(get("ideas")),
            hr_results=_optional(get("hr_results")),
            citizen_satisfaction=_optional(get("citizen_satisfaction")),
        )

    @classmethod
    def for_indicators(cls, store: object) -> Tables:
        """Only what :func:`eco_eval.indicators.compute_raw` reads (see ``INDICATOR_COLUMNS``)."""
        return cls.from_store(
            store,
            only=tuple(INDICATOR_COLUMNS),
            columns=INDICATOR_COLUMNS,
            categorical=INDICATOR_CATEGORICAL,
        )


_FIELDS = tuple(f.name for f in fields(Tables))


@dataclass(frozen=True)
class _StoreTables(Tables):
    """Tables read from a store: selected ones at once, the others on first access."""

    @classmethod
    def _open(
        cls,
        store: object,
        only: Collection[str] | None,
        columns: Mapping[str, Sequence[str] | None],
        categorical: Collection[str],
    ) -> _StoreTables:
        unknown = set(only or ()) - set(_FIELDS)
        if unknown:
            raise ValueError(f"Tables has no table(s) {sorted(unknown)}; tables: {_FIELDS}")
        obj = object.__new__(cls)
        object.__setattr__(obj, "_store", store)
        object.__setattr__(obj, "_columns", dict(columns))
        object.__setattr__(obj, "_categorical", frozenset(categorical))
        names = _FIELDS if only is None else [f for f in _FIELDS if f in set(only)]
        # DuckDB scans and Arrow's encoding release the GIL: two tables load at once
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(obj._load, names))
        return obj

    def _load(self, name: str) -> None:
        get = object.__getattribute__(self, "_store").table
        cols = object.__getattribute__(self, "_columns").get(name)
        kwargs: dict[str, Any] = {}
        if cols is not None:
            kwargs["columns"] = list(cols)
        if name in object.__getattribute__(self, "_categorical"):
            kwargs["categorical"] = True
        frame = get(name, **kwargs)
        object.__setattr__(self, name, _optional(frame) if name in _OPTIONAL else frame)

    def __getattribute__(self, name: str) -> Any:
        if name in _FIELDS and name not in object.__getattribute__(self, "__dict__"):
            object.__getattribute__(self, "_load")(name)
        return object.__getattribute__(self, name)

    @property
    def loaded(self) -> tuple[str, ...]:
        """The tables read from the store so far."""
        return tuple(f for f in _FIELDS if f in object.__getattribute__(self, "__dict__"))


def _optional(frame: pd.DataFrame) -> pd.DataFrame | None:
    """An optional source: None when the project has no such data."""
    return frame if len(frame) else None


def has_values(frame: pd.DataFrame | None, column: str) -> bool:
    """True when ``frame`` has ``column`` with at least one value (not every row missing)."""
    return frame is not None and column in frame.columns and bool(frame[column].notna().any())


def missing_breakdowns(
    tables: Tables, by: Sequence[str] = DIMENSIONS
) -> dict[str, tuple[str, ...]]:
    """The breakdowns of ``by`` the data cannot give, each with the tables it is absent from.

    A breakdown is present when both the headcount and the attendance register hold at least one
    value of it; a column that is absent or empty in one of them is no breakdown at all (no cells,
    not one cell of unknowns).
    """
    out = {}
    for dim in by:
        absent = tuple(t for t in BREAKDOWN_SOURCES if not has_values(getattr(tables, t), dim))
        if absent:
            out[dim] = absent
    return out


def present_breakdowns(tables: Tables, by: Sequence[str] = DIMENSIONS) -> tuple[str, ...]:
    """The breakdowns of ``by`` present in both the headcount and the attendance, in order."""
    missing = missing_breakdowns(tables, by)
    return tuple(d for d in by if d not in missing)


def row(
    period: Period | str,
    lever: str,
    tool: str,
    dimension: str,
    group: str,
    indicator: str,
    value: float,
    n: float,
    ci_low: float = np.nan,
    ci_high: float = np.nan,
) -> dict[str, object]:
    return {
        "period": str(period),
        "lever": lever,
        "tool": tool,
        "dimension": dimension,
        "group": group,
        "indicator": indicator,
        "value": float(value) if value is not None else np.nan,
        "n": float(n) if n is not None else np.nan,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "suppressed": False,
    }


def tidy(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["suppressed"] = frame["suppressed"].astype(bool)
    for col in FIGURES:
        frame[col] = frame[col].astype(float)
    return frame


def sessions_in(sessions: pd.DataFrame, period: Period) -> pd.DataFrame:
    dates = pd.to_datetime(sessions["date"])
    return sessions[(dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(period.end))]


def attendance_in(tables: Tables, period: Period) -> pd.DataFrame:
    """Attendance at held sessions of the period, with the session's lever, tool and duration."""
    held = sessions_in(tables.sessions, period)
    held = held[held["status"] == "held"][
        ["session_id", "lever_id", "tool_id", "duration_h", "date", "quarter"]
    ]
    return tables.attendance.merge(held, on="session_id", how="inner")


def facilitator_hours(sessions: pd.DataFrame) -> float:
    """Σ duration × number of facilitators named (one where the log names none)."""
    if "n_facilitators" not in sessions:
        return float(sessions["duration_h"].sum())
    people = pd.to_numeric(sessions["n_facilitators"]).fillna(1).clip(lower=1)
    return float((sessions["duration_h"] * people.to_numpy(dtype=float)).sum())


def headcount_at(headcount: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The HR snapshot of the period's last quarter (or the latest one before it).

    A quarter with several snapshots of a department (monthly figures: ``2016-04``, ``2016-05``,
    ``2016-06``) counts its latest one only, so that the headcount stands for the quarter's end.
    """
    quarters = sorted(q for q in headcount["quarter"].dropna().unique() if q <= period.last_quarter)
    if not quarters:
        return headcount.iloc[0:0]
    snapshot = headcount[headcount["quarter"] == quarters[-1]]
    if "as_of" not in snapshot or snapshot["as_of"].nunique() < 2:
        return snapshot
    as_of = pd.to_datetime(snapshot["as_of"])
    latest = as_of.groupby(snapshot["department"].astype(object).fillna("")).transform("max")
    return snapshot[(as_of == latest).to_numpy()]


def scopes(frame: pd.DataFrame, eco: Ecosystem) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """(lever, tool, rows): the whole programme, then each lever of the ecosystem in order.

    A lever row carries its tool's id when the lever has exactly one tool in every generation of
    the ecosystem, so that its series runs on across a tool change; levers with several tools also
    get one scope per tool live in the ecosystem's span (:meth:`Ecosystem.live_tools_of`), so a
    tool has no figures before its launch or after its retirement.
    """
    yield ALL, ALL, frame
    by_lever = dict(tuple(frame.groupby("lever_id", sort=False))) if len(frame) else {}
    for lever in eco.levers:
        tools = eco.tools_of(lever.id)
        sub = by_lever.get(lever.id, frame.iloc[0:0])
        yield lever.id, tools[0].id if len(tools) == 1 else ALL, sub
        if len(tools) > 1:
            by_tool = dict(tuple(sub.groupby("tool_id", sort=False))) if len(sub) else {}
            for t in eco.live_tools_of(lever.id):
                yield lever.id, t.id, by_tool.get(t.id, sub.iloc[0:0])


# --- one pass over attendance per period ------------------------------------------------------
#
# ``attendance_in`` merges the whole attendance table with the period's held sessions, and each
# indicator family needs that merge grouped by scope and group. ``attendance_view`` does the work
# once per period (and once per call when no cache is open): attendance keys are integer codes,
# the merge is an index lookup, and distinct counts are numpy bincounts over codes. Results are
# the values of the equivalent pandas group-bys (tests/indicators/test_selective_loading.py).

# columns ``attendance_in`` adds from the sessions table
_SESSION_COLUMNS = ("lever_id", "tool_id", "duration_h", "date", "quarter")
_CACHE: dict[int, dict[Any, Any]] = {}


@contextlib.contextmanager
def cached(tables: Tables) -> Iterator[None]:
    """Within the block, per-period attendance views of ``tables`` are computed once and reused.

    The frames must not be modified inside the block.
    """
    key = id(tables)
    owner = key not in _CACHE
    if owner:
        _CACHE[key] = {}
    try:
        yield
    finally:
        if owner:
            _CACHE.pop(key, None)


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (−1 for missing) and the values they stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(dtype=np.int64), pd.Index(values.cat.categories)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _text_like(values: pd.Series) -> bool:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return pd.api.types.is_string_dtype(values.cat.categories)
    return pd.api.types.is_string_dtype(values)


def _positions(values: pd.Index, ids: pd.Series) -> np.ndarray:
    """For each of ``values``, its row in ``ids`` (unique, no missing), −1 where absent.

    ``pd.Index(ids).get_indexer(values)`` by Arrow's hash lookup, which hashes the text itself
    where pandas would hash Arrow text as Python strings.
    """

    text = pa.large_string()
    found = pc.index_in(pa.array(values, type=text), value_set=pa.array(ids, type=text))
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


class _Encoded:
    """Attendance keys as codes, and each attendance row's session (−1: none), for one Tables."""

    def __init__(self, tables: Tables):
        att, ses = tables.attendance, tables.sessions
        self.columns = tuple(att.columns)
        ids = ses["session_id"]
        self.fast = (
            not set(_SESSION_COLUMNS) & set(self.columns)
            and _text_like(att["session_id"])
            and _text_like(ids)
            and not ids.isna().any()
            and ids.is_unique
        )
        self._att = att
        self._dims: dict[str, tuple[np.ndarray, pd.Index]] = {}
        if not self.fast:
            return
        codes, uniques = _codes(att["session_id"])
        pos = _positions(uniques, ids)
        self.session = np.where(codes >= 0, pos[codes] if len(pos) else -1, -1)
        self.person = _codes(att["person_key"])
        self.lever = _codes(ses["lever_id"])
        self.tool = _codes(ses["tool_id"])
        self.duration = ses["duration_h"].to_numpy(dtype=float)

    def dim(self, name: str) -> tuple[np.ndarray, pd.Index]:
        if name not in self._dims:
            self._dims[name] = _codes(self._att[name])
        return self._dims[name]


def once_per_tables(tables: Tables, key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, computed once per ``tables`` within :func:`cached` (at each call outside it).
    What it returns is shared: not to be modified."""
    cache = _CACHE.get(id(tables))
    if cache is None:
        return make()
    if key not in cache:
        cache[key] = make()
    return cast(T, cache[key])


def _encoded(tables: Tables) -> _Encoded:
    return once_per_tables(tables, "encoded", lambda: _Encoded(tables))


def attendance_view(tables: Tables, period: Period) -> AttendanceView:
    """``attendance_in(tables, period)`` as codes, split by scope; cached inside :func:`cached`."""
    cache = _CACHE.get(id(tables))
    key = ("view", period.start, period.end)
    if cache is not None and key in cache:
        return cache[key]
    view = AttendanceView(tables, period, _encoded(tables))
    if cache is not None:
        cache[key] = view
    return view


class AttendanceView:
    """Attendance at held sessions of a period (the rows of ``attendance_in``), as codes."""

    def __init__(self, tables: Tables, period: Period, enc: _Encoded):
        self._tables, self._period, self._enc = tables, period, enc
        self._frame: pd.DataFrame | None = None
        self._fallback: dict[tuple[str, str], pd.DataFrame] | None = None
        if enc.fast:
            ses = tables.sessions
            dates = pd.to_datetime(ses["date"])
            held = (
                (dates >= pd.Timestamp(period.start))
                & (dates <= pd.Timestamp(period.end))
                & (ses["status"] == "held")
            ).to_numpy(dtype=bool)
            valid = enc.session >= 0
            rows = np.flatnonzero(valid & held[np.where(valid, enc.session, 0)])
            s = enc.session[rows]
            self._session_rows: np.ndarray | None = s
            self.rows: np.ndarray | None = rows
            self.columns = set(enc.columns) | {"session_id", *_SESSION_COLUMNS}
            self.simple = set(enc.columns) - {"session_id"}
            self.lever = (enc.lever[0][s], enc.lever[1])
            self.tool = (enc.tool[0][s], enc.tool[1])
            self.duration = enc.duration[s]
            self.person = enc.person[0][rows]
            self.n_persons = len(enc.person[1])
        else:  # unusual frames (duplicate session ids, clashing columns): the merge itself
            frame = self.frame()
            self.rows = self._session_rows = None
            self.columns = set(frame.columns)
            self.simple = set(tables.attendance.columns) - {"session_id", *_SESSION_COLUMNS}
            self.lever = _codes(frame["lever_id"])
            self.tool = _codes(frame["tool_id"])
            self.duration = frame["duration_h"].to_numpy(dtype=float)
            person, uniques = _codes(frame["person_key"])
            self.person, self.n_persons = person, len(uniques)
        self._dims: dict[str, tuple[np.ndarray, pd.Index]] = {}

    def __len__(self) -> int:
        return len(self.person)

    def frame(self) -> pd.DataFrame:
        """The merged frame itself (``attendance_in``), built on demand."""
        if self._frame is None:
            self._frame = attendance_in(self._tables, self._period)
        return self._frame

    def dim(self, name: str) -> tuple[np.ndarray, pd.Index]:
        """Codes of attendance column ``name`` for the view's rows."""
        if name not in self._dims:
            if self.rows is not None:
                codes, uniques = self._enc.dim(name)
                self._dims[name] = (codes[self.rows], uniques)
            else:
                self._dims[name] = _codes(self.frame()[name])
        return self._dims[name]

    def session_values(self, name: str) -> np.ndarray:
        """Sessions column ``name`` (``date``, ``quarter``...) for each of the view's rows."""
        if self._session_rows is not None:
            return self._tables.sessions[name].to_numpy()[self._session_rows]
        return self.frame()[name].to_numpy()

    def scopes(self, eco: Ecosystem) -> Iterator[tuple[str, str, Scope]]:
        """As :func:`scopes`: the programme, each lever, each tool of a multi-tool lever."""
        yield ALL, ALL, Scope(self, None)
        lever_codes, lever_values = self.lever
        tool_codes, tool_values = self.tool
        order = np.argsort(lever_codes, kind="stable")
        bounds = np.concatenate(
            [[0], np.cumsum(np.bincount(lever_codes + 1, minlength=len(lever_values) + 1))]
        )
        lever_index = {v: i for i, v in enumerate(lever_values)}
        tool_index = {v: i for i, v in enumerate(tool_values)}
        empty = np.empty(0, dtype=np.int64)
        for lever in eco.levers:
            tools = eco.tools_of(lever.id)
            code = lever_index.get(lever.id)
            idx = empty if code is None else order[bounds[code + 1] : bounds[code + 2]]
            yield lever.id, tools[0].id if len(tools) == 1 else ALL, Scope(self, idx)
            if len(tools) > 1:
                sub_tools = tool_codes[idx]
                for t in eco.live_tools_of(lever.id):
                    tc = tool_index.get(t.id)
                    yield (
                        lever.id,
                        t.id,
                        Scope(self, empty if tc is None else idx[sub_tools == tc]),
                    )

    def scope_frames(self, eco: Ecosystem) -> dict[tuple[str, str], pd.DataFrame]:
        """The merged frame split as :func:`scopes` does (for breakdowns by a session column)."""
        if self._fallback is None:
            self._fallback = {(lv, tl): sub for lv, tl, sub in scopes(self.frame(), eco)}
        return self._fallback

    def rows_per_lever(self, lever_ids: Sequence[str]) -> np.ndarray:
        """``groupby("lever_id").size().reindex(lever_ids, fill_value=0)`` as floats."""
        codes, values = self.lever
        counts = np.bincount(codes[codes >= 0], minlength=len(values))
        index = {v: i for i, v in enumerate(values)}
        return np.array([counts[index[lv]] if lv in index else 0 for lv in lever_ids], dtype=float)

    def groups_per(self, by: str, what: str) -> pd.Series:
        """``groupby(by)[what].nunique()``: distinct non-missing ``what`` per ``by`` group."""
        g, g_values = self.dim(by)
        w, w_values = self.lever if what == "lever_id" else self.dim(what)
        ok = g >= 0
        present = np.bincount(g[ok], minlength=len(g_values)) > 0
        counts = _distinct_pairs(g, w, ok & (w >= 0), len(g_values), len(w_values))
        out = pd.Series(counts[present].astype(np.int64), index=g_values[present])
        return out.sort_index()


class Scope:
    """The rows of one scope of an :class:`AttendanceView` (``idx`` None: all of them)."""

    def __init__(self, view: AttendanceView, idx: np.ndarray | None):
        self.view, self.idx = view, idx

    def _take(self, values: np.ndarray) -> np.ndarray:
        return values if self.idx is None else values[self.idx]

    def __len__(self) -> int:
        return len(self.view) if self.idx is None else len(self.idx)

    def people(self) -> tuple[int, int]:
        """Distinct non-missing persons, and how many of them have two rows or more."""
        p = self._take(self.view.person)
        counts = np.bincount(p[p >= 0], minlength=0)
        return int(np.count_nonzero(counts)), int(np.count_nonzero(counts >= 2))

    def by_group(self, dim: str) -> tuple[pd.Series, pd.Series]:
        """``groupby(dim)["person_key"].nunique()`` and ``groupby(dim).size()``."""
        g_all, values = self.view.dim(dim)
        g = self._take(g_all)
        p = self._take(self.view.person)
        ok = g >= 0
        visits = np.bincount(g[ok], minlength=len(values))
        present = visits > 0
        distinct = _distinct_pairs(g, p, ok & (p >= 0), len(values), self.view.n_persons)
        index = values[present]
        return (
            pd.Series(distinct[present].astype(np.int64), index=index),
            pd.Series(visits[present].astype(np.int64), index=index),
        )

    def nunique(self, dim: str) -> int:
        g = self._take(self.view.dim(dim)[0])
        return int(np.count_nonzero(np.bincount(g[g >= 0]))) if len(g) else 0

    def duration_sum(self) -> float:
        """``sub["duration_h"].sum()`` (same order of the rows, so the same rounding)."""
        return float(pd.Series(self._take(self.view.duration), dtype=float).sum())


_BITMAP_CELLS = 1 << 28  # 256 MiB of booleans at most; above, hash the pairs instead
# Zeroing a bitmap costs its size, hashing the pairs their number: a bitmap pays only when it has
# fewer cells than this many per row (one lever's rows among two million staff: hash them).
_BITMAP_CELLS_PER_ROW = 256


def _distinct_pairs(
    g: np.ndarray, p: np.ndarray, mask: np.ndarray, n_groups: int, n_values: int
) -> np.ndarray:
    """Per group code 0..n_groups-1, the number of distinct value codes ``p`` (rows ``mask``)."""
    if not mask.all():  # national attendance has no missing keys: no copies then
        g, p = g[mask], p[mask]
    n = max(n_values, 1)
    if n_groups * n <= min(_BITMAP_CELLS, _BITMAP_CELLS_PER_ROW * len(g)):
        cells = g.astype(np.int64)  # one temporary of 8 bytes a row, not two
        cells *= n
        cells += p
        seen = np.zeros(n_groups * n, dtype=bool)
        seen[cells] = True
        return np.count_nonzero(seen.reshape(n_groups, n), axis=1)
    pairs = pd.unique(g * np.int64(n) + p)
    return np.bincount(pairs // n, minlength=n_groups)
