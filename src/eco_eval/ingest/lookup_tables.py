"""Reference and linkage tables (``lookups:``) and the source fields they fill.

A lookup table (a survey tool's participant table, an HR directory, a directions reference) is
read as is by the ordinary readers, held in memory during the ingest and never stored: the store
keeps only its files' checksums (ingest log) and the match counts. Before a source's fields are
mapped, each field of its ``lookups:`` gets a column of the raw frame holding the value found
for the row (:meth:`~eco_eval.config.Source.lookup_column`), so that mapping, parsing and
pseudonymisation treat it as any other column.

Values are matched to the table's key as identifiers are (:func:`eco_eval.pseudonymise.
normalise_identifier`: case-, accent- and space-insensitive), so ``" dgs "`` finds ``DGS``. A row
whose value is not found keeps its row: an identifier field (or a lookup keyed by an identifier,
such as a token) stays missing, any other field keeps the raw value (a direction code absent from
the reference stays the code); both are counted per file in the ingest log. A key listed twice
with different values is ambiguous and matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.config import Lookup, Project, Source
from eco_eval.errors import InputFileError, did_you_mean
from eco_eval.ingest.mapping import find_column
from eco_eval.pseudonymise import normalise_identifier
from eco_eval.readers import read_file

#: the outcome of a row's lookup, in the order they are reported
OUTCOMES = ("matched", "empty", "unmatched", "ambiguous", "no_value")
MATCHED, EMPTY, UNMATCHED, AMBIGUOUS, NO_VALUE = range(len(OUTCOMES))
#: unmatched values listed per field in the ingest log (never for identifiers)
SHOWN_UNMATCHED = 10


@dataclass
class LookupFile:
    label: str
    sha256: str
    rows: int


@dataclass
class LookupTable:
    """A lookup's rows in memory: for each value column, normalised key -> value."""

    spec: Lookup
    files: list[LookupFile]
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)  # None: ambiguous

    @property
    def identifying(self) -> bool:
        """Whether its key is an identifier (a token, an e-mail): never shown, never kept."""
        return self.spec.key in self.spec.identifiers


def used_lookups(project: Project) -> dict[str, list[str]]:
    """The lookup tables some configured source uses, with the value columns it takes."""
    out: dict[str, list[str]] = {}
    for source in project.sources.values():
        for spec in source.lookups.values():
            columns = out.setdefault(spec.table, [])
            if spec.value not in columns:
                columns.append(spec.value)
    return out


def lookup_files(project: Project, name: str) -> list[Path]:
    """The files of lookup ``name``; a one-line InputFileError when none matches."""
    spec = project.lookups[name]
    files = sorted(p for p in project.raw_dir.glob(spec.pattern) if p.is_file())
    if not files:
        raise InputFileError(
            f"lookups.{name}: no file matches {spec.pattern!r} under {project.raw_dir}; put the "
            f"table there or fix lookups.{name}.pattern in eco_eval.yaml"
        )
    return files


def _normalised(values: pd.Series) -> np.ndarray:
    """:func:`normalise_identifier` of each value (None when missing), once per distinct value."""
    codes, uniques = pd.factorize(values)
    distinct = [normalise_identifier(u) for u in uniques]
    return np.asarray([*distinct, None], dtype=object)[codes]


def _column(frame: pd.DataFrame, wanted: str, label: str, where: str) -> str:
    columns = [str(c) for c in frame.columns]
    col = find_column(columns, wanted)
    if col is None:
        raise InputFileError(
            f"{label}: column {wanted!r} ({where}) not found{did_you_mean(wanted, columns)}; "
            f"columns: {', '.join(columns)}"
        )
    return col


def load_lookup(
    project: Project,
    name: str,
    value_columns: list[str],
    label_of: Callable[[Path], str],
    sha256_of: Callable[[Path], str],
) -> LookupTable:
    """Read the files of lookup ``name`` and index ``value_columns`` by its normalised key."""
    spec = project.lookups[name]
    keys: list[np.ndarray] = []
    taken: dict[str, list[pd.Series]] = {v: [] for v in value_columns}
    files = []
    for path in lookup_files(project, name):
        label = label_of(path)
        fmt = None if spec.format == "auto" else spec.format
        sheet = spec.sheet if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"} else None
        frame = read_file(path, format=fmt, sheet=sheet, header_row=spec.header_row).frame
        keys.append(_normalised(frame[_column(frame, spec.key, label, f"lookups.{name}.key")]))
        for value in value_columns:
            col = _column(frame, value, label, f"a 'value' of lookup {name}")
            taken[value].append(frame[col].astype("string").str.strip())
        files.append(LookupFile(label, sha256_of(path), len(frame)))
    table = LookupTable(spec, files)
    key = pd.Series(np.concatenate(keys), dtype=object)
    for value, parts in taken.items():
        found = pd.DataFrame({"key": key, "value": pd.concat(parts, ignore_index=True)})
        found = found[found["key"].notna()]
        found["value"] = found["value"].where(found["value"] != "")
        by_key = found.groupby("key", sort=False)["value"]
        first, distinct = by_key.first(), by_key.nunique()
        # a key whose rows disagree matches nothing; a key with only empty values has no value
        table.values[value] = {
            k: (None if n > 1 else ("" if pd.isna(v) else str(v)))
            for k, v, n in zip(first.index, first.to_numpy(), distinct.to_numpy(), strict=True)
        }
    return table


