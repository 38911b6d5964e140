"""Copies among the accepted rows of a source, across its slices and files.

Each accepted row leaves a small state (a 128-bit hash of the fields it is compared on, its
submission time, whether it has a comment); once the source is done, the later copies are found
over the states of all its files and moved to the quarantine (:mod:`eco_eval.ingest.writing`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: seconds within which a survey answer sent again is a copy of the first one
DUPLICATE_WINDOW_S = 600
#: quarantine reasons of copies: a re-sent survey answer (``duplicates_on: [fields]``, within
#: DUPLICATE_WINDOW_S) and an exact copy of a row (``duplicates_on: mapped``)
DUPLICATE_SUBMISSION = "duplicate_submission"
DUPLICATE = "duplicate"


def _column_hashes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit hashes of each cell, missing values alike; computed on the
    distinct values (factorize), numbers by their text so that 4.0 hashes alike in every slice."""
    codes, uniques = pd.factorize(values)  # -1 for a missing value: the last slot below
    index = pd.Index(uniques)
    if index.dtype.kind in "fiub":
        index = index.astype(str)
    distinct = np.append(index.to_numpy(dtype=object), "\x00<missing>")
    return tuple(  # type: ignore[return-value]
        pd.util.hash_array(distinct, hash_key=key, categorize=False)[codes]
        for key in ("eco_eval_dupkey1", "eco_eval_dupkey2")
    )


def row_hashes(frame: pd.DataFrame, on: Sequence[str]) -> dict[str, np.ndarray]:
    """A 128-bit hash of each row's values in ``on`` (``h1``, ``h2``): the columns' hashes
    combined in order (multiply, then xor), without building a text key per row. Alone, it is
    the state of :func:`exact_copies`."""
    h1 = np.zeros(len(frame), dtype=np.uint64)
    h2 = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in on:
            c1, c2 = _column_hashes(frame[col])
            h1 = (h1 * np.uint64(0x100000001B3)) ^ c1
            h2 = (h2 * np.uint64(0x9E3779B97F4A7C15)) ^ c2
    return {"h1": h1, "h2": h2}


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
    the second hash, times and sorts are looked at over them, usually a few among millions."""
    return np.flatnonzero(pd.Series(h1).duplicated(keep=False).to_numpy())


def duplicate_state(frame: pd.DataFrame, on: list[str]) -> dict[str, np.ndarray]:
    """What :func:`duplicates_of` needs of each row: a 128-bit hash of its answers
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
