"""The gate: a batch of mapped slices validated at once, split back into accepted and
quarantined rows.

Every row read is either accepted or quarantined with its reasons: the reasons found while
mapping (a value that does not parse, an unknown wave...) and the rules of the source's
Great Expectations suite (:mod:`eco_eval.ingest.validation`). A quarantined row keeps the raw
text of the columns the source's rules read as JSON, identifiers pseudonymised and names masked in
free text; the file's other columns are not stored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from eco_eval.config import Source, safe_regex
from eco_eval.ingest.derive import Part, piece
from eco_eval.ingest.duplicates import duplicate_state, row_hashes
from eco_eval.ingest.lookup_tables import lookup_input_columns
from eco_eval.ingest.mapping import Mapped, find_column, item_ranges
from eco_eval.ingest.state import Run
from eco_eval.ingest.validation import build_rules, run_gate
from eco_eval.masking import mask_identities
from eco_eval.pseudonymise import pseudonymise_series
from eco_eval.store import ITEM_TABLES, TABLES


def raw_json(
    raw: pd.DataFrame,
    identifier_cols: list[str],
    key: bytes,
    free_text_cols: Sequence[str] = (),
    known_names: Sequence[str] = (),
) -> list[str]:
    """The raw row as JSON for the quarantine: identifier columns replaced by pseudonyms, names and
    e-mail addresses masked in free text (a quarantined comment is as sensitive as an accepted one)."""
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


def reason_lists(masks: dict[str, np.ndarray], rows: np.ndarray) -> list[list[str]]:
    """The sorted rule ids of each row in ``rows`` (positions), from one mask per rule."""
    out: list[list[str]] = [[] for _ in range(len(rows))]
    for reason in sorted(masks):
        for i in np.flatnonzero(masks[reason][rows]).tolist():
            out[i].append(reason)
    return out


@dataclass
class Outcome:
    """A slice after the gate: accepted rows per table, its quarantined rows, their reasons."""

    part: Part
    frames: dict[str, pd.DataFrame]
    quarantine: tuple[Part, list[str]]  # the bad rows (raw text) and their reasons
    rows_read: int
    rows_quarantined: int
    reasons: list[tuple[int, list[str]]]  # (row position in the file, reasons) of bad rows
    dup_state: dict[str, np.ndarray] | None = None  # of its clean rows, when duplicates count
    clean_rows: np.ndarray | None = None  # positions in the file of those rows
    unkeyed: dict[str, int] = field(default_factory=dict)  # accepted rows without a key, by cause


def process_source(run: Run, source: Source, parts: list[Part]) -> list[Outcome]:
    """Gate a batch of slices of a source at once (one GX run), then split back per slice.

    Uniqueness holds across the batches of a source (``run.seen``); duplicate submissions
    are found across them once the source is done (:mod:`eco_eval.ingest.duplicates`).
    """
    spec = run.schema[source.name]
    if not parts:
        return []
    if source.name == "feedback" and source.items:  # a battery's items: its scales' ranges
        spec = {**spec, "item_ranges": item_ranges(source, run.project.scales)}
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
        tool_ids=run.ecosystem.tool_ids,
        known_sessions=run.session_index()[0] if source.name == "attendance" else None,
        span=run.span,
        item_columns=item_cols,
    )
    masks = run_gate(source.name, frame, rules, seen=run.seen.setdefault(source.name, {}))
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
        out.append(_finish(run, source, part, part_masks, bad[sl], with_dups))
        offset += n
    return out


def rows_where(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``frame[mask]``, each column filtered by its own array: Arrow's filter for Arrow-backed
    text, where a frame's boolean indexing takes the rows one position at a time (twice the
    time for a slice of a million rows)."""
    if not frame.columns.is_unique:
        return frame[mask]
    columns = {name: values.array[mask] for name, values in frame.items()}
    return pd.DataFrame(columns, index=frame.index[mask], copy=False)


