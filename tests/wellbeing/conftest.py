"""Small hand-made barometers and a synthetic city for the well-being tests."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from eco_eval.indicators.core import Tables
from eco_eval.instruments import load_instruments

LEVERS = ("temps", "audace")


@pytest.fixture(scope="session")
def instruments():
    """SWEMWBS, WHO-5, WEMWBS and the climate of two levers, clim_temps_2 reverse-keyed."""
    return load_instruments({"clim_temps": {"reverse": ["clim_temps_2"]}}, levers=LEVERS)


def answers(swemwbs=3, who5=3, temps=(3, 3), audace=(3, 3)) -> dict[str, object]:
    """One response's items: every SWEMWBS item ``swemwbs``, every WHO-5 item ``who5``..."""
    row: dict[str, object] = {f"swemwbs_{i}": swemwbs for i in range(1, 8)}
    row.update({f"who5_{i}": who5 for i in range(1, 6)})
    row.update({"clim_temps_1": temps[0], "clim_temps_2": temps[1]})
    row.update({"clim_audace_1": audace[0], "clim_audace_2": audace[1]})
    row.update({"part_temps": 0, "part_audace": 0})
    return row


def response(rid, wave, person=None, department="Finances", category="B", gender="F", **items):
    return {
        "response_id": str(rid),
        "wave": wave,
        "wave_date": pd.Timestamp(f"{wave}-10"),
        "person_key": person,
        "department": department,
        "category": category,
        "gender": gender,
        **answers(**items),
    }


def synthetic_city(
    seed: int = 1,
    n_people: int = 600,
    n_departments: int = 12,
    waves: tuple[str, ...] = ("2016-05", "2016-11", "2017-05"),
    effect: float = 0.6,
    linked_share: float = 0.8,
    department_name=None,
) -> Tables:
    """A city where taking part in lever ``temps``'s tool raises its climate items by ``effect``
    at the next wave (transient), and ``audace``'s tool does nothing. People with a higher stable
    climate take part more. Every score item is on the 1-5 scale."""
    rng = np.random.default_rng(seed)
    dept = rng.integers(0, n_departments, n_people)
    names = [
        department_name(d) if department_name else f"Direction {d:02d}"
        for d in range(n_departments)
    ]
    cat = rng.choice(["A", "B", "C"], n_people, p=[0.2, 0.3, 0.5])
    trait = rng.normal(0, 0.5, n_people)
    keys = np.array([f"p{i:04d}" for i in range(n_people)], dtype=object)
    sessions, attendance, rows = [], [], []
    sid = 0
    cuts = [pd.Timestamp(f"{w}-01") for w in waves]
    starts = [cuts[0] - pd.DateOffset(months=6), *cuts[:-1]]
    for w, (start, cut) in enumerate(zip(starts, cuts, strict=True)):
        treated = {}
        for lever in LEVERS:
            p = 1 / (1 + np.exp(-(-1.7 + 1.5 * trait)))
            who = rng.random(n_people) < p
            treated[lever] = who
            for i in np.flatnonzero(who):
                sid += 1
                day = start + pd.Timedelta(days=int(rng.integers(0, (cut - start).days)))
                sessions.append(
                    {"session_id": str(sid), "date": day, "lever_id": lever, "tool_id": f"t_{lever}",
                     "status": "held"}
                )  # fmt: skip
                attendance.append({"session_id": str(sid), "person_key": keys[i]})
        respond = rng.random(n_people) < 0.85
        linked = rng.random(n_people) < linked_share
        for i in np.flatnonzero(respond):
            level = 3.2 + trait[i] + 0.05 * w + rng.normal(0, 0.25)
            clim_t = level + effect * treated["temps"][i]
            items = {
                "swemwbs": int(np.clip(round(3 + trait[i] + rng.normal(0, 0.6)), 1, 5)),
                "who5": int(np.clip(round(3 + trait[i] + rng.normal(0, 0.8)), 0, 5)),
                "temps": tuple(
                    int(np.clip(round(clim_t + rng.normal(0, 0.5)), 1, 5)) for _ in range(2)
                ),
                "audace": tuple(
                    int(np.clip(round(level + rng.normal(0, 0.5)), 1, 5)) for _ in range(2)
                ),
            }
            items["temps"] = (items["temps"][0], 6 - items["temps"][1])  # reverse-keyed as written
            rows.append(
                response(
                    f"{waves[w]}:{i}", waves[w], keys[i] if linked[i] else None, names[dept[i]],
                    cat[i], "F" if i % 2 else "M", **items,
                )
            )  # fmt: skip
    sess = pd.DataFrame(sessions)
    sess["date"] = pd.to_datetime(sess["date"])
    return Tables(
        sessions=sess,
        attendance=pd.DataFrame(attendance),
        headcount=pd.DataFrame(),
        feedback=pd.DataFrame(),
        barometer=pd.DataFrame(rows),
    )


@pytest.fixture(scope="session")
def city() -> Tables:
    return synthetic_city()


@pytest.fixture(scope="session")
def eco():
    return SimpleNamespace(lever_ids=LEVERS)
