"""The indicator engine: per-lever, per-period RE-AIM indicators in one tidy frame.

Analysts call :func:`compute`::

    import eco_eval
    store = eco_eval.open_store("data/processed/eco_eval.duckdb")
    frame = eco_eval.indicators.compute(store, period="2016-Q2")

Every function below the façade is pure (tables in, tidy frame out); anonymity is applied once, at
the output boundary, by :func:`eco_eval.privacy.suppression.suppress_small_cells`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from eco_eval.indicators.catalogue import Catalogue, Indicator, load_catalogue
from eco_eval.indicators.core import COLUMNS, DIMENSIONS, Tables, cached
from eco_eval.periods import Period, check_after_launch, comparison, comparison_note, parse_period

__all__ = [
    "COLUMNS",
    "Catalogue",
    "Indicator",
    "Tables",
    "anonymise_logged",
    "compute",
    "compute_raw",
    "load_catalogue",
    "publication_periods",
    "release",
    "with_comparison",
]

KEYS = ["lever", "tool", "dimension", "group", "indicator"]


def _tables(source: Any) -> Tables:
    if isinstance(source, Tables):
        return source
    from pathlib import Path

    from eco_eval.store import Store, open_store

    if isinstance(source, (str, Path)):
        source = open_store(source)
    if isinstance(source, Store):  # only what compute_raw reads (not the wide barometer)
        return Tables.for_indicators(source)
    raise TypeError("compute() takes a Store, a store path or Tables")


def compute_raw(
    tables: Tables,
    period: Period,
    eco: Any,
    *,
    by: Sequence[str] = DIMENSIONS,
    instruments: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """All indicators of the catalogue for one period, before any suppression.

    ``instruments``: ``Project.instruments()``, for the feedback batteries it declares (none:
    the single satisfaction and usefulness questions only)."""
    from eco_eval.indicators.implementation import implementation
    from eco_eval.indicators.maintenance import maintenance
    from eco_eval.indicators.reach import adoption, cumulative_reach, reach
    from eco_eval.indicators.reaction import reaction
    from eco_eval.indicators.results import organisational_results

    with cached(tables):  # one pass over attendance per period, shared by the families
        parts = [
            implementation(tables, period, eco),
            reach(tables, period, eco, by=by),
            cumulative_reach(tables, period, eco, by=by),
            adoption(tables, period, eco),
            reaction(tables, period, eco, instruments),
            maintenance(tables, period, eco),
            organisational_results(tables, period, eco, by=by),
        ]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    unknown = set(frame["indicator"]) - set(load_catalogue().ids)
    if unknown:  # every figure must be documented in the catalogue
        raise RuntimeError(f"indicators missing from the catalogue: {sorted(unknown)}")
    return frame


def publication_periods(period: Period, launch: Any) -> dict[str, Period]:
    """The periods of one publication: ``current``, then ``previous`` and ``year`` (the same period
    a year before) unless they end before the programme's ``launch``
    (:func:`eco_eval.periods.comparison`)."""
    out = {"current": period}
    for name, which in (("previous", "previous"), ("year", "year_before")):
        other = comparison(period, which, launch)
        if other is not None:
            out[name] = other
    return out


def with_comparison(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    year_before: pd.DataFrame | None,
    *,
    note: str = "",
) -> pd.DataFrame:
    """Add ``previous`` and ``year_before`` values (NaN where absent or suppressed), ``change``,
    and ``comparison_note``: why a comparison is absent as a whole (``note``, e.g. from
    :func:`eco_eval.periods.comparison_note`; '' when both periods are there)."""
    out = current.copy()
    for name, other in (("previous", previous), ("year_before", year_before)):
        if other is None or other.empty:
            out[name] = float("nan")
            continue
        o = other[[*KEYS, "value", "suppressed"]].copy()
        o.loc[o["suppressed"], "value"] = float("nan")
        o = o.drop(columns="suppressed").rename(columns={"value": name})
        out = out.merge(o.drop_duplicates(KEYS), on=KEYS, how="left")
    out["change"] = out["value"] - out["previous"]
    out.loc[out["suppressed"], ["previous", "year_before", "change"]] = float("nan")
    out["comparison_note"] = note
    return out


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
    from eco_eval.ecosystem import load_ecosystem

    eco = ecosystem or load_ecosystem()
    p = period if isinstance(period, Period) else parse_period(period, launch=eco.launch)
    check_after_launch(p, eco.launch)
    tables = _tables(store)
    periods = publication_periods(p, eco.launch) if compare else {"current": p}
    with cached(tables):  # the attendance codes are shared by the three periods
        frames = {
            name: anonymise(
                compute_raw(tables, q, eco, by=by, instruments=instruments),
                k=k,
                suppression_log=suppression_log,
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


def anonymise(
    frame: pd.DataFrame, *, k: int = 5, suppression_log: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Apply the anonymity rule to the figures that rest on people or answers (not activity).

    Indicators on the same people form one family (attendance-based ones: ``participants``; answers:
    ``answers``) so that a count hidden in one is hidden in all — a reach rate shown beside a
    hidden participant count would give it back (rate × headcount).
    """
    return anonymise_logged(frame, k=k, suppression_log=suppression_log)[0]


