"""Implementation: sessions planned, held, cancelled, and what they cost in staff time.

The programme calls itself "no cost"; its real cost is time. Facilitator hours are the durations
of held sessions, times the number of facilitators the log names for each; participant hours sum the session's duration over its attendances; both are
converted to 7-hour person-days and to full-time equivalents (1,607 h a year, prorated to the
period's length), parameters declared in the indicator catalogue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eco_eval.ecosystem import Ecosystem
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import (
    ALL,
    Tables,
    attendance_view,
    facilitator_hours,
    row,
    scopes,
    sessions_in,
    tidy,
)
from eco_eval.periods import Period


def implementation(tables: Tables, period: Period, eco: Ecosystem) -> pd.DataFrame:
    """Sessions and staff time per scope (programme, lever).

    Returns tidy rows for ``sessions_planned`` (all logged sessions), ``sessions_held``,
    ``sessions_cancelled``, ``cancellation_rate`` = cancelled / planned, ``participants_per_session``
    = participations / held, ``facilitator_hours`` = Σ duration × facilitators named (at least one) over held sessions,
    ``participant_hours`` = Σ over attendances of the duration, ``staff_time_days`` = (facilitator +
    participant hours) / hours_per_day, ``staff_time_fte`` = same hours / (hours_per_fte_year ×
    days(period) / 365). ``n`` is the number of sessions (activity, not people).
    """
    params = load_catalogue().parameters
    per_day = float(params.get("hours_per_day", 7))
    fte_hours = (
        float(params.get("hours_per_fte_year", 1607))
        * ((period.end - period.start).days + 1)
        / 365.0
    )
    ses = sessions_in(tables.sessions, period)
    view = attendance_view(tables, period)
    attendance_scopes = {(lv, tl): (len(a), a.duration_sum()) for lv, tl, a in view.scopes(eco)}
    rows: list[dict[str, object]] = []
    for lever, tool, sub in scopes(ses, eco):
        planned = len(sub)
        held = sub[sub["status"] == "held"]
        cancelled = int((sub["status"] == "cancelled").sum())
        n_att, part_h = attendance_scopes.get((lever, tool), (0, 0.0))
        fac_h = facilitator_hours(held)
        rows += [
            row(period, lever, tool, ALL, ALL, "sessions_planned", planned, planned),
            row(period, lever, tool, ALL, ALL, "sessions_held", len(held), len(held)),
            row(period, lever, tool, ALL, ALL, "sessions_cancelled", cancelled, cancelled),
            row(
                period,
                lever,
                tool,
                ALL,
                ALL,
                "cancellation_rate",
                cancelled / planned if planned else np.nan,
                planned,
            ),
            row(
                period,
                lever,
                tool,
                ALL,
                ALL,
                "participants_per_session",
                n_att / len(held) if len(held) else np.nan,
                len(held),
            ),
            row(period, lever, tool, ALL, ALL, "facilitator_hours", fac_h, len(held)),
            row(period, lever, tool, ALL, ALL, "participant_hours", part_h, len(held)),
            row(
                period,
                lever,
                tool,
                ALL,
                ALL,
                "staff_time_days",
                (fac_h + part_h) / per_day,
                len(held),
            ),
            row(
                period,
                lever,
                tool,
                ALL,
                ALL,
                "staff_time_fte",
                (fac_h + part_h) / fte_hours,
                len(held),
            ),
        ]
    return tidy(rows)
