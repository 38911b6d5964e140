"""Reading one raw file for the ingest: the whole file once, then its mapped slices.

What needs the whole file is done once per file, before any slice: the codebook's scale of each
column, the barometer's waves, which survey responses are incomplete, the comments cleaned and
masked, the person keys (an identifier recurs across slices), the names of the attendance lists.
The slices themselves are mapped lazily (:func:`eco_eval.ingest.derive.prepare_slice`), so
that what is held per row beyond the raw text is bounded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from eco_eval.config import SURVEY_SOURCES, Source, safe_regex
from eco_eval.errors import InputFileError
from eco_eval.ingest import tuning
from eco_eval.ingest.codebook import CodebookInput, choose_scales, convert
from eco_eval.ingest.derive import Part, prepare_slice
from eco_eval.ingest.files import relative_label
from eco_eval.ingest.identity import TARGET, identity_links, linked_kinds
from eco_eval.ingest.lookup_tables import apply_lookups, unkeyed_causes
from eco_eval.ingest.mapping import find_column, map_columns, parse_field, person_key_column
from eco_eval.ingest.state import Run
from eco_eval.ingest.waves import FileWaves, file_waves
from eco_eval.masking import clean_comment, mask_identities
from eco_eval.readers import RawTable, limesurvey_status, read_file


class PreparedFile(NamedTuple):
    """A file read whole: its log meta, its mapped slices (lazily), the slice size, its raw text."""

    meta: dict[str, Any]
    slices: Iterator[Part]
    chunk_rows: int
    raw: pd.DataFrame
    lines: np.ndarray


def read_raw(run: Run, source: Source, path: Path) -> RawTable:
    """Read a raw file; with the source's looked-up columns added (``lookups:``)."""
    fmt = None if source.format == "auto" else source.format
    sheet = source.sheet if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"} else None
    table = read_file(path, format=fmt, sheet=sheet, header_row=source.header_row)
    if not source.lookups:
        return table
    fields = run.schema[source.name]["fields"]
    identifiers = {f for f, s in fields.items() if s.get("type") == "identifier"}
    looked = apply_lookups(
        table.frame, source, run.lookup_tables(), relative_label(run.project, path), identifiers
    )
    run.looked_up[path] = looked
    added = tuple(str(c) for c in looked.frame.columns[table.frame.shape[1] :])
    return dataclasses.replace(
        table, frame=looked.frame, original_columns=(*table.original_columns, *added)
    )


