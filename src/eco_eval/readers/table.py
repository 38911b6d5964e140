"""What every reader returns: a frame of text, the physical place of each row, and how it was read.

A :class:`RawTable` is the contract between the readers and the next layer (column and value
mapping). Its frame holds text only: every cell is a ``str`` or missing (``pd.isna`` is true; the
columns use pandas' ``str`` dtype, whose missing value is NaN). Nothing is parsed, trimmed or
renamed beyond making the column names unique and non-empty, and ``lines[i]`` says where row ``i``
came from (1-based physical line of a CSV, 1-based row of a sheet, case number of an SPSS file).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.errors import input_error as input_error  # the readers' message, re-exported
from eco_eval.schema import TEXT_DTYPE as TEXT_DTYPE  # the dtype of every column of a frame

log = logging.getLogger(__name__)
_NUMBER = re.compile(r"^[+-]?\d[\d\s.,:/-]*$")


#: The values of ``RawMeta.format``.
FORMATS = ("csv", "xlsx", "sav", "limesurvey", "kobo", "msforms")


@dataclass(frozen=True)
class RawMeta:
    """How a file was read. ``as_dict()`` gives a JSON-serialisable dict.

    ``header_row`` is the 1-based physical line (CSV) or sheet row (Excel) of the header, None for
    SPSS. ``title_rows`` are the non-blank lines above the header (a report title, an export
    date). ``blank_lines`` lists the wholly empty rows inside the data that were not returned
    (they hold no value); ``footer_blank_rows`` counts those after the last data row.
    ``ragged_lines`` lists rows with more fields than the header (extra columns were added as
    ``Unnamed: k``). ``merged_cells`` lists Excel merged ranges (``B3:D3``); header cells covered
    by a merge take the merge's value. ``extra`` holds format-specific facts (SPSS variable
    labels, LimeSurvey completion counts, formula cells without a cached value...).
    """

    path: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    n_rows: int = 0
    bom: bool = False
    quoted_newlines: bool = False
    title_rows: tuple[str, ...] = ()
    blank_lines: tuple[int, ...] = ()
    footer_blank_rows: int = 0
    ragged_lines: tuple[int, ...] = ()
    merged_cells: tuple[str, ...] = ()
    dropped_empty_columns: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (tuples as lists) for logs, JSON and the ingest log."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out


@dataclass(frozen=True, eq=False)
class RawTable:
    """A file's data rows as text, with the physical location of each row.

    Attributes:
        frame: one row per data row of the file, every cell text or missing; column names are
            the file's headings made unique and non-empty (``Unnamed: 3``, ``Question (2)``).
        lines: int64 array, ``len(lines) == len(frame)``; ``lines[i]`` is the 1-based physical
            line (CSV, correct with quoted multi-line values) or sheet row of ``frame.iloc[i]``.
        original_columns: the headings exactly as in the file, one per frame column.
        meta: how the file was read (:class:`RawMeta`).
    """

    frame: pd.DataFrame
    lines: np.ndarray
    original_columns: tuple[str, ...]
    meta: RawMeta

    def __post_init__(self) -> None:
        if len(self.lines) != len(self.frame):
            raise ValueError(f"{len(self.lines)} line numbers for {len(self.frame)} rows")
        if len(self.original_columns) != self.frame.shape[1]:
            raise ValueError("original_columns must have one entry per frame column")

    def __len__(self) -> int:
        return len(self.frame)


def unique_names(names: Sequence[object]) -> list[str]:
    """Make headings unique and non-empty, pandas-style for blanks, ``Name (2)`` for repeats.

    >>> unique_names(["id", "", "Q", "Q", None, "Q (2)"])
    ['id', 'Unnamed: 1', 'Q', 'Q (3)', 'Unnamed: 4', 'Q (2)']
    """
    base = [
        f"Unnamed: {i}" if name is None or str(name).strip() == "" else str(name)
        for i, name in enumerate(names)
    ]
    taken = set(base)
    seen: set[str] = set()
    out: list[str] = []
    for name in base:
        if name not in seen:
            seen.add(name)
            out.append(name)
            continue
        k = 2
        while f"{name} ({k})" in taken:
            k += 1
        new = f"{name} ({k})"
        taken.add(new)
        seen.add(new)
        out.append(new)
    return out


def text_frame(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> pd.DataFrame:
    """Build a text frame from row lists; short rows are padded and ``""`` becomes missing."""
    data: dict[str, list[str | None]] = {c: [] for c in columns}
    for row in rows:
        for j, col in enumerate(columns):
            value = row[j] if j < len(row) else None
            data[col].append(None if value is None or value == "" else value)
    if not columns:
        return pd.DataFrame(index=pd.RangeIndex(len(rows)))
    return pd.DataFrame(data, columns=list(columns), dtype=object).astype(TEXT_DTYPE)


def header_index(rows: Sequence[Sequence[str | None]]) -> int | None:
    """Index of the header among the first rows of a table, skipping title rows above it.

    The header is the first row whose number of non-empty cells reaches half of the widest
    row seen (and at least 2 when some row has 2 or more): a title (``Journal des animations``)
    or an export note fills one cell, a header fills most. A row whose first cell is empty but
    another is filled is taken as a header with gaps (titles start in the first cell).
    Returns None when every row is blank.
    """
    filled = [sum(1 for v in row if v is not None and str(v).strip() != "") for row in rows]
    if not filled or max(filled) == 0:
        return None
    widest = max(filled)
    need = max(2, (widest + 1) // 2) if widest >= 2 else 1
    for i, (row, n) in enumerate(zip(rows, filled, strict=True)):
        if n >= need:
            return i
        # a title sits in the first cell; a row with an empty first cell is a header with gaps,
        # unless the next row is a full row of words (then this one is a group heading above it)
        first_empty = bool(row) and (row[0] is None or str(row[0]).strip() == "")
        if n > 0 and first_empty and not (i + 1 < len(rows) and _all_words(rows[i + 1], need)):
            return i
    return None  # pragma: no cover - widest row always qualifies


def _all_words(row: Sequence[str | None], need: int) -> bool:
    cells = [str(v).strip() for v in row if v is not None and str(v).strip() != ""]
    return len(cells) >= need and not any(_NUMBER.match(c) for c in cells)


def drop_blank_rows(
    frame: pd.DataFrame, lines: np.ndarray, skip_footer_blank: bool
) -> tuple[pd.DataFrame, np.ndarray, tuple[int, ...], int]:
    """Remove wholly empty rows: listed in ``blank_lines`` inside, counted after the data."""
    if frame.empty or frame.shape[1] == 0:
        return frame, lines, (), 0
    empty: np.ndarray = np.asarray(frame.isna().to_numpy().all(axis=1), dtype=bool)
    if not empty.any():
        return frame, lines, (), 0
    filled = np.flatnonzero(~empty)
    last = int(filled[-1]) + 1 if len(filled) else 0
    footer = len(frame) - last
    keep = ~empty
    if not skip_footer_blank:
        keep[last:] = True
        footer = 0
    interior = tuple(int(x) for x in lines[:last][empty[:last]])
    if not interior and not keep[last:].any():  # only a footer: a slice, not a copy
        return frame.iloc[:last].reset_index(drop=True), lines[:last], interior, footer
    frame = frame.loc[keep].reset_index(drop=True)
    return frame, lines[keep], interior, footer


def drop_empty_unnamed(
    frame: pd.DataFrame, originals: list[str]
) -> tuple[pd.DataFrame, list[str], tuple[str, ...]]:
    """Drop columns without a heading and without any value (a trailing delimiter)."""
    drop = [
        name
        for name, original in zip(frame.columns, originals, strict=True)
        if original.strip() == "" and frame[name].isna().all() and len(frame) > 0
    ]
    if not drop:
        return frame, originals, ()
    keep = [i for i, name in enumerate(frame.columns) if name not in drop]
    return frame.drop(columns=drop), [originals[i] for i in keep], tuple(drop)
