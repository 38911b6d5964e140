"""Draw the whole fictional city in memory (no I/O except reading the packaged ecosystem)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources

import numpy as np

from eco_eval.data_yaml import read_yaml
from eco_eval.demo.attendance import Attendance, draw_attendance
from eco_eval.demo.barometer import WaveResponses, build_barometer
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.defects import SessionLogDefects, plan_defects
from eco_eval.demo.feedback import Feedback, build_feedback
from eco_eval.demo.results import Results, build_results
from eco_eval.demo.sessions import Sessions, build_sessions
from eco_eval.demo.staff import Staff, build_staff

log = logging.getLogger(__name__)

# One independent random stream per component: changing one component leaves the others' draws alone.
# New streams go at the end (SeedSequence children are numbered, so earlier streams keep their draws).
STREAMS = (
    "staff",
    "sessions",
    "attendance",
    "defects",
    "feedback",
    "barometer",
    "results",
    "results_defects",
)


@dataclass(frozen=True)
class Ecosystem:
    """The first-generation tools (those of 2015-2017) and the levers, in the packaged order."""

    tool_ids: list[str]
    tool_names: list[str]
    lever_ids: list[str]
    lever_names: dict[str, str]
    lever_of: dict[str, str]  # tool id -> lever id

    @property
    def tool_of(self) -> dict[str, str]:
        """Lever id -> tool id."""
        return {lever: tool for tool, lever in self.lever_of.items()}

    @property
    def lever_index_of_tool(self) -> np.ndarray:
        return np.array([self.lever_ids.index(self.lever_of[t]) for t in self.tool_ids])

    @classmethod
    def packaged(cls) -> Ecosystem:
        text = (
            resources.files("eco_eval").joinpath("_data/ecosystem.yaml").read_text(encoding="utf-8")
        )
        eco = read_yaml(text)
        tools = [t for t in eco["tools"] if int(t.get("generation", 1)) == 1]
        return cls(
            tool_ids=[t["id"] for t in tools],
            tool_names=[t["fr"] for t in tools],
            lever_ids=[lv["id"] for lv in eco["levers"]],
            lever_names={lv["id"]: lv["fr"] for lv in eco["levers"]},
            lever_of={t["id"]: t["lever"] for t in tools},
        )


@dataclass
class City:
    """Everything drawn, before anything is written."""

    cal: Calendar
    eco: Ecosystem
    staff: Staff
    sessions: Sessions
    attendance: Attendance
    plan: SessionLogDefects
    valid_attendance: np.ndarray  # attendance rows a correct pipeline counts
    feedback: Feedback
    waves: list[WaveResponses]
    results: Results  # ideas, HR indicators, citizen satisfaction
    results_defects: np.random.SeedSequence  # seeds where the result files' defects go


def draw_city(seed: int, n_staff: int, cal: Calendar, eco: Ecosystem) -> City:
    """Draw staff, sessions, attendance, defects, feedback, barometer and results from ``seed``."""
    seeds = np.random.SeedSequence(seed).spawn(len(STREAMS))
    rng = {name: np.random.default_rng(s) for name, s in zip(STREAMS, seeds, strict=True)}
    staff = build_staff(rng["staff"], n_staff, cal.n, len(eco.lever_ids))
    sessions = build_sessions(rng["sessions"], staff, eco.tool_ids, cal)
    attendance = draw_attendance(rng["attendance"], staff, sessions, eco.tool_ids, cal.n)
    plan = plan_defects(rng["defects"], sessions, attendance, eco.tool_ids, eco.tool_names)
    valid = plan.valid_attendance(attendance)
    feedback = build_feedback(
        rng["feedback"], staff, sessions, attendance, eco.tool_ids, cal.ends[-1]
    )
    waves = build_barometer(
        rng["barometer"],
        staff,
        sessions,
        attendance,
        valid,
        eco.lever_ids,
        eco.lever_index_of_tool,
        eco.tool_ids,
        cal,
    )
    results = build_results(rng["results"], cal, staff, sessions, attendance, valid, eco.tool_ids)
    log.info(
        "demo city drawn: %d agents, %d sessions, %d attendances, %d ideas",
        staff.n,
        sessions.n,
        len(attendance.person),
        results.ideas.n,
    )
    return City(
        cal, eco, staff, sessions, attendance, plan, valid, feedback, waves, results,
        seeds[STREAMS.index("results_defects")],
    )  # fmt: skip
