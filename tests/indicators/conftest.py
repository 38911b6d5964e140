"""Small hand-made tables whose indicators are computed by hand in the tests."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from eco_eval.indicators.core import Tables

#: the columns of the hand-made sessions tables (the store's, without the free text)
SESSION_COLUMNS = [
    "session_id",
    "date",
    "quarter",
    "tool_id",
    "lever_id",
    "duration_h",
    "host_department",
    "status",
]


@pytest.fixture
def tables() -> Tables:
    sessions = pd.DataFrame(
        [
            # id, date, quarter, tool, lever, duration, host, status
            (
                "S1",
                date(2016, 4, 5),
                "2016-Q2",
                "point_silence",
                "bien_etre",
                1.5,
                "Finances",
                "held",
            ),
            (
                "S2",
                date(2016, 5, 10),
                "2016-Q2",
                "point_silence",
                "bien_etre",
                1.0,
                "Education",
                "held",
            ),
            ("S3", date(2016, 6, 1), "2016-Q2", "la_balade", "echanges", 2.0, "Finances", "held"),
            (
                "S4",
                date(2016, 6, 2),
                "2016-Q2",
                "la_balade",
                "echanges",
                2.0,
                "Finances",
                "cancelled",
            ),
            ("S5", date(2016, 2, 2), "2016-Q1", "la_balade", "echanges", 2.0, "Finances", "held"),
        ],
        columns=SESSION_COLUMNS,
    )
    sessions["facilitator_key"] = "f1"
    sessions["n_facilitators"] = 1
    sessions["place"] = "salle"
    att = pd.DataFrame(
        [
            ("S1", "p1", "Finances", "A", "F", "adm"),
            ("S1", "p2", "Finances", "C", "M", "adm"),
            ("S2", "p1", "Finances", "A", "F", "adm"),
            ("S2", "p3", "Education", "B", "F", "anim"),
            ("S3", "p4", "Education", "B", "M", "anim"),
            ("S3", "p1", "Finances", "A", "F", "adm"),
            ("S5", "p9", "Education", "B", "F", "anim"),
        ],
        columns=["session_id", "person_key", "department", "category", "gender", "filiere"],
    )
    headcount = pd.DataFrame(
        [
            ("2016-Q2", "Finances", "A", "F", "adm", 10),
            ("2016-Q2", "Finances", "C", "M", "adm", 30),
            ("2016-Q2", "Education", "B", "F", "anim", 40),
            ("2016-Q2", "Education", "B", "M", "anim", 20),
            ("2016-Q1", "Finances", "A", "F", "adm", 10),
        ],
        columns=["quarter", "department", "category", "gender", "filiere", "headcount"],
    )
    feedback = pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3", "r4"],
            "session_id": ["S1", "S1", "S2", "S3"],
            "tool_id": ["point_silence", "point_silence", "point_silence", "la_balade"],
            "lever_id": ["bien_etre", "bien_etre", "bien_etre", "echanges"],
            "submitted_at": pd.NaT,
            "quarter": "2016-Q2",
            "satisfaction": [5.0, 4.0, 2.0, 5.0],
            "usefulness": [4.0, 4.0, 3.0, None],
            "recommend": [10.0, 9.0, 3.0, 8.0],
            "comment": [None, "bien", None, None],
        }
    )
    return Tables(sessions=sessions, attendance=att, headcount=headcount, feedback=feedback)
