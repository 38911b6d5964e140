"""Ingestion: raw files -> canonical tables, through the gate, into the store in one transaction.

Every row read is either accepted or quarantined with its reasons (rows read = accepted +
quarantined, per file); raw files are only read; identifiers are pseudonymised before anything is
written. A file that cannot be read as a whole stops the ingest with one line and leaves the store
as it was. Running it again with no new or changed raw file writes nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from eco_eval.config import SURVEY_SOURCES, Project, Source, load_schema
from eco_eval.errors import InputFileError
from eco_eval.ingest.aside import Aside
from eco_eval.ingest.bulk import bulk_settings
from eco_eval.ingest.codebook import (
    CodebookInput,
    assign_codebooks,
    choose_scales,
    convert,
    find_codebooks,
)
from eco_eval.ingest.identity import (
    TARGET,
    identity_links,
    linked_kinds,
    record_linkage,
    resolve_identities,
)
from eco_eval.ingest.lookup import KeyIndex, SeenValues
from eco_eval.ingest.lookup_tables import (
    LookedUp,
    LookupTable,
    apply_lookups,
    load_lookup,
    lookup_files,
    lookup_input_columns,
    unkeyed_causes,
    used_lookups,
)
from eco_eval.ingest.mapping import (
    Mapped,
    canonicalise,
    find_column,
    item_ranges,
    map_columns,
    map_distinct,
    map_items,
    person_key_column,
)
from eco_eval.ingest.validation import build_rules, run_gate
from eco_eval.ingest.waves import FileWaves, file_waves, submission_times
from eco_eval.masking import clean_comment, mask_identities
from eco_eval.schema import SOURCE_NAMES
from eco_eval.store import ITEM_TABLES, TABLES
from eco_eval.store_quality import link_rates

log = logging.getLogger(__name__)

#: the sources in the order they are ingested (see :mod:`eco_eval.schema`)
ORDER = SOURCE_NAMES
MISSION_LETTER = date(2013, 3, 13)
DUPLICATE_WINDOW_S = 600
#: quarantine reasons of copies: a re-sent survey answer (``duplicates_on: [fields]``, within
#: DUPLICATE_WINDOW_S) and an exact copy of a row (``duplicates_on: mapped``)
DUPLICATE_SUBMISSION = "duplicate_submission"
DUPLICATE = "duplicate"


@dataclass
class FileResult:
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


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _checksums(paths: list[Path]) -> dict[Path, str]:
    """sha256 of each file, two at a time (hashlib releases the GIL: 9 GB at national size)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(paths, pool.map(sha256_file, paths), strict=True))


def discover(project: Project) -> list[tuple[Source, Path]]:
    """The raw files of each configured source, in dependency order."""
    found: list[tuple[Source, Path]] = []
    for name in ORDER:
        source = project.sources.get(name)
        if source is None:
            continue
        files = sorted(p for p in project.raw_dir.glob(source.pattern) if p.is_file())
        if not files and source.required:
            log.warning(
                "source %s: no file matches %s under %s", name, source.pattern, project.raw_dir
            )
        found.extend((_looked_up_source(source), p) for p in files)
    return found


def _looked_up_source(source: Source) -> Source:
    """``source`` with each looked-up field read from its lookup's column (see lookup_tables)."""
    if not source.lookups:
        return source
    looked = {fld: source.lookup_column(fld) for fld in source.lookups}
    return dataclasses.replace(source, columns={**source.columns, **looked})


def discover_codebooks(
    project: Project, files: list[tuple[Source, Path]]
) -> tuple[list[CodebookInput], dict[Path, CodebookInput]]:
    """The codebooks of the sources that declare one (``codebook:``) and the codebook of each of
    their data files; a one-line InputFileError when a codebook is missing or unreadable."""
    by_source: dict[str, tuple[Source, list[Path]]] = {}
    for source, path in files:
        by_source.setdefault(source.name, (source, []))[1].append(path)
    inputs: list[CodebookInput] = []
    assigned: dict[Path, CodebookInput] = {}
    for source, paths in by_source.values():
        if not source.codebook:
            continue
        found = find_codebooks(project, source, lambda p: _rel(project, p), sha256_file)
        assigned.update(assign_codebooks(source, [(p, _rel(project, p)) for p in paths], found))
        inputs.extend(found)
    return inputs, assigned


def _rel(project: Project, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(project.root))
    except ValueError:
        return str(path)


def _raw_json(
    raw: pd.DataFrame,
    identifier_cols: list[str],
    key: bytes,
    free_text_cols: Sequence[str] = (),
    known_names: Sequence[str] = (),
) -> list[str]:
    """The raw row as JSON for the quarantine: identifier columns replaced by pseudonyms, names and
    e-mail addresses masked in free text (a quarantined comment is as sensitive as an accepted one)."""
    from eco_eval.pseudonymise import pseudonymise_series

    if len(raw) and free_text_cols:
        raw = raw.copy()
        for col in free_text_cols:
            present = raw[col].notna()
            if present.any():
                raw.loc[present, col] = list(
                    mask_identities(
                        [str(v) for v in raw.loc[present, col]], known_names=known_names
                    )
                )
    # column by column (pseudonyms of distinct values), then one JSON object per row
    columns = []
    for col in raw.columns:
        values = raw[col].astype(object)
        shown = values.notna().to_numpy(copy=True)
        if col in identifier_cols:
            keys = pseudonymise_series(key, values, kind="quarantine")
            shown &= keys.notna().to_numpy()
            text = ("pseudo:" + keys.astype(str)).to_numpy(dtype=object, copy=True)
        else:
            text = values.astype(str).str.slice(0, 2000).to_numpy(dtype=object, copy=True)
        text[~shown] = None
        columns.append(text.tolist())
    names = [str(c) for c in raw.columns]
    return (
        [
            json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False)
            for row in zip(*columns, strict=True)
        ]
        if columns
        else ["{}"] * len(raw)
    )


def _piece(whole: Any, offset: int, n: int) -> Any:
    return None if whole is None else whole[offset : offset + n]