def prepare_file(
    run: Run,
    source: Source,
    path: Path,
    codebook: CodebookInput | None = None,
    chunk_rows: int = 100_000,
) -> PreparedFile:
    """Read one file; return its meta, an iterator over its mapped slices (no gate yet), the
    slice size and the raw text (kept by the caller only while it may still need it).

    The file is read whole (as text), then mapped, derived and gated in slices of at most
    ``chunk_rows`` rows (fewer for the barometer, whose rows have one cell per item), so
    that what is held per row beyond the raw text is bounded.
    """
    label = relative_label(run.project, path)
    raw_table = read_raw(run, source, path)
    raw = raw_table.frame.reset_index(drop=True)
    lines = np.asarray(raw_table.lines, dtype=np.int64)
    targets: dict[str, tuple[str, str]] = {}
    scales_of: dict[str, int] = {}
    if codebook is not None:  # converted slice by slice, each column on one scale
        targets = _codebook_targets(raw, source)
        scales_of = choose_scales(raw, targets, codebook, source=source, file_label=label)
    meta: dict[str, Any] = {
        k: v
        for k, v in raw_table.meta.as_dict().items()
        if isinstance(v, (str, int, float, bool)) or v is None
    }
    looked = run.looked_up.pop(path, None)
    if looked is not None:
        meta["lookups"] = looked.counts
    if codebook is not None:
        meta["codebook"] = codebook.label
        meta["codebook_sha256"] = codebook.sha256
        meta["codebook_columns"] = len(scales_of)
    # the codebook converts scaled answers only: dates and comments are read from raw
    context: dict[str, Any] = {}
    if source.name == "barometer":
        context["waves"] = _waves(run, raw, source, path, label)
    if source.name in SURVEY_SOURCES:
        context["incomplete"] = _incomplete(run, raw_table, raw, source, label)
        meta["incomplete"] = source.incomplete_rule(raw_table.meta.format)
    if source.name == "feedback":
        context["comments"] = _masked_comments(run, raw, source, label)
    if run.schema[source.name].get("person_from"):
        context["person_keys"] = _person_keys(run, raw, source, label)
        if looked is not None:
            person_from = run.schema[source.name]["person_from"]
            fields = [
                f for spec in person_from for f in ([spec] if isinstance(spec, str) else spec)
            ]
            context["unkeyed_cause"] = unkeyed_causes(source, fields, looked.outcomes, len(raw))
    if source.name in ("attendance", "sessions"):  # once per file: names recur across slices
        fields = run.schema[source.name]["fields"]
        run.remember_names(raw, map_columns(raw, source, fields, label))
    del raw_table

    if source.name == "barometer":
        chunk_rows = max(1_000, min(chunk_rows, tuning.CHUNK_CELLS // max(1, raw.shape[1])))

    def slices() -> Any:
        n = len(raw)
        memo: dict[Any, Any] = {}  # the codebook's conversions of the file's answers
        for start in range(0, max(n, 1), chunk_rows):
            sl = slice(start, min(n, start + chunk_rows))
            part_raw = raw.iloc[sl].reset_index(drop=True)
            part_values, problems = part_raw, []
            if codebook is not None:
                converted = convert(
                    part_raw, targets, codebook, run.project.scales, source=source,
                    file_label=label, scales_of=scales_of, memo=memo,
                )  # fmt: skip
                part_values, problems = converted.frame, converted.problems
            yield prepare_slice(
                run, source, label, part_raw, part_values, lines[sl], problems, start, context
            )

    return PreparedFile(meta, slices(), chunk_rows, raw, lines)


def _file_field(
    run: Run, values: pd.DataFrame, source: Source, label: str, name: str
) -> pd.Series | None:
    """One field of a whole file, mapped and parsed as the slices will be (None if absent)."""
    fields = run.schema[source.name]["fields"]
    colmap = map_columns(values, source, fields, label)
    if name not in colmap:
        return None
    parsed, _bad = parse_field(
        values[colmap[name]], fields[name], source, name, run.project.scales, run.ecosystem
    )
    return parsed


def _person_keys(run: Run, values: pd.DataFrame, source: Source, label: str) -> Any:
    """The person key of each row of a whole file: an identifier is looked up once per
    file, not once per slice (a matricule recurs across the slices of an attendance list)."""
    person_from = run.schema[source.name]["person_from"]
    names = dict.fromkeys(
        f for spec in person_from for f in ([spec] if isinstance(spec, str) else spec)
    )
    parsed = {f: _file_field(run, values, source, label, f) for f in names}
    frame = pd.DataFrame({f: v for f, v in parsed.items() if v is not None}, index=values.index)
    keys = person_key_column(frame, person_from, run.key, run.pseudonyms).array
    wanted = linked_kinds(run.project, run.schema) if source.name == TARGET else []
    if wanted:  # rows with several identifiers: the identity map
        run.links.append(identity_links(frame, wanted, keys, run.key, run.pseudonyms))
    return keys


def _waves(run: Run, values: pd.DataFrame, source: Source, path: Path, label: str) -> FileWaves:
    """The wave of each response of a barometer file (the whole file, not a slice)."""
    named = None
    if source.wave_from:
        match = safe_regex(source.wave_from).search(path.name)
        named = match.group("wave") if match else None
    parsed = _file_field(run, values, source, label, "submitted_at")
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
    run: Run, raw_table: Any, values: pd.DataFrame, source: Source, label: str
) -> np.ndarray | None:
    """Which responses of a survey file are incomplete and excluded (None: all kept).

    LimeSurvey: an empty ``submitdate`` (:func:`eco_eval.readers.limesurvey_status`); other
    formats, when ``incomplete: exclude`` is set: an empty ``submitted_at``."""
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
    submitted = _file_field(run, values, source, label, "submitted_at")
    if submitted is None:
        raise InputFileError(
            f"{label}: sources.{source.name}.incomplete is 'exclude' but no submission date "
            f"column is mapped; map columns.submitted_at {fix}"
        )
    return submitted.isna().to_numpy(dtype=bool)


def _masked_comments(
    run: Run, values: pd.DataFrame, source: Source, label: str
) -> np.ndarray | None:
    """The comments of a whole feedback file, cleaned and masked in one call (the name
    index of :func:`mask_identities` is built once per file, not once per slice)."""
    comments = _file_field(run, values, source, label, "comment")
    if comments is None:
        return None
    out = comments.to_numpy(dtype=object, copy=True)
    # each distinct comment cleaned and masked once ("RAS", "Très bien" recur)
    codes, distinct = pd.factorize(comments)
    if len(distinct):
        cleaned = [clean_comment(c) for c in distinct]
        masked = np.asarray(
            list(mask_identities(cleaned, known_names=run.sorted_names())), dtype=object
        )
        present = codes >= 0
        out[present] = masked[codes[present]]
    return out


def _codebook_targets(raw: pd.DataFrame, source: Source) -> dict[str, tuple[str, str]]:
    """Columns whose values go through a declared scale: column -> (field or item, scale)."""
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
            match = safe_regex(rule.match).fullmatch(col)
            if match:
                out.setdefault(col, (match.expand(rule.to), rule.scale))
                break
    return out
