"""``eco-eval run``: ingest, then build and publish a whole period folder, then the index.

Steps, under the project's run lock (``reports/.run.lock``; a second run gets :class:`LockHeld`,
exit code 7, at once):

1. **ingest** new raw files (the store's own copy-on-write transaction);
2. resolve the period (``latest`` needs the store) and check it has data;
3. build the **period folder** in one :class:`~eco_eval.publish.staging.PeriodStage`: the bilan in
   the main thread (its own kernel, then Chromium for the PDF) while a second thread runs the
   twelve **lever deep dives** in one shared kernel (two kernels for two cores), then the
   **open-data** package; each part is skipped when its build key is unchanged (the executed
   notebooks are kept for audit in ``data/processed/notebooks/<period>/``, not published);
4. **publish** the folder with one rename when a part changed, then save the open-data
   suppression log (only for a release that happened);
5. rewrite ``reports/index.html`` (left alone when its content is unchanged).

Every run writes ``reports/logs/run-<time>-<pid>.log`` and ``.json`` (the summary, also printed by
``--json``) and ``reports/logs/last-run.json``. Any failure leaves the published folder and the
index as they were; the error keeps its exit code and carries the summary as ``exc.summary``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from eco_eval import __version__
from eco_eval.errors import StoreError
from eco_eval.privacy.suppression import read_suppression_log
from eco_eval.publish.bilan import (
    bilan_parameters,
    build_bilan_in,
    notebook_path,
    notebooks_dir,
    report_folder,
)
from eco_eval.publish.levers import build_levers
from eco_eval.publish.open_data import build_open_data
from eco_eval.publish.progress import NullProgress
from eco_eval.publish.provenance import git_commit, input_checksums
from eco_eval.publish.release import BILAN_SUPPRESSION_LOG, PeriodRelease
from eco_eval.publish.staging import PeriodStage
from eco_eval.release.model import RAW_CURRENT
from eco_eval.report.kernels import EarlyKernel, default_kernel
from eco_eval.store import open_store

log = logging.getLogger(__name__)

LOGS_DIR = "logs"
RUN_LOCK = ".run.lock"
RUN_LOCK_WHAT = "an 'eco-eval run' (or 'eco-eval bilan')"


class _CallableProgress(NullProgress):
    """Adapter for the older ``progress(step_name)`` callback."""

    def __init__(self, fn: Any):
        self.fn = fn

    def start(self, step: str, total: int | None = None) -> None:
        self.fn(step)


def as_progress(progress: Any) -> Any:
    if progress is None:
        return NullProgress()
    if callable(progress) and not hasattr(progress, "start"):
        return _CallableProgress(progress)
    return progress


class RunLog:
    """The run's log file and JSON summary under ``reports/logs/``."""

    def __init__(self, reports_dir: Path):
        self.dir = reports_dir / LOGS_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        stem = f"run-{datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"
        self.log_path = self.dir / f"{stem}.log"
        self.json_path = self.dir / f"{stem}.json"
        self.handler = logging.FileHandler(self.log_path, encoding="utf-8")
        self.handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s %(message)s")
        )
        self.handler.setLevel(logging.INFO)
        self.logger = logging.getLogger("eco_eval")
        self._level = self.logger.level

    def __enter__(self) -> RunLog:
        self.logger.addHandler(self.handler)
        if self.logger.level == logging.NOTSET or self.logger.level > logging.INFO:
            self.logger.setLevel(logging.INFO)  # the file gets INFO even when the console is quiet
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self._level)
        self.handler.close()

    def error(self, message: str, *, exc_info: bool = False) -> None:
        """An ERROR record for the log file only: the caller (the CLI) prints the error itself."""
        record = self.logger.makeRecord(
            log.name, logging.ERROR, __file__, 0, message, (), sys.exc_info() if exc_info else None
        )
        self.handler.handle(record)

    def write_summary(self, summary: dict[str, Any]) -> None:
        text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
        self.json_path.write_text(text, encoding="utf-8")
        tmp = self.dir / ".last-run.json.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.dir / "last-run.json")


def check_period_has_data(project: Any, p: Any) -> None:
    """A period without any session in a store that has sessions is an error (its exports are
    not in yet), not an empty bilan. A store without any session at all (the session log
    missing, empty or entirely quarantined) publishes a bilan whose sections say so."""

    store = open_store(project.store_path)
    found = store.sql(
        "SELECT count(*) AS n FROM sessions WHERE date BETWEEN ? AND ?", [p.start, p.end]
    )["n"].iloc[0]
    if int(found) or not int(store.sql("SELECT count(*) AS n FROM sessions")["n"].iloc[0]):
        return
    last = store.sql("SELECT max(quarter) AS q FROM sessions WHERE status = 'held'")["q"].iloc[0]
    raise StoreError(
        f"{project.store_path}: no session in the store for {p.label} "
        f"(latest quarter with data: {last or 'none'}); the period's exports are not in "
        f"{project.raw_dir} yet, so nothing was published (use --period latest for the latest "
        "quarter with data)"
    )


