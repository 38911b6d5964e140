"""Effectiveness at the reaction level (Kirkpatrick 1): what participants say after a session.

Feedback answers are a sample of participations (not everyone answers), so every figure carries a
95 % interval and its ``n`` (answers): t interval for means, Wilson for the top-2-box share, the
multinomial interval for the recommendation score (see :mod:`eco_eval.stats.intervals`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from eco_eval.ecosystem import Ecosystem
from eco_eval.indicators.batteries import battery_rows, feedback_batteries
from eco_eval.indicators.core import ALL, Tables, attendance_view, row, scopes, tidy
from eco_eval.instruments import Instrument
from eco_eval.periods import Period
from eco_eval.stats.intervals import mean_ci, nps, top_box_share


def feedback_in(tables: Tables, period: Period) -> pd.DataFrame:
    """Answers of the period: by the quarter of their session (or of their submission).

    A date range that cuts through a quarter takes the whole quarter's answers: feedback is
    assigned to quarters, not days, at ingestion.
    """
    fb = tables.feedback
    return fb[fb["quarter"].isin(period.quarters)]


def reaction(
    tables: Tables,
    period: Period,
    eco: Ecosystem,
    instruments: Mapping[str, Instrument] | None = None,
) -> pd.DataFrame:
    """``satisfaction_mean``, ``satisfaction_top2``, ``usefulness_mean``, ``recommendation_score``,
    ``feedback_response_rate`` per scope (programme, lever); with a feedback battery among
    ``instruments`` (``source: feedback``, ``measures: satisfaction|usefulness``, its items in the
    feedback), that measure's indicators come from the battery and ``<measure>_alpha`` is added
    (:mod:`eco_eval.indicators.batteries`).

    Feedback is assigned to the quarter of its session (or of its submission when the session code
    is missing). ``n`` is the number of answers to the item; the response rate's ``n`` is the
    number of answers and its value answers / participations (exact, no interval).
    """

    fb = feedback_in(tables, period)
    view = attendance_view(tables, period)
    participations = {(lv, tl): len(sub) for lv, tl, sub in view.scopes(eco)}
    batteries = feedback_batteries(instruments or {}, fb.columns)
    rows: list[dict[str, object]] = []
    for lever, tool, sub in scopes(fb, eco):
        sat = sub["satisfaction"].dropna().to_numpy(dtype=float)
        use = sub["usefulness"].dropna().to_numpy(dtype=float)
        rec = sub["recommend"].dropna().to_numpy(dtype=float)
        for measure, inst in batteries.items():
            rows.extend(battery_rows(sub, inst, measure, period, lever, tool))
        sat = sat[:0] if "satisfaction" in batteries else sat
        use = use[:0] if "usefulness" in batteries else use
        if len(sat):
            m = mean_ci(sat)
            rows.append(
                row(
                    period,
                    lever,
                    tool,
                    ALL,
                    ALL,
                    "satisfaction_mean",
                    m.estimate,
                    m.n,
                    m.ci_low,
                    m.ci_high,
                )
            )
            t = top_box_share(sat, top=2, scale_max=5)
            rows.append(
                row(
                    period,
                    lever,
                    tool,
                    ALL,
                    ALL,
                    "satisfaction_top2",
                    t.estimate,
                    t.n,
                    t.ci_low,
                    t.ci_high,
                )
            )
        if len(use):
            m = mean_ci(use)
            rows.append(
                row(
                    period,
                    lever,
                    tool,
                    ALL,
                    ALL,
                    "usefulness_mean",
                    m.estimate,
                    m.n,
                    m.ci_low,
                    m.ci_high,
                )
            )
        if len(rec):
            r = nps(rec)
            rows.append(
                row(
                    period,
                    lever,
                    tool,
                    ALL,
                    ALL,
                    "recommendation_score",
                    r.score,
                    r.n,
                    r.ci_low,
                    r.ci_high,
                )
            )
        p = participations.get((lever, tool), 0)
        rows.append(
            row(
                period,
                lever,
                tool,
                ALL,
                ALL,
                "feedback_response_rate",
                len(sub) / p if p else np.nan,
                len(sub),
            )
        )
    return tidy(rows)