@dataclass
class LookedUp:
    """A file's raw frame with its looked-up columns, each row's outcome per field, and the
    counts the ingest log keeps (over the rows read)."""

    frame: pd.DataFrame
    outcomes: dict[str, np.ndarray]  # field -> outcome code per row (see OUTCOMES)
    counts: dict[str, dict[str, Any]]


def chain_order(source: Source) -> list[str]:
    """The source's looked-up fields, each after the field its ``column`` names (a chain)."""
    order: list[str] = []

    def visit(fld: str) -> None:
        if fld in order:
            return
        column = source.lookups[fld].column
        if column in source.lookups:
            visit(column)
        order.append(fld)

    for fld in source.lookups:
        visit(fld)
    return order


def apply_lookups(
    raw: pd.DataFrame,
    source: Source,
    tables: Mapping[str, LookupTable],
    label: str,
    identifier_fields: set[str],
) -> LookedUp:
    """Add one column per looked-up field to ``raw`` (a new frame; the raw text is not changed)."""
    frame = raw.copy(deep=False)
    values: dict[str, pd.Series] = {}
    outcomes: dict[str, np.ndarray] = {}
    counts: dict[str, dict[str, Any]] = {}
    for fld in chain_order(source):
        spec = source.lookups[fld]
        table = tables[spec.table]
        if spec.column in source.lookups:  # a chain: the value found for another field
            given = values[spec.column]
        else:
            where = f"sources.{source.name}.lookups.{fld}.column"
            given = raw[_column(raw, spec.column, label, where)].astype("string")
        given = given.str.strip()
        given = given.mask(given.fillna("") == "")
        index = table.values[spec.value]
        codes, uniques = pd.factorize(given)
        found: list[str | None] = []
        outcome: list[int] = []
        for u in uniques:
            hit = index.get(normalise_identifier(u) or "", "\0absent")
            if hit == "\0absent":
                found.append(None)
                outcome.append(UNMATCHED)
            elif hit is None:
                found.append(None)
                outcome.append(AMBIGUOUS)
            else:
                found.append(hit or None)
                outcome.append(MATCHED if hit else NO_VALUE)
        row_outcome = np.asarray([*outcome, EMPTY], dtype=np.int8)[codes]
        row_value = pd.Series(
            np.asarray([*found, None], dtype=object)[codes], index=raw.index, dtype="string"
        )
        secret = table.identifying or fld in identifier_fields or spec.column in source.lookups
        if not secret:  # a code absent from a reference stays the code
            missed = np.isin(row_outcome, (UNMATCHED, AMBIGUOUS))
            row_value = row_value.where(~missed, given)
        values[fld] = row_value
        outcomes[fld] = row_outcome
        frame[source.lookup_column(fld)] = row_value.astype(object).where(row_value.notna())
        tally = np.bincount(row_outcome, minlength=len(OUTCOMES))
        counts[fld] = {
            "table": spec.table,
            "value": spec.value,
            **{name: int(n) for name, n in zip(OUTCOMES, tally, strict=True)},
        }
        if not secret and tally[UNMATCHED]:
            missed_values = given[row_outcome == UNMATCHED].value_counts()
            counts[fld]["unmatched_values"] = {
                str(k): int(n) for k, n in missed_values.head(SHOWN_UNMATCHED).items()
            }
    return LookedUp(frame, outcomes, counts)


def lookup_input_columns(source: Source, tables: Mapping[str, LookupTable]) -> list[str]:
    """The source columns shown in the quarantine only as pseudonyms: those looked up by an
    identifier (tokens), and those named like an identifier of a lookup table the source uses
    (a LimeSurvey response export may carry the participant's ``email`` or ``firstname``)."""
    out: list[str] = []
    for spec in source.lookups.values():
        table = tables[spec.table]
        if spec.column not in source.lookups and table.identifying:
            out.append(spec.column)
        out.extend(table.spec.identifiers)
    return list(dict.fromkeys(out))


def unkeyed_causes(
    source: Source, person_fields: list[str], outcomes: Mapping[str, np.ndarray], n: int
) -> np.ndarray:
    """Why each row may lack a person key, from its lookups: ``not_in_lookup:<table>``,
    ``ambiguous_in_lookup:<table>``, ``no_value_in_lookup:<table>`` or None (no lookup failed).
    The first failing lookup of a chain (in chain order) names the cause."""
    feeding: list[str] = []
    for fld in person_fields:
        step = fld
        chain = []
        while step in source.lookups:
            chain.append(step)
            step = source.lookups[step].column
        feeding.extend(f for f in reversed(chain) if f not in feeding)
    cause = np.full(n, None, dtype=object)
    names = {
        UNMATCHED: "not_in_lookup",
        AMBIGUOUS: "ambiguous_in_lookup",
        NO_VALUE: "no_value_in_lookup",
    }
    for fld in feeding:
        table = source.lookups[fld].table
        for code, name in names.items():
            hit = (outcomes[fld] == code) & pd.isna(cause)
            cause[hit] = f"{name}:{table}"
    return cause
