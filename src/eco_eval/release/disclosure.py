"""Disclosure control of the indicator frames: the anonymity rule, applied once per publication.

The indicator engine (:mod:`eco_eval.indicators`) computes raw figures; this module hides the
cells that rest on fewer than ``k`` people, with complementary suppression
(:func:`eco_eval.privacy.suppression.suppress_small_cells`), and keeps the log of what it hid so
that the next publication hides the same cells again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import COLUMNS, DIMENSIONS, Tables
from eco_eval.indicators.engine import compute_raw
from eco_eval.indicators.implementation import implementation
from eco_eval.indicators.partage import partage
from eco_eval.indicators.reach import reach
from eco_eval.indicators.reaction import reaction
from eco_eval.indicators.valorisation import valorisation
from eco_eval.periods import Period, parse_period, quarter_range
from eco_eval.privacy.suppression import LOG_COLUMNS, suppress_small_cells

__all__ = ["anonymise", "anonymise_logged", "history", "publication_frames"]


def anonymise(
    frame: pd.DataFrame,
    *,
    k: int = 5,
    suppression_log: pd.DataFrame | None = None,
    launch: date | None = None,
) -> pd.DataFrame:
    """Apply the anonymity rule to the figures that rest on people or answers (not activity).

    Indicators on the same people form one family (attendance-based ones: ``participants``; answers:
    ``answers``) so that a count hidden in one is hidden in all — a reach rate shown beside a
    hidden participant count would give it back (rate × headcount). ``launch``: the programme's
    launch, which dates the ``cumul:`` periods of the frame.
    """
    return anonymise_logged(frame, k=k, suppression_log=suppression_log, launch=launch)[0]


def anonymise_logged(
    frame: pd.DataFrame,
    *,
    k: int = 5,
    suppression_log: pd.DataFrame | None = None,
    launch: date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`anonymise`, and the suppression log of the cells it hid (with the reason), to keep
    for the next publication (see :func:`publication_frames`)."""
    cat = load_catalogue()
    personal = {i.id: i for i in cat.indicators if i.privacy in {"people", "answers"}}
    mask = frame["indicator"].isin(list(personal))
    if not mask.any():
        return frame, pd.DataFrame(columns=list(LOG_COLUMNS))
    families = {
        i.id: i.family or ("participants" if i.privacy == "people" else i.privacy)
        for i in personal.values()
    }
    families["cumulative_reach_rate"] = "cumulative"
    numerators = {
        "unique_participants": "count",
        **{i.id: i.numerator for i in personal.values() if i.numerator},
    }
    result = suppress_small_cells(
        frame[mask].reset_index(drop=True),
        k=k,
        families=families,
        numerators=numerators,
        suppression_log=suppression_log,
        launch=launch,
    )
    out = pd.concat([result.frame, frame[~mask]], ignore_index=True)
    return out[COLUMNS + [c for c in out.columns if c not in COLUMNS]], result.log


def publication_frames(
    tables: Tables,
    eco: Any,
    periods: Mapping[str, Period],
    *,
    k: int = 5,
    suppression_log: pd.DataFrame | None = None,
    by: Sequence[str] = DIMENSIONS,
    instruments: Mapping[str, Any] | None = None,
    overload_hours: float | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The anonymised frames of one publication, consistent with the publications before it.

    ``periods`` names the frames a publication shows (a bilan: ``current``, ``previous``, ``year``);
    ``suppression_log`` is the log kept from earlier publications (``None`` for the first). A cell
    hidden before stays hidden — with the cells hidden to protect it — when its period is shown
    again (as the next bilan's comparison column, or with revised data), so that two bilans side by
    side never give a hidden figure back by subtraction. Returns the frames and the log to keep:
    the earlier log plus every cell hidden now (one row per cell, duplicates dropped).
    """
    frames, logs = {}, [] if suppression_log is None else [suppression_log]
    for name, period in periods.items():
        frames[name], log = anonymise_logged(
            compute_raw(
                tables,
                period,
                eco,
                by=by,
                instruments=instruments,
                overload_hours=overload_hours,
            ),
            k=k,
            suppression_log=suppression_log,
            launch=eco.launch,
        )
        logs.append(log)
    merged = pd.concat(
        [f[list(LOG_COLUMNS)].astype(str) for f in logs if len(f)]
        or [pd.DataFrame(columns=list(LOG_COLUMNS))],
        ignore_index=True,
    ).drop_duplicates(ignore_index=True)
    return frames, merged


def history(
    tables: Tables,
    eco: Any,
    period: Period,
    k: int,
    log: pd.DataFrame | None = None,
    instruments: Any = None,
    overload_hours: float | None = None,
) -> pd.DataFrame:
    """Programme- and lever-level figures of every quarter from launch to ``period``'s end (the
    « partage » and « valorisation » figures of the whole programme only).

    ``log``: the cells hidden in the publication's own tables (and earlier ones); they stay hidden
    in the trends, or a lever's count hidden in the previous quarter's table to protect a small
    department would show in its trend line."""
    first = Period(eco.launch, eco.launch, "launch").quarters[0]
    parts = []
    for q in quarter_range(first, period.last_quarter):
        qp = parse_period(q)
        live = eco.during(qp.start, qp.end)
        raw = pd.concat(
            [
                implementation(tables, qp, live),
                reach(tables, qp, live, by=()),
                reaction(tables, qp, live, instruments),
                _programme_level(partage(tables, qp, live)),
                _programme_level(valorisation(tables, qp, live, overload_hours=overload_hours)),
            ],
            ignore_index=True,
        )
        parts.append(anonymise(raw, k=k, suppression_log=log, launch=eco.launch))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _programme_level(frame: pd.DataFrame) -> pd.DataFrame:
    """The whole programme's rows of a tidy frame (no lever, no breakdown)."""
    return frame[(frame["lever"] == "*") & (frame["dimension"] == "all")]