def quarter_labels(values: Any) -> np.ndarray:
    """``YYYY-Qn`` of each date-like value (None where missing), vectorised ``quarter_of``."""
    ts = pd.DatetimeIndex(pd.to_datetime(pd.Series(values).to_numpy()))
    out = np.full(len(ts), None, dtype=object)
    ok = ~np.asarray(ts.isna())
    if ok.any():
        year = ts.year.to_numpy()[ok].astype(np.int64)
        code = year * 4 + (ts.month.to_numpy()[ok].astype(np.int64) - 1) // 3
        uniq, inverse = np.unique(code, return_inverse=True)
        labels = np.array([f"{c // 4}-Q{c % 4 + 1}" for c in uniq.tolist()], dtype=object)
        out[ok] = labels[inverse]
    return out


def _column_hashes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit hashes of each cell, missing values alike; computed on the
    distinct values (factorize), numbers by their text so that 4.0 hashes alike in every slice."""
    codes, uniques = pd.factorize(values)  # -1 for a missing value: the last slot below
    index = pd.Index(uniques)
    if index.dtype.kind in "fiub":
        index = index.astype(str)
    distinct = np.append(index.to_numpy(dtype=object), "\x00<missing>")
    return tuple(  # type: ignore[return-value]
        pd.util.hash_array(distinct, hash_key=key, categorize=False)[codes]
        for key in ("eco_eval_dupkey1", "eco_eval_dupkey2")
    )


def _row_hashes(frame: pd.DataFrame, on: Sequence[str]) -> dict[str, np.ndarray]:
    """A 128-bit hash of each row's values in ``on`` (``h1``, ``h2``): the columns' hashes
    combined in order (multiply, then xor), without building a text key per row. Alone, it is
    the state of :func:`_exact_copies`."""
    h1 = np.zeros(len(frame), dtype=np.uint64)
    h2 = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in on:
            c1, c2 = _column_hashes(frame[col])
            h1 = (h1 * np.uint64(0x100000001B3)) ^ c1
            h2 = (h2 * np.uint64(0x9E3779B97F4A7C15)) ^ c2
    return {"h1": h1, "h2": h2}


def _exact_copies(state: dict[str, np.ndarray]) -> np.ndarray:
    """Rows equal to an earlier row (same hash), in the order given: the first one is kept."""
    return pd.DataFrame({"h1": state["h1"], "h2": state["h2"]}).duplicated().to_numpy()


def _duplicate_state(frame: pd.DataFrame, on: list[str]) -> dict[str, np.ndarray]:
    """What :func:`_duplicates_of` needs of each row: a 128-bit hash of its answers
    (:func:`_row_hashes`), its submission time (ns, NaT as the smallest integer) and whether it
    holds a non-empty comment."""
    hashes = _row_hashes(frame, on)
    submitted = frame.get("submitted_at")
    if submitted is None:
        ts = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    else:
        ts = pd.to_datetime(submitted, errors="coerce")
    ts_ns = pd.Series(ts).astype("datetime64[ns]").to_numpy().view(np.int64)
    comment = frame.get("comment")
    if comment is None:
        has_comment = np.zeros(len(frame), dtype=bool)
    else:
        text = comment.astype("string").str.strip()
        has_comment = (text.notna() & (text != "")).to_numpy(dtype=bool)
    return {**hashes, "ts": ts_ns, "comment": has_comment}


def _duplicates_of(state: dict[str, np.ndarray]) -> np.ndarray:
    """Later copies of the same submission: same answers and session, within a short time window.

    Rows with the same key are taken in time order (undated first, then by position); a row is
    a copy when the previous one is at most ``DUPLICATE_WINDOW_S`` before it, or, when either
    date was not kept (anonymised survey), when it carries a non-empty comment.
    """
    n = len(state["ts"])
    dup = np.zeros(n, dtype=bool)
    # only rows whose first hash repeats can be copies: the sort is over them (7.7 M rows at
    # national size, of which a minority repeat), not over every row
    rows = np.flatnonzero(pd.Series(state["h1"]).duplicated(keep=False).to_numpy())
    if len(rows) < 2:
        return dup
    h1, h2, ts, comment = (state[k][rows] for k in ("h1", "h2", "ts", "comment"))
    nat = np.iinfo(np.int64).min
    order = np.lexsort((rows, ts, h2, h1))
    a, b = order[:-1], order[1:]
    same = (h1[a] == h1[b]) & (h2[a] == h2[b])
    dated = (ts[a] != nat) & (ts[b] != nat)
    gap = np.abs(np.where(dated, ts[b], 0) - np.where(dated, ts[a], 0))
    close = np.where(dated, gap <= DUPLICATE_WINDOW_S * 1_000_000_000, comment[b])
    dup[rows[b[same & close]]] = True
    return dup


def _mark_duplicates(frame: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Later copies of the same submission (see :func:`_duplicates_of`), by row position."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    return _duplicates_of(_duplicate_state(frame, on))


def _reason_lists(masks: dict[str, np.ndarray], rows: np.ndarray) -> list[list[str]]:
    """The sorted rule ids of each row in ``rows`` (positions), from one mask per rule."""
    out: list[list[str]] = [[] for _ in range(len(rows))]
    for reason in sorted(masks):
        for i in np.flatnonzero(masks[reason][rows]).tolist():
            out[i].append(reason)
    return out


@dataclass
class _Part:
    """A slice of one file, read and mapped, waiting for its source's gate."""

    label: str
    raw: pd.DataFrame
    lines: np.ndarray
    mapped: Mapped
    frames: dict[str, pd.DataFrame]
    offset: int  # position of the slice's first row in the file


class _PreparedFile(NamedTuple):
    meta: dict[str, Any]
    slices: Iterator[_Part]
    chunk_rows: int
    raw: pd.DataFrame
    lines: np.ndarray


@dataclass
class _Outcome:
    """A slice after the gate: accepted rows per table, its quarantined rows, their reasons."""

    part: _Part
    frames: dict[str, pd.DataFrame]
    quarantine: tuple[_Part, list[str]]  # the bad rows (raw text) and their reasons
    rows_read: int
    rows_quarantined: int
    reasons: list[tuple[int, list[str]]]  # (row position in the file, reasons) of bad rows
    dup_state: dict[str, np.ndarray] | None = None  # of its clean rows, when duplicates count
    clean_rows: np.ndarray | None = None  # positions in the file of those rows
    unkeyed: dict[str, int] = field(default_factory=dict)  # accepted rows without a key, by cause


@dataclass
class _FileTally:
    """One file's totals over its slices (a file is gated in slices of at most CHUNK_ROWS)."""

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


