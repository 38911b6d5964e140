"""Reach, representativeness and adoption (RE-AIM: who takes part, and where).

Counts come from attendance at held sessions; the denominator is the HR headcount at the end of
the period. These are census figures (everyone who came, against everyone employed), so they carry
no sampling interval; small groups are hidden later, at the output boundary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from eco_eval.ecosystem import Ecosystem
from eco_eval.indicators.core import (
    ALL,
    DIMENSIONS,
    Tables,
    attendance_view,
    has_values,
    headcount_at,
    row,
    scopes,
    sessions_in,
    tidy,
)
from eco_eval.periods import Period, cumulative


def reach(
    tables: Tables,
    period: Period,
    eco: Ecosystem,
    *,
    by: Sequence[str] = DIMENSIONS,
) -> pd.DataFrame:
    """Unique participants, participations, reach rate, repeat participation, participation ratio.

    Parameters
    ----------
    tables : Tables
        ``attendance``, ``sessions`` and ``headcount`` are used.
    period : Period
        Sessions dated inside the period count; headcount is the snapshot of its last quarter.
    by : sequence of str
        Breakdown dimensions (columns of attendance and headcount). A dimension with no value in
        the period's headcount or in the attendance register is not a breakdown: it gives no
        cells (so people of unknown group never fill empty cells that suppression would hide),
        and neither does a scope none of whose participants has a value of it.

    Returns
    -------
    Tidy frame (see ``core.COLUMNS``) with indicators ``unique_participants``, ``participations``,
    ``reach_rate`` = unique participants / headcount, ``repeat_participation_rate`` = share of
    participants with two attendances or more, ``participation_ratio`` = group rate / overall rate
    and, per dimension, ``dissimilarity_index`` = ½ Σ_g |p_g/P − h_g/H| (Duncan & Duncan, 1955).
    ``n`` is the number of distinct participants each figure rests on.
    """
    view = attendance_view(tables, period)
    hc = headcount_at(tables.headcount, period)
    total_hc = float(hc["headcount"].sum())
    dims = [d for d in by if d in view.columns and has_values(hc, d) and _counted(tables, d)]
    hc_by = {d: hc.groupby(d)["headcount"].sum() for d in dims}
    rows: list[dict[str, object]] = []
    for lever, tool, scope in view.scopes(eco):
        n_people, n_repeat = scope.people()
        overall_rate = n_people / total_hc if total_hc else np.nan
        rows.append(row(period, lever, tool, ALL, ALL, "unique_participants", n_people, n_people))
        rows.append(row(period, lever, tool, ALL, ALL, "participations", len(scope), n_people))
        rows.append(row(period, lever, tool, ALL, ALL, "reach_rate", overall_rate, n_people))
        if n_people:
            rows.append(
                row(
                    period,
                    lever,
                    tool,
                    ALL,
                    ALL,
                    "repeat_participation_rate",
                    n_repeat / n_people,
                    n_people,
                )
            )
        for dim in dims:
            hc_g = hc_by[dim]
            if dim in view.simple:
                part_g, visits_g = scope.by_group(dim)
            else:  # a breakdown by a column the merge brings from sessions
                sub = view.scope_frames(eco)[(lever, tool)]
                part_g = sub.groupby(dim)["person_key"].nunique()
                visits_g = sub.groupby(dim).size()
            if n_people and not len(part_g):
                continue  # nobody of this scope has a known group: no breakdown to give
            groups = sorted(set(hc_g.index) | set(part_g.index), key=str)
            for g in groups:
                p = float(part_g.get(g, 0))
                h = float(hc_g.get(g, 0))
                rate = p / h if h else np.nan
                rows.append(row(period, lever, tool, dim, str(g), "unique_participants", p, p))
                rows.append(
                    row(
                        period,
                        lever,
                        tool,
                        dim,
                        str(g),
                        "participations",
                        float(visits_g.get(g, 0)),
                        p,
                    )
                )
                rows.append(row(period, lever, tool, dim, str(g), "reach_rate", rate, p))
                if overall_rate and overall_rate > 0 and h:
                    rows.append(
                        row(
                            period,
                            lever,
                            tool,
                            dim,
                            str(g),
                            "participation_ratio",
                            rate / overall_rate,
                            p,
                        )
                    )
            if n_people and total_hc:
                share_p = part_g.reindex(groups, fill_value=0) / n_people
                share_h = hc_g.reindex(groups, fill_value=0) / total_hc
                rows.append(
                    row(
                        period,
                        lever,
                        tool,
                        dim,
                        ALL,
                        "dissimilarity_index",
                        0.5 * float((share_p - share_h).abs().sum()),
                        n_people,
                    )
                )
    return tidy(rows)


def _counted(tables: Tables, dim: str) -> bool:
    """The participants' side of breakdown ``dim`` has values (attendance, or sessions for a
    breakdown by a session column)."""
    att = tables.attendance
    return has_values(att if dim in att.columns else tables.sessions, dim)


def cumulative_reach(
    tables: Tables,
    period: Period,
    eco: Ecosystem,
    *,
    by: Sequence[str] = DIMENSIONS,
) -> pd.DataFrame:
    """``cumulative_reach_rate``: distinct participants since launch / headcount at the period's end.

    The ``period`` column keeps the label of ``period``; the figure covers launch..period.end.
    """
    since = cumulative(period, eco.launch)
    frame = reach(tables, since, eco, by=by)
    frame = frame[frame["indicator"] == "reach_rate"].copy()
    frame["indicator"] = "cumulative_reach_rate"
    frame["period"] = str(period)
    return frame


def adoption(tables: Tables, period: Period, eco: Ecosystem) -> pd.DataFrame:
    """``departments_reached``, ``departments_hosting``, ``levers_active_per_department``.

    Departments reached = departments with at least one participant; hosting = host departments of
    held sessions; levers active per department = mean over departments with staff of the number of
    levers at least one of their staff used.
    """
    view = attendance_view(tables, period)
    ses = sessions_in(tables.sessions, period)
    held = ses[ses["status"] == "held"]
    rows: list[dict[str, object]] = []
    n_departments = tables.headcount["department"].nunique() if len(tables.headcount) else 0
    for lever, tool, scope in view.scopes(eco):
        reached = scope.nunique("department")
        rows.append(row(period, lever, tool, ALL, ALL, "departments_reached", reached, reached))
    for lever, tool, sub in scopes(held, eco):
        hosting = sub["host_department"].dropna().nunique()
        rows.append(row(period, lever, tool, ALL, ALL, "departments_hosting", hosting, hosting))
    per_dept = view.groups_per("department", "lever_id")
    hc_depts = headcount_at(tables.headcount, period)["department"].unique()
    values = per_dept.reindex(hc_depts, fill_value=0) if len(hc_depts) else per_dept
    if len(values):
        rows.append(
            row(
                period,
                ALL,
                ALL,
                ALL,
                ALL,
                "levers_active_per_department",
                float(values.mean()),
                float(n_departments),
            )
        )
        for dept, v in values.items():
            rows.append(
                row(
                    period,
                    ALL,
                    ALL,
                    "department",
                    str(dept),
                    "levers_active_per_department",
                    float(v),
                    float(v),
                )
            )
    return tidy(rows)
