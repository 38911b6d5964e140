"""Maintenance: does the activity last, and is the ecosystem used in a balanced way?"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from eco_eval.ecosystem import Ecosystem
from eco_eval.indicators.core import ALL, Tables, attendance_view, row, tidy
from eco_eval.periods import Period, cumulative, quarter_range


def _held_per_quarter(tables: Tables, eco: Ecosystem, period: Period) -> pd.DataFrame:
    """Held sessions per lever and quarter from launch to the period's end (zeros included)."""
    held = tables.sessions[tables.sessions["status"] == "held"]
    quarters = list(quarter_range(cumulative(period, eco.launch).quarters[0], period.last_quarter))
    counts = held.groupby(["lever_id", "quarter"]).size().unstack(fill_value=0)
    return counts.reindex(index=list(eco.lever_ids), columns=quarters, fill_value=0)


def maintenance(tables: Tables, period: Period, eco: Ecosystem) -> pd.DataFrame:
    """``active_quarters``, ``activity_trend``, ``fading_out`` per lever; ``lever_balance`` and
    ``idle_levers`` for the programme.

    - active_quarters: quarters since launch (up to the period's end) with ≥ 1 held session;
    - activity_trend: OLS slope of held sessions on the quarter index over the last four quarters,
      with its 95 % t interval (scipy.stats.linregress);
    - fading_out: 1 when the held sessions of the period's last quarter are below half those of the
      same quarter a year before (or nil after some activity then), else 0: year on year, so that
      a seasonal low (the summer) is not taken for a decline;
    - lever_balance: normalised Shannon entropy −Σ p ln p / ln L of participations over the L levers;
    - idle_levers: levers with no held session in the period.
    """
    per_q = _held_per_quarter(tables, eco, period)
    rows: list[dict[str, object]] = []
    for lever in eco.levers:
        tools = eco.tools_of(lever.id)
        tool = tools[0].id if len(tools) == 1 else ALL
        series = per_q.loc[lever.id].to_numpy(dtype=float)
        active = int((series > 0).sum())
        rows.append(row(period, lever.id, tool, ALL, ALL, "active_quarters", active, active))
        last4 = series[-4:]
        if len(last4) >= 3:
            x = np.arange(len(last4), dtype=float)
            if np.ptp(last4) == 0:
                rows.append(
                    row(
                        period,
                        lever.id,
                        tool,
                        ALL,
                        ALL,
                        "activity_trend",
                        0.0,
                        len(last4),
                        0.0,
                        0.0,
                    )
                )
            else:
                fit = stats.linregress(x, last4)
                t = stats.t.ppf(0.975, len(last4) - 2)
                rows.append(
                    row(
                        period,
                        lever.id,
                        tool,
                        ALL,
                        ALL,
                        "activity_trend",
                        fit.slope,
                        len(last4),
                        fit.slope - t * fit.stderr,
                        fit.slope + t * fit.stderr,
                    )
                )
        if len(series) >= 5:
            recent, before = series[-1], series[-5]
            fading = bool(before > 0 and recent < 0.5 * before)
            rows.append(
                row(
                    period,
                    lever.id,
                    tool,
                    ALL,
                    ALL,
                    "fading_out",
                    float(fading),
                    float(before + recent),
                )
            )
    counts = attendance_view(tables, period).rows_per_lever(list(eco.lever_ids))
    total = counts.sum()
    if total > 0 and len(counts) > 1:
        p = counts[counts > 0] / total
        rows.append(
            row(
                period,
                ALL,
                ALL,
                ALL,
                ALL,
                "lever_balance",
                float(-(p * np.log(p)).sum() / np.log(len(counts))),
                total,
            )
        )
    idle = idle_lever_ids(tables, period, eco)
    rows.append(row(period, ALL, ALL, ALL, ALL, "idle_levers", len(idle), len(eco.lever_ids)))
    return tidy(rows)


def idle_lever_ids(tables: Tables, period: Period, eco: Ecosystem) -> list[str]:
    """Levers with no held session in the period, in ecosystem order."""
    held_now = tables.sessions[
        (tables.sessions["status"] == "held") & tables.sessions["quarter"].isin(period.quarters)
    ]
    active = set(held_now["lever_id"].unique())
    return [lv for lv in eco.lever_ids if lv not in active]


__all__ = ["idle_lever_ids", "maintenance"]