def publish_period(
    project: Any,
    p: Any,
    lang: str,
    pdf: bool,
    bar: Any,
    timeout: int,
    force: bool,
    steps: list[dict[str, Any]],
    kernel: EarlyKernel | None = None,
) -> tuple[bool, Any, Any]:
    """Bilan ‖ deep dives, then open data, in one stage, from one release; publish.

    ``kernel``: one started ahead for the bilan's notebook. Returns (published?, the :class:`~eco_eval.publish.open_data.OpenDataResult` when the open
    data were rebuilt, else None, the :class:`BilanResult`)."""
    basis = {
        "package_version": __version__,
        "git_commit": git_commit(),
        "inputs_sha256": input_checksums(project.store_path),
    }
    cancel = threading.Event()
    folder = report_folder(project, p, lang)
    release = PeriodRelease(project, p)
    with PeriodStage(project.reports_dir, folder, notebooks_dir=notebooks_dir(project)) as stage:
        params = bilan_parameters(project, p, lang, stage.final)
        params.pop("output_dir")
        with ThreadPoolExecutor(1, thread_name_prefix="deep-dives") as pool:
            levers: Future[Any] = pool.submit(
                build_levers,
                stage,
                template=notebook_path(project, "lever.ipynb"),
                ecosystem=project.ecosystem(),
                parameters=params,
                release=release.get,
                basis=basis,
                kernel_name=default_kernel(),
                cwd=project.root,
                timeout=timeout,
                force=force,
                progress=bar,
                cancel=cancel,
            )
            try:
                bar.start("bilan")
                bilan = build_bilan_in(
                    stage,
                    project,
                    p,
                    release,
                    lang=lang,
                    pdf=pdf,
                    timeout=timeout,
                    force=force,
                    progress=bar,
                    lever_pages=True,
                    kernel=kernel,
                )
                bar.finish("bilan", "reconstruit" if bilan.rebuilt else "à jour")
                log.info("bilan: %s", bilan)
                od = None
                if lang == project.lang:  # open data do not depend on the report's language
                    bar.start("open-data")
                    od = build_open_data(
                        stage, project=project, period=p, basis=basis, force=force,
                        raw=functools.partial(release.frame, RAW_CURRENT),
                        bilan_log=bilan.suppression_log if bilan.rebuilt
                        else read_suppression_log(project.processed_dir / BILAN_SUPPRESSION_LOG),
                    )  # fmt: skip
                    bar.finish("open-data", "reconstruites" if od.rebuilt else "à jour")
                    log.info("open data: %s", "rebuilt" if od.rebuilt else "up to date")
                deep = levers.result()
                bar.finish("leviers", "reconstruites" if deep.rebuilt else "à jour")
                log.info(
                    "deep dives: %s in %.1f s",
                    "rebuilt" if deep.rebuilt else "up to date",
                    deep.seconds,
                )
            except BaseException:
                cancel.set()  # the deep-dive thread stops after its current notebook
                raise
        steps.append(
            {
                "step": "bilan",
                "html": str(bilan.html),
                "rebuilt": bilan.rebuilt,
                "seconds": round(bilan.seconds, 1),
            }
        )
        steps.append(deep.as_step())
        if od is not None:
            steps.append(od.as_step())
        else:
            steps.append(
                {"step": "open-data", "skipped": f"published with the {project.lang} folder"}
            )
        published = stage.publish()
        steps.append({"step": "publish", "folder": str(stage.final), "published": published})
    return published, (od if od is not None and od.rebuilt else None), bilan


def run_message(summary: dict[str, Any]) -> str:
    """The human summary ``eco-eval run`` prints (the JSON one has every detail)."""
    lines = []
    for s in summary["steps"]:
        name = s["step"]
        if name == "ingest":
            state = "new files ingested" if s["changed"] else "nothing new"
        elif name == "publish":
            state = f"{s['folder']} {'published' if s['published'] else 'unchanged'}"
        elif name == "index":
            state = f"{s['html']} {'updated' if s['changed'] else 'unchanged'}"
        elif "skipped" in s:
            state = f"skipped ({s['skipped']})"
        else:
            state = "rebuilt" if s.get("rebuilt") else "up to date"
        seconds = f" ({s['seconds']} s)" if "seconds" in s else ""
        lines.append(f"{name}: {state}{seconds}")
    lines.append(f"run {summary['period']}: ok in {summary['seconds']} s")
    return "\n".join(lines)
