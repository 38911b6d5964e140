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


def _varied(path: Path) -> Path:
    """Every kind of cell value, merges, a hidden sheet and a chart sheet, leading empty rows and
    columns, styled empty rows below the table."""
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Cachée"
    hidden.sheet_state = "hidden"
    hidden.append(["x"])
    ws = wb.create_sheet("Données")
    ws["C3"] = "Relevé"
    ws.merge_cells("C3:F3")
    header = ["Entier", "Réel", "Booléen", "Date", "Horodatage", "Heure", "Durée", "Texte"]
    for j, name in enumerate(header):
        ws.cell(row=5, column=2 + j, value=name)
    values = [
        [1, 0.1 + 0.2, True, dt.date(2016, 3, 13), dt.datetime(2016, 3, 13, 9, 5, 7),
         dt.time(14, 30), dt.timedelta(hours=30, minutes=15), "« la balade »"],
        [-7, 1e20, False, dt.date(1999, 12, 31), dt.datetime(2017, 1, 1), dt.time(0, 0, 1),
         dt.timedelta(minutes=90), ""],
        [None, 1.5e-7, None, None, None, None, None, "=pas une formule"],
        [2**40, -0.0, True, dt.date(2020, 2, 29), dt.datetime(2020, 2, 29, 23, 59, 59),
         dt.time(23, 59, 59), dt.timedelta(seconds=1), "ligne\nretour"],
    ]  # fmt: skip
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            cell = ws.cell(row=6 + i, column=2 + j, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, not a formula
    ws.cell(row=8, column=9).number_format = "[h]:mm:ss"
    ws.cell(row=14, column=3).number_format = "0.00"  # a styled empty cell below the table
    ws.merge_cells("B12:C12")
    chart = wb.create_chartsheet("Graphique")
    bar = BarChart()
    bar.add_data(Reference(ws, min_col=2, min_row=5, max_row=9), titles_from_data=True)
    chart.add_chart(bar)
    wb.save(path)
    return path


@pytest.mark.parametrize("sheet", [None, 0, 1, "Données"])
def test_calamine_and_openpyxl_read_the_same_table(tmp_path: Path, sheet: str | int | None) -> None:
    """The fast reader (calamine) and openpyxl give the same text, lines and meta."""
    from eco_eval.readers import excel

    path = _varied(tmp_path / "varié.xlsx")
    fast = excel._read_calamine(path, sheet)
    assert fast is not None
    slow = excel._read_openpyxl(path, sheet)
    assert fast[1:] == slow[1:]
    width = max(len(r) for r in fast[0])

    def pad(rows: list[list[str | None]]) -> list[list[str | None]]:
        return [r + [None] * (width - len(r)) for r in rows if any(v is not None for v in r)]

    assert pad(fast[0]) == pad(slow[0])
    table = read_xlsx(path, sheet=sheet, header_row=5 if sheet in (1, "Données") else None)
    if table.meta.sheet == "Données":
        assert table.frame["Réel"].tolist() == ["0.3", "100000000000000000000", "0.00000015", "0"]
        assert table.frame["Durée"].fillna("").tolist() == ["30:15:00", "1:30:00", "", "0:00:01"]
        assert table.frame["Horodatage"].tolist()[0] == "2016-03-13 09:05:07"


def test_a_formula_anywhere_sends_the_workbook_to_openpyxl(tmp_path: Path) -> None:
    from eco_eval.readers import excel

    path = _journal(tmp_path / "j.xlsx")
    assert excel._has_formula(path)
    assert excel._read_calamine(path, "Notice") is None
    assert not excel._has_formula(_varied(tmp_path / "v.xlsx"))


def test_1904_date_system_reads_the_same_dates(tmp_path: Path) -> None:
    """Workbooks saved by Excel for Mac count dates from 1904: both readers convert them."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from eco_eval.readers import excel

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.append(["Date", "Durée"])
    wb.active.append([dt.datetime(2016, 3, 13), dt.timedelta(hours=30)])
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    fast = excel._read_calamine(path, None)
    assert fast is not None
    assert (
        fast[0]
        == excel._read_openpyxl(path, None)[0]
        == [
            ["Date", "Durée"],
            ["2016-03-13", "30:00:00"],
        ]
    )
