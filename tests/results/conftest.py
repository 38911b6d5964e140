"""Small hand-made tables of the organisational results, whose figures the tests compute by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from eco_eval.indicators.core import Tables

NAN = np.nan


def _headcount(quarters: dict[str, dict[str, int]]) -> pd.DataFrame:
    rows = [
        (q, dept, "B", "F", "Administrative", n)
        for q, depts in quarters.items()
        for dept, n in depts.items()
    ]
    return pd.DataFrame(
        rows, columns=["quarter", "department", "category", "gender", "filiere", "headcount"]
    )


IDEA_COLUMNS = [
    "idea_id", "proposed_on", "quarter", "department", "tool_id", "lever_id", "status",
    "studied_on", "trialled_on", "adopted_on", "dropped_on", "hours_saved", "cost_saved",
    "users_affected", "author_key",
]  # fmt: skip


def _d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@pytest.fixture
def ideas() -> pd.DataFrame:
    """Eight ideas; seven filed in 2016-Q2 (the cohort), one in Q1 adopted in Q2."""
    cta, ess = ("colle_ton_avis", "remise_en_question"), ("essais_libres", "experimentation")
    none = (None, None)
    rows = [
        # id, filed, dept, (tool, lever), status, studied, trialled, adopted, dropped, h, €, users
        ("I1", "2016-04-05", "Finances", cta, "adopted", "2016-04-20", "2016-05-10", "2016-06-28", None, 100, 1000, 50),
        ("I2", "2016-04-10", "Finances", cta, "dropped", "2016-04-30", None, None, "2016-05-15", NAN, NAN, NAN),
        ("I3", "2016-05-01", "Education", ess, "trialled", "2016-05-10", "2016-06-01", None, None, NAN, NAN, NAN),
        ("I4", "2016-05-02", "Education", ess, "adopted", "2016-05-05", "2016-05-20", "2016-07-29", None, 40, NAN, 0),
        ("I5", "2016-06-15", "Finances", none, "proposed", None, None, None, None, NAN, NAN, NAN),
        ("I6", "2016-06-20", "Education", cta, "dropped", None, None, None, "2016-06-25", NAN, NAN, NAN),
        ("I7", "2016-02-01", "Finances", ess, "adopted", "2016-02-15", "2016-03-01", "2016-05-15", None, 20, 500, 10),
        # adopted with its study and trial dates left blank; department typed in capitals
        ("I8", "2016-04-20", "EDUCATION ", cta, "adopted", None, None, "2016-06-01", None, 10, 200, NAN),
    ]  # fmt: skip
    out = []
    for i, filed, dept, (tool, lever), status, st, tr, ad, dr, h, c, u in rows:
        f = _d(filed)
        q = f"{f.year}-Q{(f.month - 1) // 3 + 1}"
        out.append(
            (i, f, q, dept, tool, lever, status, _d(st), _d(tr), _d(ad), _d(dr), h, c, u, f"k{i}")
        )
    return pd.DataFrame(out, columns=IDEA_COLUMNS)


@pytest.fixture
def hr() -> pd.DataFrame:
    cols = [
        "quarter", "department", "absence_days", "absence_days_sickness", "absence_days_accident",
        "average_headcount", "absence_rate", "leavers", "internal_moves", "training_days",
    ]  # fmt: skip
    rows = [
        ("2016-Q1", "Finances", 182, 150, 5, 40, 0.05, 1, 0, 10),
        ("2016-Q1", "Education", 437, 300, 40, 60, 0.08, 2, 1, 20),
        ("2016-Q2", "FINANCES", 146, 120, 2, 40, 0.04, 0, 1, 12),
        # rate left blank: 546 days / (60 agents x 91 days) = 0.1
        ("2016-Q2", "Education", 546, 400, 50, 60, NAN, 3, 2, 30),
    ]
    return pd.DataFrame(rows, columns=cols)


@pytest.fixture
def citizens() -> pd.DataFrame:
    rows = [
        ("2016-Q1", "Education", 100, 7.0, 5),
        ("2016-Q2", "Education", 100, 8.0, 3),
        ("2016-Q2", "Finances", 300, 6.0, NAN),
    ]
    return pd.DataFrame(
        rows, columns=["quarter", "department", "respondents", "satisfaction_score", "complaints"]
    )


def _empty_activity() -> dict[str, pd.DataFrame]:
    return {
        "sessions": pd.DataFrame(
            columns=["session_id", "date", "quarter", "tool_id", "lever_id", "duration_h",
                     "host_department", "status"]
        ),
        "attendance": pd.DataFrame(
            columns=["session_id", "person_key", "department", "category", "gender", "filiere"]
        ),
        "feedback": pd.DataFrame(columns=["response_id", "session_id", "tool_id", "lever_id", "quarter"]),
    }  # fmt: skip


@pytest.fixture
def tables(ideas, hr, citizens) -> Tables:
    hc = _headcount(
        {q: {"Finances": 40, "Education": 60} for q in ("2016-Q1", "2016-Q2", "2016-Q3")}
    )
    return Tables(
        headcount=hc, ideas=ideas, hr_results=hr, citizen_satisfaction=citizens, **_empty_activity()
    )


@pytest.fixture
def exposure_tables() -> Tables:
    """Two departments, three quarters, three sessions (one cancelled), absence per quarter.

    Reach: Q1 A 2/10, B 1/20; Q2 A 1/10, B 3/20; Q3 nobody. Hours: S1 2 h, S2 1 h.
    """
    hc = _headcount({q: {"A": 10, "B": 20} for q in ("2016-Q1", "2016-Q2", "2016-Q3")})
    sessions = pd.DataFrame(
        [
            ("S1", date(2016, 2, 1), "2016-Q1", "la_balade", "echanges", 2.0, "A", "held"),
            ("S2", date(2016, 5, 1), "2016-Q2", "la_balade", "echanges", 1.0, "B", "held"),
            ("S3", date(2016, 5, 9), "2016-Q2", "la_balade", "echanges", 1.0, "B", "cancelled"),
        ],
        columns=["session_id", "date", "quarter", "tool_id", "lever_id", "duration_h",
                 "host_department", "status"],
    )  # fmt: skip
    att = pd.DataFrame(
        [
            ("S1", "a1", "A"), ("S1", "a2", "A"), ("S1", "b1", "B"),
            ("S2", "a1", "A"), ("S2", "b1", "B"), ("S2", "b2", "B"), ("S2", "b3", "B"),
            ("S3", "a3", "A"),
        ],
        columns=["session_id", "person_key", "department"],
    )  # fmt: skip
    for col, v in (("category", "B"), ("gender", "F"), ("filiere", "Administrative")):
        att[col] = v
    hr = pd.DataFrame(
        [
            ("2016-Q1", "A", 10, 0.05, 1), ("2016-Q2", "A", 10, 0.04, 0), ("2016-Q3", "A", 10, 0.06, 2),
            ("2016-Q1", "B", 20, 0.08, 0), ("2016-Q2", "B", 20, 0.09, 1), ("2016-Q3", "B", 20, 0.07, 1),
        ],
        columns=["quarter", "department", "average_headcount", "absence_rate", "leavers"],
    )  # fmt: skip
    for col in (
        "absence_days",
        "absence_days_sickness",
        "absence_days_accident",
        "internal_moves",
        "training_days",
    ):
        hr[col] = NAN
    return Tables(
        sessions=sessions, attendance=att, headcount=hc,
        feedback=_empty_activity()["feedback"], hr_results=hr,
    )  # fmt: skip
