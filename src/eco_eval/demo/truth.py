"""Ground truth of the demo city: what a correct pipeline must find, computed from the generator's state.

Read by tests, never by the library. Every tally is defined in ``truth.json["definitions"]``; the
tallies follow a *correct ingestion*: sessions with a tool name that resolves to no tool are
quarantined, sessions with a missing date are kept undated, in no period (both listed in
``quarantined_sessions.csv``), attendance rows pointing at an unknown session number or at such a
session are not counted in any period, tool-name variants are resolved.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from eco_eval.demo import _spec
from eco_eval.demo._arrays import intersect, member, unique
from eco_eval.demo.attendance import Attendance
from eco_eval.demo.barometer import WaveResponses
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.feedback import MISSING, OUT_OF_RANGE, OUT_OF_RANGE_RECO, Feedback
from eco_eval.demo.sessions import STATUS_IDS, Sessions
from eco_eval.demo.staff import Staff

DEFINITIONS = {
    "sessions_by_quarter_tool.csv": (
        "planned/held/cancelled: sessions of the log by quarter of their date and resolved tool, "
        "quarantined sessions excluded. participations: attendance rows of those held sessions "
        "(rows with an unknown session number excluded). unique_participants: distinct agents "
        "among them. participant_hours: sum of the session duration over participations. "
        "facilitator_hours: sum of the durations of the held sessions."
    ),
    "participants_by_quarter.csv": (
        "unique_participants: distinct agents with at least one counted participation in the quarter "
        "(any tool), by dimension (all, department, category, gender, filiere) and group; "
        "headcount: agents on the payroll at the end of the quarter in that group (HR file)."
    ),
    "cumulative_participants.csv": (
        "distinct agents with a counted participation from the first quarter up to this one, "
        "whether or not still employed; tool_id '*' = any tool."
    ),
    "feedback_by_quarter_tool.csv": (
        "by quarter of submitdate and OUTIL. responses: rows minus re-submissions (duplicates). "
        "responses_valid: also minus rows with an out-of-range answer. *_mean: mean of the valid "
        "answers (satisfaction and usefulness 1-5, recommend 0-10) over responses_valid."
    ),
    "effects.csv": (
        "per lever, outcome (climate, swemwbs, who5) and consecutive wave pair (wave_from, "
        "wave_to). latent_effect: the planted effect (climate: item points added to both items of "
        "the lever before rounding; swemwbs: raw-score points, i.e. 1/7 per item; who5: the "
        "raw-score points the same latent shift implies). Treated = attended a held session of "
        "the lever's tool in [cut(wave_from), cut(wave_to)), cut = first day of the wave month "
        "(real attendance, including rows a pipeline quarantines). Linked = answered both waves "
        "with the matricule given both times. realised_att: mean over treated linked respondents "
        "of the observed score at wave_to minus the score from the same random draws without "
        "this lever's effect (climate score = mean of the lever's two items after reverse-"
        "scoring; swemwbs, who5 = raw sums). realised_att_change: the same on the change "
        "wave_from -> wave_to (effects are transient: respondents also treated before wave_from "
        "lose that earlier effect; share_treated_also_before says how many). "
        "n_treated_linked_observable: those whose participation is visible in the counted "
        "attendance rows. n_control_linked: linked respondents not treated. "
        "realised_att_all_respondents / n_treated_respondents: the same over every treated "
        "respondent at wave_to, linked or not. Zero planted effects give exactly 0."
    ),
    "headcount_by_quarter.csv": "agents on the payroll at the end of each quarter (sum of the HR file).",
    "barometer_waves.csv": (
        "per wave: cut (end of the participation interval), present (agents on the payroll), "
        "responses, response_rate, with_matricule, linked_with_previous (matricule given in "
        "both this and the previous wave), first_id and last_id of the export."
    ),
    "defects.csv": (
        "every planted defect: file (relative to the raw folder), line (CSV: 1-based physical "
        "line of the record's start, header = 1; xlsx: sheet row; empty = whole file), kind, "
        "action a correct pipeline takes (resolve, quarantine, deduplicate, mask, escape, keep, "
        "decode), record_id (session number, response id or the N° séance written), detail."
    ),
    "identities.csv": (
        "colleagues named (kind name: 'Prénom Nom') or e-mailed (kind email) in feedback "
        "comments: the text planted, the person's matricule, nom, prenom, email, and where."
    ),
    "quarantined_sessions.csv": (
        "sessions a correct pipeline leaves out of every period (tool_name_unknown: quarantined; "
        "session_date_missing: kept undated), with their true quarter, tool, status and "
        "attendance rows."
    ),
}


def _grid(cal: Calendar, tool_ids: list[str]) -> pd.DataFrame:
    """Every quarter x tool, quarter-major, as the tallies are laid out."""
    return pd.DataFrame(
        {
            "quarter": np.repeat(np.array(cal.labels, dtype=object), len(tool_ids)),
            "tool_id": np.tile(np.array(tool_ids, dtype=object), cal.n),
        }
    )


def session_tallies(
    cal: Calendar,
    sessions: Sessions,
    attendance: Attendance,
    valid_attendance: np.ndarray,
    quarantined: np.ndarray,
    tool_ids: list[str],
    lever_of: dict[str, str],
) -> pd.DataFrame:
    """Planned/held/cancelled, participations and unique participants per quarter x tool."""
    n_cells = cal.n * len(tool_ids)
    ok = ~quarantined
    cell = sessions.quarter[ok].astype(np.int64) * len(tool_ids) + sessions.tool[ok]
    out = _grid(cal, tool_ids)
    out["lever_id"] = [lever_of[t] for t in out["tool_id"]]
    status = sessions.status[ok]
    for code, name in enumerate(STATUS_IDS):
        out[name] = np.bincount(cell[status == code], minlength=n_cells)
    sess = attendance.session[valid_attendance]
    a_cell = sessions.quarter[sess].astype(np.int64) * len(tool_ids) + sessions.tool[sess]
    out["participations"] = np.bincount(a_cell, minlength=n_cells)
    pairs = unique(
        a_cell * np.int64(attendance.person.max(initial=0) + 1)
        + attendance.person[valid_attendance]
    )
    out["unique_participants"] = np.bincount(
        pairs // (attendance.person.max(initial=0) + 1), minlength=n_cells
    )
    out["participant_hours"] = np.bincount(
        a_cell, weights=sessions.duration[sess], minlength=n_cells
    )
    held = status == 0
    out["facilitator_hours"] = np.bincount(
        cell[held], weights=sessions.duration[ok][held], minlength=n_cells
    )
    return out[
        [
            "quarter",
            "tool_id",
            "lever_id",
            "planned",
            "held",
            "cancelled",
            "participations",
            "unique_participants",
            "participant_hours",
            "facilitator_hours",
        ]
    ]


def _first_quarters(group: np.ndarray, q: np.ndarray, n_groups: int, n_quarters: int) -> np.ndarray:
    """Per group (e.g. person, or tool x person): the first quarter seen. Returns (group, quarter) counts."""
    key = unique(group * np.int64(n_quarters) + q)
    g = key // n_quarters
    first = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, bool)
    return key[first]


def _dimensions(staff: Staff) -> dict[str, tuple[np.ndarray, tuple[str, ...]]]:
    """Breakdown dimension -> (code of each agent, label of each code)."""
    return {
        "department": (staff.dept, tuple(d.name for d in _spec.DEPARTMENTS)),
        "category": (staff.cat, _spec.CATEGORIES),
        "gender": (staff.gender, _spec.GENDERS),
        "filiere": (staff.filiere, _spec.FILIERES),
    }


def participant_tallies(
    cal: Calendar,
    staff: Staff,
    sessions: Sessions,
    attendance: Attendance,
    valid_attendance: np.ndarray,
    tool_ids: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unique participants and headcount per quarter x group; cumulative participants."""
    q = sessions.quarter[attendance.session[valid_attendance]].astype(np.int64)
    p = attendance.person[valid_attendance]
    t = sessions.tool[attendance.session[valid_attendance]].astype(np.int64)
    qp = unique(q * staff.n + p)
    uq, up = qp // staff.n, qp % staff.n
    rows = []
    dims = _dimensions(staff)
    for qi in range(cal.n):
        present = staff.present(qi)
        who = up[uq == qi]
        rows.append((cal.labels[qi], "*", "*", len(who), len(present)))
        for dim, (codes, labels) in dims.items():
            hc = np.bincount(codes[present], minlength=len(labels))
            part = np.bincount(codes[who], minlength=len(labels))
            for g in sorted(range(len(labels)), key=labels.__getitem__):
                if hc[g]:
                    rows.append((cal.labels[qi], dim, labels[g], int(part[g]), int(hc[g])))
    by_group = pd.DataFrame(
        rows, columns=["quarter", "dimension", "group", "unique_participants", "headcount"]
    )

    cum_rows = []
    n_people = staff.n
    first = _first_quarters(p, q, n_people, cal.n) % cal.n
    overall = np.bincount(first, minlength=cal.n).cumsum()
    for qi in range(cal.n):
        cum_rows.append((cal.labels[qi], "*", "*", int(overall[qi])))
    first_tp = _first_quarters(t * n_people + p, q, len(tool_ids) * n_people, cal.n)
    tool_of_key = first_tp // cal.n // n_people
    by_tool = np.bincount(tool_of_key * cal.n + first_tp % cal.n, minlength=len(tool_ids) * cal.n)
    by_tool = by_tool.reshape(len(tool_ids), cal.n).cumsum(axis=1)
    for ti, tool in enumerate(tool_ids):
        for qi in range(cal.n):
            cum_rows.append((cal.labels[qi], tool, "", int(by_tool[ti, qi])))
    cumulative = pd.DataFrame(
        cum_rows, columns=["quarter", "tool_id", "lever_id", "cumulative_unique_participants"]
    )
    return by_group, cumulative


