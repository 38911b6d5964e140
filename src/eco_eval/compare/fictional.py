"""Open-data packages of fictional cities (``_data/fictional_cities.yaml``), for ``compare``.

Each city's period is drawn as a tidy indicator frame (the programme, each tool, each direction)
around the declared truths, then published by the real publication code: the open-data rule
(:func:`eco_eval.publish.open_data.apply_rule`: k = 10, complementary suppression, counts rounded
to 5) and the package writer (:func:`eco_eval.publish.open_data.write_package`). A small city's
small cells therefore come out as « secret statistique », as they would for a real one. Same seed,
same packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.data_yaml import read_yaml
from eco_eval.ecosystem import Ecosystem, load_ecosystem
from eco_eval.periods import parse_period
from eco_eval.publish.open_data import apply_rule, package_tables, write_package

K_OPEN_DATA = 10
#: Participations per participant, feedback answers per participation (the demo's orders).
PARTICIPATIONS_PER_PERSON = 1.5
ANSWERS_PER_PARTICIPATION = 0.45


@dataclass(frozen=True)
class Organisation:
    name: str
    siren: str
    siret: str


def fictional_cities() -> dict[str, dict[str, Any]]:
    """The declared fictional cities, by id."""
    text = resources.files("eco_eval").joinpath("_data/fictional_cities.yaml").read_text("utf-8")
    return dict(read_yaml(text)["cities"])


def _ecosystem(spec: dict[str, Any], period: str) -> Ecosystem:
    override = dict(spec.get("ecosystem") or {})
    since = spec.get("second_generation_from")
    if since and period < str(since):
        override["tools"] = [t for t in override.get("tools", []) if int(t["generation"]) < 2]
    return load_ecosystem(override or None)


def _row(period: str, lever: str, tool: str, dimension: str, group: str, indicator: str,
         value: float, n: float, low: float = np.nan, high: float = np.nan) -> dict[str, Any]:  # fmt: skip
    return {"period": period, "lever": lever, "tool": tool, "dimension": dimension,
            "group": group, "indicator": indicator, "value": value, "n": n, "ci_low": low,
            "ci_high": high, "suppressed": False}  # fmt: skip


def _people_cells(
    period: str, lever: str, tool: str, dimension: str, group: str, people: int, staff: int
) -> list[dict[str, Any]]:
    """Participants, participations and reach of one cell (the same people)."""
    values = {
        "unique_participants": people,
        "participations": round(people * PARTICIPATIONS_PER_PERSON),
        "reach_rate": people / staff if staff else np.nan,
    }
    return [
        _row(period, lever, tool, dimension, group, indicator, value, people)
        for indicator, value in values.items()
    ]


def _answer_cells(
    period: str, lever: str, tool: str, answers: int, satisfaction: float, recommendation: float
) -> list[dict[str, Any]]:
    """Satisfaction and recommendation of one cell, with a normal 95 % interval (answer
    standard deviations 0.9 and 70 points, the demo's orders)."""
    spread = {
        "satisfaction_mean": (satisfaction, 0.9),
        "recommendation_score": (recommendation, 70),
    }
    rows = []
    for indicator, (value, sd) in spread.items():
        half = 1.96 * sd / np.sqrt(max(answers, 1))
        rows.append(
            _row(
                period,
                lever,
                tool,
                "*",
                "*",
                indicator,
                value,
                answers,
                value - half,
                value + half,
            )
        )
    return rows


def city_frame(spec: dict[str, Any], period: str, eco: Ecosystem, seed: int) -> pd.DataFrame:
    """The raw (unsuppressed) tidy indicator frame of one fictional city and period."""
    rng = np.random.default_rng(seed)
    truth = spec["periods"][period]
    staff, people = int(spec["staff"]), int(truth["participants"])
    answers = round(people * PARTICIPATIONS_PER_PERSON * ANSWERS_PER_PARTICIPATION)
    rows = _people_cells(period, "*", "*", "*", "*", people, staff)
    rows += _answer_cells(period, "*", "*", answers, truth["satisfaction"], truth["recommendation"])
    rows += [
        _row(
            period,
            "*",
            "*",
            "*",
            "*",
            "staff_time_days",
            round(truth["days_per_participant"] * people, 1),
            np.nan,
        ),
        _row(period, "*", "*", "*", "*", "lever_balance", truth["balance"], np.nan),
        _row(period, "*", "*", "*", "*", "sessions_held", max(1, round(people / 6)), np.nan),
    ]
    # directions: each with its share of the staff and of the participants
    n_dept = int(spec["departments"])
    weights = rng.dirichlet(np.full(n_dept, 3.0))
    dept_staff = np.maximum(1, np.round(weights * staff)).astype(int)
    dept_people = rng.multinomial(people, weights)
    for d in range(n_dept):
        rows += _people_cells(period, "*", "*", "department", f"Direction {d + 1:02d}",
                              int(dept_people[d]), int(dept_staff[d]))  # fmt: skip
    # tools: participants spread over the tools, satisfaction around the programme's
    tools = list(eco.tools)
    tool_people = rng.multinomial(people, rng.dirichlet(np.full(len(tools), 2.0)))
    for t, p in zip(tools, tool_people, strict=True):
        rows += _people_cells(period, t.lever, t.id, "*", "*", int(p), staff)
        tool_answers = round(int(p) * PARTICIPATIONS_PER_PERSON * ANSWERS_PER_PARTICIPATION)
        if tool_answers:
            rows += _answer_cells(
                period, t.lever, t.id, tool_answers,
                float(np.clip(truth["satisfaction"] + rng.normal(0, 0.2), 1, 5)),
                float(np.clip(truth["recommendation"] + rng.normal(0, 10), -100, 100)),
            )  # fmt: skip
    return pd.DataFrame(rows)


def write_fictional_packages(
    folder: Path,
    *,
    seed: int = 26,
    published_on: date = date(2018, 2, 15),
    cities: Mapping[str, dict[str, Any]] | None = None,
) -> list[Path]:
    """Write one package per fictional city and period under ``folder/<city>/<period>/``;
    return the package folders. ``cities``: other definitions than the declared ones (same
    keys as ``_data/fictional_cities.yaml``)."""
    written = []
    chosen = fictional_cities() if cities is None else cities
    for index, (city_id, spec) in enumerate(sorted(chosen.items())):
        org = Organisation(str(spec["name"]), str(spec["siren"]), str(spec["siret"]))
        for p_index, label in enumerate(sorted(spec["periods"])):
            period = parse_period(label)
            eco = _ecosystem(spec, label)
            raw = city_frame(spec, label, eco, seed + 100 * index + p_index)
            result = apply_rule(raw, k=K_OPEN_DATA, launch=eco.launch)
            common: dict[str, Any] = {"organisation": org, "published_on": published_on}
            out = folder / city_id / label
            write_package(
                out,
                package_tables(result.frame, period=period, ecosystem=eco, **common),
                period_label=label,
                k=K_OPEN_DATA,
                **common,
            )
            written.append(out)
    return written
