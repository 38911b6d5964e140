"""Turn the generator's state into the raw files of the data-model contract, and locate defects.

Paths are relative to ``raw_dir`` and use ``/``. Every planted defect gets its file and line: the
1-based physical line in a CSV (the header is line 1; multi-line values push later records down),
the 1-based row number in a sheet.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from eco_eval.demo import _spec, _surveys, defects, limesurvey, writers
from eco_eval.demo._arrays import dates_text_fr, timestamps_text, unique
from eco_eval.demo.attendance import Attendance
from eco_eval.demo.barometer import PART_LABELS, SWEMWBS_LABELS, WHO5_LABELS, WaveResponses
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.feedback import (
    AGREEMENT_LABELS,
    OUT_OF_RANGE_LIKERT,
    SATISFACTION_LABELS,
    Feedback,
)
from eco_eval.demo.sessions import STATUS_LABELS, Sessions
from eco_eval.demo.staff import Staff

HEADCOUNT = "rh/effectifs_trimestriels.csv"
SESSION_LOG_XLSX = "animations/journal_animations.xlsx"
SESSION_LOG_CSV = "animations/journal_animations.csv"
FEEDBACK = f"retours/results-survey{_surveys.FEEDBACK_SID}.csv"
FEEDBACK_STRUCTURE = f"retours/limesurvey_survey_{_surveys.FEEDBACK_SID}.txt"
BAROMETER_STRUCTURE = f"barometre/limesurvey_survey_{_surveys.BAROMETER_SID}.txt"
DEPARTMENT_NAMES = tuple(d.name for d in _spec.DEPARTMENTS)
STALE_PATTERNS = (
    "animations/journal_animations.*",
    "presences/emargements_*.csv",
    "retours/results-survey*.csv",
    "retours/limesurvey_survey_*.txt",
    "barometre/barometre_*.csv",
    "barometre/limesurvey_survey_*.txt",
    HEADCOUNT,
    "idees/registre_idees.*",
    "rh/indicateurs_rh_trimestriels.csv",
    "usagers/satisfaction_usagers.csv",
)


def attendance_path(cal: Calendar, q: int) -> str:
    return f"presences/emargements_{cal.file_tag(q)}.csv"


def barometer_path(label: str) -> str:
    return f"barometre/barometre_{label}.csv"


def remove_stale(raw_dir: Path) -> None:
    """Delete files a previous demo run wrote (another size may have chosen another format)."""
    for pattern in STALE_PATTERNS:
        for old in raw_dir.glob(pattern):
            old.unlink()


def _labels(codes: np.ndarray, labels: tuple[str, ...], missing: int = -1) -> pa.DictionaryArray:
    """Codes -> label text, ``missing`` codes -> null (written as an empty unquoted field)."""
    idx = pa.array(np.where(codes == missing, 0, codes).astype(np.int16), mask=codes == missing)
    return pa.DictionaryArray.from_arrays(idx, pa.array(labels, type=pa.string()))


def _constant(n: int, text: str) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int8)), pa.array([text]))


def write_session_log(
    raw_dir: Path, fmt: str, staff: Staff, sessions: Sessions, plan: defects.SessionLogDefects
) -> tuple[str, int, int]:
    """Write the log; return its path, its rows and the line (row) of the first record."""
    fac_names = {int(f): staff.display_name(int(f)) for f in sessions.facilitators}
    # the facilitator's matricule, as on the sign-in sheets: the log links to the register
    fac_ids = {int(f): str(int(staff.matricule[int(f)])) for f in sessions.facilitators}
    if fmt == "xlsx":
        dates = sessions.date.astype(object)
        rows = []
        for i in range(sessions.n):
            kind = plan.date_kind[i]
            when: object = dates[i] if kind == defects.DATE_EXCEL else None
            if kind == defects.DATE_TEXT:
                when = dates[i].strftime("%d/%m/%Y")
            hours: object = float(sessions.duration[i])
            if plan.duration_as_text[i]:
                hours = f"{sessions.duration[i]:g}".replace(".", ",")
            rows.append(
                (
                    int(sessions.number[i]), when, plan.tool_text[i], fac_names[int(sessions.facilitator[i])],
                    fac_ids[int(sessions.facilitator[i])], hours, sessions.places[int(sessions.place[i])], DEPARTMENT_NAMES[int(sessions.host_dept[i])],
                    STATUS_LABELS[int(sessions.status[i])],
                )
            )  # fmt: skip
        n = writers.write_session_log_xlsx(raw_dir / SESSION_LOG_XLSX, rows)
        return SESSION_LOG_XLSX, n, writers.SESSION_HEADER_ROW + 1
    pool = np.asarray(sessions.facilitators)
    fac_idx = np.searchsorted(pool, sessions.facilitator)
    text_dates = dates_text_fr(sessions.date)
    missing = plan.date_kind == defects.DATE_MISSING
    durations = unique(sessions.duration)
    d_idx = np.searchsorted(durations, sessions.duration)
    table = pa.table(
        {
            "n": pa.array(sessions.number),
            "date": pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text_dates),
            "outil": pa.array(plan.tool_text, type=pa.string()),
            "animateur": _labels(fac_idx, tuple(fac_names[int(f)] for f in pool)),
            "matricule_animateur": _labels(fac_idx, tuple(fac_ids[int(f)] for f in pool)),
            "duree": _labels(d_idx, tuple(f"{d:g}".replace(".", ",") for d in durations)),
            "lieu": _labels(sessions.place, sessions.places),
            "accueil": _labels(sessions.host_dept, DEPARTMENT_NAMES),
            "statut": _labels(sessions.status, STATUS_LABELS),
        }
    )
    n = writers.write_session_log_csv(raw_dir / SESSION_LOG_CSV, table)
    return SESSION_LOG_CSV, n, 2


def write_attendance_files(
    raw_dir: Path,
    cal: Calendar,
    staff: Staff,
    sessions: Sessions,
    attendance: Attendance,
    plan: defects.SessionLogDefects,
) -> tuple[dict[str, int], list[dict[str, object]]]:
    """One sign-in file per quarter (header only when nothing was held)."""
    files: dict[str, int] = {}
    events: list[dict[str, object]] = []
    row_quarter = sessions.quarter[attendance.session]
    bounds = np.searchsorted(row_quarter, np.arange(cal.n + 1))
    unknown = set(plan.unknown_rows.tolist())
    for q in range(cal.n):
        lo, hi = int(bounds[q]), int(bounds[q + 1])
        who = attendance.person[lo:hi]
        take = pa.array(who)
        table = pa.table(
            {
                "seance": pa.array(plan.written_session[lo:hi]),
                "matricule": pa.array(staff.matricule[who]),
                "nom": staff.nom.take(take),
                "prenom": staff.prenom.take(take),
                "courriel": staff.email.take(take),
                "direction": _labels(staff.dept[who], DEPARTMENT_NAMES),
                "categorie": _labels(staff.cat[who], _spec.CATEGORIES),
                "sexe": _labels(staff.gender[who], _spec.GENDERS),
                "filiere": _labels(staff.filiere[who], _spec.FILIERES),
            }
        )
        path = attendance_path(cal, q)
        files[path] = writers.write_attendance(raw_dir / path, table)
        for r in sorted(unknown.intersection(range(lo, hi))):
            events.append(
                {
                    "file": path, "line": 2 + r - lo, "kind": "attendance_unknown_session", "action": "quarantine",
                    "record_id": int(plan.written_session[r]),
                    "detail": f"N° séance {plan.written_session[r]} does not exist (really {attendance.session[r] + 1})",
                }
            )  # fmt: skip
    return files, events


def write_feedback(
    raw_dir: Path, feedback: Feedback, tool_names: list[str]
) -> tuple[int, np.ndarray]:
    """The response export and its codebook; return the rows and each record's first line."""
    n = len(feedback.id)
    likert_sat = (*SATISFACTION_LABELS, OUT_OF_RANGE_LIKERT)
    likert_util = (*AGREEMENT_LABELS, OUT_OF_RANGE_LIKERT)
    table = pa.table(
        {
            "id": pa.array(feedback.id),
            "submitdate": timestamps_text(feedback.submit),
            "lastpage": _constant(n, "1"),
            "startlanguage": _constant(n, "fr"),
            "seed": pa.array(feedback.seed),
            "SEANCE": pa.array(feedback.seance, mask=feedback.seance < 0),
            "OUTIL": _labels(feedback.tool, tuple(tool_names)),
            "EVAL[SAT]": _labels(feedback.sat, likert_sat),
            "EVAL[UTIL]": _labels(feedback.util, likert_util),
            "RECO": pa.array(feedback.reco, mask=feedback.reco < 0),
            "COMM": feedback.comment,
        }
    )
    newlines = pc.fill_null(pc.count_substring(feedback.comment, "\n"), 0).to_numpy()
    lines = limesurvey.write_responses(raw_dir / FEEDBACK, table, newlines)
    limesurvey.write_structure(
        raw_dir / FEEDBACK_STRUCTURE,
        sid=_surveys.FEEDBACK_SID,
        title="Retour sur une séance de l'écosystème de l'innovation",
        description="Questionnaire anonyme après chaque séance d'un outil.",
        groups=_surveys.feedback_groups(tool_names),
        anonymized=True,
        admin_email=_surveys.ADMIN_EMAIL,
    )
    return n, lines