def feedback_tallies(cal: Calendar, feedback: Feedback, tool_ids: list[str]) -> pd.DataFrame:
    """Responses and mean answers per quarter of submission x tool."""
    n_cells = cal.n * len(tool_ids)
    q = cal.quarter_of(feedback.submit.astype("datetime64[D]"))
    keep = (feedback.duplicate_of == 0) & (q >= 0) & (q < cal.n)
    cell = q.astype(np.int64) * len(tool_ids) + feedback.tool
    out = _grid(cal, tool_ids)
    out["responses"] = np.bincount(cell[keep], minlength=n_cells)
    bad = (
        (feedback.sat == OUT_OF_RANGE)
        | (feedback.util == OUT_OF_RANGE)
        | (feedback.reco == OUT_OF_RANGE_RECO)
    )
    valid = keep & ~bad
    out["responses_valid"] = np.bincount(cell[valid], minlength=n_cells)
    for name, values, shift in (
        ("satisfaction_mean", feedback.sat, 1),
        ("usefulness_mean", feedback.util, 1),
        ("recommend_mean", feedback.reco, 0),
    ):
        answered = valid & (values != MISSING)
        total = np.bincount(
            cell[answered], weights=values[answered].astype(float) + shift, minlength=n_cells
        )
        count = np.bincount(cell[answered], minlength=n_cells)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = total / count
    return out


