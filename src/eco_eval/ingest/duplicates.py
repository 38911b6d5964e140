"""Copies among the accepted rows of a source, across its slices and files.

Each accepted row leaves a small state (two 64-bit hashes of the fields it is compared on, its
submission time, whether it has a comment); once the source is done, the later copies are found
over the states of all its files and moved to the quarantine (:mod:`eco_eval.ingest.writing`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

#: seconds within which a survey answer sent again is a copy of the first one
DUPLICATE_WINDOW_S = 600
#: quarantine reasons of copies: a re-sent survey answer (``duplicates_on: [fields]``, within
#: DUPLICATE_WINDOW_S) and an exact copy of a row (``duplicates_on: mapped``)
DUPLICATE_SUBMISSION = "duplicate_submission"
DUPLICATE = "duplicate"


def _text_table(frame: pd.DataFrame, on: Sequence[str]) -> pa.Table:
    """The columns ``on`` as Arrow text, named ``c0``, ``c1``...; missing stays null. A text
    column is passed as it is (no copy when Arrow holds it); another is written from its distinct
    values, each by ``str()``: 4.0 is the same cell in every slice, whether the slice's column
    holds numbers, Python objects or text."""
    columns = {}
    for i, col in enumerate(on):
        values = frame[col]
        dtype = values.dtype
        if _is_text(dtype):
            columns[f"c{i}"] = pa.array(values)
        elif dtype == np.dtype(object) and (text := _all_text(values)) is not None:
            columns[f"c{i}"] = text
        else:
            codes, uniques = pd.factorize(values)  # -1 for a missing value
            text = pa.array([str(u) for u in uniques], pa.string())
            columns[f"c{i}"] = text.take(pa.array(codes, mask=codes < 0))
    return pa.table(columns)


def _is_text(dtype: object) -> bool:
    """Whether a column of ``dtype`` holds text in Arrow, or text pandas hands to Arrow."""
    if isinstance(dtype, pd.ArrowDtype):
        return pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(
            dtype.pyarrow_dtype
        )
    return isinstance(dtype, pd.StringDtype)


def _all_text(values: pd.Series) -> pa.Array | None:
    """An object column as Arrow text when it holds nothing but text and missing values (free
    text read as Python strings), else None: ``str()`` of a string is itself."""
    try:
        return pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


_local = threading.local()


def _query(table: pa.Table, sql: str) -> dict[str, Any]:
    """The columns of ``sql`` run over ``table`` (named ``rows`` in it), with this thread's
    in-memory DuckDB connection, opened once: opening one costs about 25 ms, a slice of a small
    file's whole gate."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    con.register("rows", table)
    try:
        return con.execute(sql).fetchnumpy()
    finally:
        con.unregister("rows")


def row_hashes(frame: pd.DataFrame, on: Sequence[str]) -> dict[str, np.ndarray]:
    """Two 64-bit hashes of each row's values in ``on`` (``h1``, ``h2``), computed by DuckDB
    (native code over Arrow text, without a Python object per cell). ``h1`` combines the hash of
    each value (a missing value has its own), ``h2`` hashes the row's values joined in one text:
    two different rows have both equal only if they collide under two unrelated functions. Alone,
    it is the state of :func:`exact_copies`."""
    if not on:
        return {"h1": np.zeros(len(frame), np.uint64), "h2": np.zeros(len(frame), np.uint64)}
    names = [f"c{i}" for i in range(len(on))]
    joined = ", ".join(f"coalesce({c}, chr(0))" for c in names)
    query = f"select hash({', '.join(names)}) as h1, hash(concat_ws(chr(31), {joined})) as h2 "
    hashes = _query(_text_table(frame, on), query + "from rows")
    return {"h1": np.asarray(hashes["h1"], np.uint64), "h2": np.asarray(hashes["h2"], np.uint64)}


def exact_copies(state: dict[str, np.ndarray]) -> np.ndarray:
    """Rows equal to an earlier row (same hash), in the order given: the first one is kept."""
    h1, h2 = state["h1"], state["h2"]
    dup = np.zeros(len(h1), dtype=bool)
    rows = _first_hash_repeats(h1)
    if len(rows) < 2:
        return dup
    dup[rows[pd.DataFrame({"h1": h1[rows], "h2": h2[rows]}).duplicated().to_numpy()]] = True
    return dup


def _first_hash_repeats(h1: np.ndarray) -> np.ndarray:
    """Positions of the rows whose first hash is another row's too: only they can be copies, so
    the second hash, times and sorts are looked at over them, usually a few among millions.

    DuckDB finds the repeated hashes (a parallel aggregate, a third of the time of pandas'
    ``duplicated`` over 15 M rows); their rows are then a lookup in that short list."""
    if len(h1) < 2:
        return np.zeros(0, dtype=np.int64)
    query = "select h1 from rows group by h1 having count(*) > 1"
    repeated = _query(pa.table({"h1": h1}), query)["h1"]
    return np.flatnonzero(pd.Series(h1).isin(np.asarray(repeated, np.uint64)).to_numpy())


def duplicate_state(frame: pd.DataFrame, on: list[str]) -> dict[str, np.ndarray]:
    """What :func:`duplicates_of` needs of each row: two 64-bit hashes of its answers
    (:func:`row_hashes`), its submission time (ns, NaT as the smallest integer) and whether it
    holds a non-empty comment."""
    hashes = row_hashes(frame, on)
    submitted = frame.get("submitted_at")
    if submitted is None:
        ts = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    else:
        ts = pd.to_datetime(submitted, errors="coerce")
    ts_ns = pd.Series(ts).astype("datetime64[ns]").to_numpy().view(np.int64)
    comment = frame.get("comment")
    if comment is None:
        has_comment = np.zeros(len(frame), dtype=bool)
    else:
        text = comment.astype("string").str.strip()
        has_comment = (text.notna() & (text != "")).to_numpy(dtype=bool)
    return {**hashes, "ts": ts_ns, "comment": has_comment}


def duplicates_of(state: dict[str, np.ndarray]) -> np.ndarray:
    """Later copies of the same submission: same answers and session, within a short time window.

    Rows with the same key are taken in time order (undated first, then by position); a row is
    a copy when the previous one is at most ``DUPLICATE_WINDOW_S`` before it, or, when either
    date was not kept (anonymised survey), when it carries a non-empty comment.
    """
    n = len(state["ts"])
    dup = np.zeros(n, dtype=bool)
    rows = _first_hash_repeats(state["h1"])
    if len(rows) < 2:
        return dup
    h1, h2, ts, comment = (state[k][rows] for k in ("h1", "h2", "ts", "comment"))
    nat = np.iinfo(np.int64).min
    order = np.lexsort((rows, ts, h2, h1))
    a, b = order[:-1], order[1:]
    same = (h1[a] == h1[b]) & (h2[a] == h2[b])
    dated = (ts[a] != nat) & (ts[b] != nat)
    gap = np.abs(np.where(dated, ts[b], 0) - np.where(dated, ts[a], 0))
    close = np.where(dated, gap <= DUPLICATE_WINDOW_S * 1_000_000_000, comment[b])
    dup[rows[b[same & close]]] = True
    return dup


def mark_duplicates(frame: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Later copies of the same submission (see :func:`duplicates_of`), by row position."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    return duplicates_of(duplicate_state(frame, on))
