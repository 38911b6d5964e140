"""The publication ledger: every cell ever published, and the checks a new publication passes
against it.

A *ledger* is a frame of :data:`LEDGER_COLUMNS`, one row per cell of one publication (a bilan and
its deep dives, an indicators export, an open-data package): the period's label and its first and
last day, the cell's coordinates, its value and ``n`` (NaN when hidden) and whether it was hidden.
The open data publish counts rounded to 5; the ledger keeps them before rounding, as if a reader
knew them exactly, so that every check against it is at least as strict as the reader's view. The store keeps it
(table ``publication_ledger``, :mod:`eco_eval.store`); this module only reads and builds frames.

:func:`published_before` turns the ledger into the frames a reader already holds (oldest first,
one per period label), for the pairwise rules of :func:`eco_eval.privacy.suppression.suppress_small_cells`;
:func:`audit_cells` lays the ledger and the new cells out for the interval audit
(:mod:`eco_eval.privacy.audit`); :func:`check_custom_range` refuses a date range that could be
subtracted from a published period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from eco_eval.errors import ConfigError
from eco_eval.indicators.core import KEY
from eco_eval.periods import Period, quarter_end, quarter_start
from eco_eval.privacy._cells import period_span, thresholds_per_row

__all__ = [
    "LEDGER_COLUMNS",
    "audit_cells",
    "check_custom_range",
    "empty_ledger",
    "ledger_cells",
    "published_before",
]

#: the ledger's columns (``start``/``end`` are dates; ``value``/``n`` NaN when hidden)
LEDGER_COLUMNS = (
    "publication", "period", "start", "end", "lever", "tool", "dimension", "group", "indicator",
    "value", "n", "suppressed",
)  # fmt: skip


def empty_ledger() -> pd.DataFrame:
    """A ledger without rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LEDGER_COLUMNS})


def ledger_cells(
    frame: pd.DataFrame, publication: str, launch: date | None, indicators: set[str] | None = None
) -> pd.DataFrame:
    """The ledger rows of an anonymised tidy frame published by ``publication``.

    ``indicators``: keep only these (the ones about people); ``launch`` dates ``cumul:`` labels.
    Rows whose period has no dates (a bare ``cumul``) are left out: nothing can be subtracted from
    them by date."""
    if indicators is not None:
        frame = frame[frame["indicator"].isin(list(indicators))]
    if frame.empty:
        return empty_ledger()
    start, end = _spans(frame["period"], launch)
    out = frame[list(KEY)].astype(str).copy()
    hidden = frame["suppressed"].fillna(False).astype(bool).to_numpy()
    out["value"] = np.where(hidden, np.nan, pd.to_numeric(frame["value"], errors="coerce"))
    out["n"] = np.where(hidden, np.nan, pd.to_numeric(frame["n"], errors="coerce"))
    out["suppressed"] = hidden
    out["start"] = [_day(s) for s in start]
    out["end"] = [_day(e) for e in end]
    out.insert(0, "publication", publication)
    out = out[out["start"].notna()]
    return out[list(LEDGER_COLUMNS)].reset_index(drop=True)


def _spans(periods: pd.Series, launch: date | None) -> tuple[np.ndarray, np.ndarray]:
    """First and last day (ordinals, NaN for a label without dates) of each period label."""
    spans = {p: period_span(str(p), launch) or (np.nan, np.nan) for p in periods.unique()}
    start = periods.map({p: s[0] for p, s in spans.items()}).to_numpy(dtype=float)
    end = periods.map({p: s[1] for p, s in spans.items()}).to_numpy(dtype=float)
    return start, end


def _day(ordinal: float) -> date | None:
    return None if ordinal != ordinal else date.fromordinal(int(ordinal))


def _ordinals(column: pd.Series) -> np.ndarray:
    """Day ordinals of a column of dates (NaN where missing)."""
    days = {
        d: np.nan if d is None or d != d else float(pd.Timestamp(d).date().toordinal())
        for d in column.unique()
    }
    return column.map(days).to_numpy(dtype=float)


