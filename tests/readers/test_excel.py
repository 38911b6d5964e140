"""Excel workbooks: sheet choice, header below titles, merged headings, values as Excel shows them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from eco_eval.errors import InputFileError
from eco_eval.readers.excel import cell_text, number_text, read_xlsx


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3"), (0.1 + 0.2, "0.3"), (1.5, "1.5"), (1.5000000000000002, "1.5"), (-0.0, "0"),
        (1e20, "100000000000000000000"), (1.5e-7, "0.00000015"), (123456789.123, "123456789.123"),
        (float("nan"), None),
    ],
)  # fmt: skip
def test_number_text(value: float, text: str | None) -> None:
    assert number_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None), ("", None), ("x", "x"), (True, "TRUE"), (42, "42"),
        (dt.datetime(2016, 3, 13), "2016-03-13"), (dt.datetime(2016, 3, 13, 9, 5), "2016-03-13 09:05:00"),
        (dt.date(2016, 3, 13), "2016-03-13"), (dt.time(1, 30), "01:30:00"),
        (dt.timedelta(hours=30, minutes=15), "30:15:00"),
    ],
)  # fmt: skip
def test_cell_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text


def _journal(path: Path) -> Path:
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "Notice"
    info.append(["Ce classeur contient le journal des animations"])
    ws = wb.create_sheet("Journal")
    ws.append(["Journal des animations 2016"])
    ws.append([])
    ws.append(["N° séance", "Date", "Outil", None, "Durée (h)"])
    ws.merge_cells("C3:D3")
    ws.append([1, dt.datetime(2016, 3, 13), "la balade", "« la balade »", 1.5])
    ws.append([2, "13/03/2016", "Time out", None, "1,5"])
    ws.append([])
    ws.append([3, dt.datetime(2016, 3, 15, 14, 0), "point silence", None, 0.1 + 0.2])
    ws.append([])
    ws.append([])
    ws["E12"] = '=HYPERLINK("http://x","y")'
    wb.save(path)
    return path


def test_named_sheet_with_title_merged_header_and_blank_rows(tmp_path: Path) -> None:
    raw = read_xlsx(_journal(tmp_path / "journal_animations.xlsx"), sheet="Journal")
    meta = raw.meta
    assert (meta.sheet, meta.sheets, meta.header_row) == ("Journal", ("Notice", "Journal"), 3)
    assert meta.title_rows == ("Journal des animations 2016",)
    assert raw.frame.columns.tolist() == ["N° séance", "Date", "Outil", "Outil (2)", "Durée (h)"]
    assert meta.merged_cells == ("C3:D3",)
    assert meta.extra["filled_header_cells"] == ["C3:D3"]
    assert raw.lines.tolist() == [4, 5, 7, 12]
    assert meta.blank_lines == (6, 8, 9, 10, 11)
    assert raw.frame["Date"].tolist()[:3] == ["2016-03-13", "13/03/2016", "2016-03-15 14:00:00"]
    assert raw.frame["Durée (h)"].tolist() == ["1.5", "1,5", "0.3", '=HYPERLINK("http://x","y")']
    assert meta.extra["formula_text_cells"] == 1


def test_first_sheet_by_default_and_by_index(tmp_path: Path) -> None:
    path = _journal(tmp_path / "j.xlsx")
    assert read_xlsx(path).meta.sheet == "Notice"
    assert read_xlsx(path, sheet=1).meta.sheet == "Journal"


def test_unknown_sheet_suggests_a_name(tmp_path: Path) -> None:
    path = _journal(tmp_path / "j.xlsx")
    with pytest.raises(
        InputFileError, match=r"sheet 'journal': no such sheet \(did you mean \"Journal\"\?\)"
    ):
        read_xlsx(path, sheet="journal")
    with pytest.raises(InputFileError, match="sheet 5: no such sheet"):
        read_xlsx(path, sheet=5)


def test_header_row_argument(tmp_path: Path) -> None:
    path = _journal(tmp_path / "j.xlsx")
    raw = read_xlsx(path, sheet="Journal", header_row=3)
    assert raw.meta.header_row == 3
    with pytest.raises(InputFileError, match="row 99: no such row"):
        read_xlsx(path, sheet="Journal", header_row=99)


def test_cached_formula_value_is_preferred(tmp_path: Path) -> None:
    """A workbook saved by Excel has cached values; simulate one by editing the sheet XML."""
    import zipfile

    src = tmp_path / "src.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.active.append([1, "=A2*2"])
    wb.save(src)
    dst = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>A2*2</f><v></v>", b"<f>A2*2</f><v>2</v>").replace(
                    b"<f>A2*2</f><v />", b"<f>A2*2</f><v>2</v>"
                )
            zout.writestr(item, data)
    raw = read_xlsx(dst)
    assert raw.frame["b"].tolist() == ["2"]


def test_group_heading_row_above_the_header(tmp_path: Path) -> None:
    path = tmp_path / "two_levels.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None, "Satisfaction", None])
    ws.merge_cells("B1:C1")
    ws.append(["Matricule", "Accueil", "Contenu"])
    ws.append(["A1", 4, 5])
    wb.save(path)
    raw = read_xlsx(path)
    assert raw.meta.header_row == 2
    assert raw.frame.columns.tolist() == ["Matricule", "Accueil", "Contenu"]
