"""The project's steps wired end to end: the I/O edge between the CLI and the pure library.

Each function takes a project folder, loads its configuration once, and calls the layers in order
(ingest -> store -> indicators -> report). The CLI and the scheduler call these; so can a notebook.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from eco_eval.config import CONFIG_NAME, Project, demo_config_text, load_project
from eco_eval.errors import ConfigError, ReportFailed, StoreError

log = logging.getLogger(__name__)

DEMO_ACTIONS = """\
# The deputy directorate's actions, followed up in the bilan against the indicators they aim to move.
actions:
  - id: A1
    action: "Ouvrir « point silence » aux agents de catégorie C des services techniques"
    lever: bien_etre
    indicator: reach_rate
    target: 0.05
    owner: "Direction adjointe"
    due: "2017-12-31"
  - id: A2
    action: "Relancer « dans la peau de Walt » avec deux nouveaux animateurs"
    lever: reve
    indicator: sessions_held
    target: 6
    owner: "Groupe projet"
    due: "2017-09-30"
  - id: A3
    action: "Porter le taux de réponse aux questionnaires de fin de séance à 60 %"
    lever: "*"
    indicator: feedback_response_rate
    target: 0.6
    owner: "Animateurs"
    due: "2017-12-31"
"""


def repo_notebooks() -> Path:
    """The notebooks shipped with eco_eval (the repository's notebooks/ folder)."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def notebook_path(project: Project, name: str) -> Path:
    own = project.root / "notebooks" / name
    if own.exists():
        return own
    shipped = repo_notebooks() / name
    if shipped.exists():
        return shipped
    raise ConfigError(f"{own}: notebook not found; copy it from the eco_eval repository's notebooks/ folder")


# --------------------------------------------------------------------------- demo
def create_demo_project(root: Path, *, seed: int = 42, n_staff: int = 2400) -> str:
    """Write eco_eval.yaml (if absent), actions.yaml and the demo city's raw files under ``root``."""
    from eco_eval.demo import generate_demo_city

    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / CONFIG_NAME
    if not cfg.exists():
        cfg.write_text(demo_config_text(), encoding="utf-8")
    actions = root / "actions.yaml"
    if not actions.exists():
        actions.write_text(DEMO_ACTIONS, encoding="utf-8")
    t0 = time.perf_counter()
    summary = generate_demo_city(root / "data" / "raw", root / "data" / "ground_truth", seed=seed, n_staff=n_staff)
    n_files = len(getattr(summary, "files", []) or [])
    return f"demo city written to {root / 'data' / 'raw'} ({n_files} files, seed {seed}, {n_staff} staff, {time.perf_counter() - t0:.1f} s)"


# --------------------------------------------------------------------------- ingest
@dataclass
class IngestOutcome:
    report: Any
    seconds: float

    def summary_text(self) -> str:
        r = self.report
        if not r.changed:
            return "ingest: nothing new (the store already holds these files)"
        t = r.totals
        lines = [
            f"ingest: {t['files']} files, {t['rows_read']} rows read, {t['rows_accepted']} accepted, "
            f"{t['rows_quarantined']} quarantined ({t['duplicates']} duplicates) in {self.seconds:.1f} s"
        ]
        lines += [f"  warning: {w}" for w in r.warnings[:10]]
        return "\n".join(lines)


def run_ingest(root: Path, *, force: bool = False) -> IngestOutcome:
    from eco_eval.ingest import ingest

    project = load_project(root)
    t0 = time.perf_counter()
    report = ingest(project, force=force, progress=lambda f: log.debug("reading %s", f))
    return IngestOutcome(report, time.perf_counter() - t0)


# --------------------------------------------------------------------------- indicators
def resolve_period(project: Project, period: str) -> Any:
    from eco_eval.periods import parse_period

    if period == "latest":
        from eco_eval.store import open_store

        quarters = open_store(project.store_path).sql("SELECT max(quarter) AS q FROM sessions WHERE status = 'held'")
        q = quarters["q"].iloc[0]
        if q is None:
            raise StoreError(f"{project.store_path}: no held session in the store; ingest data first")
        return parse_period(str(q))
    return parse_period(period, launch=project.ecosystem().launch)


def compute_indicators(root: Path, period: str, *, by: tuple[str, ...] = ("department", "category", "gender", "filiere")) -> Any:
    from eco_eval.indicators import compute
    from eco_eval.store import open_store

    project = load_project(root)
    p = resolve_period(project, period)
    return compute(open_store(project.store_path), p, by=by, k=project.privacy.k, ecosystem=project.ecosystem())


def export_frame(frame: Any, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    elif out.suffix.lower() == ".csv":
        from eco_eval.privacy.open_data import neutralise_formulas

        neutralise_formulas(frame).to_csv(out, index=False)
    else:
        raise ConfigError(f"{out}: unknown export format {out.suffix!r}; use .csv or .parquet")


# --------------------------------------------------------------------------- bilan
def git_commit() -> str:
    with contextlib.suppress(Exception):
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5)
        if out.returncode == 0:
            return out.stdout.strip()
    return "unknown"


def input_checksums(project: Project) -> dict[str, str]:
    """sha256 of every raw file, as the store's ingest log recorded them."""
    from eco_eval.store import open_store

    return dict(sorted(open_store(project.store_path).known_files().items()))


def _publish(tmp_dir: Path, final_dir: Path) -> None:
    """Replace ``final_dir`` by ``tmp_dir`` with renames only (never a half-written report)."""
    old = final_dir.with_name(final_dir.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final_dir.exists():
        os.replace(final_dir, old)
    os.replace(tmp_dir, final_dir)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def build_bilan(root: Path, period: str, *, lang: str | None = None, pdf: bool = True, timeout: int = 600) -> Path:
    """Execute ``bilan.ipynb`` for ``period`` and publish ``reports/<period>/bilan.html`` (+ PDF).

    The report is built in a temporary folder beside the final one and renamed into place only when
    every step succeeded; a failing cell raises :class:`ReportFailed` naming the cell, and keeps the
    partial notebook under ``reports/<period>.failed/`` for audit.
    """
    from eco_eval import __version__
    from eco_eval.report.html import notebook_to_html
    from eco_eval.report.runner import execute_notebook

    project = load_project(root)
    p = resolve_period(project, period)
    lang = lang or project.lang
    reports = project.reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    final_dir = reports / p.label.replace(":", "_")
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.", dir=reports))
    params = {
        "period": p.label,
        "compare_to": p.previous().label,
        "lang": lang,
        "k": project.privacy.k,
        "project_dir": str(project.root),
        "store_path": str(project.store_path),
        "output_dir": str(final_dir),
        "organisation": project.organisation.name,
    }
    stamp = {
        "package_version": __version__,
        "git_commit": git_commit(),
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "parameters": params,
        "inputs_sha256": input_checksums(project),
    }
    try:
        (tmp_dir / "provenance.json").write_text(json.dumps(stamp, ensure_ascii=False, indent=2), encoding="utf-8")
        executed = tmp_dir / "bilan.executed.ipynb"
        try:
            execute_notebook(notebook_path(project, "bilan.ipynb"), executed, params, cwd=project.root, timeout=timeout)
        except ReportFailed:
            failed = reports / f"{final_dir.name}.failed"
            if failed.exists():
                shutil.rmtree(failed)
            os.replace(tmp_dir, failed)
            raise
        title = ("Bilan de l'innovation organisationnelle" if lang == "fr" else "Organisational innovation report") + f" — {p.label}"
        html = notebook_to_html(executed, tmp_dir / "bilan.html", lang=lang, title=title)
        if pdf:
            from eco_eval.report.pdf import html_to_pdf

            html_to_pdf(html, tmp_dir / "bilan.pdf")
        _publish(tmp_dir, final_dir)
    finally:
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return final_dir / "bilan.html"


# --------------------------------------------------------------------------- run
def run_all(root: Path, period: str, *, lang: str | None = None, pdf: bool = True) -> dict[str, Any]:
    """Ingest, compute and publish: the scheduler's single command. Returns a JSON-able summary."""
    from eco_eval.store import project_lock

    project = load_project(root)
    started = time.perf_counter()
    summary: dict[str, Any] = {"period": period, "started_at": datetime.now().isoformat(timespec="seconds"), "steps": []}
    with project_lock(project.reports_dir / ".run.lock", "an 'eco-eval run'"):
        outcome = run_ingest(root)
        summary["steps"].append({"step": "ingest", "changed": outcome.report.changed, **(outcome.report.totals if outcome.report.changed else {})})
        html = build_bilan(root, period, lang=lang, pdf=pdf)
        summary["steps"].append({"step": "bilan", "html": str(html)})
    summary["seconds"] = round(time.perf_counter() - started, 1)
    summary["message"] = f"{outcome.summary_text()}\nbilan: {html} ({summary['seconds']} s)"
    return summary


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def today() -> date:
    return date.today()
