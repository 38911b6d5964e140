"""CSV, TSV and TXT tables: delimiter, header row, quoted values, physical line numbers.

The data is parsed with every cell read as text (only the empty field is missing): by pyarrow's
CSV reader for a regular UTF-8 file (in parallel, straight into Arrow strings), otherwise by
pandas' C parser, never row by row in Python. The physical line of each
row is computed apart, with numpy over the file's bytes: a newline ends a record unless an odd
number of ``"`` precede it (RFC 4180 quoting; the ``""`` escape keeps the parity). When that count
and pandas' row count disagree (a stray quote inside an unquoted field), or a row has more fields
than the header, the file is read again with the standard ``csv`` module, which is slower but
gives each record's line itself.
"""

from __future__ import annotations

import csv
import io
import logging
import mmap
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv

from eco_eval.readers.encoding import Encoding
from eco_eval.readers.table import (
    TEXT_DTYPE,
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

DELIMITERS = (";", ",", "\t", "|")
SAMPLE_BYTES = 1 << 20  # 1 MiB: the header (even 646 full-text headings) and ~100 rows
SAMPLE_ROWS = 100
_SCAN_CHUNK = 1 << 24  # 16 MiB per numpy pass, to bound temporary memory
_NL, _CR, _QUOTE = 10, 13, 34

Opener = Callable[[], BinaryIO]


def _records(text: str, delimiter: str, limit: int) -> tuple[list[list[str]], list[int]]:
    """First ``limit`` records of ``text`` and the 1-based line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[list[str]] = []
    starts: list[int] = []
    try:
        while len(rows) < limit:
            start = reader.line_num + 1
            rows.append(next(reader))
            starts.append(start)
    except (StopIteration, csv.Error):
        pass
    return rows, starts


def sniff_delimiter(text: str) -> str:
    """The delimiter among ``;`` ``,`` tab ``|`` that splits the sample most consistently.

    For each candidate, the sample is parsed with quoting and the most frequent field count
    among non-blank records is taken; the winner has a count above one shared by the largest
    share of records (then the larger count, then the order above: ``;`` first, as in France).

    >>> sniff_delimiter('Date;Durée (h)\\n13/03/2016;1,5\\n')
    ';'
    """
    best: tuple[bool, float, int, int] | None = None
    chosen = DELIMITERS[0]
    for order, delimiter in enumerate(DELIMITERS):
        rows, _ = _records(text, delimiter, SAMPLE_ROWS)
        counts = [len(r) for r in rows if len(r) > 1 or (r and r[0].strip())]
        if not counts:
            continue
        width, freq = Counter(counts).most_common(1)[0]
        score = (width > 1, round(freq / len(counts), 2), width, -order)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


class _Records:
    """Record boundaries of a whole file from its bytes (see the module docstring).

    The file is scanned in chunks so that temporary arrays stay small: per chunk, the quotes of
    each line are counted (``reduceat``), their parities accumulated, and the parity carried from
    one chunk to the next.
    """

    def __init__(self, data: bytes | mmap.mmap) -> None:
        buf = np.frombuffer(data, dtype=np.uint8)
        size = len(buf)
        eol = _NL if data.find(b"\n") != -1 else _CR
        has_quotes = data.find(b'"') != -1
        newline_parts, inside_parts = [], []
        parity = 0  # of the quotes so far
        for start in range(0, size, _SCAN_CHUNK):
            chunk = buf[start : start + _SCAN_CHUNK]
            newlines = np.flatnonzero(chunk == eol)
            if has_quotes:
                # the quotes of each line counted (mod 256: the parity is kept), not located:
                # an export may quote every value; the parity before each newline is then the
                # running xor of the lines' parities
                bounds = np.concatenate(([0], newlines + 1))
                if bounds[-1] >= len(chunk):
                    bounds = bounds[:-1]
                quotes = (chunk == _QUOTE).view(np.uint8)
                per_line = np.add.reduceat(quotes, bounds, dtype=np.uint8) & 1
                running = np.bitwise_xor.accumulate(per_line) ^ parity
                inside_parts.append(running[: len(newlines)].astype(bool))
                parity = int(running[-1])
            else:
                inside_parts.append(np.zeros(len(newlines), dtype=bool))
            newline_parts.append(newlines + start)
        del buf
        newlines = np.concatenate(newline_parts) if newline_parts else np.empty(0, np.int64)
        inside = np.concatenate(inside_parts) if inside_parts else np.empty(0, bool)
        self.odd_quotes = bool(parity)
        self.quoted_newlines = bool(inside.any())
        term_index = np.flatnonzero(~inside)  # indices into `newlines`
        self.ends = newlines[term_index]  # byte offset of each record's terminator
        ends_at_eof = len(self.ends) > 0 and int(self.ends[-1]) == size - 1
        self.n_records = len(self.ends) + (0 if ends_at_eof else 1)
        # record k starts on line 1 (k == 0) or on the line after terminator k-1
        self.start_lines = np.concatenate(([1], term_index + 2))[: self.n_records]

    def index_of_line(self, line: int) -> int | None:
        k = int(np.searchsorted(self.start_lines, line))
        if k < len(self.start_lines) and int(self.start_lines[k]) == line:
            return k
        return None


@contextmanager
def mapped(path: Path) -> Iterator[mmap.mmap]:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        yield mm


def read_delimited(
    path: Path,
    encoding: Encoding,
    *,
    data: bytes | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
    skip_footer_blank: bool = True,
    fmt: str = "csv",
) -> RawTable:
    """Read a delimited text file whose encoding is known (``data``: transcoded UTF-8 bytes).

    ``header_row`` is the 1-based physical line of the header; None detects it (title lines
    above it are skipped and kept in ``meta.title_rows``).
    """
    if data is not None:
        opener: Opener = lambda: io.BytesIO(data)  # noqa: E731
        return _read(
            path, data, opener, encoding, "utf-8", delimiter, header_row, skip_footer_blank, fmt
        )
    codec = "utf-8" if encoding.name == "utf-8-sig" else encoding.name
    with mapped(path) as mm:
        return _read(
            path, mm, lambda: path.open("rb"), encoding, codec, delimiter, header_row,
            skip_footer_blank, fmt,
        )  # fmt: skip


def _read(
    path: Path,
    data: bytes | mmap.mmap,
    opener: Opener,
    encoding: Encoding,
    codec: str,
    delimiter: str | None,
    header_row: int | None,
    skip_footer_blank: bool,
    fmt: str,
) -> RawTable:
    sample = bytes(data[:SAMPLE_BYTES])
    if len(data) > SAMPLE_BYTES:  # cut the sample after its last line break
        cut = max(sample.rfind(b"\n"), sample.rfind(b"\r"))
        if cut <= 0:
            raise input_error(
                path, "line 1", f"no line break in the first {SAMPLE_BYTES} bytes (expected a table)",
                "check that this is a CSV export",
            )  # fmt: skip
        sample = sample[: cut + 1]
    head = sample.decode(codec, errors="replace").lstrip("\ufeff")
    if delimiter is None:
        delimiter = sniff_delimiter(head)
    rows, starts = _records(head, delimiter, SAMPLE_ROWS + 1)
    if header_row is None:
        h = header_index(rows)
        if h is None:
            raise input_error(
                path, "line 1", "no header found (expected column names)",
                "check the export settings or pass header_row=",
            )  # fmt: skip
        header_line = starts[h]
    else:
        if header_row not in starts:
            raise input_error(
                path, f"line {header_row}", "no record starts on this line",
                f"pass header_row= one of {starts[:10]}",
            )  # fmt: skip
        h, header_line = starts.index(header_row), header_row
    header = rows[h]
    for cell in header:
        if len(cell) > 10_000:
            raise input_error(
                path, f"line {header_line}", "no header found (a heading of more than 10000 characters)",
                "check the delimiter and quoting, or pass header_row=",
            )  # fmt: skip
    titles = tuple(" ".join(c.strip() for c in r if c.strip())[:200] for r in rows[:h])
    titles = tuple(t for t in titles if t)
    width = max([len(header), *(len(r) for r in rows[h + 1 :])])
    names = unique_names(list(header) + [""] * (width - len(header)))
    records = _Records(data)
    k = records.index_of_line(header_line)
    table = None
    cut = 0  # empty records at the end, left out of what pyarrow read
    if k is not None:
        start = int(records.ends[k]) + 1 if k + 1 < records.n_records else None
        lines = records.start_lines[k + 1 :].astype(np.int64)
        if codec == "utf-8" and start is not None and not records.odd_quotes:
            # exports often end with empty lines (LimeSurvey: "\r\n\r\n"), which pyarrow
            # refuses: it reads up to the last non-empty record, the rest counts as footer
            stop, empty_tail = _content_end(data, records, k)
            if empty_tail < len(lines) and (empty_tail == 0 or skip_footer_blank):
                table = _read_arrow(
                    path, data, start, stop, delimiter, names, lines[: len(lines) - empty_tail],
                    records.quoted_newlines,
                )  # fmt: skip
                if table is not None:
                    lines, cut = lines[: len(lines) - empty_tail], empty_tail
        if table is None:
            table = _read_pandas(path, opener, start, codec, delimiter, names, lines)
        if records.odd_quotes:
            # pandas has ruled out an unclosed quote; a stray quote makes the line parity
            # unreliable, so the csv module gives the lines.
            table = None
    if table is None:
        log.debug("%s: reading with the csv module (irregular quoting or ragged rows)", path)
        frame, lines = _read_python(path, data, codec, delimiter, header_line, names)
    else:
        frame = table
    extra = frame.iloc[:, len(header) :]
    ragged = (
        tuple(int(x) for x in lines[extra.notna().to_numpy().any(axis=1)]) if extra.shape[1] else ()
    )
    originals = list(header) + [""] * (frame.shape[1] - len(header))
    frame, lines, blank, footer = drop_blank_rows(frame, lines, skip_footer_blank)
    footer += cut
    frame, originals, dropped = drop_empty_unnamed(frame, originals)
    meta = RawMeta(
        path=str(path),
        format=fmt,
        encoding=encoding.name,
        delimiter=delimiter,
        header_row=header_line,
        n_rows=len(frame),
        bom=encoding.bom,
        quoted_newlines=records.quoted_newlines,
        title_rows=titles,
        blank_lines=blank,
        footer_blank_rows=footer,
        ragged_lines=ragged,
        dropped_empty_columns=dropped,
    )
    return RawTable(frame, lines, tuple(originals), meta)


def _content_end(data: bytes | mmap.mmap, records: _Records, header: int) -> tuple[int, int]:
    """The byte offset just after the last non-empty data record, and how many empty records
    (nothing but line breaks) follow it to the end of the file."""
    end = len(data)
    while end > 0 and data[end - 1] in (10, 13):  # b"\n", b"\r"
        end -= 1
    starts = records.ends[header : records.n_records - 1] + 1  # each data record's first byte
    return end, int(np.count_nonzero(starts >= end))


def _read_arrow(
    path: Path,
    data: bytes | mmap.mmap,
    start: int,
    stop: int,
    delimiter: str,
    names: list[str],
    lines: np.ndarray,
    quoted_newlines: bool,
) -> pd.DataFrame | None:
    """Parse the data records (bytes ``start`` to ``stop``) of a UTF-8 file with pyarrow's CSV
    reader; None when pandas must.

    pyarrow parses in parallel straight into Arrow strings (pandas' C parser builds Python
    strings, then converts them). Anything irregular (a
    row of the wrong width, a blank line, bytes that are not UTF-8) makes pyarrow refuse the
    file, and pandas then reads it with the rules that explain each problem.
    """
    mapped_file = None
    try:
        if isinstance(data, bytes):  # transcoded to UTF-8 in memory
            body = pa.py_buffer(data).slice(start, stop - start)
        else:  # the file itself, mapped by Arrow: no copy of its bytes
            mapped_file = pa.memory_map(str(path))
            mapped_file.seek(start)
            body = mapped_file.read_buffer(stop - start)
        table = pa_csv.read_csv(
            pa.BufferReader(body),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=quoted_newlines,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    finally:
        if mapped_file is not None:
            mapped_file.close()
    if table.num_rows != len(lines):
        return None
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return table.to_pandas(types_mapper={pa.large_string(): dtype}.get).astype(TEXT_DTYPE)


def _read_pandas(
    path: Path,
    opener: Opener,
    start: int | None,
    codec: str,
    delimiter: str,
    names: list[str],
    lines: np.ndarray,
) -> pd.DataFrame | None:
    """Parse the data records with pandas; None when the csv-module path must take over."""
    if start is None:
        return pd.DataFrame({n: pd.Series([], dtype=TEXT_DTYPE) for n in names}, columns=names)
    names = list(names)
    for _attempt in range(4):
        handle = opener()
        try:
            handle.seek(start)
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    handle,
                    sep=delimiter,
                    header=None,
                    names=names,
                    index_col=False,
                    dtype=str,
                    keep_default_na=False,
                    na_values=[""],
                    skip_blank_lines=False,
                    quotechar='"',
                    doublequote=True,
                    engine="c",
                    encoding=codec,
                    encoding_errors="strict",
                )
        except pd.errors.ParserError as exc:
            text = str(exc)
            if "EOF inside string" in text:
                row = _first_int(text.split("starting at row", 1)[-1])
                line = int(lines[row]) if row is not None and row < len(lines) else "?"
                raise input_error(
                    path, f"line {line}", "a quoted value opened here is never closed",
                    'check the quotes (a value\'s " must be doubled as "")',
                ) from exc  # fmt: skip
            seen = _first_int(text.split("saw", 1)[-1]) if "saw" in text else None
            if seen is None or seen <= len(names):
                return None
            names += unique_names([*names, *[""] * (seen - len(names))])[len(names) :]
            continue
        except (pd.errors.ParserWarning, UnicodeDecodeError, ValueError):
            return None
        finally:
            handle.close()
        if len(frame) != len(lines):
            return None
        return frame.astype(TEXT_DTYPE)
    return None


def _first_int(text: str) -> int | None:
    digits = ""
    for ch in text.strip():
        if ch.isdigit():
            digits += ch
        elif digits:
            break
    return int(digits) if digits else None


def _read_python(
    path: Path,
    data: bytes | mmap.mmap,
    codec: str,
    delimiter: str,
    header_line: int,
    names: list[str],
) -> tuple[pd.DataFrame, np.ndarray]:
    """Slow but exact path: the csv module gives each record and the line it starts on."""
    text = data[:].decode(codec, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if start > header_line:
                rows.append(row)
                lines.append(start)
    except csv.Error as exc:
        raise input_error(
            path, f"line {reader.line_num}", f"unreadable record ({exc})",
            "check the quoting of this line",
        ) from exc  # fmt: skip
    width = max([len(names), *(len(r) for r in rows)])
    names = unique_names([*names, *[""] * (width - len(names))])
    return text_frame(names, rows), np.asarray(lines, dtype=np.int64)
