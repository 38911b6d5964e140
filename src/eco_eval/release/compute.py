"""The analyst's entry point: every catalogue indicator of a period, anonymised, in one frame::

import eco_eval
store = eco_eval.open_store("data/processed/eco_eval.duckdb")
frame = eco_eval.compute(store, period="2016-Q2")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.core import DIMENSIONS, Tables, cached
from eco_eval.indicators.engine import compute_raw, publication_periods, with_comparison
from eco_eval.periods import Period, check_after_launch, comparison_note, parse_period
from eco_eval.release.disclosure import anonymise, publication_frames, publication_ledger
from eco_eval.store import Store, open_store

__all__ = ["compute", "compute_published", "indicator_tables"]


def indicator_tables(source: Store | Tables | str | Path) -> Tables:
    """The tables the indicators read, from a store, a store's path or tables already loaded."""
    if isinstance(source, Tables):
        return source
    if isinstance(source, (str, Path)):
        source = open_store(source)
    if isinstance(source, Store):  # only what compute_raw reads (not the wide barometer)
        return Tables.for_indicators(source)
    raise TypeError("compute() takes a Store, a store path or Tables")


def compute(
    store: Any,
    period: str | Period = "last-quarter",
    *,
    by: Sequence[str] = DIMENSIONS,
    k: int = 5,
    compare: bool = True,
    ecosystem: Any = None,
    suppression_log: pd.DataFrame | None = None,
    instruments: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Compute every catalogue indicator for ``period``, anonymised, in one tidy frame.

    Parameters
    ----------
    store : Store | str | Path | Tables
        The processed store (or its path), or already-loaded tables.
    period : str | Period
        ``2016-Q2``, ``2016-S1``, ``2016``, ``2015-06-01..2016-06-30``, ``cumul:2016-Q2``, ``last-quarter``.
    by : sequence of str
        Breakdown dimensions for reach and representativeness.
    k : int
        Anonymity threshold (default 5, never below 3): figures resting on fewer than k people
        are suppressed, with complementary suppression so none can be recovered by subtraction.
    compare : bool
        Add ``previous`` (the period before), ``year_before`` (same period a year earlier) and
        ``change`` columns.
    ecosystem : Ecosystem, optional
        Defaults to the packaged ecosystem.
    suppression_log : DataFrame, optional
        Earlier suppressions to keep consistent (see :mod:`eco_eval.privacy.suppression`).
    instruments : mapping, optional
        ``Project.instruments()``: the feedback batteries it declares feed the reaction
        indicators (:mod:`eco_eval.indicators.batteries`).

    Returns
    -------
    DataFrame with columns period, lever, tool, dimension, group, indicator, value, n, ci_low,
    ci_high, suppressed (and previous, year_before, change, comparison_note when ``compare``).
    A comparison period that ends before the programme's launch is absent: NaN, and
    ``comparison_note`` says so.
    """
    eco = ecosystem or load_ecosystem()
    p = period if isinstance(period, Period) else parse_period(period, launch=eco.launch)
    check_after_launch(p, eco.launch)
    tables = indicator_tables(store)
    periods = publication_periods(p, eco.launch) if compare else {"current": p}
    with cached(tables):  # the attendance codes are shared by the three periods
        frames = {
            name: anonymise(
                compute_raw(tables, q, eco, by=by, instruments=instruments),
                k=k,
                suppression_log=suppression_log,
                launch=eco.launch,
            )
            for name, q in periods.items()
        }
    if not compare:
        return frames["current"]
    return with_comparison(
        frames["current"],
        frames.get("previous"),
        frames.get("year"),
        note=comparison_note(p, eco.launch),
    )


def compute_published(
    store: Any,
    period: Period,
    *,
    ecosystem: Any,
    by: Sequence[str] = DIMENSIONS,
    k: int = 5,
    suppression_log: pd.DataFrame | None = None,
    instruments: Mapping[str, Any] | None = None,
    ledger: pd.DataFrame | None = None,
    publication: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`compute` for a publication (an export): the frame with its comparison columns,
    checked against ``ledger``, every cell published before
    (:func:`eco_eval.release.disclosure.publication_frames`; ``publication`` names this one),
    and the ledger rows of the cells it shows, to keep once it is written."""
    eco = ecosystem
    check_after_launch(period, eco.launch)
    tables = indicator_tables(store)
    with cached(tables):
        frames, _ = publication_frames(
            tables, eco, publication_periods(period, eco.launch), k=k, by=by,
            suppression_log=suppression_log, instruments=instruments, ledger=ledger,
            publication=publication,
        )  # fmt: skip
    frame = with_comparison(
        frames["current"],
        frames.get("previous"),
        frames.get("year"),
        note=comparison_note(period, eco.launch),
    )
    return frame, publication_ledger(frames, publication or period.label, eco.launch)
