"""Ingestion: raw files -> canonical tables, through the gate, into the store in one transaction.

Every row read is either accepted or quarantined with its reasons (rows read = accepted +
quarantined, per file); raw files are only read; identifiers are pseudonymised before anything is
written. A file that cannot be read as a whole stops the ingest with one line and leaves the store
as it was. Running it again with no new or changed raw file writes nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.config import Project, Source
from eco_eval.errors import InputFileError
from eco_eval.ingest.codebook import CodebookInput, assign_codebooks, convert, find_codebooks
from eco_eval.ingest.mapping import Mapped, canonicalise, find_column, load_schema, map_items
from eco_eval.ingest.validation import build_rules, run_gate
from eco_eval.periods import quarter_of

log = logging.getLogger(__name__)

ORDER = (
    "headcount",
    "sessions",
    "attendance",
    "feedback",
    "barometer",
    "ideas",
    "hr_results",
    "citizen_satisfaction",
)
MISSION_LETTER = date(2013, 3, 13)
DUPLICATE_WINDOW_S = 600


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
        found.extend((source, p) for p in files)
    return found


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
    free_text_cols: list[str] = (),
    known_names: list[str] = (),
) -> list[str]:  # type: ignore[assignment]
    """The raw row as JSON for the quarantine: identifier columns replaced by pseudonyms, names and
    e-mail addresses masked in free text (a quarantined comment is as sensitive as an accepted one)."""
    from eco_eval.privacy.text import mask_identities
    from eco_eval.pseudonymise import pseudonym

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
    out = []
    records = raw.to_dict(orient="records")
    for rec in records:
        clean = {}
        for k, v in rec.items():
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                clean[str(k)] = None
            elif k in identifier_cols:
                clean[str(k)] = f"pseudo:{pseudonym(key, v, kind='quarantine')}"
            else:
                clean[str(k)] = str(v)[:2000]
        out.append(json.dumps(clean, ensure_ascii=False))
    return out


def _mark_duplicates(frame: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Later copies of the same submission: same answers and session, within a short time window."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    key = frame[on].astype("string").fillna("<NA>").agg("\x1f".join, axis=1)
    ts = pd.to_datetime(frame.get("submitted_at"), errors="coerce")
    dup = np.zeros(len(frame), dtype=bool)
    comment = frame.get("comment")
    for _, idx in key.groupby(key).groups.items():
        if len(idx) < 2:
            continue
        pos = [frame.index.get_loc(i) for i in idx]
        pos.sort(key=lambda p: (ts.iloc[p] if pd.notna(ts.iloc[p]) else pd.Timestamp.min, p))
        for a, b in itertools.pairwise(pos):
            ta, tb = ts.iloc[a], ts.iloc[b]
            if pd.notna(ta) and pd.notna(tb):
                close = abs((tb - ta).total_seconds()) <= DUPLICATE_WINDOW_S
            else:  # dates not kept (anonymised survey): only an identical non-empty comment convinces
                close = comment is not None and bool(
                    pd.notna(comment.iloc[b]) and str(comment.iloc[b]).strip()
                )
            if close:
                dup[b] = True
    return dup


@dataclass
class _Part:
    """One file read and mapped, waiting for its source's gate."""

    label: str
    sha: str
    raw: pd.DataFrame
    lines: np.ndarray
    mapped: Mapped
    frames: dict[str, pd.DataFrame]
    meta: dict[str, Any]


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

    def read(self, source: Source, path: Path) -> Any:
        from eco_eval.readers import read_file

        fmt = None if source.format == "auto" else source.format
        sheet = source.sheet if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"} else None
        return read_file(path, format=fmt, sheet=sheet, header_row=source.header_row)

    def prepare(
        self, source: Source, path: Path, sha: str, codebook: CodebookInput | None = None
    ) -> _Part:
        """Read, map and derive one file (no gate yet)."""
        label = _rel(self.project, path)
        raw_table = self.read(source, path)
        raw = raw_table.frame.reset_index(drop=True)
        lines = np.asarray(raw_table.lines, dtype=np.int64)
        spec = self.schema[source.name]
        values = raw  # what mapping reads; the quarantine keeps the file's own values (raw)
        converted = None
        if codebook is not None:
            converted = convert(
                raw,
                _codebook_targets(raw, source),
                codebook,
                self.project.scales,
                source=source,
                file_label=label,
            )
            values = converted.frame
        mapped = canonicalise(
            values,
            source,
            spec,
            scales=self.project.scales,
            ecosystem=self.ecosystem,
            key=self.key,
            file_label=label,
        )
        mapped.extra["lines"] = lines
        if converted is not None:
            for reason, mask in converted.problems:
                mapped.add(mask, reason)
        if source.name == "attendance":
            self._remember_names(raw, mapped)
        frames = getattr(self, f"_derive_{source.name}")(mapped, values, source, path)
        meta = (
            raw_table.meta.as_dict() if hasattr(raw_table.meta, "as_dict") else dict(raw_table.meta)
        )
        meta = {
            k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool)) or v is None
        }
        if codebook is not None and converted is not None:
            meta["codebook"] = codebook.label
            meta["codebook_sha256"] = codebook.sha256
            meta["codebook_columns"] = len(converted.columns)
        return _Part(label, sha, raw, lines, mapped, frames, meta)

    def process_source(
        self, source: Source, parts: list[_Part]
    ) -> list[tuple[FileResult, dict[str, pd.DataFrame], pd.DataFrame]]:
        """Gate all files of a source at once (one GX run per table), then split back per file."""
        spec = self.schema[source.name]
        if not parts:
            return []
        frame = pd.concat([p.frames[source.name] for p in parts], ignore_index=True)
        item_cols = [
            c for c in frame.columns if c.split("_", 1)[0] in (spec.get("item_ranges") or {})
        ]
        rules = build_rules(
            source.name,
            spec,
            list(frame.columns),
            tool_ids=self.ecosystem.tool_ids,
            known_sessions=list(self.session_dates) if source.name == "attendance" else None,
            span=self.span,
            item_columns=item_cols,
        )
        gate = run_gate(source.name, frame, rules)
        parse_reasons = [r for p in parts for r in p.mapped.reasons]
        reasons = [sorted(set(a + b)) for a, b in zip(parse_reasons, gate, strict=True)]
        dup = np.zeros(len(frame), dtype=bool)
        if spec.get("duplicates_on"):
            clean = np.array([not r for r in reasons], dtype=bool)
            dup[np.flatnonzero(clean)] = _mark_duplicates(frame[clean], list(spec["duplicates_on"]))
            for i in np.flatnonzero(dup):
                reasons[i].append("duplicate_submission")
        out = []
        offset = 0
        for part in parts:
            n = len(part.raw)
            out.append(
                self._finish(source, part, reasons[offset : offset + n], dup[offset : offset + n])
            )
            offset += n
        return out

    def _finish(
        self, source: Source, part: _Part, reasons: list[list[str]], dup: np.ndarray
    ) -> tuple[FileResult, dict[str, pd.DataFrame], pd.DataFrame]:
        spec = self.schema[source.name]
        frame = part.frames[source.name]
        bad = np.array([bool(r) for r in reasons], dtype=bool)
        accepted = ~bad
        out: dict[str, pd.DataFrame] = {}
        for name, f in part.frames.items():
            f = f.copy()
            f["source_file"] = part.label
            f["source_line"] = part.lines if name != "barometer_items" else f.pop("_line")
            if name == "barometer_items":
                keep_ids = set(frame.loc[accepted, "response_id"])
                out[name] = f[f["response_id"].isin(keep_ids) & f["value"].notna()]
            else:
                out[name] = f[accepted]
        if source.name == "sessions":
            ok = out["sessions"]
            self.session_dates.update(zip(ok["session_id"], ok["date"], strict=True))
        colmap = part.mapped.extra["colmap"]
        ident = [
            colmap[f]
            for f, s in spec["fields"].items()
            if s.get("type") == "identifier" and f in colmap
        ]
        free_text = [
            colmap[f]
            for f, s in spec["fields"].items()
            if s.get("type") == "free_text" and f in colmap
        ]
        quarantine = pd.DataFrame(
            {
                "table_name": source.name,
                "source_file": part.label,
                "source_line": part.lines[bad],
                "reasons": ["; ".join(r) for r, b in zip(reasons, bad, strict=True) if b],
                "raw": _raw_json(
                    part.raw[bad], ident, self.key, free_text, sorted(self.known_names)
                ),
            }
        )
        counts: dict[str, int] = {}
        for r, b in zip(reasons, bad, strict=True):
            if b:
                for reason in r:
                    counts[reason] = counts.get(reason, 0) + 1
        result = FileResult(
            source_file=part.label,
            table=source.name,
            sha256=part.sha,
            rows_read=len(part.raw),
            rows_accepted=int(accepted.sum()),
            rows_quarantined=int(bad.sum()),
            duplicates=int(dup.sum()),
            top_reasons=dict(sorted(counts.items(), key=lambda kv: -kv[1])[:10]),
            meta=part.meta,
        )
        return result, out, quarantine

    def _remember_names(self, raw: pd.DataFrame, mapped: Mapped) -> None:
        """Names seen in attendance lists, kept in memory only to mask them in free-text comments."""
        colmap = mapped.extra["colmap"]
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
        f["quarter"] = [quarter_of(d.date()) if pd.notna(d) else None for d in f["as_of"]]
        f["as_of"] = pd.to_datetime(f["as_of"]).dt.date
        return {"headcount": f}

    def _derive_sessions(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        f["tool_id"] = f.pop("tool")
        f["lever_id"] = f["tool_id"].map(self.lever_of)
        f["quarter"] = [quarter_of(d.date()) if pd.notna(d) else None for d in f["date"]]
        f["date"] = pd.to_datetime(f["date"]).dt.date
        f["session_id"] = f["session_id"].astype("string").str.strip().astype(object)
        return {"sessions": f}

    def _derive_attendance(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        f["session_id"] = f["session_id"].astype("string").str.strip().astype(object)
        m.add(f["person_key"].isna().to_numpy(), "no_identifier")
        return {"attendance": f}

    def _derive_feedback(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        from eco_eval.privacy.text import clean_comment, mask_identities

        f = m.frame
        f["tool_id"] = f.pop("tool")
        f["lever_id"] = f["tool_id"].map(self.lever_of)
        ts = pd.to_datetime(f["submitted_at"], errors="coerce")
        ts = ts.where(ts.dt.year > 1980)  # LimeSurvey writes 1980-01-01 when the date is not kept
        f["submitted_at"] = ts
        sess = f["session_id"].astype("string").str.strip()
        f["session_id"] = sess.astype(object).where(sess.notna(), None)
        dates = sess.map(self.session_dates)
        when = pd.to_datetime(dates, errors="coerce").fillna(ts)
        f["quarter"] = [quarter_of(d.date()) if pd.notna(d) else None for d in when]
        comments = f["comment"]
        present = comments.notna()
        if present.any():
            cleaned = [clean_comment(c) for c in comments[present]]
            masked = mask_identities(cleaned, known_names=sorted(self.known_names))
            f.loc[present, "comment"] = list(masked)
        return {"feedback": f}

    def _derive_ideas(
        self, m: Mapped, raw: pd.DataFrame, source: Source, path: Path
    ) -> dict[str, pd.DataFrame]:
        f = m.frame
        f["tool_id"] = f.pop("tool")
        f["lever_id"] = f["tool_id"].map(self.lever_of)
        f["quarter"] = [quarter_of(d.date()) if pd.notna(d) else None for d in f["proposed_on"]]
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
        import re

        f = m.frame
        wave = None
        if source.wave_from:
            match = re.search(source.wave_from, path.name)
            wave = match.group("wave") if match else None
        if wave is None:
            raise InputFileError(
                f"{_rel(self.project, path)}: cannot tell the barometer wave from the file name; name it like the pattern {source.wave_from!r} or fix sources.barometer.wave_from"
            )
        f["wave"] = wave
        # LimeSurvey numbers responses from 1 in every survey: the wave makes the id unique
        f["response_id"] = wave + ":" + f["response_id"].astype("string")
        ts = pd.to_datetime(f["submitted_at"], errors="coerce")
        ts = ts.where(ts.dt.year > 1980)
        f["wave_date"] = (
            ts.median().date() if ts.notna().any() else date.fromisoformat(wave + "-15")
        )
        items, _origin, problems = map_items(raw, source, self.project.scales)
        for reason, mask in problems:
            m.add(mask.to_numpy(), reason)
        wide = pd.concat([f.reset_index(drop=True), items.reset_index(drop=True)], axis=1)
        long = items.copy()
        long["response_id"] = f["response_id"].values
        long["_line"] = m.extra["lines"]
        long = long.melt(id_vars=["response_id", "_line"], var_name="item", value_name="value")
        return {"barometer": wide, "barometer_items": long}


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
    hashes = {p: sha256_file(p) for _, p in files}
    known: dict[str, str] = (
        Store(project.store_path).known_files() if project.store_path.exists() else {}
    )
    current = {_rel(project, p): h for p, h in hashes.items()}
    current.update({cb.label: cb.sha256 for cb in codebooks})
    removed = sorted(set(known) - set(current))
    changed = force or removed or any(known.get(f) != h for f, h in current.items())
    if not changed:
        log.info("nothing new: %d files already in the store", len(current))
        return IngestReport(files=[], changed=False)
    run = _Run(project, key)
    results: list[FileResult] = []
    outputs: list[tuple[str, dict[str, pd.DataFrame], pd.DataFrame]] = []
    for name in ORDER:
        source_files = [(src, p) for src, p in files if src.name == name]
        if not source_files:
            continue
        parts = []
        for source, path in source_files:
            if progress:
                progress(_rel(project, path))
            parts.append(run.prepare(source, path, hashes[path], codebook_of.get(path)))
        for result, frames, quarantine in run.process_source(source_files[0][0], parts):
            results.append(result)
            outputs.append((result.source_file, frames, quarantine))
    warnings = _cross_checks(outputs)
    with (
        project_lock(project.processed_dir / ".ingest.lock", "an ingest"),
        write_transaction(project.store_path) as w,
    ):
        for f in removed:
            w.delete_file(f)
        now = datetime.now()
        for (label, frames, quarantine), result in zip(outputs, results, strict=True):
            for table, frame in frames.items():
                w.replace_file_rows(table, label, frame)
            w.set_quarantine(label, quarantine)
            w.log(
                {
                    "source_file": label,
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
    return IngestReport(
        files=results,
        changed=True,
        removed_files=removed,
        warnings=warnings,
        codebooks=[cb.label for cb in codebooks],
    )


def _codebook_targets(raw: pd.DataFrame, source: Source) -> dict[str, tuple[str, str]]:
    """Columns whose values go through a declared scale: column -> (field or item, scale)."""
    import re

    columns = [str(c) for c in raw.columns]
    out: dict[str, tuple[str, str]] = {}
    for fld, scale in source.values.items():
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


def _cross_checks(outputs: list[tuple[str, dict[str, pd.DataFrame], pd.DataFrame]]) -> list[str]:
    """Table-level plausibility: participants per department and quarter not above headcount."""
    tables: dict[str, list[pd.DataFrame]] = {}
    for _, frames, _ in outputs:
        for name, f in frames.items():
            tables.setdefault(name, []).append(f)
    if not {"attendance", "sessions", "headcount"} <= set(tables):
        return []
    att = pd.concat(tables["attendance"])
    ses = pd.concat(tables["sessions"])[["session_id", "quarter"]]
    hc = pd.concat(tables["headcount"]).groupby(["quarter", "department"])["headcount"].sum()
    part = (
        att.merge(ses, on="session_id").groupby(["quarter", "department"])["person_key"].nunique()
    )
    joined = pd.concat([part.rename("participants"), hc.rename("headcount")], axis=1).dropna()
    over = joined[joined["participants"] > joined["headcount"]]
    return [
        f"{q} {d}: {int(r.participants)} participants for a headcount of {int(r.headcount)}; check the department names in the attendance lists and the HR file"
        for (q, d), r in over.iterrows()
    ]
