"""What an ingest reports: per file, then for the whole run.

Rows read = rows accepted + rows quarantined, for every file; the copies found (``duplicates``)
are among the quarantined rows. A file is gated in slices: :class:`FileTally` adds up its slices'
counts and reasons, then gives the file's :class:`FileResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from eco_eval.ingest.duplicates import DUPLICATE, DUPLICATE_SUBMISSION


@dataclass
class FileResult:
    """What the ingest did with one file: rows read, accepted, quarantined (of which copies),
    its most frequent quarantine reasons; ``meta``: what its log detail adds (format, codebook,
    lookups, rows without a person key by cause...)."""

    source_file: str
    table: str
    sha256: str
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    duplicates: int
    top_reasons: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class IngestReport:
    """What :func:`eco_eval.ingest.ingest` returns: one :class:`FileResult` per file read, and
    whether the store changed (``changed`` is False when no raw file is new or changed)."""

    files: list[FileResult]
    changed: bool
    removed_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    codebooks: list[str] = field(default_factory=list)  # codebook files read (sources.*.codebook)
    lookups: list[str] = field(default_factory=list)  # lookup-table files read (lookups:)
    linkage: pd.DataFrame | None = None  # link rates (eco_eval.store_quality.link_rates)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in vars(f).items() if k != "meta"} for f in self.files])

    @property
    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "rows_read": sum(f.rows_read for f in self.files),
            "rows_accepted": sum(f.rows_accepted for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
            "duplicates": sum(f.duplicates for f in self.files),
        }


@dataclass
class FileTally:
    """One file's totals over its slices (a file is gated in slices of at most :data:`eco_eval.ingest.tuning.CHUNK_ROWS`)."""

    source_file: str
    table: str
    sha256: str
    meta: dict[str, Any]
    rows_read: int = 0
    rows_quarantined: int = 0
    duplicates: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)  # reason -> first row position

    def add(self, position: int, reasons: list[str]) -> None:
        for reason in reasons:
            self.counts[reason] = self.counts.get(reason, 0) + 1
            self.first.setdefault(reason, position)

    def result(self) -> FileResult:
        # ties in the same order as a row-by-row count: first row met, then the row's order
        def rank(reason: str) -> tuple[int, int, int, str]:
            dup = reason in {DUPLICATE_SUBMISSION, DUPLICATE}
            return (-self.counts[reason], self.first[reason], int(dup), reason)

        top = sorted(self.counts, key=rank)[:10]
        return FileResult(
            source_file=self.source_file,
            table=self.table,
            sha256=self.sha256,
            rows_read=self.rows_read,
            rows_accepted=self.rows_read - self.rows_quarantined,
            rows_quarantined=self.rows_quarantined,
            duplicates=self.duplicates,
            top_reasons={r: self.counts[r] for r in top},
            meta=self.meta,
        )
