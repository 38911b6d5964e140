"""Assemble and write the ground truth (``truth_dir``): CSV tallies plus ``truth.json``.

Files (all UTF-8, ``,``-separated CSV with a header, LF):

* ``truth.json``: ``generator`` (module, seed, n_staff, start, end, session_log_format), ``surveys``
  (sids), ``quarters``, ``waves`` (label, cut, quarter), ``files`` (raw file -> records),
  ``totals``, ``reverse_keyed_item``, ``effects_planted`` (per lever), ``effects`` (= effects.csv),
  ``planted_identities`` (= identities.csv), ``defects_by_kind``, ``parameters`` (every fixed
  generator parameter), ``definitions`` (what each tally counts), ``truth_files``.
* ``sessions_by_quarter_tool.csv``, ``participants_by_quarter.csv``, ``cumulative_participants.csv``,
  ``headcount_by_quarter.csv``, ``feedback_by_quarter_tool.csv``, ``effects.csv``,
  ``barometer_waves.csv``: see ``truth.DEFINITIONS``.
* ``defects.csv``: ``file, line, kind, action, record_id, detail`` (``record_id`` = session number,
  response id or written N° séance; ``line`` empty for whole-file defects).
* ``identities.csv``: ``kind, text, matricule, nom, prenom, email, file, line, response_id``.
* ``quarantined_sessions.csv``: ``session_id, reason, file, line, quarter, tool_id, status,
  attendance_rows`` (true quarter and tool of each session a correct pipeline sets aside).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eco_eval.demo import _spec, _surveys, rawfiles, truth, truth_programme
from eco_eval.demo.city import City
from eco_eval.demo.sessions import STATUS_IDS

IDENTITY_COLUMNS = [
    "kind",
    "text",
    "matricule",
    "nom",
    "prenom",
    "email",
    "file",
    "line",
    "response_id",
]
DEFECT_COLUMNS = ["file", "line", "kind", "action", "record_id", "detail"]
QUARANTINE_COLUMNS = [
    "session_id",
    "reason",
    "file",
    "line",
    "quarter",
    "tool_id",
    "status",
    "attendance_rows",
]


@dataclass(frozen=True)
class Written:
    """What the raw-file writers report back."""

    files: dict[str, int]
    events: list[dict[str, object]]
    log_path: str
    log_first_row: int
    feedback_lines: np.ndarray


def identities(city: City, written: Written, feedback_path: str) -> list[dict[str, object]]:
    """The colleagues named or e-mailed in comments, with where they were planted."""
    out = []
    staff = city.staff
    for ident in city.feedback.identities:
        p, rec = int(str(ident["person"])), int(str(ident["record"]))
        out.append(
            {
                "kind": ident["kind"], "text": ident["text"], "matricule": int(staff.matricule[p]),
                "nom": staff.nom[p].as_py(), "prenom": staff.prenom[p].as_py(), "email": staff.email[p].as_py(),
                "file": feedback_path, "line": int(written.feedback_lines[rec]),
                "response_id": int(city.feedback.id[rec]),
            }
        )  # fmt: skip
    return out


def _quarantined(city: City, written: Written) -> pd.DataFrame:
    s, plan = city.sessions, city.plan
    counts = np.bincount(city.attendance.session, minlength=s.n)
    rows = [
        {
            "session_id": i + 1, "reason": reason, "file": written.log_path,
            "line": written.log_first_row + i, "quarter": city.cal.labels[int(s.quarter[i])],
            "tool_id": city.eco.tool_ids[int(s.tool[i])], "status": STATUS_IDS[int(s.status[i])],
            "attendance_rows": int(counts[i]),
        }
        for i, reason in sorted(plan.reasons.items())
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)


def write(
    truth_dir: Path,
    city: City,
    written: Written,
    params: dict[str, object],
    extra: dict[str, str] | None = None,
) -> tuple[str, ...]:
    """Compute every tally, write the truth files and return their names.

    ``extra`` maps truth files written elsewhere (the organisational results, see
    :mod:`eco_eval.demo.resultfiles`) to their definitions, for the manifest.
    """
    extra = extra or {}
    cal, eco = city.cal, city.eco
    truth_dir.mkdir(parents=True, exist_ok=True)
    planted = identities(city, written, rawfiles.FEEDBACK)
    frames: dict[str, pd.DataFrame] = {}
    frames["sessions_by_quarter_tool.csv"] = truth.session_tallies(
        cal,
        city.sessions,
        city.attendance,
        city.valid_attendance,
        city.plan.quarantined,
        eco.tool_ids,
        eco.lever_of,
    )
    by_group, cumulative = truth.participant_tallies(
        cal, city.staff, city.sessions, city.attendance, city.valid_attendance, eco.tool_ids
    )
    cumulative["lever_id"] = [eco.lever_of.get(t, "*") for t in cumulative["tool_id"]]
    frames["participants_by_quarter.csv"] = by_group
    frames["cumulative_participants.csv"] = cumulative
    frames["headcount_by_quarter.csv"] = by_group[by_group.dimension == "*"][
        ["quarter", "headcount"]
    ].reset_index(drop=True)
    frames["feedback_by_quarter_tool.csv"] = truth.feedback_tallies(
        cal, city.feedback, eco.tool_ids
    )
    frames["partage_by_quarter.csv"] = truth_programme.partage_tallies(
        cal,
        city.staff,
        city.sessions,
        city.attendance,
        city.valid_attendance,
        city.plan.quarantined,
        [eco.lever_of[t] for t in eco.tool_ids],
    )
    frames["facilitators_by_quarter.csv"] = truth_programme.facilitator_tallies(
        cal, city.sessions, city.attendance, city.valid_attendance, city.plan.quarantined
    )
    frames["generations.csv"] = truth_programme.generation_tallies(
        cal, city.sessions, city.plan.quarantined, eco.tool_ids
    )
    frames["effects.csv"] = truth.effect_tallies(city.waves, eco.lever_ids, eco.tool_of)
    frames["barometer_waves.csv"] = truth.wave_tallies(city.waves)
    defects = pd.DataFrame(written.events, columns=DEFECT_COLUMNS)
    frames["defects.csv"] = defects.astype({"line": "Int64", "record_id": "Int64"})
    frames["identities.csv"] = pd.DataFrame(planted, columns=IDENTITY_COLUMNS)
    frames["quarantined_sessions.csv"] = _quarantined(city, written)
    for name, frame in frames.items():
        truth.write_csv(truth_dir / name, frame)

    names = tuple(sorted([*frames, *extra, "truth.json"]))
    feedback = city.feedback
    payload: dict[str, object] = {
        "generator": {"module": "eco_eval.demo", **params},
        "surveys": {"feedback_sid": _surveys.FEEDBACK_SID, "barometer_sid": _surveys.BAROMETER_SID},
        "quarters": list(cal.labels),
        "waves": [
            {"label": w.label, "cut": str(w.cut), "quarter": cal.labels[w.quarter]}
            for w in cal.waves
        ],
        "files": written.files,
        "totals": {
            "people_ever": city.staff.n,
            "sessions": city.sessions.n,
            "sessions_quarantined": int(city.plan.quarantined.sum()),
            "attendance_rows": len(city.attendance.person),
            "attendance_rows_counted": int(city.valid_attendance.sum()),
            "feedback_rows": len(feedback.id),
            "feedback_duplicates": int((feedback.duplicate_of > 0).sum()),
            "barometer_rows": sum(len(w.id) for w in city.waves),
        },
        "reverse_keyed_item": {
            "column": f"CLIM[{_spec.REVERSE_KEYED[0]}{_spec.REVERSE_KEYED[1]}]",
            "lever_id": _spec.REVERSE_KEYED[0],
            "item": _spec.REVERSE_KEYED[1],
            "scoring": "6 - answer",
        },
        "effects_planted": {
            lever: {
                "tool_id": tool,
                "climate_item_points": _spec.TOOLS.get(tool, _spec.DEFAULT_TOOL).climate_effect,
                "swemwbs_raw_points": _spec.TOOLS.get(tool, _spec.DEFAULT_TOOL).wellbeing_effect,
            }
            for lever, tool in eco.tool_of.items()
        },
        "effects": frames["effects.csv"].to_dict(orient="records"),
        "planted_identities": planted,
        "defects_by_kind": {
            str(k): int(v) for k, v in defects["kind"].value_counts().sort_index().items()
        },
        "parameters": parameters(),
        "definitions": {**truth.DEFINITIONS, **truth_programme.DEFINITIONS, **extra},
        "truth_files": list(names),
    }
    truth.write_json(truth_dir / "truth.json", payload)
    return names


def parameters() -> dict[str, object]:
    """The generator's fixed parameters, for the record."""
    return {
        "departments": [asdict(d) for d in _spec.DEPARTMENTS],
        "tools": {t: asdict(s) for t, s in _spec.TOOLS.items()},
        "season": _spec.SEASON,
        "launch_ramp": _spec.LAUNCH_RAMP,
        "p_cancelled": _spec.P_CANCELLED,
        "p_planned_past": _spec.P_PLANNED_PAST,
        "extraction_day_of_last_month": _spec.EXTRACTION_DAY,
        "host_share": _spec.HOST_SHARE,
        "facilitators": {
            "per_2400_staff": _spec.FACILITATORS_PER_2400,
            "team_size": _spec.TEAM_SIZE,
            "pillar_share": _spec.PILLAR_SHARE,
            "recruits": _spec.RECRUITS,
            "recruit_quarter": _spec.RECRUIT_QUARTER,
            "recruit_share": _spec.RECRUIT_SHARE,
            "overload_hours": truth_programme.OVERLOAD_HOURS,
        },
        "second_generation": {
            "inherits": _spec.INHERITS,
            "added_tool_share": _spec.ADDED_TOOL_SHARE,
        },
        "profile_multipliers_by_category": _spec.PROFILE_MULT,
        "category_participation": _spec.CATEGORY_PARTICIPATION,
        "category_never_share": _spec.CATEGORY_NEVER_SHARE,
        "gender_participation": _spec.GENDER_PARTICIPATION,
        "feedback_response_mean": _spec.FEEDBACK_RESPONSE_MEAN,
        "comment_share": _spec.COMMENT_SHARE,
        "seance_missing_share": _spec.SEANCE_MISSING_SHARE,
        "barometer": asdict(_spec.BAROMETER),
        "reverse_keyed": list(_spec.REVERSE_KEYED),
        "defect_rates": {k: {"rate": r, "minimum": m} for k, (r, m) in _spec.DEFECT_RATES.items()},
        "effects_persistence": "transient: only participation in the interval just before a wave counts",
        "selection": "propensity to take part grows with the stable climate person effect (on level, not on trend)",
    }
