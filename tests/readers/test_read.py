"""read_file: dispatch on content, and a corpus of malformed or hostile inputs.

Every input ends in a one-line InputFileError naming the file, or in a RawTable whose row
count is the number of physical data rows — never another exception.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eco_eval.errors import ConfigError, InputFileError
from eco_eval.readers import RawTable, parse_dates, parse_decimal, read_file

MB10 = 10 * 1024 * 1024


def _xlsx(
    path: Path, rows: list[list[object]], merges: tuple[str, ...] = (), title: str = "Journal"
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path

    return make


def _text(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    return _bytes(name, text.encode(encoding))


def _truncated_xlsx(tmp: Path) -> Path:
    full = _xlsx(tmp / "full.xlsx", [["a", "b"], [1, 2]])
    data = full.read_bytes()
    path = tmp / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _random_zip(tmp: Path) -> Path:
    path = tmp / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return path


def _ods(tmp: Path) -> Path:
    path = tmp / "sheet.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return path


def _garbage_line(tmp: Path) -> Path:
    path = tmp / "garbage.csv"
    path.write_bytes(os.urandom(MB10 // 2).hex().encode("ascii"))  # 10 MB, no line break
    return path


def _garbage_after_header(tmp: Path) -> Path:
    path = tmp / "garbage_row.csv"
    path.write_bytes(b"a;b\n1;2\n" + b"x" * MB10 + b"\n3;4\n")
    return path


CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# (id, builder, expected): expected is an int (rows) or a regex for the InputFileError message.
CORPUS: list[tuple[str, Callable[[Path], Path], int | str]] = [
    ("empty", _bytes("empty.csv", b""), "empty file"),
    ("only_newlines", _text("blank.csv", "\n\n\r\n"), "no header found"),
    ("only_bom", _bytes("bom.csv", codecs.BOM_UTF8), "no header found"),
    ("only_delimiters", _text("delims.csv", ";;;\n;;;\n"), "no header found"),
    ("header_only", _text("h.csv", "id;submitdate;lastpage\n"), 0),
    ("header_only_bom_crlf", _bytes("h2.csv", codecs.BOM_UTF8 + b'"id";"x"\r\n\r\n'), 0),
    ("utf8_bom_semicolon", _bytes("b.csv", codecs.BOM_UTF8 + "a;é\r\n1;2\r\n".encode()), 1),
    ("cp1252", _text("cp.csv", "Catégorie;Filière\nA;Technique\nB;Médico-sociale\n", "cp1252"), 2),
    ("latin1_undefined_cp1252_byte", _bytes("l1.csv", b"a;b\n\x81x;\xe9\n"), 1),
    ("utf16_bom_tab", _bytes("u16.txt", "a\tb\r\n1\t2\r\n3\t4\r\n".encode("utf-16")), 2),
    ("utf16_without_bom", _bytes("u16n.txt", "a\tb\r\n1\t2\r\n".encode("utf-16-le")), "binary"),
    ("comma", _text("c.csv", "a,b\n1,2\n"), 1),
    ("tab_txt", _text("t.txt", "a\tb\n1\t2\n"), 1),
    ("pipe", _text("p.csv", "a|b\n1|2\n3|4\n"), 2),
    ("title_rows", _text("title.csv", "Rapport;;\nExporté le 12/03/2016;;\n;;\na;b;c\n1;2;3\n"), 1),
    ("quoted_newlines", _text("q.csv", 'a;b\n"x\ny";1\n"z";"2\n\n3"\n'), 2),
    ("crlf_trailing_blank", _text("crlf.csv", "a;b\r\n1;2\r\n\r\n\r\n"), 1),
    ("mixed_line_ends", _text("mixed.csv", "a;b\r\n1;2\n3;4\r\n"), 2),
    ("extra_fields", _text("extra.csv", "a;b\n1;2;3;4\n5;6\n"), 2),
    ("missing_fields", _text("short.csv", "a;b;c\n1\n2;3\n"), 2),
    ("renamed_columns_spaces", _text("ren.csv", " Matricule ;NOM\n1;x\n"), 1),
    ("duplicate_headings", _text("dup.csv", "Q;Q;Q\n1;2;3\n"), 1),
    ("empty_headings", _text("eh.csv", ";b;\n1;2;3\n"), 1),
    ("duplicate_ids", _text("ids.csv", "id;v\n1;a\n1;a\n1;b\n"), 3),
    ("non_numeric_answers", _text("nn.csv", "id;note\n1;4\n2;beaucoup\n3;4,5\n"), 3),
    ("impossible_dates", _text("dates.csv", "date\n31/02/2016\n13/03/2016\n"), 2),
    ("formula_payloads", _text("f.csv", 'a;b\n=HYPERLINK("http://x","y");+cmd\n@SUM(1);-1+1\n'), 2),
    ("stray_quote", _text("sq.csv", 'a;b\n5" screen;2\n7;8\n'), 2),
    ("unclosed_quote", _text("uq.csv", 'a;b\n1;"open\n2;3\n'), "never closed"),
    ("garbage_10mb_line", _garbage_line, "no line break"),
    ("garbage_10mb_row", _garbage_after_header, 3),
    ("random_binary", _bytes("bin.csv", bytes(range(256)) * 64), "binary"),
    ("nul_after_head", _bytes("nul.csv", b"a;b\n" + b"1;2\n" * 20000 + b"3;\x004\n"), 20001),
    ("huge_heading", _text("hh.csv", "x" * 20000 + ";b\n1;2\n"), "heading of more than"),
    (
        "wide_header",
        _text(
            "wide.csv", ";".join(f"c{i}" for i in range(1000)) + "\n" + ";".join("1" * 1000) + "\n"
        ),
        1,
    ),
    (
        "html_as_xls",
        _text("export.xls", "<html><body><table><tr><td>a</td></tr></table></body></html>"),
        "HTML",
    ),
    ("xml_spreadsheet", _text("x.xml", '<?xml version="1.0"?><Workbook/>'), "XML document"),
    ("pdf", _bytes("r.pdf", b"%PDF-1.4\n%\xe2\xe3\n"), "PDF"),
    (
        "password_xlsx",
        _bytes("secret.xlsx", CFB + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le")),
        "password-protected",
    ),
    ("legacy_xls", _bytes("old.xls", CFB + b"\x00" * 600), r"legacy Excel 97-2003"),
    ("truncated_xlsx", _truncated_xlsx, "damaged or truncated"),
    ("zip_not_xlsx", _random_zip, "zip archive that is not an Excel workbook"),
    ("ods", _ods, r"OpenDocument"),
    ("truncated_sav", _bytes("t.sav", b"$FL2@(#) IBM SPSS" + b"\x00" * 40), "not a readable SPSS"),
    (
        "lss_structure",
        _text(
            "s.lss",
            '<?xml version="1.0"?>\n<document><LimeSurveyDocType>Survey</LimeSurveyDocType></document>',
        ),
        "read_limesurvey_structure",
    ),
    (
        "tsv_structure",
        _text("s.txt", "id\trelated_id\tclass\ttype/scale\tname\n\t\tS\t\tsid\n"),
        "read_limesurvey_structure",
    ),
    (
        "xlsx_title_merged_header",
        lambda t: _xlsx(
            t / "m.xlsx",
            [["Journal"], [], ["N°", "Satisfaction", None], [1, 4, 5], [2, 3, None]],
            merges=("B3:C3",),
        ),
        2,
    ),
    ("xlsx_empty_sheet", lambda t: _xlsx(t / "e.xlsx", []), "no header found"),
    ("xlsx_header_only", lambda t: _xlsx(t / "ho.xlsx", [["a", "b"]]), 0),
    (
        "xlsx_formula_payload",
        lambda t: _xlsx(t / "fp.xlsx", [["a"], ['=HYPERLINK("http://x","y")']]),
        1,
    ),
    ("xlsx_named_csv", lambda t: _xlsx(t / "actually.csv", [["a", "b"], [1, 2]]), 1),
    (
        "xlsx_blank_rows_inside",
        lambda t: _xlsx(t / "br.xlsx", [["a"], [1], [None], [2], [None], [None]]),
        2,
    ),
]


@pytest.mark.parametrize(
    ("builder", "expected"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS]
)
def test_corpus_ends_in_one_line_error_or_complete_table(
    tmp_path: Path, builder: Callable[[Path], Path], expected: int | str
) -> None:
    path = builder(tmp_path)
    if isinstance(expected, str):
        with pytest.raises(InputFileError, match=expected) as info:
            read_file(path)
        message = str(info.value)
        assert "\n" not in message
        assert message.startswith(str(path))
        assert "; " in message  # problem; fix
    else:
        raw = read_file(path)
        assert isinstance(raw, RawTable)
        assert len(raw.frame) == expected == len(raw.lines) == raw.meta.n_rows


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


def test_missing_file_and_directory(tmp_path: Path) -> None:
    (tmp_path / "effectifs.csv").write_text("a\n1\n")
    with pytest.raises(InputFileError, match=r'no such file \(did you mean "effectifs.csv"\?\)'):
        read_file(tmp_path / "efectifs.csv")
    with pytest.raises(InputFileError, match="not a regular file"):
        read_file(tmp_path)


def test_a_pipe_is_refused_not_read(tmp_path: Path) -> None:
    """``inspect`` on a FIFO would block on its first read: refused in one line."""
    import os
    import subprocess
    import sys

    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "eco_eval.cli", "inspect", str(fifo)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip() == (
        f"eco-eval: error: {fifo}: not a regular file (a folder, pipe or device, which reading "
        "could block on); point to the export file itself"
    )


def test_bad_arguments_are_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a;b\n1;2\n")
    with pytest.raises(ConfigError, match='did you mean "limesurvey"'):
        read_file(path, format="limesurvy")
    with pytest.raises(ConfigError, match="delimiter"):
        read_file(path, delimiter=";;")
    with pytest.raises(ConfigError, match="unknown encoding"):
        read_file(path, encoding="klingon")
    with pytest.raises(InputFileError, match="format='xlsx' but the content is text"):
        read_file(path, format="xlsx")


def test_forced_encoding_that_does_not_decode(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("a;b\n1;é\n".encode("cp1252"))
    with pytest.raises(InputFileError, match=r"byte 6: does not decode as utf-8"):
        read_file(path, encoding="utf-8")
    assert read_file(path, encoding="cp1252").frame["b"].tolist() == ["é"]


def test_encodings_are_detected_and_decoded(tmp_path: Path) -> None:
    text = "Date d'arrêté;Catégorie;Filière\n30/09/2015;A;Médico-sociale ’\n"
    for encoding, name, bom in [
        ("utf-8", "utf-8", False),
        ("utf-8-sig", "utf-8-sig", True),
        ("cp1252", "cp1252", False),
        ("utf-16", "utf-16", True),
    ]:
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        raw = read_file(path)
        assert raw.original_columns == ("Date d'arrêté", "Catégorie", "Filière"), encoding
        assert raw.frame["Filière"].tolist() == ["Médico-sociale ’"]
        assert (raw.meta.encoding, raw.meta.bom) == (name, bom)


def test_values_stay_inert_text_and_parsers_flag_them(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        'a;d;n\n=HYPERLINK("http://x","y");31/02/2016;beaucoup\n@SUM(A1);13/03/2016;4,5\n'
    )
    raw = read_file(path)
    assert raw.frame["a"].tolist() == ['=HYPERLINK("http://x","y")', "@SUM(A1)"]
    assert parse_dates(raw.frame["d"]).invalid.tolist() == [True, False]
    assert parse_decimal(raw.frame["n"]).invalid.tolist() == [True, False]


def test_excel_dispatch_and_values(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "journal.xlsx",
        [["Journal des animations"], [], ["N° séance", "Date", "Durée (h)"],
         [1, dt.datetime(2016, 3, 13), 1.5], [2, "13/03/2016", "1,5"], [3, dt.datetime(2016, 3, 14, 9, 30), 0.1 + 0.2]],
    )  # fmt: skip
    raw = read_file(path)
    assert raw.meta.format == "xlsx" and raw.meta.sheet == "Journal" and raw.meta.header_row == 3
    assert raw.lines.tolist() == [4, 5, 6]
    assert raw.frame["Date"].tolist() == ["2016-03-13", "13/03/2016", "2016-03-14 09:30:00"]
    assert raw.frame["Durée (h)"].tolist() == ["1.5", "1,5", "0.3"]
    assert raw.frame["N° séance"].tolist() == ["1", "2", "3"]


def test_kobo_and_msforms_are_recognised(tmp_path: Path) -> None:
    kobo = tmp_path / "kobo.csv"
    kobo.write_text("start;end;identification/direction;avis/note;_id;_uuid;_submission_time\n"
                    "2016-03-01;2016-03-01;DRH;4;1;abc;2016-03-01T10:00:00\n")  # fmt: skip
    assert read_file(kobo).meta.format == "kobo"
    forms = _xlsx(
        tmp_path / "forms.xlsx",
        [["ID", "Start time", "Completion time", "Email", "Name", "Votre avis ?"],
         [1, dt.datetime(2016, 3, 1, 10), dt.datetime(2016, 3, 1, 10, 5), "anonymous", None, "Bien"]],
        title="Sheet1",
    )  # fmt: skip
    raw = read_file(forms)
    assert raw.meta.format == "msforms"
    assert raw.frame["Start time"].tolist() == ["2016-03-01 10:00:00"]


def test_read_file_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a;b\n1;2\n")
    before = sorted(p.name for p in tmp_path.iterdir()), path.stat().st_mtime_ns
    read_file(path)
    inspect = sorted(p.name for p in tmp_path.iterdir()), path.stat().st_mtime_ns
    assert before == inspect


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(min_size=0, max_size=400))
def test_fuzz_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        raw = read_file(path)
    except InputFileError as exc:
        assert "\n" not in str(exc)
        return
    assert len(raw.frame) == len(raw.lines) == raw.meta.n_rows
    assert all(isinstance(v, str) for col in raw.frame.columns for v in raw.frame[col].dropna())


_shape_cell = st.text(alphabet=st.sampled_from(list('ab;,\t|"\r\n é=')), max_size=5)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_shape_cell, min_size=0, max_size=5), min_size=0, max_size=8),
    sep=st.sampled_from([";", ",", "\t", "|"]),
    eol=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_fuzz_random_csv_shapes(
    tmp_path: Path, rows: list[list[str]], sep: str, eol: str, encoding: str
) -> None:
    """Unquoted, ragged, oddly separated text: never anything but a table or InputFileError."""
    path = tmp_path / "shape.csv"
    path.write_bytes(eol.join(sep.join(r) for r in rows).encode(encoding, errors="replace"))
    try:
        raw = read_file(path)
    except InputFileError:
        return
    assert len(raw.frame) == len(raw.lines)
    assert pd.Index(raw.frame.columns).is_unique
    assert all(name.strip() for name in raw.frame.columns)
    assert list(raw.lines) == sorted(raw.lines)
