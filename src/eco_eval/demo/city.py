"""Draw the whole fictional city in memory (no I/O except reading the packaged ecosystem)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from eco_eval.data_yaml import read_yaml
from eco_eval.demo import _spec
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
    """The levers and the tools: the packaged first generation, then the second generation the
    demo city's configuration declares (``_data/demo_project.yaml``, ``ecosystem:``), with the
    dates of launches and retirements."""

    tool_ids: list[str]
    tool_names: list[str]
    lever_ids: list[str]
    lever_names: dict[str, str]
    lever_of: dict[str, str]  # tool id -> lever id
    first_generation: int = 0  # the number of first-generation tools (0: all of them)
    launched: dict[str, np.datetime64] = field(default_factory=dict)
    retired: dict[str, np.datetime64] = field(default_factory=dict)
    replaces: dict[str, str] = field(default_factory=dict)

    @property
    def tool_of(self) -> dict[str, str]:
        """Lever id -> its first-generation tool (the one the barometer names)."""
        out: dict[str, str] = {}
        for tool, lever in self.lever_of.items():
            out.setdefault(lever, tool)
        return out

    @property
    def ended(self) -> dict[str, np.datetime64]:
        """Retirements without a successor: no session is drawn after them (a replaced tool's
        sessions are drawn and go to its successor, :meth:`relabel`)."""
        successors = set(self.replaces.values())
        return {t: d for t, d in self.retired.items() if t not in successors}

    @property
    def first_tool_ids(self) -> list[str]:
        """The tools of the first generation, whose sessions are drawn."""
        return self.tool_ids[: self.first_generation or len(self.tool_ids)]

    @property
    def lever_index_of_tool(self) -> np.ndarray:
        return np.array([self.lever_ids.index(self.lever_of[t]) for t in self.tool_ids])

    @classmethod
    def packaged(cls) -> Ecosystem:
        text = (
            resources.files("eco_eval").joinpath("_data/ecosystem.yaml").read_text(encoding="utf-8")
        )
        eco = read_yaml(text)
        tools = [dict(t) for t in eco["tools"] if int(t.get("generation", 1)) == 1]
        first = len(tools)
        project = resources.files("eco_eval").joinpath("_data/demo_project.yaml")
        declared = read_yaml(project.read_text(encoding="utf-8")).get("ecosystem") or {}
        at = {t["id"]: t for t in tools}
        for t in declared.get("tools") or ():
            if t["id"] in at:
                at[t["id"]].update(t)
            else:
                tools.append(dict(t))
        return cls(
            tool_ids=[t["id"] for t in tools],
            tool_names=[t["fr"] for t in tools],
            lever_ids=[lv["id"] for lv in eco["levers"]],
            lever_names={lv["id"]: lv["fr"] for lv in eco["levers"]},
            lever_of={t["id"]: t["lever"] for t in tools},
            first_generation=first,
            launched={t["id"]: np.datetime64(str(t["launched"])) for t in tools if "launched" in t},
            retired={t["id"]: np.datetime64(str(t["retired"])) for t in tools if "retired" in t},
            replaces={t["id"]: str(t["replaces"]) for t in tools if "replaces" in t},
        )

    def relabel(self, sessions: Sessions) -> None:
        """Give the second generation its sessions, in place: a tool that replaces another takes
        the other's sessions from its launch on; a tool added to a lever takes
        ``ADDED_TOOL_SHARE`` of the sessions of the lever's first tool from its launch on (chosen
        by session number, no random draw)."""
        for t in range(self.first_generation or len(self.tool_ids), len(self.tool_ids)):
            tool = self.tool_ids[t]
            after = sessions.date >= self.launched[tool]
            if tool in self.replaces:
                sel = after & (sessions.tool == self.tool_ids.index(self.replaces[tool]))
            else:
                share = (sessions.number * 7919) % 100 < 100 * _spec.ADDED_TOOL_SHARE
                first = self.tool_ids.index(self.tool_of[self.lever_of[tool]])
                sel = after & (sessions.tool == first) & share
            sessions.tool[sel] = t


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
    sessions = build_sessions(rng["sessions"], staff, eco.first_tool_ids, cal, eco.ended)
    eco.relabel(sessions)
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
