"""The bilan's files in a period's staged folder: ``bilan.html``, ``bilan.pdf``,
``key_figures.json`` and ``provenance.json``.

``bilan.ipynb`` is executed by papermill with the release's folder (:mod:`eco_eval.release`) and the
report's language as its only parameters; the key figures are read from the same release. The
part is rebuilt only when its build key (inputs, parameters, notebook, code) changes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from eco_eval import __version__
from eco_eval.digest import sha256_file
from eco_eval.errors import ConfigError, ReportFailed
from eco_eval.periods import comparison
from eco_eval.privacy.suppression import write_suppression_log
from eco_eval.publish.index import key_figures
from eco_eval.publish.levers import LEVERS_DIR
from eco_eval.publish.provenance import (
    LOCAL_PARAMETERS,
    build_key,
    git_commit,
    input_checksums,
    is_up_to_date,
)
from eco_eval.publish.release import BILAN_SUPPRESSION_LOG, PeriodRelease
from eco_eval.publish.staging import PeriodStage
from eco_eval.report.html import ASSETS_DIR, notebook_to_html
from eco_eval.report.kernels import EarlyKernel
from eco_eval.report.pdf import html_to_pdf
from eco_eval.report.runner import execute_notebook
from eco_eval.store import record_publication

__all__ = [
    "BilanResult",
    "bilan_parameters",
    "build_bilan_in",
    "notebook_path",
    "notebooks_dir",
    "repo_notebooks",
    "report_folder",
]


def repo_notebooks() -> Path:
    """The notebooks shipped with eco_eval (the repository's notebooks/ folder)."""
    return Path(__file__).resolve().parents[3] / "notebooks"


def notebook_path(project: Any, name: str) -> Path:
    """The project's own copy of notebook ``name``, else the shipped one."""
    own = project.root / "notebooks" / name
    if own.exists():
        return own
    shipped = repo_notebooks() / name
    if shipped.exists():
        return shipped
    raise ConfigError(
        f"{own}: notebook not found; copy it from the eco_eval repository's notebooks/ folder"
    )


def report_folder(project: Any, p: Any, lang: str) -> str:
    """Name of a period's folder under reports/: ``2016-Q2`` (``2016-Q2-en`` in another language)."""
    return p.label.replace(":", "_") + ("" if lang == project.lang else f"-{lang}")


def notebooks_dir(project: Any) -> Path:
    """Where the executed notebooks of the published folders are kept for audit, one folder per
    period folder: beside the store (``data/processed/notebooks/``), rebuilt with the reports."""
    return Path(project.processed_dir) / "notebooks"


@dataclass
class BilanResult:
    html: Path
    rebuilt: bool
    seconds: float
    #: The suppression log to keep once the bilan is published (None when not rebuilt).
    suppression_log: Any = None
    #: The cells the bilan publishes, for the store's publication ledger (None when not rebuilt).
    ledger: Any = None

    def keep_suppression_log(self, project: Any) -> None:
        """Save the log of a bilan that was rebuilt and published, and add its cells to the
        publication ledger."""
        if self.rebuilt and self.suppression_log is not None:
            write_suppression_log(
                project.processed_dir / BILAN_SUPPRESSION_LOG, self.suppression_log
            )
        if self.rebuilt and self.ledger is not None:
            record_publication(project.store_path, self.ledger)

    def __str__(self) -> str:
        return f"{self.html} ({'rebuilt' if self.rebuilt else 'up to date'}, {self.seconds:.1f} s)"


def bilan_parameters(project: Any, p: Any, lang: str, final_dir: Path) -> dict[str, Any]:
    """What a period's bilan (and its deep dives) depend on, for the build keys and the titles:
    the period, the period compared with (None when it ends before the programme's launch), the
    language, the threshold, the organisation, and the folders (left out of the keys)."""
    previous = comparison(p, "previous", project.ecosystem().launch)
    return {
        "period": p.label,
        "compare_to": previous.label if previous is not None else None,
        "lang": lang,
        "k": project.privacy.k,
        "project_dir": str(project.root),
        "store_path": str(project.store_path),
        "output_dir": str(final_dir),
        "organisation": project.organisation.name,
        "suppression_log": str(project.processed_dir / BILAN_SUPPRESSION_LOG),
    }


def _advance(progress: Any, what: str) -> None:
    if progress is not None:
        progress.advance("bilan", what)


def build_bilan_in(
    stage: PeriodStage,
    project: Any,
    p: Any,
    release: PeriodRelease,
    *,
    lang: str,
    pdf: bool = True,
    timeout: int = 600,
    force: bool = False,
    progress: Any = None,
    lever_pages: bool = False,
    kernel: EarlyKernel | None = None,
) -> BilanResult:
    """Build the bilan's files (the folder's top-level files) in ``stage``, from ``release``.

    ``lever_pages``: the folder publishes the lever deep dives, so the cards link to them;
    ``kernel``: a kernel started ahead for the notebook, used when it runs in the project's folder."""
    t0 = time.perf_counter()
    final_dir = stage.final
    template = notebook_path(project, "bilan.ipynb")
    params = bilan_parameters(project, p, lang, final_dir)
    params["lever_pages"] = LEVERS_DIR if lever_pages else ""
    stamp: dict[str, Any] = {
        "package_version": __version__,
        "git_commit": git_commit(),
        "parameters": {
            **{k: v for k, v in params.items() if k not in LOCAL_PARAMETERS},
            "pdf": pdf,
        },
        "inputs_sha256": input_checksums(project.store_path),
        "notebook_sha256": sha256_file(template),
    }
    stamp["build_key"] = build_key(stamp)
    if not force and is_up_to_date(stage.dir, stamp["build_key"]):
        return BilanResult(final_dir / "bilan.html", False, time.perf_counter() - t0)
    stamp["generated_at"] = datetime.now().isoformat(timespec="seconds")
    out = stage.fresh(files_only=True)  # the bilan owns the folder's files, not its subfolders
    if progress is not None:
        progress.start("bilan", total=5 if pdf else 4)
    folder = release.get()
    _advance(progress, "release")
    # kept for audit beside the store, not published (it holds the machine's paths)
    executed = stage.notebooks(files_only=True) / "bilan.executed.ipynb"
    notebook = {"release": str(folder), "lang": lang, "lever_pages": params["lever_pages"]}
    try:
        km = kernel.take(project.root) if kernel is not None else None
        execute_notebook(template, executed, notebook, cwd=project.root, timeout=timeout, km=km)
    except ReportFailed as exc:
        partial = executed.with_name("bilan.executed.failed.ipynb")
        failed = stage.keep_failed(partial, partial.name)
        message = str(exc).replace(str(partial), str(failed))
        raise ReportFailed(f"{message}; the previous report in {final_dir} is untouched") from exc
    _advance(progress, "notebook")
    title = (
        "Bilan de l'innovation organisationnelle"
        if lang == "fr"
        else "Organisational innovation report"
    ) + f" — {p.label}"
    html = notebook_to_html(executed, out / "bilan.html", lang=lang, title=title, assets=ASSETS_DIR)
    _advance(progress, "HTML")
    if pdf:
        # the bilan being replaced, if any, gives its headings' pages to the new print
        html_to_pdf(html, out / "bilan.pdf", previous=final_dir / "bilan.pdf")
        _advance(progress, "PDF")
    figures = {
        "period": p.label,
        "k": project.privacy.k,
        "lang": lang,
        "pdf": pdf,
        "generated_at": stamp["generated_at"],
        "figures": key_figures(release.frame("current")),
    }
    (out / "key_figures.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (out / "provenance.json").write_text(
        json.dumps(stamp, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    stage.mark_changed("bilan")
    _advance(progress, "chiffres clés")
    return BilanResult(
        final_dir / "bilan.html", True, time.perf_counter() - t0, release.suppression_log,
        release.ledger,
    )  # fmt: skip