def published_before(
    ledger: pd.DataFrame | None, period: Period, exclude: str | None = None
) -> list[pd.DataFrame]:
    """The frames a reader holds that share days with ``period``, one per period label, oldest
    first (by last day), as tidy indicator frames (of the publications of a cell, the latest
    that shows it wins; hidden only when none shows it).
    ``exclude``: a publication left out (the one being made again)."""
    led = _others(ledger, exclude)
    if led.empty:
        return []
    start, end = _ordinals(led["start"]), _ordinals(led["end"])
    lo, hi = period.start.toordinal(), period.end.toordinal()
    led = led[(start <= hi) & (lo <= end)]
    # a cell one publication shows and another hides (the open data hide more) is known: the
    # shown figure wins, and of two shown ones the latest
    shown = ~led["suppressed"].astype(bool)
    led = led.iloc[np.argsort(shown.to_numpy(), kind="stable")]
    led = led.drop_duplicates(list(KEY), keep="last")
    frames = []
    for _, f in sorted(led.groupby("period"), key=lambda kv: (str(kv[1]["end"].iloc[0]), kv[0])):
        frames.append(
            f[list(KEY)]
            .assign(
                value=f["value"].astype(float),
                n=f["n"].astype(float),
                ci_low=np.nan,
                ci_high=np.nan,
                suppressed=f["suppressed"].astype(bool),
            )
            .reset_index(drop=True)
        )
    return frames


def _others(ledger: pd.DataFrame | None, exclude: str | None) -> pd.DataFrame:
    if ledger is None or ledger.empty:
        return empty_ledger()
    return ledger if exclude is None else ledger[ledger["publication"] != exclude]


def audit_cells(
    ledger: pd.DataFrame | None,
    new: Mapping[str, pd.DataFrame],
    *,
    k: int,
    launch: date | None,
    thresholds: Mapping[str, int] | None = None,
    exclude: str | None = None,
) -> pd.DataFrame:
    """The ledger (but ``exclude``) and the new frames laid out for
    :func:`eco_eval.privacy.audit.audit`: ``start``/``end`` as day ordinals, ``new``, ``t``; the
    new rows keep their frame's name in ``frame`` and their position in ``row``."""
    parts = []
    led = _others(ledger, exclude)
    if not led.empty:
        old = led[list(KEY)].assign(
            start=_ordinals(led["start"]), end=_ordinals(led["end"]),
            value=led["value"].astype(float), suppressed=led["suppressed"].astype(bool),
            new=False, frame="", row=-1,
        )  # fmt: skip
        parts.append(old)
    for name, f in new.items():
        start, end = _spans(f["period"], launch)
        parts.append(
            f[list(KEY)]
            .astype(str)
            .assign(
                start=start,
                end=end,
                value=pd.to_numeric(f["value"], errors="coerce").to_numpy(dtype=float),
                suppressed=f["suppressed"].fillna(False).astype(bool).to_numpy(),
                new=True,
                frame=name,
                row=np.arange(len(f)),
            )
        )
    if not parts:
        return pd.DataFrame(columns=[*KEY, "start", "end", "value", "suppressed", "new", "t"])
    cells = pd.concat(parts, ignore_index=True)
    cells["t"] = thresholds_per_row(cells["indicator"], k, thresholds)
    return cells


def check_custom_range(
    ledger: pd.DataFrame | None, period: Period, exclude: str | None = None
) -> None:
    """A ConfigError when ``period`` is a date range not made of whole quarters that shares days
    with a published period (other than the same range): their difference would count the people
    of a few days. Standard periods, and ranges of whole quarters, are allowed: their differences
    with published periods are unions of quarters, whose cells the audit checks one by one."""
    if period.kind != "range" or (
        period.start == quarter_start(period.start.year, (period.start.month - 1) // 3 + 1)
        and period.end == quarter_end(period.end.year, (period.end.month - 1) // 3 + 1)
    ):
        return
    led = _others(ledger, exclude)
    if led.empty:
        return
    spans = led[["period", "start", "end"]].drop_duplicates()
    lo, hi = period.start.toordinal(), period.end.toordinal()
    start, end = _ordinals(spans["start"]), _ordinals(spans["end"])
    clash = (start <= hi) & (lo <= end) & ~((start == lo) & (end == hi))
    if clash.any():
        label = str(spans["period"].to_numpy()[np.flatnonzero(clash)[0]])
        raise ConfigError(
            f"period {period.label!r} shares days with the published period {label!r}: their "
            "difference would count the people of a few days; ask for whole quarters (e.g. "
            f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}), semesters or years, or "
            "a range that shares no day with a published period"
        )