def anonymise_logged(
    frame: pd.DataFrame, *, k: int = 5, suppression_log: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`anonymise`, and the suppression log of the cells it hid (with the reason), to keep
    for the next publication (see :func:`release`)."""
    from eco_eval.privacy.suppression import LOG_COLUMNS, suppress_small_cells

    cat = load_catalogue()
    personal = {i.id: i for i in cat.indicators if i.privacy in {"people", "answers"}}
    mask = frame["indicator"].isin(list(personal))
    if not mask.any():
        return frame, pd.DataFrame(columns=list(LOG_COLUMNS))
    families = {
        i.id: (
            "participants"
            if i.privacy == "people" and i.id != "cumulative_reach_rate"
            else i.privacy
        )
        for i in personal.values()
    }
    families["cumulative_reach_rate"] = "cumulative"
    numerators = {"unique_participants": "count"}
    result = suppress_small_cells(
        frame[mask].reset_index(drop=True),
        k=k,
        families=families,
        numerators=numerators,
        suppression_log=suppression_log,
    )
    out = pd.concat([result.frame, frame[~mask]], ignore_index=True)
    return out[COLUMNS + [c for c in out.columns if c not in COLUMNS]], result.log


def release(
    tables: Tables,
    eco: Any,
    periods: Mapping[str, Period],
    *,
    k: int = 5,
    suppression_log: pd.DataFrame | None = None,
    by: Sequence[str] = DIMENSIONS,
    instruments: Mapping[str, Any] | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The anonymised frames of one publication, consistent with the publications before it.

    ``periods`` names the frames a publication shows (a bilan: ``current``, ``previous``, ``year``);
    ``suppression_log`` is the log kept from earlier publications (``None`` for the first). A cell
    hidden before stays hidden — with the cells hidden to protect it — when its period is shown
    again (as the next bilan's comparison column, or with revised data), so that two bilans side by
    side never give a hidden figure back by subtraction. Returns the frames and the log to keep:
    the earlier log plus every cell hidden now (one row per cell, duplicates dropped).
    """
    from eco_eval.privacy.suppression import LOG_COLUMNS

    frames, logs = {}, [] if suppression_log is None else [suppression_log]
    for name, period in periods.items():
        frames[name], log = anonymise_logged(
            compute_raw(tables, period, eco, by=by, instruments=instruments),
            k=k,
            suppression_log=suppression_log,
        )
        logs.append(log)
    merged = pd.concat(
        [f[list(LOG_COLUMNS)].astype(str) for f in logs if len(f)]
        or [pd.DataFrame(columns=list(LOG_COLUMNS))],
        ignore_index=True,
    ).drop_duplicates(ignore_index=True)
    return frames, merged
