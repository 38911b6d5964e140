"""The project's steps wired end to end: the I/O edge between the CLI and the pure library.

Each function takes a project folder, loads its configuration once, and calls the layers in order
(ingest -> store -> indicators -> report). The CLI and the scheduler call these; so can a notebook.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from eco_eval.config import Project, load_project
from eco_eval.errors import EcoEvalError, StoreError, write_failed
from eco_eval.ingest import ingest
from eco_eval.ingest.quality import REQUIRED_SOURCES, heavy_quarantine
from eco_eval.periods import LATEST, check_after_launch, parse_period
from eco_eval.publish.bilan import (
    BilanResult,
    build_bilan_in,
    notebooks_dir,
    report_folder,
)
from eco_eval.publish.index import write_index
from eco_eval.publish.levers import LEVERS_DIR
from eco_eval.publish.open_data import LOG_NAME, save_log
from eco_eval.publish.release import PeriodRelease
from eco_eval.publish.run import (
    RUN_LOCK,
    RUN_LOCK_WHAT,
    RunLog,
    as_progress,
    check_period_has_data,
    publish_period,
    run_message,
)
from eco_eval.publish.staging import PeriodStage
from eco_eval.report.fmt import fmt_date
from eco_eval.report.i18n import Labels, section_labels
from eco_eval.report.kernels import EarlyKernel
from eco_eval.report.quality import render_page
from eco_eval.store import open_store, project_lock, record_publication
from eco_eval.store_quality import quality_tables

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- ingest
@dataclass
class IngestOutcome:
    report: Any
    seconds: float
    quality_page: Path | None = None
    #: sources with more than half their rows quarantined (ingest.quality.HeavyQuarantine)
    heavy: list[Any] = field(default_factory=list)
    page_label: str = "reports/data-quality/latest.html"

    @property
    def entirely_quarantined(self) -> list[str]:
        """Sources the bilan needs whose rows were read and none accepted."""

        return [
            h.table for h in self.heavy if h.table in REQUIRED_SOURCES and h.quarantined == h.read
        ]

    def warning_lines(self) -> list[str]:
        return [h.line(self.page_label) for h in self.heavy]

    def summary_text(self) -> str:
        r = self.report
        if not r.changed:
            return "ingest: nothing new (the store already holds these files)"
        t = r.totals
        lines = [
            f"ingest: {t['files']} files, {t['rows_read']} rows read, {t['rows_accepted']} accepted, "
            f"{t['rows_quarantined']} quarantined ({t['duplicates']} duplicate{'' if t['duplicates'] == 1 else 's'}) in {self.seconds:.1f} s"
        ]
        lines += [f"  warning: {w}" for w in self.warning_lines()]
        lines += [f"  warning: {w}" for w in r.warnings[:10]]
        lines += [f"  linkage: {line}" for line in linkage_lines(r.linkage)]
        if self.quality_page is not None:
            lines.append(f"  data quality: {self.quality_page}")
        return "\n".join(lines)


def linkage_lines(linkage: Any) -> list[str]:
    """The link rates in words for the ingest's summary (``1987 of 2074 barometer respondents
    linked to the attendance register; not linked: ...``)."""
    if linkage is None:
        return []
    lines = []
    for r in linkage.to_dict("records"):
        causes = ", ".join(f"{cause} {n}" for cause, n in r["causes"].items())
        lines.append(
            f"{r['linked']} of {r['rows']} {r['table_name']} respondents linked to the "
            f"{r['target']} register" + (f"; not linked: {causes}" if causes else "")
        )
    return lines


def run_ingest(
    root: Path, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> IngestOutcome:
    """Ingest the project's raw files; after a change, write the data-quality page of this ingest."""

    project = load_project(root)
    t0 = time.perf_counter()
    report = ingest(
        project, force=force, progress=progress or (lambda f: log.debug("reading %s", f))
    )
    outcome = IngestOutcome(report, time.perf_counter() - t0)
    if report.changed:
        outcome.quality_page = write_quality_page(project, report.warnings)
        outcome.heavy = _heavy_quarantine(project, report.files)
        latest = project.reports_dir / "data-quality" / "latest.html"
        with contextlib.suppress(ValueError):
            outcome.page_label = latest.resolve().relative_to(project.root.resolve()).as_posix()
    return outcome


