"""``generate_demo_city``: draw the fictional city, write its raw files and its ground truth."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eco_eval.demo import groundtruth, rawfiles, resultfiles
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.city import City, Ecosystem, draw_city
from eco_eval.demo.sessions import HELD
from eco_eval.demo.staff import headcount_table
from eco_eval.demo.writers import write_headcount
from eco_eval.errors import ConfigError

log = logging.getLogger(__name__)

MIN_STAFF = 300
MAX_STAFF = 5_000_000
XLSX_MAX_STAFF = 50_000  # above this the session log is written as CSV (same header, on line 1)


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate_demo_city` wrote.

    ``files`` maps each raw file (path relative to ``raw_dir``, with ``/``) to its number of data
    records: rows after the header (for the session log workbook: rows after the header row 3; for
    the survey codebooks: rows after their header line).
    """

    raw_dir: Path
    truth_dir: Path
    seed: int
    n_staff: int
    n_people: int
    quarters: tuple[str, ...]
    waves: tuple[str, ...]
    n_sessions: int
    n_sessions_held: int
    n_attendance: int
    n_feedback: int
    n_barometer: int
    n_defects: int
    session_log_format: str
    n_ideas: int = 0
    files: dict[str, int] = field(default_factory=dict)
    truth_files: tuple[str, ...] = ()
    elapsed_s: float = 0.0


def _check(n_staff: object, seed: object, session_log: object) -> None:
    if (
        isinstance(n_staff, bool)
        or not isinstance(n_staff, int)
        or not MIN_STAFF <= n_staff <= MAX_STAFF
    ):
        raise ConfigError(
            f"n_staff={n_staff!r}: expected an integer between {MIN_STAFF} and {MAX_STAFF:,}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed={seed!r}: expected a non-negative integer")
    if session_log not in ("auto", "xlsx", "csv"):
        raise ConfigError(f"session_log={session_log!r}: expected 'auto', 'xlsx' or 'csv'")


def generate_demo_city(
    raw_dir: Path,
    truth_dir: Path,
    *,
    seed: int = 42,
    n_staff: int = 2400,
    start: str = "2015-Q3",
    end: str = "2017-Q4",
    session_log: str = "auto",
) -> DemoSummary:
    """Write the demo city's raw files under ``raw_dir`` and its ground truth under ``truth_dir``.

    Deterministic: the same arguments give byte-identical files. ``n_staff`` is the headcount of
    the first quarter (hires and leavers follow, so a few more people appear over the period).
    ``session_log='auto'`` writes the session log as xlsx up to 50,000 agents and as CSV above
    (same header, on line 1; dates ``dd/mm/yyyy`` and durations with a decimal comma, as text).
    Demo files a previous run wrote under ``raw_dir`` are replaced; nothing else there is touched.

    Raises :class:`~eco_eval.errors.ConfigError` on a bad argument.

    Example
    -------
    >>> summary = generate_demo_city(Path("data/raw"), Path("data/ground_truth"), seed=42)  # doctest: +SKIP
    >>> summary.files["rh/effectifs_trimestriels.csv"]  # doctest: +SKIP
    """
    _check(n_staff, seed, session_log)
    t0 = time.perf_counter()
    raw_dir, truth_dir = Path(raw_dir), Path(truth_dir)
    cal = Calendar.build(start, end)
    fmt = session_log if session_log != "auto" else ("xlsx" if n_staff <= XLSX_MAX_STAFF else "csv")
    city = draw_city(seed, n_staff, cal, Ecosystem.packaged())
    written = _write_raw(raw_dir, city, fmt)
    result_files, result_events, quarantined = _write_results(raw_dir, city, fmt)
    written.files.update(result_files)
    written = groundtruth.Written(
        dict(sorted(written.files.items())),
        written.events,
        written.log_path,
        written.log_first_row,
        written.feedback_lines,
    )
    params = {
        "seed": seed,
        "n_staff": n_staff,
        "start": start,
        "end": end,
        "session_log_format": fmt,
    }
    extra = resultfiles.write_truth(
        truth_dir, city.results, cal, city.eco.tool_ids, result_events, quarantined
    )
    truth_files = groundtruth.write(truth_dir, city, written, params, extra)
    elapsed = time.perf_counter() - t0
    log.info("demo city written to %s in %.1f s", raw_dir, elapsed)
    return DemoSummary(
        raw_dir=raw_dir,
        truth_dir=truth_dir,
        seed=seed,
        n_staff=n_staff,
        n_people=city.staff.n,
        quarters=cal.labels,
        waves=tuple(w.label for w in cal.waves),
        n_sessions=city.sessions.n,
        n_sessions_held=int((city.sessions.status == HELD).sum()),
        n_attendance=len(city.attendance.person),
        n_feedback=len(city.feedback.id),
        n_barometer=sum(len(w.id) for w in city.waves),
        n_defects=len(written.events) + len(result_events),
        session_log_format=fmt,
        n_ideas=city.results.ideas.n,
        files=written.files,
        truth_files=truth_files,
        elapsed_s=elapsed,
    )