def _finish(
    run: Run,
    source: Source,
    part: Part,
    masks: dict[str, np.ndarray],
    bad: np.ndarray,
    with_dups: bool,
) -> Outcome:
    """One slice's share of its batch's gate: its accepted rows, quarantined rows and their
    reasons, and what the duplicates and the linkage need of it."""
    spec = run.schema[source.name]
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
        out[name] = f if not bad.any() else rows_where(f, accepted)
    if source.name == "sessions":
        ok = out["sessions"]
        run.session_dates.update(zip(ok["session_id"], ok["date"], strict=True))
    bad_rows = np.flatnonzero(bad)
    reasons = reason_lists(masks, bad_rows)
    # the quarantined rows' raw text, turned into JSON once per file (see writing.ingest_source)
    held = Part(
        part.label,
        part.raw.iloc[bad_rows].reset_index(drop=True),
        part.lines[bad_rows],
        Mapped(part.raw.iloc[:0], extra={"colmap": part.mapped.extra["colmap"]}),
        {},
        part.offset,
    )
    quarantine = (held, ["; ".join(r) for r in reasons])
    outcome = Outcome(
        part=part,
        frames=out,
        quarantine=quarantine,
        rows_read=len(part.raw),
        rows_quarantined=len(bad_rows),
        reasons=[(part.offset + int(i), r) for i, r in zip(bad_rows, reasons, strict=True)],
    )
    cause = piece(part.mapped.extra["context"].get("unkeyed_cause"), part.offset, len(frame))
    if cause is not None:
        without = accepted & frame["person_key"].isna().to_numpy() & pd.notna(cause)
        outcome.unkeyed = {str(k): int(n) for k, n in Counter(cause[without]).items()}
    if with_dups:
        clean = np.flatnonzero(accepted)
        if spec["duplicates_on"] == "mapped":  # exact copies: the text of every mapped column
            cols = list(dict.fromkeys(part.mapped.extra["colmap"].values()))
            hashes = row_hashes(part.raw, cols)  # hashed whole: cheaper than a copy of the rows
            outcome.dup_state = {name: h[clean] for name, h in hashes.items()}
        else:
            # a battery's answers are part of what makes two submissions the same
            on = [*spec["duplicates_on"], *part.mapped.extra.get("item_columns", [])]
            read = [c for c in dict.fromkeys([*on, "submitted_at", "comment"]) if c in frame]
            clean_frame = frame[read].iloc[clean].reset_index(drop=True)
            outcome.dup_state = duplicate_state(clean_frame, on)
        outcome.clean_rows = part.offset + clean
    return outcome


def quarantine_rows(
    run: Run, source: Source, part: Part, rows: np.ndarray, reasons: list[str]
) -> pd.DataFrame:
    """The quarantine rows of ``rows`` (positions in ``part``) with their ``reasons``: the raw
    text as JSON, identifiers pseudonymised and names masked in free text (:func:`raw_json`)."""
    spec = run.schema[source.name]
    colmap = part.mapped.extra["colmap"]
    ident = [
        colmap[f]
        for f, s in spec["fields"].items()
        if s.get("type") == "identifier" and f in colmap
    ]
    if source.lookups:  # tokens, and columns named like a lookup table's identifiers
        columns = [str(c) for c in part.raw.columns]
        looked_by = lookup_input_columns(source, run.lookup_tables())
        ident += [c for c in (find_column(columns, w) for w in looked_by) if c is not None]
    free_text = [
        colmap[f] for f, s in spec["fields"].items() if s.get("type") == "free_text" and f in colmap
    ]
    kept = read_columns(part.raw.columns, source, colmap.values(), ident)
    return pd.DataFrame(
        {
            "table_name": source.name,
            "source_file": part.label,
            "source_line": part.lines[rows],
            "reasons": reasons,
            "raw": raw_json(
                part.raw.iloc[rows][kept], ident, run.key, free_text, run.sorted_names()
            ),
        }
    )


def read_columns(
    columns: Iterable[object], source: Source, mapped: Iterable[str], identifiers: Sequence[str]
) -> list[object]:
    """The columns of a file that the source's rules read: mapped fields, identifiers, items
    (``items:`` rules). The others are never stored, quarantined rows included."""
    wanted = {*map(str, mapped), *map(str, identifiers)}
    return [
        c
        for c in columns
        if str(c) in wanted
        or any(safe_regex(rule.match).fullmatch(str(c)) for rule in source.items)
    ]
