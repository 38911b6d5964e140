"""The indicator engine: every catalogue indicator of one period, in one tidy frame, before any
suppression. Pure: tables in, tidy frame out (anonymity is applied by the release,
:mod:`eco_eval.release.disclosure`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import DIMENSIONS, Tables, cached
from eco_eval.indicators.implementation import implementation
from eco_eval.indicators.maintenance import maintenance
from eco_eval.indicators.partage import partage
from eco_eval.indicators.reach import adoption, cumulative_reach, reach
from eco_eval.indicators.reaction import reaction
from eco_eval.indicators.results import organisational_results
from eco_eval.indicators.valorisation import valorisation
from eco_eval.periods import Period, comparison

__all__ = ["KEYS", "compute_raw", "publication_periods", "with_comparison"]

KEYS = ["lever", "tool", "dimension", "group", "indicator"]


def compute_raw(
    tables: Tables,
    period: Period,
    eco: Any,
    *,
    by: Sequence[str] = DIMENSIONS,
    instruments: Mapping[str, Any] | None = None,
    overload_hours: float | None = None,
) -> pd.DataFrame:
    """All indicators of the catalogue for one period, before any suppression.

    ``instruments``: ``Project.instruments()``, for the feedback batteries it declares (none:
    the single satisfaction and usefulness questions only); ``overload_hours``: the project's
    facilitator overload threshold (``Project.overload_hours``; None: the catalogue's)."""
    eco = eco.during(period.start, period.end)  # the levers and tools live in the period
    with cached(tables):  # one pass over attendance per period, shared by the families
        parts = [
            implementation(tables, period, eco),
            reach(tables, period, eco, by=by),
            cumulative_reach(tables, period, eco, by=by),
            adoption(tables, period, eco),
            reaction(tables, period, eco, instruments),
            maintenance(tables, period, eco),
            organisational_results(tables, period, eco, by=by),
            partage(tables, period, eco, by=by),
            valorisation(tables, period, eco, overload_hours=overload_hours),
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