def _write_raw(raw_dir: Path, city: City, fmt: str) -> groundtruth.Written:
    """Write every raw file; return row counts, located defects and where records landed."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    rawfiles.remove_stale(raw_dir)
    cal, eco, staff, plan = city.cal, city.eco, city.staff, city.plan
    files: dict[str, int] = {}
    counts = headcount_table(staff, cal.n)
    files[rawfiles.HEADCOUNT] = write_headcount(raw_dir / rawfiles.HEADCOUNT, counts, cal.ends)
    events: list[dict[str, object]] = [
        {
            "file": rawfiles.HEADCOUNT, "line": None, "kind": "encoding_cp1252", "action": "decode",
            "record_id": None, "detail": "whole file in Windows-1252 (the other text files are UTF-8)",
        }
    ]  # fmt: skip
    log_path, n_log, first_row = rawfiles.write_session_log(
        raw_dir, fmt, staff, city.sessions, plan
    )
    files[log_path] = n_log
    for e in plan.events:
        if fmt == "csv" and e["kind"] in ("session_date_text", "duration_text"):
            continue  # in the CSV log every date and duration is text anyway
        rec = int(str(e["record"]))
        events.append(
            {
                "file": log_path,
                "line": first_row + rec,
                "kind": e["kind"],
                "action": e["action"],
                "record_id": rec + 1,
                "detail": e["detail"],
            }
        )
    att_files, att_events = rawfiles.write_attendance_files(
        raw_dir, cal, staff, city.sessions, city.attendance, plan
    )
    files.update(att_files)
    events += att_events
    files[rawfiles.FEEDBACK], fb_lines = rawfiles.write_feedback(
        raw_dir, city.feedback, eco.tool_names
    )
    for e in city.feedback.events:
        rec = int(str(e["record"]))
        events.append(
            {
                "file": rawfiles.FEEDBACK,
                "line": int(fb_lines[rec]),
                "kind": e["kind"],
                "action": e["action"],
                "record_id": int(city.feedback.id[rec]),
                "detail": e["detail"],
            }
        )
    tool_name_of_lever = {
        lv: eco.tool_names[eco.tool_ids.index(t)] for lv, t in eco.tool_of.items()
    }
    files.update(
        rawfiles.write_barometer(
            raw_dir, city.waves, staff, eco.lever_ids, eco.lever_names, tool_name_of_lever
        )
    )
    files[rawfiles.FEEDBACK_STRUCTURE] = _rows(raw_dir / rawfiles.FEEDBACK_STRUCTURE)
    files[rawfiles.BAROMETER_STRUCTURE] = _rows(raw_dir / rawfiles.BAROMETER_STRUCTURE)
    return groundtruth.Written(dict(sorted(files.items())), events, log_path, first_row, fb_lines)


def _write_results(
    raw_dir: Path, city: City, fmt: str
) -> tuple[dict[str, int], list[dict[str, object]], tuple[int, int]]:
    """The ideas register, the HR indicators and the citizen survey, with their defects."""

    rng = np.random.default_rng(city.results_defects)
    files: dict[str, int] = {}
    path, files_n, events = resultfiles.write_ideas(
        rng, raw_dir, fmt, city.results, city.staff, city.eco.tool_ids, city.eco.tool_names
    )
    files[path] = files_n
    n_hr, hr_events, quarantined = resultfiles.write_hr(rng, raw_dir, city.cal, city.results)
    files[resultfiles.HR_RESULTS] = n_hr
    n_cit, cit_events = resultfiles.write_citizens(rng, raw_dir, city.cal, city.results)
    files[resultfiles.CITIZENS] = n_cit
    return files, events + hr_events + cit_events, quarantined


def _rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh) - 1
