"""The analyst's entry point: every catalogue indicator of a period, anonymised, in one frame::

import eco_eval
store = eco_eval.open_store("data/processed/eco_eval.duckdb")
frame = eco_eval.compute(store)                       # the latest quarter with data
frame = eco_eval.compute(store, period="2016-Q2", by="department")
series = eco_eval.compute(store, periods=["2016-Q1", "2016-Q2", "2016-Q3"])
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from eco_eval.data_yaml import read_yaml
from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError, did_you_mean
from eco_eval.indicators.core import DIMENSIONS, Tables, cached
from eco_eval.indicators.engine import compute_raw, publication_periods, with_comparison
from eco_eval.periods import LATEST, Period, check_after_launch, comparison_note, parse_period
from eco_eval.release.disclosure import anonymise, publication_frames, publication_ledger
from eco_eval.store import Store, open_store

__all__ = [
    "LATEST",
    "compute",
    "compute_published",
    "indicator_tables",
    "latest_quarter",
    "parse_by",
]


def _plain(text: str) -> str:
    """Lower case without accents: ``"Catégorie"`` -> ``"categorie"``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _aliases() -> dict[str, str]:
    """Breakdown names an analyst may use: the canonical ones and their French labels
    (``direction``, ``catégorie``, ``sexe``, ``filière``, from ``_data/labels/fr.yaml``)."""
    text = resources.files("eco_eval").joinpath("_data/labels/fr.yaml").read_text("utf-8")
    french = read_yaml(text).get("dimension", {})
    out = {_plain(str(label)): dim for dim, label in french.items() if dim in DIMENSIONS}
    return out | {dim: dim for dim in DIMENSIONS}


def parse_by(by: str | Sequence[str]) -> tuple[str, ...]:
    """``by`` as a tuple of breakdowns: a name or a sequence of names, French labels accepted.

    Raises a ConfigError naming an unknown breakdown and the closest known one.
    """
    names = [by] if isinstance(by, str) else by
    if not isinstance(names, Sequence) or not all(isinstance(n, str) for n in names):
        raise ConfigError(
            f"by must be a breakdown name or a list of them (e.g. by='department'), got {by!r}"
        )
    out: list[str] = []
    for name in names:
        dim = _aliases().get(_plain(name))
        if dim is None:
            raise ConfigError(
                f"by: unknown breakdown {name!r}{did_you_mean(_plain(name), _aliases())}; "
                f"known breakdowns: {', '.join(DIMENSIONS)} (or direction, catégorie, sexe, filière)"
            )
        if dim not in out:
            out.append(dim)
    return tuple(out)


def _held_dates(tables: Tables) -> pd.Series:
    sessions = tables.sessions
    held = sessions.loc[sessions["status"] == "held", "date"]
    return pd.Series(pd.to_datetime(held, errors="coerce")).dropna()


def latest_quarter(tables: Tables) -> Period:
    """The latest quarter with a held session, or a ConfigError when the store has none."""
    dates = _held_dates(tables)
    if not len(dates):
        raise ConfigError("the store has no held session: ingest data first (eco-eval ingest)")
    last = pd.Timestamp(str(dates.max()))
    return parse_period(f"{last.year}-Q{(last.month - 1) // 3 + 1}")


def _resolve(period: str | Period | None, tables: Tables, launch: date) -> Period:
    """``period`` as a Period: ``None`` or a word of :data:`LATEST` is the latest quarter with
    data; a period without any held session is refused, naming the latest one with data."""
    if period is None or (isinstance(period, str) and period.strip().lower() in LATEST):
        return latest_quarter(tables)
    p = period if isinstance(period, Period) else parse_period(period, launch=launch)
    check_after_launch(p, launch)
    dates = _held_dates(tables)
    inside = ((dates >= pd.Timestamp(p.start)) & (dates <= pd.Timestamp(p.end))).any()
    if not inside:
        latest = latest_quarter(tables)
        raise ConfigError(
            f"period {p.label!r} has no held session in the store, so every figure would be "
            f"empty; the latest quarter with data is {latest.label!r} (period='latest')"
        )
    return p