def _heavy_quarantine(project: Project, files: list[Any]) -> list[Any]:
    """The sources of this ingest with more than half their rows quarantined, each with its main
    reason and the value of the first row quarantined for it (as the quarantine holds it)."""

    store = open_store(project.store_path)

    def first_raw(table: str, reason: str) -> str | None:
        found = store.sql(
            "SELECT raw FROM quarantine WHERE table_name = ? "
            "AND list_contains(string_split(reasons, '; '), ?) ORDER BY rowid LIMIT 1",
            [table, reason],
        )
        return None if found.empty else str(found["raw"].iloc[0])

    columns = {name: dict(src.columns) for name, src in project.sources.items()}
    return heavy_quarantine(files, columns, first_raw)


def write_quality_page(project: Project, warnings: list[str]) -> Path:
    """``reports/data-quality/ingest-<time>.html`` (and ``latest.html``) from the store's log."""

    store = open_store(project.store_path)
    labels = Labels(project.lang, ecosystem=project.ecosystem()).extend(
        section_labels("bilan", project.lang)
    )
    now = datetime.now()
    tables = quality_tables(store)
    html = render_page(
        tables["log"],
        tables["quarantine"],
        labels,
        examples=tables["examples"],
        when=f"{fmt_date(now.date(), project.lang)} {now:%H:%M}",
        warnings=warnings,
        linkage=tables["linkage"],
    )
    folder = project.reports_dir / "data-quality"
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"ingest-{now:%Y%m%dT%H%M%S}.html"
    page.write_text(html, encoding="utf-8")
    tmp = folder / ".latest.html.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, folder / "latest.html")
    return page


# --------------------------------------------------------------------------- periods
def resolve_period(project: Project, period: str | None) -> Any:
    """``period`` as a Period: None or a word of :data:`eco_eval.periods.LATEST`
    (``latest``, ``dernier``; any case) is the latest quarter with a held session, the default of
    every command; any other text is parsed by :func:`eco_eval.periods.parse_period`."""
    if period is None or period.strip().lower() in LATEST:
        quarters = open_store(project.store_path).sql(
            "SELECT max(quarter) AS q FROM sessions WHERE status = 'held'"
        )
        q = quarters["q"].iloc[0]
        if q is None:
            raise StoreError(
                f"{project.store_path}: no held session in the store; ingest data first"
            )
        return parse_period(str(q))
    launch = project.ecosystem().launch
    return check_after_launch(parse_period(period, launch=launch), launch)


# --------------------------------------------------------------------------- bilan
def build_bilan(
    root: Path,
    period: str = "latest",
    *,
    lang: str | None = None,
    pdf: bool = True,
    timeout: int = 600,
    force: bool = False,
    kernel: EarlyKernel | None = None,
) -> BilanResult:
    """Execute ``bilan.ipynb`` for ``period`` and publish ``reports/<period>/bilan.html`` (+ PDF).

    The report is built in a staged copy of its period folder (:mod:`eco_eval.publish.staging`)
    and renamed into place only when every step succeeded, keeping the folder's deep dives and
    open data; a failing cell raises :class:`ReportFailed` naming the cell, and keeps the partial
    notebook under ``reports/<period>.failed/`` for audit. A report whose inputs, parameters,
    notebook and code are unchanged is not rebuilt (``force`` rebuilds it). Holds the project's
    run lock, like ``eco-eval run``. ``kernel``: one started ahead for the notebook (the command
    line starts it before loading the rest), else the notebook starts its own.
    """
    project = load_project(root)
    p = resolve_period(project, period)
    lang = lang or project.lang
    folder = report_folder(project, p, lang)
    with (
        project_lock(project.reports_dir / RUN_LOCK, RUN_LOCK_WHAT),
        PeriodStage(project.reports_dir, folder, notebooks_dir=notebooks_dir(project)) as stage,
    ):
        # link the lever cards to deep dives only when the folder already publishes them
        deep_dives = (stage.final / LEVERS_DIR / "index.html").exists()
        result = build_bilan_in(
            stage, project, p, PeriodRelease(project, p), lang=lang, pdf=pdf,
            timeout=timeout, force=force, lever_pages=deep_dives, kernel=kernel,
        )  # fmt: skip
        if stage.publish():
            result.keep_suppression_log(project)
    return result


