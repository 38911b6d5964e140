"""CSV reading: delimiter sniffing, header detection, quoting, physical line numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eco_eval.errors import InputFileError
from eco_eval.readers import delimited
from eco_eval.readers.delimited import read_delimited, sniff_delimiter
from eco_eval.readers.encoding import detect_encoding


def read(path: Path, **kwargs):
    return read_delimited(path, detect_encoding(path.read_bytes()), **kwargs)


def write(tmp_path: Path, text: str, name: str = "f.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('"a","b"\n"1,5","x;y"\n', ","),
        ("Titre du rapport\nDate;Durée (h)\n13/03/2016;1,5\n14/03/2016;2\n", ";"),
    ],
)
def test_sniff_delimiter(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected


def test_title_rows_blank_lines_and_quoted_newlines_keep_physical_lines(tmp_path: Path) -> None:
    text = (
        "Journal des présences\r\nExport du 12/03/2016\r\n\r\n"
        'N°;Nom;Durée\r\n1;"Dupont\r\nJean";1,5\r\n\r\n2;Martin;2\r\n;;\r\n\r\n'
    )
    raw = read(write(tmp_path, text))
    assert raw.meta.header_row == 4
    assert raw.meta.title_rows == ("Journal des présences", "Export du 12/03/2016")
    assert raw.lines.tolist() == [5, 8]  # the quoted value spans lines 5-6, line 7 is blank
    assert raw.meta.blank_lines == (7,)
    assert raw.meta.footer_blank_rows == 2
    assert raw.meta.quoted_newlines
    assert raw.frame["Nom"].tolist() == ["Dupont\r\nJean", "Martin"]
    assert raw.frame["Durée"].tolist() == ["1,5", "2"]


def test_keep_footer_blank_rows_when_asked(tmp_path: Path) -> None:
    raw = read(write(tmp_path, "a;b\n1;2\n;\n"), skip_footer_blank=False)
    assert raw.lines.tolist() == [2, 3]
    assert raw.frame["a"].isna().tolist() == [False, True]


def test_empty_and_doubled_quote_are_missing_and_escapes_kept(tmp_path: Path) -> None:
    raw = read(write(tmp_path, 'a;b;c\n"";;"He said ""oui"""\n'))
    row = raw.frame.iloc[0]
    assert pd.isna(row["a"]) and pd.isna(row["b"])
    assert row["c"] == 'He said "oui"'


def test_every_cell_is_text_with_leading_zeros_kept(tmp_path: Path) -> None:
    raw = read(write(tmp_path, "matricule;n\n000123;1.50\nTRUE;NA\n"))
    assert raw.frame["matricule"].tolist() == ["000123", "TRUE"]
    assert raw.frame["n"].tolist() == ["1.50", "NA"]
    assert all(str(dtype) == "str" for dtype in raw.frame.dtypes)


def test_rows_with_extra_fields_get_unnamed_columns(tmp_path: Path) -> None:
    raw = read(write(tmp_path, "a;b\n1;2;3\n4;5\n6;7;8;9\n"))
    assert raw.frame.columns.tolist() == ["a", "b", "Unnamed: 2", "Unnamed: 3"]
    assert raw.meta.ragged_lines == (2, 4)
    assert raw.lines.tolist() == [2, 3, 4]


def test_trailing_delimiter_column_without_heading_is_dropped_and_reported(tmp_path: Path) -> None:
    raw = read(write(tmp_path, "a;b;\n1;2;\n"))
    assert raw.frame.columns.tolist() == ["a", "b"]
    assert raw.meta.dropped_empty_columns == ("Unnamed: 2",)


def test_stray_quote_inside_unquoted_field_falls_back_to_exact_lines(tmp_path: Path) -> None:
    raw = read(write(tmp_path, 'a;b\n5" écran;2\n"x";"y\nz"\n7;8\n'))
    assert raw.frame["a"].tolist() == ['5" écran', "x", "7"]
    assert raw.lines.tolist() == [2, 3, 5]


def test_unclosed_quote_is_one_line_error_with_the_line(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"line 3: a quoted value opened here is never closed"):
        read(write(tmp_path, 'a;b\n1;2\n3;"open\n4;5\n'))


def test_header_row_argument(tmp_path: Path) -> None:
    raw = read(write(tmp_path, "x;y;z\nreal;header\n1;2\n"), header_row=2)
    assert raw.frame.columns.tolist() == ["real", "header"]
    assert raw.frame["real"].tolist() == ["1"]
    with pytest.raises(InputFileError, match="line 9: no record starts on this line"):
        read(write(tmp_path, "a;b\n1;2\n", "g.csv"), header_row=9)


def test_header_only_file_is_a_table_of_zero_rows(tmp_path: Path) -> None:
    raw = read(write(tmp_path, "id;submitdate;lastpage\r\n"))
    assert raw.frame.columns.tolist() == ["id", "submitdate", "lastpage"]
    assert len(raw.frame) == 0 and len(raw.lines) == 0


def test_cr_only_line_ends(tmp_path: Path) -> None:
    raw = read(write(tmp_path, "a;b\r1;2\r3;4\r"))
    assert raw.frame["a"].tolist() == ["1", "3"]
    assert raw.lines.tolist() == [2, 3]


def test_large_file_reads_without_the_row_by_row_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 200_000
    body = "".join(
        f'{i};"agent {i}";DIR{i % 7};{"A" if i % 3 else "B"}\n'
        if i % 1000
        else f'{i};"multi\nline";DIR;C\n'
        for i in range(n)
    )
    path = write(tmp_path, "seance;nom;direction;cat\n" + body)

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a regular UTF-8 file must be parsed by pyarrow")

    # a regular file is parsed by pyarrow, whole; pandas and the csv module are for irregular ones
    monkeypatch.setattr(delimited, "_read_pandas", refused)
    monkeypatch.setattr(delimited, "_read_python", refused)
    raw = read(path)
    assert len(raw.frame) == n
    # every 1000th record takes two lines
    expected = 2 + np.arange(n) + (np.arange(n) + 999) // 1000
    assert np.array_equal(raw.lines, expected)
    assert raw.meta.quoted_newlines


