"""Writing a source into the store transaction: its files slice by slice, its quarantine, the
copies found once it is done, and the ingest log.

A batch of slices is gated at once, then its accepted rows are appended to their tables and its
quarantined rows held until their file is read whole (the quarantine of a file is written in
one piece: masking names in its free text builds an index of every known name once). The store
is committed every :data:`eco_eval.ingest.tuning.CHECKPOINT_ROWS` rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eco_eval import __version__
from eco_eval.config import Project, Source
from eco_eval.ingest import tuning
from eco_eval.ingest.codebook import CodebookInput
from eco_eval.ingest.derive import Part
from eco_eval.ingest.duplicates import (
    DUPLICATE,
    DUPLICATE_SUBMISSION,
    duplicates_of,
    exact_copies,
)
from eco_eval.ingest.files import relative_label
from eco_eval.ingest.gate import process_source, quarantine_rows
from eco_eval.ingest.lookup_tables import LookupTable
from eco_eval.ingest.mapping import Mapped, map_columns
from eco_eval.ingest.outcome import FileResult, FileTally
from eco_eval.ingest.reading import prepare_file, read_raw
from eco_eval.ingest.state import Run


def ingest_source(
    run: Run,
    w: Any,
    source_files: list[tuple[Source, Path]],
    hashes: dict[Path, str],
    codebook_of: dict[Path, CodebookInput],
    progress: Callable[[str], None] | None,
    *,
    chunk_rows: int,
) -> list[FileTally]:
    """Read, map, gate and write the files of one source, a batch of slices at a time."""
    source = source_files[0][0]
    spec = run.schema[source.name]
    tallies: dict[str, FileTally] = {}
    paths: dict[str, Path] = {}
    dup_states: list[tuple[str, np.ndarray, dict[str, np.ndarray]]] = []
    batch: list[Part] = []
    written = [0]  # rows written since the last checkpoint

    def flush() -> None:
        for outcome in process_source(run, source, batch):
            part = outcome.part
            tally = tallies[part.label]
            tally.rows_read += outcome.rows_read
            tally.rows_quarantined += outcome.rows_quarantined
            for position, reasons in outcome.reasons:
                tally.add(position, reasons)
            unkeyed = tally.meta.setdefault("unkeyed", {}) if outcome.unkeyed else {}
            for cause, n in outcome.unkeyed.items():
                unkeyed[cause] = unkeyed.get(cause, 0) + n
            for table, frame in outcome.frames.items():
                w.append_rows(table, frame)
                written[0] += len(frame)
            if len(outcome.quarantine[1]):
                held.setdefault(part.label, []).append(outcome.quarantine)
            if outcome.dup_state is not None and outcome.clean_rows is not None:
                dup_states.append((part.label, outcome.clean_rows, outcome.dup_state))
        batch.clear()
        for label in [f for f in held if f in read_whole]:
            write_quarantine(held.pop(label))

    def write_quarantine(pieces: list[tuple[Part, list[str]]]) -> None:
        # one call per file: masking names in free text builds an index of every known name
        first = pieces[0][0]
        raw = pd.concat([p.raw for p, _ in pieces], ignore_index=True)
        lines = np.concatenate([p.lines for p, _ in pieces])
        whole = Part(first.label, raw, lines, first.mapped, {}, 0)
        reasons = [r for _, rs in pieces for r in rs]
        rows = np.arange(len(raw))
        w.replace_file_rows_quarantine(quarantine_rows(run, source, whole, rows, reasons))

    held: dict[str, list[tuple[Part, list[str]]]] = {}  # file -> its quarantined rows so far
    read_whole: set[str] = set()  # files whose every slice is in a batch
    # the last file's raw text, for the duplicates found once the source is done: not read twice
    # (a source of one large export, the usual case), and no more held than while it was gated
    last: dict[str, tuple[pd.DataFrame, np.ndarray]] = {}
    for src, path in source_files:
        label = relative_label(run.project, path)
        if progress:
            progress(label)
        last.clear()
        prepared = prepare_file(run, src, path, codebook_of.get(path), chunk_rows=chunk_rows)
        if spec.get("duplicates_on"):
            last[label] = (prepared.raw, prepared.lines)
        tallies[label] = FileTally(label, source.name, hashes[path], prepared.meta)
        paths[label] = path
        w.clear_file_rows(label)
        for part in prepared.slices:
            batch.append(part)
            if sum(len(p.raw) for p in batch) >= prepared.chunk_rows:
                flush()
                if written[0] >= tuning.CHECKPOINT_ROWS:
                    w.checkpoint()
                    written[0] = 0
        del prepared
        read_whole.add(label)
    flush()
    if dup_states:

        def raw_of(label: str) -> tuple[pd.DataFrame, np.ndarray]:
            if label in last:
                return last[label]
            raw_table = read_raw(run, source, paths[label])
            run.looked_up.pop(paths[label], None)  # its counts are in the file's log already
            return raw_table.frame.reset_index(drop=True), np.asarray(raw_table.lines, np.int64)

        _quarantine_duplicates(run, w, source, spec, dup_states, tallies, raw_of)
    return list(tallies.values())


def _quarantine_duplicates(
    run: Run,
    w: Any,
    source: Source,
    spec: dict[str, Any],
    dup_states: list[tuple[str, np.ndarray, dict[str, np.ndarray]]],
    tallies: dict[str, FileTally],
    raw_of: Callable[[str], tuple[pd.DataFrame, np.ndarray]],
) -> None:
    """Find the later copies of a row among the accepted rows of all the source's files, then
    move them from the table to the quarantine: ``duplicate_submission`` (a survey answer sent
    again, :func:`~eco_eval.ingest.duplicates.duplicates_of`) or ``duplicate`` (an exact copy,
    :func:`~eco_eval.ingest.duplicates.exact_copies`)."""
    state = {k: np.concatenate([s[k] for _, _, s in dup_states]) for k in dup_states[0][2]}
    exact = "ts" not in state
    dup = exact_copies(state) if exact else duplicates_of(state)
    reason = DUPLICATE if exact else DUPLICATE_SUBMISSION
    if not dup.any():
        return
    files = np.concatenate([np.full(len(rows), i) for i, (_, rows, _) in enumerate(dup_states)])
    positions = np.concatenate([rows for _, rows, _ in dup_states])
    by_file: dict[str, list[int]] = {}
    for i, pos in zip(files[dup].tolist(), positions[dup].tolist(), strict=True):
        by_file.setdefault(dup_states[i][0], []).append(pos)
    for label, rows in by_file.items():
        rows = sorted(rows)
        raw, lines = raw_of(label)
        colmap = map_columns(raw, source, spec["fields"], label)
        mapped = Mapped(raw.iloc[:0], extra={"colmap": colmap})
        part = Part(label, raw, lines, mapped, {}, 0)
        quarantine = quarantine_rows(run, source, part, np.asarray(rows), [reason] * len(rows))
        w.remove_rows(source.name, label, lines[rows])
        w.replace_file_rows_quarantine(quarantine)
        tally = tallies[label]
        tally.rows_quarantined += len(rows)
        tally.duplicates += len(rows)
        for pos in rows:
            tally.add(pos, [reason])


def log_row(source_file: str, sha256: str, table: str, now: datetime, **counts: Any) -> dict:
    """One row of the store's ingest log; ``counts``: rows read, accepted, quarantined,
    duplicates (0 when not given) and ``detail`` (JSON)."""
    return {
        "source_file": source_file,
        "sha256": sha256,
        "table_name": table,
        "rows_read": counts.get("rows_read", 0),
        "rows_accepted": counts.get("rows_accepted", 0),
        "rows_quarantined": counts.get("rows_quarantined", 0),
        "duplicates": counts.get("duplicates", 0),
        "ingested_at": now,
        "package_version": __version__,
        "detail": counts["detail"],
    }


def log_inputs(
    w: Any,
    project: Project,
    now: datetime,
    results: list[FileResult],
    codebooks: list[CodebookInput],
    codebook_of: dict[Path, CodebookInput],
    lookups: dict[str, LookupTable],
) -> None:
    """The ingest log of this run: one row per data file, then the codebooks and lookup-table
    files (inputs without rows of their own: their checksums are what the log keeps)."""
    for result in results:
        detail = {"top_reasons": result.top_reasons, **result.meta}
        w.log(
            log_row(
                result.source_file, result.sha256, result.table, now,
                rows_read=result.rows_read, rows_accepted=result.rows_accepted,
                rows_quarantined=result.rows_quarantined, duplicates=result.duplicates,
                detail=json.dumps(detail, ensure_ascii=False, default=str),
            )
        )  # fmt: skip
    for cb in codebooks:
        used_by = [relative_label(project, p) for p, c in codebook_of.items() if c is cb]
        detail_text = json.dumps(cb.log_detail(used_by), ensure_ascii=False, default=str)
        w.log(log_row(cb.label, cb.sha256, cb.source, now, detail=detail_text))
    for name, table in lookups.items():  # read, never stored
        for lf in table.files:
            w.log(
                log_row(
                    lf.label, lf.sha256, f"lookup:{name}", now,
                    rows_read=lf.rows, rows_accepted=lf.rows,
                    detail=json.dumps({"role": "lookup", "lookup": name}),
                )
            )  # fmt: skip
