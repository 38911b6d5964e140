"""Defects planted in the session log and the attendance sheets (the survey plants its own).

Each defect is recorded with the record it affects; the writer turns records into file lines.
``action`` says what a correct ingestion does: ``resolve`` (map to the right value and keep),
``quarantine`` (set the row aside), ``deduplicate``, ``mask``, ``escape``, ``keep`` or ``decode``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eco_eval.demo import _spec
from eco_eval.demo.attendance import Attendance
from eco_eval.demo.sessions import Sessions

# Spellings a facilitator might type; each resolves to the tool once case and surrounding spaces are
# ignored, through the official name or an alias of ecosystem.yaml.
TOOL_VARIANTS: dict[str, tuple[str, ...]] = {
    "cadran_total": ("Cadran total", "cadrant total", "CADRAN TOTAL"),
    "colle_ton_avis": ("Colle ton avis", "colle-ton-avis", "CTA"),
    "la_balade": ("La Balade", "la ballade", "balade"),
    "regard_en_visite": ("Regards en visite", "Regard en visite "),
    "point_silence": ("Point Silence", "pt silence", "Point-silence"),
    "audace_up": ("Audace Up", "audace-up", "Audace up !"),
    "echecs_and_mates": ("Echecs & mates", "Échecs and Mates", "echecs et mates"),
    "essais_libres": ("Essais libres", "essai libre", "Essais-libres"),
    "en_immersion": ("En immersion", "immersion", "EN IMMERSION"),
    "dans_la_peau_de_walt": ("Dans la peau de Walt", "peau de Walt", "Dans la peau de Walt Disney"),
    "apprenons_nous": ("apprenons nous", "Apprenons-nous", "Apprenons-nous !"),
    "time_out": ("time-out", "Time Out", "TIMEOUT"),
}
UNKNOWN_TOOL_NAMES: tuple[str, ...] = ("atelier zen", "café créatif", "Brainstorming")

DATE_EXCEL, DATE_TEXT, DATE_MISSING = 0, 1, 2


@dataclass
class SessionLogDefects:
    """What is written differently from the truth in the session log and attendance sheets."""

    tool_text: list[str]  # the Outil cell of each session
    date_kind: np.ndarray  # DATE_EXCEL, DATE_TEXT or DATE_MISSING
    duration_as_text: np.ndarray  # bool
    quarantined: np.ndarray  # bool per session: a correct pipeline sets it aside
    reasons: dict[int, str]  # session index -> reason of the quarantine
    written_session: np.ndarray  # N° séance written on each attendance row
    unknown_rows: np.ndarray  # attendance row indices pointing at a session that does not exist
    events: list[dict[str, object]] = field(default_factory=list)

    def valid_attendance(self, attendance: Attendance) -> np.ndarray:
        """Attendance rows a correct pipeline keeps and can attribute to a tool."""
        ok = ~self.quarantined[attendance.session]
        ok[self.unknown_rows] = False
        return ok


def _count(kind: str, n: int) -> int:
    rate, minimum = _spec.DEFECT_RATES[kind]
    return min(n, max(minimum, round(rate * n)))


def plan_defects(
    rng: np.random.Generator,
    sessions: Sessions,
    attendance: Attendance,
    tool_ids: list[str],
    tool_names: list[str],
) -> SessionLogDefects:
    """Choose the defective sessions and attendance rows (disjoint sets of sessions per kind)."""
    n = sessions.n
    tool_text = [tool_names[t] for t in sessions.tool.tolist()]
    k_var, k_unk, k_miss = (
        _count(k, n) for k in ("tool_name_variant", "tool_name_unknown", "session_date_missing")
    )
    k_var, k_unk, k_miss = (min(k, n // 4) for k in (k_var, k_unk, k_miss))
    order = rng.permutation(n)
    variant = np.sort(order[:k_var])
    unknown = np.sort(order[k_var : k_var + k_unk])
    missing = np.sort(order[k_var + k_unk : k_var + k_unk + k_miss])
    events: list[dict[str, object]] = []
    reasons: dict[int, str] = {}
    for i in variant.tolist():
        tid = tool_ids[int(sessions.tool[i])]
        options = TOOL_VARIANTS.get(tid, (tool_names[int(sessions.tool[i])].upper(),))
        tool_text[i] = options[int(rng.integers(0, len(options)))]
        events.append(
            {
                "record": i,
                "kind": "tool_name_variant",
                "action": "resolve",
                "detail": f"{tool_text[i]!r} -> {tid}",
            }
        )
    for k, i in enumerate(unknown.tolist()):
        tool_text[i] = UNKNOWN_TOOL_NAMES[k % len(UNKNOWN_TOOL_NAMES)]
        reasons[i] = "tool_name_unknown"
        events.append(
            {
                "record": i,
                "kind": "tool_name_unknown",
                "action": "quarantine",
                "detail": f"{tool_text[i]!r} (really {tool_ids[int(sessions.tool[i])]})",
            }
        )
    date_kind = np.full(n, DATE_EXCEL, dtype=np.int8)
    date_kind[missing] = DATE_MISSING
    for i in missing.tolist():
        reasons[i] = "session_date_missing"
        events.append(
            {
                "record": i,
                "kind": "session_date_missing",
                "action": "keep",  # undated: in the totals, in no period
                "detail": f"really {sessions.date[i]}",
            }
        )
    candidates = np.flatnonzero(date_kind == DATE_EXCEL)
    text_dates = np.sort(
        rng.choice(
            candidates, size=min(len(candidates), _count("session_date_text", n)), replace=False
        )
    )
    date_kind[text_dates] = DATE_TEXT
    for i in text_dates.tolist():
        events.append(
            {
                "record": i,
                "kind": "session_date_text",
                "action": "resolve",
                "detail": "date typed as text dd/mm/yyyy",
            }
        )
    duration_as_text = np.zeros(n, dtype=bool)
    duration_as_text[rng.choice(n, size=_count("duration_text", n), replace=False)] = True
    for i in np.flatnonzero(duration_as_text).tolist():
        events.append(
            {
                "record": i,
                "kind": "duration_text",
                "action": "resolve",
                "detail": "duration typed as text with a decimal comma",
            }
        )
    quarantined = np.zeros(n, dtype=bool)
    quarantined[list(reasons)] = True

    # a mistyped N° séance: one row of a session of 6 or more, so every session keeps 4+ rows
    m = len(attendance.session)
    written = attendance.session.astype(np.int64) + 1
    sizes = np.bincount(attendance.session, minlength=n)
    first_rows = np.searchsorted(
        attendance.session, np.flatnonzero(sizes >= 6).astype(attendance.session.dtype)
    )
    k_att = min(len(first_rows), _count("attendance_unknown_session", m)) if m else 0
    picked = (
        rng.choice(len(first_rows), size=k_att, replace=False) if k_att else np.empty(0, np.int64)
    )
    offset = rng.integers(0, sizes[attendance.session[first_rows[picked]]])
    unknown_rows = np.sort(first_rows[picked] + offset)
    written[unknown_rows] = n + 1 + rng.integers(0, max(50, n // 10), k_att)
    return SessionLogDefects(
        tool_text=tool_text,
        date_kind=date_kind,
        duration_as_text=duration_as_text,
        quarantined=quarantined,
        reasons=reasons,
        written_session=written,
        unknown_rows=unknown_rows,
        events=events,
    )