class _Run:
    """State of one ingest: the context tables later sources are checked against."""

    def __init__(self, project: Project, key: bytes):
        self.project = project
        self.key = key
        self.schema = load_schema()
        self.ecosystem = project.ecosystem()
        self.lever_of = {t.id: t.lever for t in self.ecosystem.tools}
        self.session_dates: dict[str, pd.Timestamp] = {}
        self.known_names: set[str] = set()
        self.span = (MISSION_LETTER, date.today())
        self.seen: dict[str, dict[str, SeenValues]] = {}  # table -> unique rule -> values met
        self.pseudonyms: dict = {}  # (kind, identifier) -> pseudonym, for this run's key
        self.links: list[pd.DataFrame] = []  # the identity map's rows (identity.identity_links)
        self._lookups: dict[str, LookupTable] | None = None
        self._looked_up: dict[Path, LookedUp] = {}  # the lookups of files read, until prepared
        # built again only when session_dates / known_names grew (see the methods that use them)
        self._sessions_indexed: tuple[KeyIndex, np.ndarray] | None = None
        self._sorted_names: list[str] | None = None

    def lookup_tables(self, hashes: dict[Path, str] | None = None) -> dict[str, LookupTable]:
        """The lookup tables the sources use, read once per run (``hashes``: known checksums)."""
        if self._lookups is None:
            known = hashes or {}
            self._lookups = {
                name: load_lookup(
                    self.project,
                    name,
                    columns,
                    lambda p: _rel(self.project, p),
                    lambda p: known.get(p) or sha256_file(p),
                )
                for name, columns in used_lookups(self.project).items()
            }
        return self._lookups

    def read(self, source: Source, path: Path) -> Any:
        """Read a raw file; with the source's looked-up columns added (``lookups:``)."""
        from eco_eval.readers import read_file

        fmt = None if source.format == "auto" else source.format
        sheet = source.sheet if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"} else None
        table = read_file(path, format=fmt, sheet=sheet, header_row=source.header_row)
        if not source.lookups:
            return table
        fields = self.schema[source.name]["fields"]
        identifiers = {f for f, s in fields.items() if s.get("type") == "identifier"}
        looked = apply_lookups(
            table.frame, source, self.lookup_tables(), _rel(self.project, path), identifiers
        )
        self._looked_up[path] = looked
        added = tuple(str(c) for c in looked.frame.columns[table.frame.shape[1] :])
        return dataclasses.replace(
            table, frame=looked.frame, original_columns=(*table.original_columns, *added)
        )

    def prepare_file(
        self,
        source: Source,
        path: Path,
        codebook: CodebookInput | None = None,
        chunk_rows: int = 100_000,
    ) -> _PreparedFile:
        """Read one file; return its meta, an iterator over its mapped slices (no gate yet), the
        slice size and the raw text (kept by the caller only while it may still need it).

        The file is read whole (as text), then mapped, derived and gated in slices of at most
        ``chunk_rows`` rows (fewer for the barometer, whose rows have one cell per item), so
        that what is held per row beyond the raw text is bounded.
        """
        label = _rel(self.project, path)
        raw_table = self.read(source, path)
        raw = raw_table.frame.reset_index(drop=True)
        lines = np.asarray(raw_table.lines, dtype=np.int64)
        targets: dict[str, tuple[str, str]] = {}
        scales_of: dict[str, int] = {}
        if codebook is not None:  # converted slice by slice, each column on one scale
            targets = _codebook_targets(raw, source)
            scales_of = choose_scales(raw, targets, codebook, source=source, file_label=label)
        meta = (
            raw_table.meta.as_dict() if hasattr(raw_table.meta, "as_dict") else dict(raw_table.meta)
        )
        meta = {
            k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool)) or v is None
        }
        looked = self._looked_up.pop(path, None)
        if looked is not None:
            meta["lookups"] = looked.counts
        if codebook is not None:
            meta["codebook"] = codebook.label
            meta["codebook_sha256"] = codebook.sha256
            meta["codebook_columns"] = len(scales_of)
        # the codebook converts scaled answers only: dates and comments are read from raw
        context: dict[str, Any] = {}
        if source.name == "barometer":
            context["waves"] = self._waves(raw, source, path, label)
        if source.name in SURVEY_SOURCES:
            context["incomplete"] = self._incomplete(raw_table, raw, source, label)
            meta["incomplete"] = source.incomplete_rule(raw_table.meta.format)
        if source.name == "feedback":
            context["comments"] = self._masked_comments(raw, source, label)
        if self.schema[source.name].get("person_from"):
            context["person_keys"] = self._person_keys(raw, source, label)
            if looked is not None:
                person_from = self.schema[source.name]["person_from"]
                fields = [
                    f for spec in person_from for f in ([spec] if isinstance(spec, str) else spec)
                ]
                context["unkeyed_cause"] = unkeyed_causes(source, fields, looked.outcomes, len(raw))
        if source.name == "attendance":  # once per file: names recur across its slices
            fields = self.schema[source.name]["fields"]
            self._remember_names(raw, map_columns(raw, source, fields, label))
        del raw_table

        if source.name == "barometer":
            chunk_rows = max(1_000, min(chunk_rows, CHUNK_CELLS // max(1, raw.shape[1])))

        def slices() -> Any:
            n = len(raw)
            memo: dict[Any, Any] = {}  # the codebook's conversions of the file's answers
            for start in range(0, max(n, 1), chunk_rows):
                sl = slice(start, min(n, start + chunk_rows))
                part_raw = raw.iloc[sl].reset_index(drop=True)
                part_values, problems = part_raw, []
                if codebook is not None:
                    converted = convert(
                        part_raw, targets, codebook, self.project.scales, source=source,
                        file_label=label, scales_of=scales_of, memo=memo,
                    )  # fmt: skip
                    part_values, problems = converted.frame, converted.problems
                yield self._prepare_slice(
                    source, path, label, part_raw, part_values, lines[sl], problems, start,
                    context,
                )  # fmt: skip

        return _PreparedFile(meta, slices(), chunk_rows, raw, lines)

    def _file_field(
        self, values: pd.DataFrame, source: Source, label: str, name: str
    ) -> pd.Series | None:
        """One field of a whole file, mapped and parsed as the slices will be (None if absent)."""
        from eco_eval.ingest.mapping import map_columns, parse_field

        fields = self.schema[source.name]["fields"]
        colmap = map_columns(values, source, fields, label)
        if name not in colmap:
            return None
        parsed, _bad = parse_field(
            values[colmap[name]], fields[name], source, name, self.project.scales, self.ecosystem
        )
        return parsed

    def _person_keys(self, values: pd.DataFrame, source: Source, label: str) -> Any:
        """The person key of each row of a whole file: an identifier is looked up once per
        file, not once per slice (a matricule recurs across the slices of an attendance list)."""
        person_from = self.schema[source.name]["person_from"]
        names = dict.fromkeys(
            f for spec in person_from for f in ([spec] if isinstance(spec, str) else spec)
        )
        parsed = {f: self._file_field(values, source, label, f) for f in names}
        frame = pd.DataFrame({f: v for f, v in parsed.items() if v is not None}, index=values.index)
        keys = person_key_column(frame, person_from, self.key, self.pseudonyms).array
        wanted = linked_kinds(self.project, self.schema) if source.name == TARGET else []
        if wanted:  # rows with several identifiers: the identity map
            self.links.append(identity_links(frame, wanted, keys, self.key, self.pseudonyms))
        return keys

    def _waves(self, values: pd.DataFrame, source: Source, path: Path, label: str) -> FileWaves:
        """The wave of each response of a barometer file (the whole file, not a slice)."""
        import re

        named = None
        if source.wave_from:
            match = re.search(source.wave_from, path.name)
            named = match.group("wave") if match else None
        parsed = self._file_field(values, source, label, "submitted_at")
        submitted = parsed if parsed is not None else pd.Series(pd.NaT, index=values.index)
        found = file_waves(submitted, named)
        if found is None:
            raise InputFileError(
                f"{label}: cannot tell the barometer wave: no submission date in the file"
                + (
                    f" and its name does not match sources.barometer.wave_from {source.wave_from!r}"
                    if source.wave_from
                    else ""
                )
                + "; map columns.submitted_at to the submission date column or set "
                "sources.barometer.wave_from to a regex with a (?P<wave>...) group of the file name"
            )
        return found

    def _incomplete(
        self, raw_table: Any, values: pd.DataFrame, source: Source, label: str
    ) -> np.ndarray | None:
        """Which responses of a survey file are incomplete and excluded (None: all kept).

        LimeSurvey: an empty ``submitdate`` (:func:`eco_eval.readers.limesurvey_status`); other
        formats, when ``incomplete: exclude`` is set: an empty ``submitted_at``."""
        from eco_eval.readers import limesurvey_status

        fmt = raw_table.meta.format
        if source.incomplete_rule(fmt) == "keep":
            return None
        fix = f"or set sources.{source.name}.incomplete: keep"
        if fmt == "limesurvey":
            try:
                return ~limesurvey_status(raw_table)["complete"].to_numpy(dtype=bool)
            except KeyError:
                raise InputFileError(
                    f"{label}: a LimeSurvey export without its submitdate column (Date submitted): "
                    f"incomplete responses cannot be told; export it with that column {fix}"
                ) from None
        submitted = self._file_field(values, source, label, "submitted_at")
        if submitted is None:
            raise InputFileError(
                f"{label}: sources.{source.name}.incomplete is 'exclude' but no submission date "
                f"column is mapped; map columns.submitted_at {fix}"
            )
        return submitted.isna().to_numpy(dtype=bool)

    def _prepare_slice(
        self,
        source: Source,
        path: Path,
        label: str,
        raw: pd.DataFrame,
        values: pd.DataFrame,
        lines: np.ndarray,
        problems: list[tuple[str, np.ndarray]],
        offset: int,
        context: dict[str, Any],
    ) -> _Part:
        spec = self.schema[source.name]
        mapped = canonicalise(
            values,
            source,
            spec,
            scales=self.project.scales,
            ecosystem=self.ecosystem,
            key=self.key,
            file_label=label,
            cache=self.pseudonyms,
            person_keys=_piece(context.get("person_keys"), offset, len(values)),
        )
        mapped.extra["lines"] = lines
        mapped.extra["context"] = context
        mapped.extra["offset"] = offset
        for reason, mask in problems:
            mapped.add(mask, reason)
        incomplete = _piece(context.get("incomplete"), offset, len(values))
        if incomplete is not None:
            mapped.add(incomplete, "incomplete_response")
        frames = getattr(self, f"_derive_{source.name}")(mapped, values, source, path)
        return _Part(label, raw, lines, mapped, frames, offset)

    def _session_index(self) -> tuple[KeyIndex, np.ndarray]:
        """The accepted session ids as a :class:`KeyIndex` and their dates (``datetime64``),
        built again only when sessions were added since the last call."""
        cached = self._sessions_indexed
        if cached is None or len(cached[1]) != len(self.session_dates):
            index = KeyIndex(list(self.session_dates))
            dates = pd.to_datetime(list(self.session_dates.values()), errors="coerce")
            cached = (index, np.asarray(dates, dtype="datetime64[ns]"))
            self._sessions_indexed = cached
        return cached

    def process_source(self, source: Source, parts: list[_Part]) -> list[_Outcome]:
        """Gate a batch of slices of a source at once (one GX run), then split back per slice.

        Uniqueness holds across the batches of a source (``self.seen``); duplicate submissions
        are found across them by :meth:`duplicates` once the source is done.
        """
        spec = self.schema[source.name]
        if not parts:
            return []
        if source.name == "feedback" and source.items:  # a battery's items: its scales' ranges
            spec = {**spec, "item_ranges": item_ranges(source, self.project.scales)}
        frame = pd.concat([p.frames[source.name] for p in parts], ignore_index=True)
        items = {c for p in parts for c in p.mapped.extra.get("item_columns", ())}
        item_cols = [
            c
            for c in frame.columns
            if c in items and c.split("_", 1)[0] in (spec.get("item_ranges") or {})
        ]
        rules = build_rules(
            source.name,
            spec,
            list(frame.columns),
            tool_ids=self.ecosystem.tool_ids,
            known_sessions=self._session_index()[0] if source.name == "attendance" else None,
            span=self.span,
            item_columns=item_cols,
        )
        masks = run_gate(source.name, frame, rules, seen=self.seen.setdefault(source.name, {}))
        n_total = len(frame)
        for reason in {r for p in parts for r in p.mapped.reasons}:
            joined = np.concatenate(
                [p.mapped.reasons.get(reason, np.zeros(len(p.raw), dtype=bool)) for p in parts]
            )
            masks[reason] = masks[reason] | joined if reason in masks else joined
        bad = np.zeros(n_total, dtype=bool)
        for mask in masks.values():
            bad |= mask
        with_dups = bool(spec.get("duplicates_on"))
        out = []
        offset = 0
        for part in parts:
            n = len(part.raw)
            sl = slice(offset, offset + n)
            part_masks = {r: m[sl] for r, m in masks.items() if m[sl].any()}
            out.append(self._finish(source, part, part_masks, bad[sl], with_dups))
            offset += n
        return out

    def _finish(
        self,
        source: Source,
        part: _Part,
        masks: dict[str, np.ndarray],
        bad: np.ndarray,
        with_dups: bool,
    ) -> _Outcome:
        spec = self.schema[source.name]
        frame = part.frames[source.name]
        accepted = ~bad
        out: dict[str, pd.DataFrame] = {}
        for name, f in part.frames.items():
            if name in ITEM_TABLES:
                # one row per response: its fields, then one score column per item code
                items = part.mapped.extra.get("item_columns", [])
                f = f[[*TABLES[name], *items]]
            # assign, not copy + setitem: under copy-on-write the columns are shared, not copied
            f = f.assign(source_file=part.label, source_line=part.lines)
            out[name] = f if not bad.any() else f[accepted]
        if source.name == "sessions":
            ok = out["sessions"]
            self.session_dates.update(zip(ok["session_id"], ok["date"], strict=True))
        bad_rows = np.flatnonzero(bad)
        reasons = _reason_lists(masks, bad_rows)
        # the quarantined rows' raw text, turned into JSON once per file (see _ingest_source)
        held = _Part(
            part.label,
            part.raw.iloc[bad_rows].reset_index(drop=True),
            part.lines[bad_rows],
            Mapped(part.raw.iloc[:0], extra={"colmap": part.mapped.extra["colmap"]}),
            {},
            part.offset,
        )
        quarantine = (held, ["; ".join(r) for r in reasons])
        outcome = _Outcome(
            part=part,
            frames=out,
            quarantine=quarantine,
            rows_read=len(part.raw),
            rows_quarantined=len(bad_rows),
            reasons=[(part.offset + int(i), r) for i, r in zip(bad_rows, reasons, strict=True)],
        )
        cause = _piece(part.mapped.extra["context"].get("unkeyed_cause"), part.offset, len(frame))
        if cause is not None:
            without = accepted & frame["person_key"].isna().to_numpy() & pd.notna(cause)
            outcome.unkeyed = {str(k): int(n) for k, n in Counter(cause[without]).items()}
        if with_dups:
            clean = np.flatnonzero(accepted)
            if spec["duplicates_on"] == "mapped":  # exact copies: the text of every mapped column
                cols = list(dict.fromkeys(part.mapped.extra["colmap"].values()))
                outcome.dup_state = _row_hashes(part.raw[cols].iloc[clean], cols)
            else:
                # a battery's answers are part of what makes two submissions the same
                on = [*spec["duplicates_on"], *part.mapped.extra.get("item_columns", [])]
                read = [c for c in dict.fromkeys([*on, "submitted_at", "comment"]) if c in frame]
                clean_frame = frame[read].iloc[clean].reset_index(drop=True)
                outcome.dup_state = _duplicate_state(clean_frame, on)
            outcome.clean_rows = part.offset + clean
        return outcome

    def _quarantine(
        self, source: Source, part: _Part, rows: np.ndarray, reasons: list[str]
    ) -> pd.DataFrame:
        spec = self.schema[source.name]
        colmap = part.mapped.extra["colmap"]
        ident = [
            colmap[f]
            for f, s in spec["fields"].items()
            if s.get("type") == "identifier" and f in colmap
        ]
        if source.lookups:  # tokens, and columns named like a lookup table's identifiers
            columns = [str(c) for c in part.raw.columns]
            looked_by = lookup_input_columns(source, self.lookup_tables())
            ident += [c for c in (find_column(columns, w) for w in looked_by) if c is not None]
        free_text = [
            colmap[f]
            for f, s in spec["fields"].items()
            if s.get("type") == "free_text" and f in colmap
        ]
        return pd.DataFrame(
            {
                "table_name": source.name,
                "source_file": part.label,
                "source_line": part.lines[rows],
                "reasons": reasons,
                "raw": _raw_json(
                    part.raw.iloc[rows], ident, self.key, free_text, self.sorted_names()
                ),
            }
        )

    def _remember_names(self, raw: pd.DataFrame, colmap: dict[str, str]) -> None:
        """Names seen in attendance lists, kept in memory only to mask them in free-text comments."""
        for fld in ("last_name", "first_name"):
            if fld in colmap:
                self.known_names.update(
                    v
                    for v in raw[colmap[fld]].dropna().astype(str).str.strip().unique()
                    if len(v) > 2
                )
        if "first_name" in colmap and "last_name" in colmap:
            full = (
                raw[colmap["first_name"]].astype("string")
                + " "
                + raw[colmap["last_name"]].astype("string")
            )
            self.known_names.update(full.dropna().unique())

    # one function per table: canonical frame -> stored columns
    def _derive_headcount(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        f["quarter"] = quarter_labels(f["as_of"])
        f["as_of"] = pd.to_datetime(f["as_of"]).dt.date
        return {"headcount": f}

    def _derive_sessions(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        f["tool_id"] = f.pop("tool")
        f["lever_id"] = map_distinct(f["tool_id"], self.lever_of.get)
        f["quarter"] = quarter_labels(f["date"])
        f["date"] = pd.to_datetime(f["date"]).dt.date
        f["session_id"] = f["session_id"].astype("string").str.strip().astype(object)
        return {"sessions": f}

    def _derive_attendance(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        f["session_id"] = f["session_id"].astype("str").str.strip()
        m.add(f["person_key"].isna().to_numpy(), "no_identifier")
        return {"attendance": f}

    def _derive_feedback(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        f["tool_id"] = f.pop("tool")
        f["lever_id"] = map_distinct(f["tool_id"], self.lever_of.get)
        ts = pd.to_datetime(f["submitted_at"], errors="coerce")
        ts = ts.where(ts.dt.year > 1980)  # LimeSurvey writes 1980-01-01 when the date is not kept
        f["submitted_at"] = ts
        sess = f["session_id"].astype("string").str.strip()
        f["session_id"] = sess.astype(object).where(sess.notna(), None)
        index, dates = self._session_index()
        found = index.positions(sess)
        picked = np.full(len(sess), np.datetime64("NaT"), dtype="datetime64[ns]")
        picked[found >= 0] = dates[found[found >= 0]]
        when = pd.Series(picked, index=sess.index).fillna(ts)
        f["quarter"] = quarter_labels(when)
        whole = m.extra.get("context", {}).get("comments")  # the file's, masked at once
        if whole is not None:
            f["comment"] = _piece(whole, m.extra.get("offset", 0), len(f))
        else:
            comments = f["comment"]
            present = comments.notna()
            if present.any():
                cleaned = [clean_comment(c) for c in comments[present]]
                masked = mask_identities(cleaned, known_names=self.sorted_names())
                f.loc[present, "comment"] = list(masked)
        return {"feedback": self._with_items(m, f, raw, source)}

    def _with_items(
        self, m: Mapped, f: pd.DataFrame, raw: pd.DataFrame, source: Source
    ) -> pd.DataFrame:
        """``f`` and one score column per item code of the source's ``items:`` rules."""
        items, _origin, problems = map_items(raw, source, self.project.scales)
        for reason, mask in problems:
            m.add(mask.to_numpy(), reason)
        m.extra["item_columns"] = [str(c) for c in items.columns]
        items = items.astype(float).reset_index(drop=True)
        return pd.concat([f.reset_index(drop=True), items], axis=1)

    def sorted_names(self) -> list[str]:
        """``sorted(self.known_names)``, sorted again only when names were added."""
        cached = self._sorted_names
        if cached is None or len(cached) != len(self.known_names):
            cached = sorted(self.known_names)
            self._sorted_names = cached
        return cached

    def _masked_comments(
        self, values: pd.DataFrame, source: Source, label: str
    ) -> np.ndarray | None:
        """The comments of a whole feedback file, cleaned and masked in one call (the name
        index of :func:`mask_identities` is built once per file, not once per slice)."""
        comments = self._file_field(values, source, label, "comment")
        if comments is None:
            return None
        out = comments.to_numpy(dtype=object, copy=True)
        # each distinct comment cleaned and masked once ("RAS", "Très bien" recur)
        codes, distinct = pd.factorize(comments)
        if len(distinct):
            cleaned = [clean_comment(c) for c in distinct]
            masked = np.asarray(
                list(mask_identities(cleaned, known_names=self.sorted_names())), dtype=object
            )
            present = codes >= 0
            out[present] = masked[codes[present]]
        return out

    def _derive_ideas(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        f["tool_id"] = f.pop("tool")
        f["lever_id"] = map_distinct(f["tool_id"], self.lever_of.get)
        f["quarter"] = quarter_labels(f["proposed_on"])
        for col in ("proposed_on", "studied_on", "trialled_on", "adopted_on", "dropped_on"):
            f[col] = pd.to_datetime(f[col]).dt.date
        f["idea_id"] = f["idea_id"].astype("string").str.strip().astype(object)
        return {"ideas": f}

    def _derive_hr_results(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        return {"hr_results": m.frame}

    def _derive_citizen_satisfaction(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        return {"citizen_satisfaction": m.frame}

    def _derive_barometer(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        offset = m.extra.get("offset", 0)
        waves = m.extra["context"]["waves"].piece(offset, len(f))  # of the whole file
        unknown = pd.isna(waves.wave)
        m.add(unknown, "wave_unknown")
        wave = pd.Series(waves.wave, index=f.index, dtype=object).where(~unknown, "")
        f["wave"] = wave.where(~unknown, None)
        # LimeSurvey numbers responses from 1 in every survey: the wave makes the id unique
        f["response_id"] = wave + ":" + f["response_id"].astype("string")
        f["submitted_at"] = submission_times(f["submitted_at"])
        f["wave_date"] = waves.wave_date
        f["wave_start"] = waves.wave_start
        f["wave_end"] = waves.wave_end
        return {"barometer": self._with_items(m, f, raw, source)}


def ingest(
    project: Project, *, progress: Callable[[str], None] | None = None, force: bool = False
) -> IngestReport:
    """Ingest every configured raw file into the store (one transaction); see the module doc."""
    from eco_eval import __version__
    from eco_eval.pseudonymise import load_key
    from eco_eval.store import Store, project_lock, write_transaction

    key = load_key(
        env_var=project.privacy.key_env,
        key_file=project.privacy.key_file,
        create=project.privacy.create_key_if_missing,
    )
    files = discover(project)
    codebooks, codebook_of = discover_codebooks(project, files)
    lookup_paths = sorted(
        {p for name in used_lookups(project) for p in lookup_files(project, name)}
    )
    hashes = _checksums([*(p for _, p in files), *lookup_paths])
    store = Store(project.store_path) if project.store_path.exists() else None
    known: dict[str, str] = store.known_files() if store else {}
    outdated = store.outdated() if store else []  # an earlier layout: every file is read again
    current = {_rel(project, p): h for p, h in hashes.items()}  # data and lookup files
    current.update({cb.label: cb.sha256 for cb in codebooks})
    removed = sorted(set(known) - set(current))
    changed = force or removed or outdated or any(known.get(f) != h for f, h in current.items())
    if not changed:
        log.info("nothing new: %d files already in the store", len(current))
        return IngestReport(files=[], changed=False)
    run = _Run(project, key)
    lookups = run.lookup_tables(hashes)  # read before any source: their errors come first
    results: list[FileResult] = []
    labels = {_rel(project, p) for _, p in files}
    with (
        bulk_settings(),  # before the child starts: it inherits the huge-page setting
        project_lock(project.processed_dir / ".ingest.lock", "an ingest"),
        write_transaction(project.store_path, carry_over=("ingest_log",)) as w,
        contextlib.ExitStack() as children,  # left first: the child stops before any rollback
    ):
        rel = {p: _rel(project, p) for _, p in files}
        aside = Aside.start(project, key, files, hashes, codebook_of, rel)
        if aside:
            children.callback(aside.stop)  # whatever happens (a no-op once it was collected)
            aside.copy_when_done(w)
        for f in removed:
            w.delete_file(f)
        now = datetime.now()
        sources_read = {src.name for src, _ in files}
        by_source: dict[str, list[FileResult]] = {}
        aside_sources = aside.sources if aside else []
        for name in ORDER:  # the parent's sources, while the child ingests its own
            source_files = [(src, p) for src, p in files if src.name == name]
            if source_files and name not in aside_sources:
                tallies = _ingest_source(
                    run, w, source_files, hashes, codebook_of, progress, chunk_rows=CHUNK_ROWS
                )
                by_source[name] = [tally.result() for tally in tallies]
        # on the parent's tables only: done while the child's rows are still being copied
        warnings = _cross_checks(w.con, labels, sources_read)
        _count_undated(w.con, by_source)
        if aside:
            for name in aside_sources:
                by_source[name] = aside.collect(name, w, progress)
        linkage = _link_identities(run, w, by_source, sources_read)
        for name in ORDER:
            for result in by_source.get(name, []):
                results.append(result)
                w.log(
                    {
                        "source_file": result.source_file,
                        "sha256": result.sha256,
                        "table_name": result.table,
                        "rows_read": result.rows_read,
                        "rows_accepted": result.rows_accepted,
                        "rows_quarantined": result.rows_quarantined,
                        "duplicates": result.duplicates,
                        "ingested_at": now,
                        "package_version": __version__,
                        "detail": json.dumps(
                            {"top_reasons": result.top_reasons, **result.meta},
                            ensure_ascii=False,
                            default=str,
                        ),
                    }
                )
        for cb in codebooks:  # an input without rows: its checksum is what the log keeps
            used_by = [_rel(project, p) for p, c in codebook_of.items() if c is cb]
            w.log(
                {
                    "source_file": cb.label,
                    "sha256": cb.sha256,
                    "table_name": cb.source,
                    "rows_read": 0,
                    "rows_accepted": 0,
                    "rows_quarantined": 0,
                    "duplicates": 0,
                    "ingested_at": now,
                    "package_version": __version__,
                    "detail": json.dumps(cb.log_detail(used_by), ensure_ascii=False, default=str),
                }
            )
        for name, table in lookups.items():  # read, never stored: the log keeps checksums
            for lf in table.files:
                w.log(
                    {
                        "source_file": lf.label,
                        "sha256": lf.sha256,
                        "table_name": f"lookup:{name}",
                        "rows_read": lf.rows,
                        "rows_accepted": lf.rows,
                        "rows_quarantined": 0,
                        "duplicates": 0,
                        "ingested_at": now,
                        "package_version": __version__,
                        "detail": json.dumps({"role": "lookup", "lookup": name}),
                    }
                )
    return IngestReport(
        files=results,
        changed=True,
        removed_files=removed,
        warnings=warnings,
        codebooks=[cb.label for cb in codebooks],
        lookups=[lf.label for table in lookups.values() for lf in table.files],
        linkage=linkage,
    )


def _link_identities(
    run: _Run, w: Any, by_source: dict[str, list[FileResult]], sources_read: set[str]
) -> pd.DataFrame | None:
    """Key the person-keyed tables through the attendance register's identity map, then count
    their link outcomes (:mod:`eco_eval.ingest.identity`); the link rates, None without an
    attendance register."""
    if TARGET not in sources_read:
        return None
    keyed = [name for name in ORDER if run.schema.get(name, {}).get("person_from")]
    ambiguous = resolve_identities(w.con, run.links, keyed)
    if ambiguous:
        log.warning(
            "identity map: %d identifiers belong to several people, left unlinked", ambiguous
        )
    linked = [name for name in keyed if name != TARGET and name in sources_read]
    unkeyed: dict[str, Counter[str]] = {}
    for name in linked:
        unkeyed[name] = Counter()
        for result in by_source.get(name, []):
            unkeyed[name].update(result.meta.get("unkeyed") or {})
    record_linkage(w.con, linked, unkeyed)

    class _Reader:  # link_rates reads through .sql, here inside the transaction
        @staticmethod
        def sql(query: str) -> pd.DataFrame:
            return w.con.execute(query).df()

    return link_rates(_Reader())


#: rows of a file mapped, gated and written at a time (small files of a source are gated together):
#: every slice pays fixed costs (a GX validation ≈ 50 ms, a DuckDB insert, pandas calls), which
#: 400,000-row slices made ≈ 15 % of a national ingest (benchmarks, session 7: 1.2 M rows, 170 s
#: of CPU instead of 198, 0.6 GiB more at the peak)
CHUNK_ROWS = 1_200_000
#: rows written between two commits of the store's temporary copy (DuckDB holds what a
#: transaction wrote in memory until it commits)
CHECKPOINT_ROWS = 1_000_000
#: a barometer row holds one parsed cell per item: its slices are bounded in cells
CHUNK_CELLS = 24_000_000


def _ingest_source(
    run: _Run,
    w: Any,
    source_files: list[tuple[Source, Path]],
    hashes: dict[Path, str],
    codebook_of: dict[Path, CodebookInput],
    progress: Callable[[str], None] | None,
    *,
    chunk_rows: int,
) -> list[_FileTally]:
    """Read, map, gate and write the files of one source, a batch of slices at a time."""
    source = source_files[0][0]
    spec = run.schema[source.name]
    tallies: dict[str, _FileTally] = {}
    paths: dict[str, Path] = {}
    dup_states: list[tuple[str, np.ndarray, dict[str, np.ndarray]]] = []
    batch: list[_Part] = []
    written = [0]  # rows written since the last checkpoint

    def flush() -> None:
        for outcome in run.process_source(source, batch):
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

    def write_quarantine(pieces: list[tuple[_Part, list[str]]]) -> None:
        # one call per file: masking names in free text builds an index of every known name
        first = pieces[0][0]
        raw = pd.concat([p.raw for p, _ in pieces], ignore_index=True)
        lines = np.concatenate([p.lines for p, _ in pieces])
        whole = _Part(first.label, raw, lines, first.mapped, {}, 0)
        reasons = [r for _, rs in pieces for r in rs]
        w.replace_file_rows_quarantine(run._quarantine(source, whole, np.arange(len(raw)), reasons))

    held: dict[str, list[tuple[_Part, list[str]]]] = {}  # file -> its quarantined rows so far
    read_whole: set[str] = set()  # files whose every slice is in a batch
    # the last file's raw text, for the duplicates found once the source is done: not read twice
    # (a source of one large export, the usual case), and no more held than while it was gated
    last: dict[str, tuple[pd.DataFrame, np.ndarray]] = {}
    for src, path in source_files:
        label = _rel(run.project, path)
        if progress:
            progress(label)
        last.clear()
        prepared = run.prepare_file(src, path, codebook_of.get(path), chunk_rows=chunk_rows)
        if spec.get("duplicates_on"):
            last[label] = (prepared.raw, prepared.lines)
        tallies[label] = _FileTally(label, source.name, hashes[path], prepared.meta)
        paths[label] = path
        w.clear_file_rows(label)
        for part in prepared.slices:
            batch.append(part)
            if sum(len(p.raw) for p in batch) >= prepared.chunk_rows:
                flush()
                if written[0] >= CHECKPOINT_ROWS:
                    w.checkpoint()
                    written[0] = 0
        del prepared
        read_whole.add(label)
    flush()
    if dup_states:

        def raw_of(label: str) -> tuple[pd.DataFrame, np.ndarray]:
            if label in last:
                return last[label]
            raw_table = run.read(source, paths[label])
            run._looked_up.pop(paths[label], None)  # its counts are in the file's log already
            return raw_table.frame.reset_index(drop=True), np.asarray(raw_table.lines, np.int64)

        _quarantine_duplicates(run, w, source, spec, dup_states, tallies, raw_of)
    return list(tallies.values())


def _quarantine_duplicates(
    run: _Run,
    w: Any,
    source: Source,
    spec: dict[str, Any],
    dup_states: list[tuple[str, np.ndarray, dict[str, np.ndarray]]],
    tallies: dict[str, _FileTally],
    raw_of: Callable[[str], tuple[pd.DataFrame, np.ndarray]],
) -> None:
    """Find the later copies of a row among the accepted rows of all the source's files, then
    move them from the table to the quarantine: ``duplicate_submission`` (a survey answer sent
    again, :func:`_duplicates_of`) or ``duplicate`` (an exact copy, :func:`_exact_copies`)."""
    state = {k: np.concatenate([s[k] for _, _, s in dup_states]) for k in dup_states[0][2]}
    exact = "ts" not in state
    dup = _exact_copies(state) if exact else _duplicates_of(state)
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
        part = _Part(label, raw, lines, mapped, {}, 0)
        quarantine = run._quarantine(source, part, np.asarray(rows), [reason] * len(rows))
        w.remove_rows(source.name, label, lines[rows])
        w.replace_file_rows_quarantine(quarantine)
        tally = tallies[label]
        tally.rows_quarantined += len(rows)
        tally.duplicates += len(rows)
        for pos in rows:
            tally.add(pos, [reason])


def _codebook_targets(raw: pd.DataFrame, source: Source) -> dict[str, tuple[str, str]]:
    """Columns whose values go through a declared scale: column -> (field or item, scale)."""
    import re

    columns = [str(c) for c in raw.columns]
    out: dict[str, tuple[str, str]] = {}
    for fld, scale in source.values.items():
        if fld in source.lookups:  # a value from a lookup table, not an answer of the survey
            continue
        wanted = source.columns.get(fld)
        col = find_column(columns, wanted) if wanted and scale != "tool" else None
        if col is not None:
            out[col] = (fld, scale)
    for col in columns:
        for rule in source.items:
            match = re.fullmatch(rule.match, col)
            if match:
                out.setdefault(col, (match.expand(rule.to), rule.scale))
                break
    return out


def _count_undated(con: Any, by_source: dict[str, list[FileResult]]) -> None:
    """Record in each file's log detail the rows accepted at a logged but undated session:
    ``undated_sessions`` (session log) and ``undated_sign_ins`` (attendance lists). They count
    in the programme's totals (data-quality page), in no period's figures."""
    queries = {
        "sessions": (
            "undated_sessions",
            "SELECT source_file, count(*) FROM sessions WHERE date IS NULL GROUP BY ALL",
        ),
        "attendance": (
            "undated_sign_ins",
            "SELECT a.source_file, count(*) FROM attendance a JOIN sessions s USING (session_id) "
            "WHERE s.date IS NULL GROUP BY ALL",
        ),
    }
    for table, (name, query) in queries.items():
        if not by_source.get(table) or "sessions" not in by_source:
            continue
        counts = dict(con.execute(query).fetchall())
        for result in by_source[table]:
            if counts.get(result.source_file):
                result.meta[name] = int(counts[result.source_file])


def _cross_checks(con: Any, labels: set[str], sources: set[str]) -> list[str]:
    """Table-level plausibility: participants per department and quarter not above headcount
    (over the rows this ingest wrote, read back from the store transaction)."""
    if not {"attendance", "sessions", "headcount"} <= sources:
        return []
    con.register("_ingested_files", pd.DataFrame({"source_file": sorted(labels)}))
    try:
        part = con.execute(
            """
            SELECT s.quarter, a.department, count(DISTINCT a.person_key) AS participants
            FROM attendance a JOIN sessions s USING (session_id)
            WHERE a.source_file IN (SELECT source_file FROM _ingested_files)
              AND s.source_file IN (SELECT source_file FROM _ingested_files)
              AND s.quarter IS NOT NULL AND a.department IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """
        ).df()
        hc = con.execute(
            """
            SELECT quarter, department, sum(headcount) AS headcount FROM headcount
            WHERE source_file IN (SELECT source_file FROM _ingested_files)
              AND quarter IS NOT NULL AND department IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """
        ).df()
    finally:
        con.unregister("_ingested_files")
    part = part.set_index(["quarter", "department"])["participants"]
    hc = hc.set_index(["quarter", "department"])["headcount"]
    joined = pd.concat([part.rename("participants"), hc.rename("headcount")], axis=1).dropna()
    over = joined[joined["participants"] > joined["headcount"]]
    return [
        f"{q} {d}: {int(r.participants)} participants for a headcount of {int(r.headcount)}; check the department names in the attendance lists and the HR file"
        for (q, d), r in over.iterrows()
    ]
