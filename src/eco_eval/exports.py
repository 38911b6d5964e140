"""The anonymised tables ``eco-eval indicators``, ``impact``, ``reliability`` and ``wellbeing``
export, as CSV or Parquet.

The indicators keep hidden the cells the published bilans hid; the well-being tables are the
bilan's own, from a release of the period computed as the bilan's is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eco_eval.bilan import Bilan, exports
from eco_eval.bilan.wellbeing import section as wellbeing_section
from eco_eval.config import load_project, parse_breakdowns
from eco_eval.errors import ConfigError, did_you_mean
from eco_eval.pipeline import resolve_period
from eco_eval.privacy.ledger import check_custom_range
from eco_eval.privacy.open_data import neutralise_formulas
from eco_eval.privacy.suppression import read_suppression_log
from eco_eval.publish.release import BILAN_SUPPRESSION_LOG, PeriodRelease
from eco_eval.release.compute import compute_published
from eco_eval.store import open_store, record_publication

__all__ = [
    "EXPORT_FORMATS",
    "WELLBEING_TABLES",
    "check_export_path",
    "compute_indicators",
    "compute_wellbeing_table",
    "export_frame",
]


def compute_indicators(
    root: Path,
    period: str = "latest",
    *,
    by: tuple[str, ...] | None = None,
) -> Any:
    """The anonymised indicators of ``period`` as ``eco-eval indicators`` exports them: with the
    cells the published bilans hid kept hidden, so that an export and a bilan cannot be
    subtracted from each other. ``by``: the breakdowns (default ``report.breakdowns``, or every
    breakdown present in both the headcount and the attendance)."""
    project = load_project(root)
    p = resolve_period(project, period)
    dims = parse_breakdowns(None if by is None else list(by), "--by")
    store = open_store(project.store_path)
    ledger = store.table("publication_ledger")
    check_custom_range(ledger, p, f"export:{p.label}")
    frame, cells = compute_published(
        store, p, by=project.report_breakdowns if dims is None else dims,
        k=project.privacy.k,
        ecosystem=project.ecosystem(), instruments=project.instruments(),
        suppression_log=read_suppression_log(project.processed_dir / BILAN_SUPPRESSION_LOG),
        ledger=ledger, publication=f"export:{p.label}", overload_hours=project.overload_hours,
    )  # fmt: skip
    record_publication(project.store_path, cells)
    return frame


EXPORT_FORMATS = (".csv", ".parquet")


def check_export_path(out: Path) -> None:
    """A ConfigError before any work when ``out`` names no export format."""
    if out.suffix.lower() not in EXPORT_FORMATS:
        raise ConfigError(f"{out}: unknown export format {out.suffix!r}; use .csv or .parquet")


def export_frame(frame: Any, out: Path) -> None:
    """Write ``frame`` as CSV (spreadsheet formulas neutralised) or Parquet, by extension."""
    check_export_path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        neutralise_formulas(frame).to_csv(out, index=False)


#: ``eco-eval <table>`` -> the export function of :mod:`eco_eval.bilan.exports`
WELLBEING_TABLES = ("impact", "reliability", "wellbeing")


def compute_wellbeing_table(root: Path, period: str, table: str) -> Any:
    """One of the bilan's well-being tables of ``period`` (``impact``, ``reliability`` or
    ``wellbeing``) as a flat anonymised frame: the numbers the bilan of that period shows, from
    the same release (:mod:`eco_eval.bilan.exports`): the one saved beside the store when its
    inputs are unchanged, else built and saved for the bilan to read."""
    if table not in WELLBEING_TABLES:
        raise ConfigError(f"unknown table {table!r}{did_you_mean(table, WELLBEING_TABLES)}")
    project = load_project(root)
    p = resolve_period(project, period)
    release = PeriodRelease(project, p).loaded()  # the saved one, built when out of date
    bilan = Bilan.from_release(release, lang=project.lang, project=project)
    return getattr(exports, f"{table}_export")(wellbeing_section(bilan))