def write_barometer(
    raw_dir: Path,
    waves: list[WaveResponses],
    staff: Staff,
    lever_ids: list[str],
    lever_names: dict[str, str],
    tool_of_lever: dict[str, str],
) -> dict[str, int]:
    """One response export per wave, one codebook for the survey."""
    files: dict[str, int] = {}
    for wave in waves:
        n = len(wave.id)
        mat = pc.cast(pa.array(staff.matricule[wave.person]), pa.string())
        columns: dict[str, pa.Array] = {
            "id": pa.array(wave.id),
            "submitdate": timestamps_text(wave.submit),
            "lastpage": _constant(n, "4"),
            "startlanguage": _constant(n, "fr"),
            "seed": pa.array(wave.seed),
            "MATRICULE": pc.if_else(
                pa.array(wave.matricule_given), mat, pa.scalar(None, pa.string())
            ),
            "DIR": _labels(wave.dept, DEPARTMENT_NAMES),
            "CAT": _labels(wave.cat, _spec.CATEGORIES),
            "SEXE": _labels(wave.gender, _spec.GENDER_LABELS_SURVEY),
        }
        for j in range(7):
            columns[f"WB[SQ{j + 1:03d}]"] = _labels(wave.swemwbs[:, j] - 1, SWEMWBS_LABELS)
        for j in range(5):
            columns[f"WHO[SQ{j + 1:03d}]"] = _labels(wave.who5[:, j], WHO5_LABELS)
        for li, lever in enumerate(lever_ids):
            for item in (1, 2):
                columns[f"CLIM[{lever}{item}]"] = _labels(
                    wave.climate[:, li, item - 1] - 1, AGREEMENT_LABELS
                )
        for li, lever in enumerate(lever_ids):
            columns[f"PART[{lever}]"] = _labels(wave.part[:, li], PART_LABELS)
        path = barometer_path(wave.wave.label)
        limesurvey.write_responses(raw_dir / path, pa.table(columns))
        files[path] = n
    limesurvey.write_structure(
        raw_dir / BAROMETER_STRUCTURE,
        sid=_surveys.BAROMETER_SID,
        title="Baromètre social – bien-être et climat d'innovation",
        description="Baromètre semestriel des agents de la Ville.",
        groups=_surveys.barometer_groups(lever_ids, lever_names, tool_of_lever),
        anonymized=False,
        admin_email=_surveys.ADMIN_EMAIL,
    )
    return files
