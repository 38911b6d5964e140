"""A city whose breakdowns can be taken away: department-only headcount, sign-in sheets without
category, gender or filière (tests/indicators, tests/report)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.core import Tables
from eco_eval.periods import parse_period

ECO = load_ecosystem()
Q2 = parse_period("2016-Q2")
K = 5
DEPARTMENTS = {"Finances": 120, "Education": 200, "Culture": 60, "Sports": 3}
LEVERS = {"bien_etre": "point_silence", "echanges": "la_balade"}


def city(seed: int = 3) -> Tables:
    """146-ish participants over four departments (one of 3 people), two levers, a Q1 session;
    attendance and headcount carry every breakdown column, filled for now."""
    rng = np.random.default_rng(seed)
    staff = pd.DataFrame(
        [(f"{d[:3]}{i:03d}", d) for d, n in DEPARTMENTS.items() for i in range(n)],
        columns=["person_key", "department"],
    )
    staff["category"] = rng.choice(["A", "B", "C"], len(staff))
    staff["gender"] = rng.choice(["F", "M"], len(staff))
    staff["filiere"] = rng.choice(["adm", "tech"], len(staff))
    sessions, attendance = [], []
    for s in range(24):
        lever = list(LEVERS)[s % 2]
        day = date(2016, 4 + s % 3, 1 + s)
        sid = f"S{s:02d}"
        sessions.append((sid, day, "2016-Q2", LEVERS[lever], lever, 1.5, "Finances", "held"))
        for pos in rng.choice(len(staff), 9, replace=False):
            attendance.append((sid, *staff.iloc[int(pos)]))
    sessions.append(("S99", date(2016, 2, 3), "2016-Q1", "la_balade", "echanges", 1.0, "Culture", "held"))  # fmt: skip
    attendance.append(("S99", *staff.iloc[0]))
    ses = pd.DataFrame(
        sessions,
        columns=["session_id", "date", "quarter", "tool_id", "lever_id", "duration_h",
                 "host_department", "status"],
    )  # fmt: skip
    att = pd.DataFrame(attendance, columns=["session_id", *staff.columns])
    att = att.drop_duplicates(["session_id", "person_key"])
    hc = (
        staff.groupby(["department", "category", "gender", "filiere"])
        .size()
        .rename("headcount")
        .reset_index()
        .assign(quarter="2016-Q2")
    )
    return Tables(sessions=ses, attendance=att, headcount=hc, feedback=pd.DataFrame(
        columns=["response_id", "session_id", "tool_id", "lever_id", "submitted_at", "quarter",
                 "satisfaction", "usefulness", "recommend", "comment"]))  # fmt: skip


def blank(frame: pd.DataFrame, columns: tuple[str, ...], *, drop: bool = False) -> pd.DataFrame:
    if drop:
        return frame.drop(columns=list(columns))
    return frame.assign(**{c: pd.Series([None] * len(frame), dtype=object) for c in columns})


def department_only(hc: pd.DataFrame, *, drop: bool = False) -> pd.DataFrame:
    totals = hc.groupby(["quarter", "department"], as_index=False)["headcount"].sum()
    return totals if drop else blank(totals, ("category", "gender", "filiere"))


def sparse_city(*, drop: bool = False) -> Tables:
    """Department-only headcount; sign-in sheets without category, gender or filière (empty
    columns, or no columns with ``drop``)."""
    t = city()
    att = blank(t.attendance, ("category", "gender", "filiere"), drop=drop)
    hc = department_only(t.headcount, drop=drop)
    return Tables(sessions=t.sessions, attendance=att, headcount=hc, feedback=t.feedback)