# --------------------------------------------------------------------------- run
def run_all(
    root: Path,
    period: str = "latest",
    *,
    lang: str | None = None,
    pdf: bool = True,
    progress: Any = None,
    timeout: int = 600,
    force: bool = False,
    kernel: EarlyKernel | None = None,
) -> dict[str, Any]:
    """Ingest, compute and publish a period: the scheduler's single command (JSON-able summary).

    Ingests new raw files, then builds the period folder (bilan, the lever deep dives, the open
    data package) from one release in one staged copy published with one rename, then updates
    ``reports/index.html``. Holds the project lock for the whole run (a second run fails at once
    with :class:`LockHeld`), writes its log and JSON summary under ``reports/logs/``, rebuilds only
    the parts whose inputs changed, and leaves the previous reports and index untouched when any
    step fails: the error is raised with the summary attached as ``exc.summary``. See
    :mod:`eco_eval.publish.run`. ``kernel``: one started ahead for the bilan's notebook.
    """
    project = load_project(root)
    bar = as_progress(progress)
    started = time.perf_counter()
    summary: dict[str, Any] = {
        "ok": False,
        "exit_code": 1,
        "project": str(project.root),
        "period": period,
        "folder": None,
        "published": False,
        "started_at": datetime.now().isoformat(timespec="seconds"),
        "steps": [],
    }
    with RunLog(project.reports_dir) as runlog:
        summary["log"] = str(runlog.log_path)
        log.info("run started: period %s, project %s", period, project.root)
        try:
            with project_lock(project.reports_dir / RUN_LOCK, RUN_LOCK_WHAT), _as_write_failed():
                _run_locked(project, period, lang, pdf, bar, timeout, force, summary, kernel)
            summary["ok"] = True
            summary["exit_code"] = 0
        except EcoEvalError as exc:
            summary["error"] = str(exc)
            summary["error_type"] = type(exc).__name__
            summary["exit_code"] = exc.exit_code
            runlog.error(f"run failed: {exc}")
            exc.summary = summary  # type: ignore[attr-defined]
            raise
        except KeyboardInterrupt:
            summary["error"] = "interrupted"
            summary["exit_code"] = 130
            runlog.error("run interrupted")
            raise
        except Exception as exc:
            summary["error"] = f"{type(exc).__name__}: {exc}"
            summary["error_type"] = type(exc).__name__
            runlog.error("run failed on an unexpected error", exc_info=True)
            with contextlib.suppress(AttributeError):  # some built-in exceptions refuse it
                exc.summary = summary  # type: ignore[attr-defined]
            raise
        finally:
            summary["finished_at"] = datetime.now().isoformat(timespec="seconds")
            summary["seconds"] = round(time.perf_counter() - started, 1)
            log.info(
                "run %s in %.1f s", "succeeded" if summary["ok"] else "failed", summary["seconds"]
            )
            runlog.write_summary(summary)
    summary["message"] = run_message(summary)
    return summary


@contextlib.contextmanager
def _as_write_failed() -> Iterator[None]:
    """A read-only folder, a permission or a full disk met in the block becomes the one-line
    :class:`~eco_eval.errors.WriteFailed` naming the folder and the fix."""
    try:
        yield
    except OSError as exc:
        failure = write_failed(exc)
        if failure is None:
            raise
        raise failure from exc


def _run_locked(
    project: Any,
    period: str,
    lang: str | None,
    pdf: bool,
    bar: Any,
    timeout: int,
    force: bool,
    summary: dict[str, Any],
    kernel: EarlyKernel | None,
) -> None:
    steps = summary["steps"]
    bar.start("ingest")
    outcome = run_ingest(project.root, progress=lambda f: bar.advance("ingest", f))
    report = outcome.report
    steps.append(
        {
            "step": "ingest",
            "changed": report.changed,
            "seconds": round(outcome.seconds, 1),
            **(report.totals if report.changed else {}),
            **({"warnings": list(report.warnings)} if report.warnings else {}),
        }
    )
    bar.finish("ingest", "nouveaux fichiers" if report.changed else "rien de nouveau")
    log.info("%s", outcome.summary_text())
    p = resolve_period(project, period)
    check_period_has_data(project, p)
    lang = lang or project.lang
    summary["period"] = p.label
    summary["folder"] = str(project.reports_dir / report_folder(project, p, lang))
    published, od, bilan = publish_period(
        project, p, lang, pdf, bar, timeout, force, steps, kernel=kernel
    )
    if published:
        bilan.keep_suppression_log(project)
    summary["published"] = published
    if od is not None and published:
        save_log(project.processed_dir / LOG_NAME, od.log)
        record_publication(project.store_path, od.ledger)
    bar.start("index")
    index = project.reports_dir / "index.html"
    before = index.stat().st_mtime_ns if index.exists() else None
    write_index(project.reports_dir, lang=project.lang, organisation=project.organisation.name)
    changed = not index.exists() or index.stat().st_mtime_ns != before
    steps.append({"step": "index", "html": str(index), "changed": changed})
    bar.finish("index", "mis à jour" if changed else "inchangé")


def today() -> date:
    return date.today()