def _lines_by_csv_module(text: str) -> list[int]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    starts = []
    while True:
        start = reader.line_num + 1
        try:
            next(reader)
        except StopIteration:
            return starts
        starts.append(start)


_cell = st.text(
    # no lone CR inside values: lines are counted on LF (as `wc -l` does), the csv module
    # counts a lone CR too; CRLF is covered by `crlf`
    alphabet=st.sampled_from(list("ab é;,\"\n1'=")),
    min_size=0,
    max_size=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=8),
    crlf=st.booleans(),
)
def test_fuzz_written_csv_reads_back_with_csv_module_lines(
    tmp_path: Path, rows: list[list[str]], crlf: bool
) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["c1", "c2", "c3"])
    writer.writerows(rows)
    text = buffer.getvalue()
    path = write(tmp_path, text, "fuzz.csv")
    raw = read(path, delimiter=";", header_row=1)
    starts = _lines_by_csv_module(text)[1:]
    expected = [
        (line, row) for line, row in zip(starts, rows, strict=True) if any(c != "" for c in row)
    ]
    # wholly empty rows are reported, never returned
    assert raw.lines.tolist()[: len(expected)] == [line for line, _ in expected]
    assert len(raw.frame) == len(expected)
    for (_, row), got in zip(expected, raw.frame.itertuples(index=False), strict=True):
        assert [None if c == "" else c for c in row] == [None if pd.isna(v) else v for v in got]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=8),
    crlf=st.booleans(),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    tail=st.sampled_from(["", "\n", "\n\n", "\r\n\r\n", ";;\n\n", "\n;;"]),
    skip_footer_blank=st.booleans(),
)
def test_fuzz_pyarrow_and_pandas_parsers_agree(
    tmp_path: Path,
    rows: list[list[str]],
    crlf: bool,
    quoting: int,
    tail: str,
    skip_footer_blank: bool,
) -> None:
    """The fast path (pyarrow's CSV reader) and pandas' C parser read the same table."""
    import eco_eval.readers.delimited as delimited

    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=";", lineterminator="\r\n" if crlf else "\n", quoting=quoting
    )
    writer.writerow(["c1", "c2", "c3"])
    writer.writerows(rows)
    path = write(tmp_path, buffer.getvalue() + tail, "fuzz.csv")
    options = {"delimiter": ";", "header_row": 1, "skip_footer_blank": skip_footer_blank}
    fast = read(path, **options)
    original = delimited._read_arrow
    try:
        delimited._read_arrow = lambda *args: None
        slow = read(path, **options)
    finally:
        delimited._read_arrow = original
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.lines.tolist() == slow.lines.tolist()
    assert fast.meta == slow.meta


@pytest.mark.parametrize("tail", ["\r\n", "\r\n\r\n", "\n\n\n", ""])
def test_empty_lines_at_the_end_do_not_send_the_file_to_pandas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: str
) -> None:
    """A LimeSurvey export ends with an empty line: pyarrow still reads it (the empty records
    are counted as footer), and gives pandas' table."""
    import eco_eval.readers.delimited as delimited

    used = []
    original = delimited._read_arrow
    monkeypatch.setattr(delimited, "_read_arrow", lambda *a: used.append(r := original(*a)) or r)
    path = write(tmp_path, '"id";"note"\r\n"1";"a ""b"""\r\n"2";"x\r\ny"' + tail, "t.csv")
    raw = read(path)
    assert used and used[0] is not None
    assert raw.frame["note"].tolist() == ['a "b"', "x\r\ny"]
    assert raw.lines.tolist() == [2, 3]
    assert raw.meta.footer_blank_rows == (tail.count("\n") - 1 if tail else 0)


def test_line_parity_carries_across_scan_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eco_eval.readers.delimited as delimited

    monkeypatch.setattr(delimited, "_SCAN_CHUNK", 5)
    text = '"id";"comm"\r\n"1";"a\r\nb\r\nc"\r\n"2";"x ""y"""\r\n"3";"\r\n"\r\n'
    raw = read(write(tmp_path, text))
    assert raw.lines.tolist() == [2, 5, 6]
    assert raw.frame["comm"].tolist() == ["a\r\nb\r\nc", 'x "y"', "\r\n"]


@pytest.mark.parametrize("seed", range(3))
def test_record_ends_match_a_byte_by_byte_scan(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quote parity before each newline (counted per line, carried across scan chunks of
    any size) against a plain loop over the bytes: which newlines end a record."""
    import numpy as np

    import eco_eval.readers.delimited as delimited

    rng = np.random.default_rng(seed)
    pools = [list(b'ab";\n"'), list(b"a\n" + b'"' * 600)]  # the second: > 255 quotes a line
    for trial in range(100):
        pool = pools[trial % 2]
        data = bytes(rng.choice(pool, size=int(rng.integers(1, 3_000))))
        monkeypatch.setattr(delimited, "_SCAN_CHUNK", int(rng.integers(1, 64)))
        records = delimited._Records(data)
        ends, quotes = [], 0
        for i, byte in enumerate(data):
            quotes += byte == ord('"')
            if byte == ord("\n") and quotes % 2 == 0:
                ends.append(i)
        assert records.ends.tolist() == ends
        assert records.odd_quotes == bool(quotes % 2)