def effect_tallies(
    waves: list[WaveResponses], lever_ids: list[str], tool_of: dict[str, str]
) -> pd.DataFrame:
    """Latent and realised effects per lever, outcome and consecutive wave pair."""
    rows = []
    for w in range(1, len(waves)):
        prev, cur = waves[w - 1], waves[w]
        linked_persons = intersect(
            prev.person[prev.matricule_given], cur.person[cur.matricule_given]
        )
        linked_row = member(cur.person, linked_persons)
        for li, lever in enumerate(lever_ids):
            spec = _spec.TOOLS.get(tool_of.get(lever, ""), _spec.DEFAULT_TOOL)
            sel = cur.t_lever == li
            t_rows = cur.t_row[sel]
            in_link = linked_row[t_rows]
            psel = prev.t_lever == li
            prev_person = prev.person[prev.t_row[psel]]
            order = np.argsort(prev_person, kind="stable")
            prev_sorted = prev_person[order]
            person_now = cur.person[t_rows[in_link]]
            if len(prev_sorted):
                pos = np.minimum(np.searchsorted(prev_sorted, person_now), len(prev_sorted) - 1)
                was_treated = prev_sorted[pos] == person_now
            else:
                pos = np.zeros(len(person_now), dtype=np.int64)
                was_treated = np.zeros(len(person_now), dtype=bool)
            n_linked_control = int(linked_row.sum() - in_link.sum())
            for outcome, diffs, prev_diffs, latent in (
                ("climate", cur.d_climate[sel], prev.d_climate[psel], spec.climate_effect),
                ("swemwbs", cur.d_swemwbs[sel], prev.d_swemwbs[psel], spec.wellbeing_effect),
                ("who5", cur.d_who5[sel], prev.d_who5[psel], 5 * 1.1 * spec.wellbeing_effect / 7),
            ):
                linked_diffs = diffs[in_link]
                before = (
                    np.where(was_treated, prev_diffs[order][pos], 0.0) if len(prev_sorted) else 0.0
                )
                n_l = len(linked_diffs)
                rows.append(
                    {
                        "lever_id": lever,
                        "tool_id": tool_of.get(lever, ""),
                        "outcome": outcome,
                        "wave_from": prev.wave.label,
                        "wave_to": cur.wave.label,
                        "latent_effect": float(latent),
                        "realised_att": float(linked_diffs.mean()) if n_l else float("nan"),
                        "realised_att_change": float((linked_diffs - before).mean())
                        if n_l
                        else float("nan"),
                        "n_treated_linked": n_l,
                        "n_treated_linked_observable": int(cur.t_observable[sel][in_link].sum()),
                        "share_treated_also_before": float(was_treated.mean())
                        if n_l
                        else float("nan"),
                        "n_control_linked": n_linked_control,
                        "realised_att_all_respondents": float(diffs.mean())
                        if len(diffs)
                        else float("nan"),
                        "n_treated_respondents": len(diffs),
                    }
                )
    return pd.DataFrame(rows)


def wave_tallies(waves: list[WaveResponses]) -> pd.DataFrame:
    rows = []
    for w, cur in enumerate(waves):
        linked = 0
        if w:
            prev = waves[w - 1]
            linked = len(
                intersect(prev.person[prev.matricule_given], cur.person[cur.matricule_given])
            )
        rows.append(
            {
                "wave": cur.wave.label,
                "cut": str(cur.wave.cut),
                "present": cur.present,
                "responses": len(cur.id),
                "response_rate": len(cur.id) / cur.present if cur.present else float("nan"),
                "with_matricule": int(cur.matricule_given.sum()),
                "linked_with_previous": linked,
                "first_id": int(cur.id[0]) if len(cur.id) else None,
                "last_id": int(cur.id[-1]) if len(cur.id) else None,
            }
        )
    return pd.DataFrame(rows)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def write_json(path: Path, payload: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_finite(payload), ensure_ascii=False, indent=1, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def _finite(value: object) -> object:
    """NaN -> None so that the JSON is strict; numpy scalars -> Python numbers."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
