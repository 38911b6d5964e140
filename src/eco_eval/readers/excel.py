"""Excel ``.xlsx`` workbooks, read with calamine (python-calamine), or openpyxl in read-only mode
when the workbook holds formulas.

Cells become text the way a person sees them in Excel, not the way Python prints floats:
integers without ``.0``, other numbers with Excel's 15 significant digits (``1.5``, never
``1.5000000000000002``), dates as ISO text (``2016-03-13``, ``2016-03-13 14:30:00``), durations
as ``30:00:00``. A formula cell gives its cached value; when the workbook was never recalculated
(no cached value) the formula itself is returned as inert text and counted in
``meta.extra["formula_text_cells"]`` (cells whose text starts with ``=``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from python_calamine import CalamineWorkbook, SheetTypeEnum

from eco_eval.errors import did_you_mean
from eco_eval.readers.table import (
    RawMeta,
    RawTable,
    drop_blank_rows,
    drop_empty_unnamed,
    header_index,
    input_error,
    text_frame,
    unique_names,
)

log = logging.getLogger(__name__)

_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
HEADER_SEARCH_ROWS = 50
#: the most a workbook may inflate to (every member of its zip archive), and the most any member
#: may inflate relative to its compressed size once it is large: checked before a reader inflates
#: anything, so that a few megabytes that inflate to gigabytes (a zip bomb) are refused at once
MAX_INFLATED_BYTES = 1 << 30
MAX_RATIO = 200
RATIO_FROM_BYTES = 64 << 20
#: the largest sheet read, by the dimension the sheet declares
MAX_ROWS = 1_048_576
MAX_COLUMNS = 4_096
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="[A-Z]*[0-9]*:?([A-Z]+)([0-9]+)"')


def number_text(value: float) -> str | None:
    """A float as Excel shows it: ``3`` not ``3.0``, ``0.3`` not ``0.30000000000000004``.

    >>> [number_text(v) for v in (3.0, 0.1 + 0.2, 1.5, 1e20, -0.0, 1.5e-7)]
    ['3', '0.3', '1.5', '100000000000000000000', '0', '0.00000015']
    """
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def cell_text(value: Any) -> str | None:
    """The text of one cell value as openpyxl returns it (None for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def _sheet_xml(path: Path, member: str | None) -> bytes:
    if not member:
        return b""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(member.lstrip("/"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return b""


def _rows(ws: Any, formulas: Any) -> Iterator[list[str | None]]:
    """Rows of text; with ``formulas`` (the same sheet read without cached values) an empty
    cached value falls back to the formula text."""
    values = ws.iter_rows(values_only=True)
    if formulas is None:
        for row in values:
            yield [cell_text(v) for v in row]
        return
    for row, frow in zip_longest(values, formulas.iter_rows(values_only=True), fillvalue=()):
        out: list[str | None] = []
        for v, f in zip_longest(row, frow):
            if v is None and isinstance(f, str) and f.startswith("="):
                out.append(f)
            else:
                out.append(cell_text(v))
        yield out


def _fill_merged_header(
    rows: Sequence[list[str | None]], header_at: int, merges: Sequence[str]
) -> list[str]:
    """Header cells inside a merged range take the value of the range's top-left cell."""
    filled = []
    row_no = header_at + 1
    for ref in merges:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if min_row is None or max_row is None or not (min_row <= row_no <= max_row):
            continue
        top_row = rows[min_row - 1] if min_row - 1 < len(rows) else []
        value = top_row[min_col - 1] if min_col is not None and min_col - 1 < len(top_row) else None
        if value is None or min_col is None or max_col is None:
            continue
        header = rows[header_at]
        for col in range(min_col - 1, max_col):
            if col < len(header) and header[col] is None:
                header[col] = value
                filled.append(f"{ref}")
    return sorted(set(filled))


def read_xlsx(
    path: Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    skip_footer_blank: bool = True,
    fmt: str = "xlsx",
) -> RawTable:
    """Read one sheet (``sheet``: name, 0-based index, or None for the first worksheet).

    ``header_row`` is the 1-based sheet row of the header; None detects it below any title rows.
    A workbook without formulas is read by calamine (Rust, faster than openpyxl on a large
    journal); one with formulas, or one calamine cannot open, by openpyxl, which can
    give a formula's text when the workbook holds no computed value, and whose errors name the
    problem.
    """
    check_bounds(path)
    read = _read_calamine(path, sheet) or _read_openpyxl(path, sheet)
    rows, title, names, merges = read
    return _table(path, rows, title, names, merges, header_row, skip_footer_blank, fmt)


def check_bounds(path: Path) -> None:
    """An InputFileError when the workbook at ``path`` would inflate beyond
    :data:`MAX_INFLATED_BYTES`, has a member inflating more than :data:`MAX_RATIO` times, or a
    sheet declaring more than :data:`MAX_ROWS` rows or :data:`MAX_COLUMNS` columns. Reads the
    archive's directory and the first bytes of each sheet only."""
    fix = "export the table again from its tool, or split it into smaller files"
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > MAX_INFLATED_BYTES:
                raise input_error(
                    path, "", f"the workbook inflates to {total / 2**20:,.0f} MB, over the "
                    f"{MAX_INFLATED_BYTES / 2**20:,.0f} MB eco_eval reads", fix,
                )  # fmt: skip
            for m in members:
                if m.file_size > RATIO_FROM_BYTES and m.file_size > MAX_RATIO * max(
                    m.compress_size, 1
                ):
                    raise input_error(
                        path, m.filename, f"inflates {m.file_size // max(m.compress_size, 1):,} "
                        "times its size (a zip bomb?)", fix,
                    )  # fmt: skip
                if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"):
                    with archive.open(m) as sheet:
                        head = sheet.read(4096)
                    _check_dimension(path, m.filename, head, fix)
    except zipfile.BadZipFile:
        return  # not a zip archive: the readers explain what is wrong with it


def _check_dimension(path: Path, member: str, head: bytes, fix: str) -> None:
    found = _DIMENSION.search(head)
    if found is None:
        return
    letters, row = found.group(1).decode(), int(found.group(2))
    columns = 0
    for ch in letters:
        columns = columns * 26 + ord(ch) - 64
    if row > MAX_ROWS or columns > MAX_COLUMNS:
        raise input_error(
            path, member, f"the sheet declares {row:,} rows and {columns:,} columns, over the "
            f"{MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns eco_eval reads", fix,
        )  # fmt: skip


def _pick_sheet(path: Path, names: Sequence[str], sheet: str | int | None) -> str:
    if not names:
        raise input_error(path, "", "the workbook has no worksheet", "export the data again")
    if sheet is None:
        return names[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise input_error(
                path, f"sheet {sheet}", f"no such sheet ({len(names)} sheets: {list(names)})",
                "pass sheet= a name or a 0-based index",
            )  # fmt: skip
        return names[sheet]
    if sheet in names:
        return sheet
    raise input_error(
        path, f"sheet {sheet!r}", f"no such sheet{did_you_mean(sheet, names)}",
        f"pass sheet= one of {list(names)}",
    )  # fmt: skip


_Read = tuple[list[list[str | None]], str, list[str], list[str]]


def _has_formula(path: Path) -> bool:
    """Whether any worksheet of the workbook holds a formula (its XML streamed, not loaded)."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            tail = b""
            with archive.open(name) as member:
                while chunk := member.read(1 << 24):
                    if _FORMULA.search(tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def _read_calamine(path: Path, sheet: str | int | None) -> _Read | None:
    """The sheet read by calamine; None when openpyxl must read it (formulas, or a workbook
    calamine cannot open: openpyxl's error then tells what is wrong)."""
    try:
        if _has_formula(path):
            return None
        wb = CalamineWorkbook.from_path(str(path))
    except Exception:  # zip, XML or calamine errors alike: openpyxl reads it or explains
        return None
    try:
        names = [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        if not names:
            return None
        title = _pick_sheet(path, names, sheet)
        try:
            ws = wb.get_sheet_by_name(title)
            values = ws.to_python(skip_empty_area=False)
            ranges = ws.merged_cell_ranges or []
        except Exception:
            return None
    finally:
        wb.close()
    merges = [
        f"{get_column_letter(c0 + 1)}{r0 + 1}"
        + ("" if (r0, c0) == (r1, c1) else f":{get_column_letter(c1 + 1)}{r1 + 1}")
        for (r0, c0), (r1, c1) in ranges
    ]
    rows = [[cell_text(v) for v in row] for row in values]
    return rows, title, names, merges


def _read_openpyxl(path: Path, sheet: str | int | None) -> _Read:
    # file handles, not the path: openpyxl refuses names not ending in .xlsx (a workbook saved
    # as .csv is still read), and read-only mode reads lazily from the handle
    handle = path.open("rb")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML, key and value errors alike
        handle.close()
        raise input_error(
            path, "", f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            "open it in Excel and save it again as .xlsx (Excel Workbook)",
        ) from exc  # fmt: skip
    try:
        names = [ws.title for ws in wb.worksheets if hasattr(ws, "iter_rows")]
        title = _pick_sheet(path, names, sheet)
        ws = wb[title]
        xml = _sheet_xml(path, getattr(ws, "_worksheet_path", None))
        merges = [m.decode("ascii") for m in _MERGE.findall(xml)]
        with path.open("rb") as second, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            formulas_wb = None
            if _FORMULA.search(xml):
                formulas_wb = load_workbook(second, read_only=True, data_only=False)
            try:
                rows = list(_rows(ws, formulas_wb[title] if formulas_wb else None))
            finally:
                if formulas_wb is not None:
                    formulas_wb.close()
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise input_error(
            path, "", f"the workbook is damaged ({type(exc).__name__}: {exc})",
            "open it in Excel and save it again as .xlsx",
        ) from exc  # fmt: skip
    finally:
        wb.close()
        handle.close()
    return rows, title, names, merges


def _table(
    path: Path,
    rows: list[list[str | None]],
    title: str,
    sheets: Sequence[str],
    merges: Sequence[str],
    header_row: int | None,
    skip_footer_blank: bool,
    fmt: str,
) -> RawTable:
    width = 0
    for row in rows:
        for j in range(len(row) - 1, -1, -1):
            if row[j] is not None:
                width = max(width, j + 1)
                break
    if header_row is None:
        h = header_index(rows[:HEADER_SEARCH_ROWS])
        if h is None:
            raise input_error(
                path, f"sheet {title!r}", "no header found (the sheet is empty)",
                "pass sheet= the sheet that holds the table, or header_row=",
            )  # fmt: skip
    else:
        if not 1 <= header_row <= len(rows):
            raise input_error(
                path, f"sheet {title!r}, row {header_row}", f"no such row ({len(rows)} rows)",
                "pass header_row= the 1-based row of the column names",
            )  # fmt: skip
        h = header_row - 1
    filled = _fill_merged_header(rows, h, merges)
    header = [*rows[h][:width], *[None] * (width - len(rows[h][:width]))]
    titles = tuple(t for t in (" ".join(c for c in r if c)[:200] for r in rows[:h]) if t)
    names = unique_names(header)
    data = [r[:width] for r in rows[h + 1 :]]
    frame = text_frame(names, data)
    lines = np.arange(h + 2, h + 2 + len(data), dtype=np.int64)
    originals = ["" if c is None else c for c in header]
    frame, lines, blank, footer = drop_blank_rows(frame, lines, skip_footer_blank)
    frame, originals, dropped = drop_empty_unnamed(frame, originals)
    extra: dict[str, Any] = {}
    if filled:
        extra["filled_header_cells"] = filled
    formula_cells = int(sum(frame[c].str.startswith("=", na=False).sum() for c in frame.columns))
    if formula_cells:
        extra["formula_text_cells"] = formula_cells
    meta = RawMeta(
        path=str(path),
        format=fmt,
        header_row=h + 1,
        sheet=title,
        sheets=tuple(sheets),
        n_rows=len(frame),
        title_rows=titles,
        blank_lines=blank,
        footer_blank_rows=footer,
        merged_cells=tuple(merges),
        dropped_empty_columns=dropped,
        extra=extra,
    )
    return RawTable(frame, lines, tuple(originals), meta)