def indicator_tables(source: Store | Tables | str | Path) -> Tables:
    """The tables the indicators read, from a store, a store's path or tables already loaded."""
    if isinstance(source, Tables):
        return source
    if isinstance(source, (str, Path)):
        source = open_store(source)
    if isinstance(source, Store):  # only what compute_raw reads (not the wide barometer)
        return Tables.for_indicators(source)
    raise ConfigError(
        f"compute() takes a Store, a store path or Tables, got {type(source).__name__}: "
        "open it with eco_eval.open_store('data/processed/eco_eval.duckdb')"
    )


def compute(
    store: Any,
    period: str | Period | None = None,
    *,
    periods: Sequence[str | Period] | None = None,
    by: str | Sequence[str] = DIMENSIONS,
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
    period : str | Period, optional
        ``2016-Q2``, ``2016-S1``, ``2016``, ``2015-06-01..2016-06-30``, ``cumul:2016-Q2``,
        ``last-quarter`` (the calendar's), ``latest`` (the latest quarter with a held session).
        Default: ``latest``. A period without any held session is refused with a message
        naming the latest one with data, rather than returning empty figures.
    periods : sequence of str | Period, optional
        Several periods instead of one: their frames stacked in the order given, a tidy time
        series (the ``period`` column tells them apart). Exclusive with ``period``.
    by : str or sequence of str
        Breakdown dimension(s) for reach and representativeness: ``"department"`` or
        ``("department", "category")``; the French labels (``direction``, ``catégorie``,
        ``sexe``, ``filière``) are accepted; an unknown name is refused with the closest known
        one.
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
    Totals, the whole programme or the whole staff, are written ``"*"`` (:data:`eco_eval.indicators.core.ALL`) in
    ``lever``, ``tool``, ``dimension`` and ``group``. A comparison period that ends before the programme's launch is absent: NaN, and
    ``comparison_note`` says so.
    """
    eco = ecosystem or load_ecosystem()
    dims = parse_by(by)
    tables = indicator_tables(store)
    if periods is not None:
        if period is not None:
            raise ConfigError("pass period= or periods=, not both")
        if isinstance(periods, str | Period) or not len(periods):
            raise ConfigError(f"periods must be a non-empty list of periods, got {periods!r}")
        series = [
            compute(
                tables,
                q,
                by=dims,
                k=k,
                compare=compare,
                ecosystem=eco,
                suppression_log=suppression_log,
                instruments=instruments,
            )
            for q in periods
        ]
        return pd.concat(series, ignore_index=True)
    p = _resolve(period, tables, eco.launch)
    periods_of = publication_periods(p, eco.launch) if compare else {"current": p}
    with cached(tables):  # the attendance codes are shared by the three periods
        frames = {
            name: anonymise(
                compute_raw(tables, q, eco, by=dims, instruments=instruments),
                k=k,
                suppression_log=suppression_log,
                launch=eco.launch,
            )
            for name, q in periods_of.items()
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
    overload_hours: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`compute` for a publication (an export): the frame with its comparison columns,
    checked against ``ledger``, every cell published before
    (:func:`eco_eval.release.disclosure.publication_frames`; ``publication`` names this one),
    and the ledger rows of the cells it shows, to keep once it is written. ``overload_hours``:
    the city's facilitator overload threshold, as its bilan uses it."""
    eco = ecosystem
    check_after_launch(period, eco.launch)
    tables = indicator_tables(store)
    with cached(tables):
        frames, _ = publication_frames(
            tables, eco, publication_periods(period, eco.launch), k=k, by=by,
            suppression_log=suppression_log, instruments=instruments, ledger=ledger,
            publication=publication, overload_hours=overload_hours,
        )  # fmt: skip
    frame = with_comparison(
        frames["current"],
        frames.get("previous"),
        frames.get("year"),
        note=comparison_note(period, eco.launch),
    )
    return frame, publication_ledger(frames, publication or period.label, eco.launch)
