"""Build a period's :class:`~eco_eval.release.model.Release` from the store, once.

:func:`build_release` reads the store's tables, computes every figure one publication of the
period shows — the indicators of the period, of the period before and of the same period a year
before, each quarter's programme and lever figures since launch, the barometer's tables, the
organisational results, the comment themes and quotes, what each source gives the period — and
applies the anonymity rule with the suppression log of earlier publications. It returns the
release and the log to keep once the publication is out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from eco_eval import __version__
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import DIMENSIONS, Tables, missing_breakdowns, present_breakdowns
from eco_eval.indicators.engine import publication_periods, with_comparison
from eco_eval.indicators.maintenance import idle_lever_ids
from eco_eval.instruments import load_instruments
from eco_eval.periods import Period, comparison_note
from eco_eval.privacy.ledger import check_custom_range
from eco_eval.release.disclosure import publication_frames, publication_ledger, raw_frames
from eco_eval.release.feedback import feedback_part
from eco_eval.release.files import save_release
from eco_eval.release.model import (
    LEDGER_FRAME,
    RAW_CURRENT,
    SUPPRESSION_LOG_FRAME,
    Release,
    earlier_publications,
    period_entry,
    publication_name,
)
from eco_eval.release.programme import programme_part
from eco_eval.release.results import results_part
from eco_eval.release.sources import source_facts
from eco_eval.release.wellbeing import wellbeing_part
from eco_eval.store import open_store
from eco_eval.store_quality import REASON_EXAMPLES_SQL

__all__ = ["build_release", "release_from_tables", "save_built_release"]


def release_from_tables(
    tables: Tables,
    period: Period,
    eco: Any,
    *,
    k: int = 5,
    k_drivers: int = 25,
    k_comments: int = 10,
    instruments: Mapping[str, Any] | None = None,
    by: Sequence[str] = DIMENSIONS,
    compare_to: Period | None = None,
    suppression_log: pd.DataFrame | None = None,
    quality: Mapping[str, pd.DataFrame] | None = None,
    about: Mapping[str, Any] | None = None,
    ledger: pd.DataFrame | None = None,
    publication: str | None = None,
    overload_hours: float | None = None,
) -> tuple[Release, pd.DataFrame]:
    """The release of ``period`` computed from ``tables`` (see the module doc), and the
    suppression log to keep (earlier cells and the cells hidden now).

    ``compare_to`` replaces the period compared with (default the period before, absent when it
    ends before the launch); ``quality``: the store's ``log`` and ``quarantine`` summaries;
    ``about``: manifest entries describing the publication (organisation, project folder,
    provenance), kept as given; ``overload_hours``: the facilitator overload threshold (None: the
    catalogue's ``overload_hours_per_quarter``), kept in the manifest; ``ledger``: every cell
    published before, checked against (:func:`eco_eval.release.disclosure.publication_frames`),
    ``publication`` naming this one
    (left out of the ledger when it is made again). The release's frame ``ledger`` holds the
    cells it publishes, to add to the ledger once it is out. A date range that shares days with
    a published period without being made of whole quarters is refused (ConfigError)."""
    check_custom_range(ledger, period, publication)
    periods = publication_periods(period, eco.launch)
    if compare_to is not None:
        periods["previous"] = compare_to
    batteries = instruments if instruments is not None else load_instruments(levers=eco.lever_ids)
    overload = float(
        overload_hours
        if overload_hours is not None
        else load_catalogue().parameters.get("overload_hours_per_quarter", 40)
    )
    raw = raw_frames(tables, eco, periods, by=by, instruments=instruments, overload_hours=overload)
    frames, log = publication_frames(
        tables, eco, periods, k=k, suppression_log=suppression_log, instruments=instruments, by=by,
        ledger=ledger, publication=publication, history_until=period, raw=raw,
        overload_hours=overload,
    )  # fmt: skip
    current = with_comparison(
        frames["current"],
        frames.get("previous"),
        frames.get("year"),
        note="" if compare_to is not None else comparison_note(period, eco.launch),
    )
    wb_frames, wb_meta = wellbeing_part(tables, period, eco, batteries, k=k, k_drivers=k_drivers)
    res_frames, res_meta = results_part(tables, period, eco)
    fb_frames, fb_meta = feedback_part(tables, period, eco, k_comments=k_comments)
    prog_frames, prog_meta = programme_part(current, period, eco)
    quality = quality or {}
    manifest = {
        **(about or {}),
        "eco_eval_version": __version__,
        "period": period_entry(period),
        "compare_to": period_entry(periods.get("previous")),
        "year_before": period_entry(periods.get("year")),
        "launch": eco.launch.isoformat(),
        "k": int(k),
        "k_drivers": int(k_drivers),
        "breakdowns": list(present_breakdowns(tables, by)),
        "missing_breakdowns": {d: list(t) for d, t in missing_breakdowns(tables, by).items()},
        "idle_levers": list(idle_lever_ids(tables, period, eco)),
        "sources": source_facts(tables, period),
        "wellbeing": wb_meta,
        "results": res_meta,
        "feedback": fb_meta,
        "programme": {**prog_meta, "overload_hours": overload},
    }
    release_frames = {
        "current": current,
        RAW_CURRENT: raw["current"],
        "history": frames["history"],
        LEDGER_FRAME: publication_ledger(
            {n: f for n, f in frames.items()}, publication or period.label, eco.launch
        ),
        "quality_log": quality.get("log", pd.DataFrame()),
        "quality_quarantine": quality.get("quarantine", pd.DataFrame()),
        **wb_frames,
        **res_frames,
        **fb_frames,
        **prog_frames,
    }
    return Release(manifest, release_frames), log


def build_release(
    project: Any,
    period: Period,
    *,
    compare_to: Period | None = None,
    suppression_log: pd.DataFrame | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> tuple[Release, pd.DataFrame]:
    """The release of ``period`` for ``project`` (a loaded :class:`~eco_eval.config.Project`),
    from its store, with its thresholds, instruments and breakdowns, checked against the store's
    publication ledger; and the suppression log to keep. ``provenance``: the code version and
    commit, kept in the manifest."""
    store = open_store(project.store_path)
    tables = Tables.from_store(store)
    quality = {"log": store.table("ingest_log"), "quarantine": store.sql(REASON_EXAMPLES_SQL)}
    about = {
        "organisation": project.organisation.name,
        "project_dir": str(project.root),
        "provenance": {
            **(provenance or {}),
            "inputs": dict(sorted(store.known_files().items())),
        },
    }
    return release_from_tables(
        tables,
        period,
        project.ecosystem(),
        k=project.privacy.k,
        k_drivers=int(project.privacy.k_drivers),
        k_comments=int(project.privacy.k_comments),
        instruments=project.instruments(),
        by=project.report_breakdowns,
        compare_to=compare_to,
        suppression_log=suppression_log,
        quality=quality,
        about=about,
        ledger=earlier_publications(store.table("publication_ledger"), period),
        publication=publication_name(period),
        overload_hours=project.overload_hours,
    )


def save_built_release(
    project: Any,
    period: Period,
    folder: Path,
    *,
    build_key: str,
    suppression_log: pd.DataFrame | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> Path:
    """:func:`build_release`, saved into ``folder`` with ``build_key`` in its manifest and the
    suppression log to keep as its frame :data:`~eco_eval.release.model.SUPPRESSION_LOG_FRAME`;
    returns ``folder``. The publication step runs it in a child process
    (:mod:`eco_eval.publish.release`)."""
    # The impact models solve many small least-squares problems: one BLAS thread each is
    # faster than several threads handing each one small problem.
    with threadpool_limits(limits=1):
        built, log = build_release(
            project, period, suppression_log=suppression_log, provenance=provenance
        )
    release = Release(
        {**built.manifest, "build_key": build_key}, {**built.frames, SUPPRESSION_LOG_FRAME: log}
    )
    return save_release(release, folder)
