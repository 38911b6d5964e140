"""The kit's spreadsheet templates: facilitators' log, sign-in sheet and headcount (xlsx).

Each template is one sheet whose first row holds the headings the kit's ``eco_eval.yaml`` reads
(:mod:`eco_eval.kit.config`), with Excel data validation on the coded columns: a list drawn from
a sheet ``Listes`` (tools of the ecosystem, session statuses, categories, genders) so that names
with commas and long lists work, and a decimal range on durations. Written with openpyxl.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from eco_eval.kit.config import ATTENDANCE, HEADCOUNT, SESSIONS

LISTS_SHEET = "Listes"
ROWS = 5000  # rows of each sheet that carry the validation
CATEGORIES = ("A", "B", "C")
GENDERS = ("F", "M")


def _write(
    path: Path,
    spec: tuple[str, str, dict[str, str]],
    lists: Mapping[str, Sequence[str]],
    *,
    decimals: Mapping[str, tuple[float, float]] | None = None,
) -> Path:
    """One template: headings, a list validation per field of ``lists``, decimal ranges."""
    _, sheet, columns = spec
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    listed = wb.create_sheet(LISTS_SHEET)
    headings = list(columns.values())
    ws.append(headings)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    n_lists = 0
    for col, (field, heading) in enumerate(columns.items(), start=1):
        ws.column_dimensions[get_column_letter(col)].width = max(12, len(heading) + 4)
        letter = get_column_letter(col)
        cells = f"{letter}2:{letter}{ROWS + 1}"
        if field in lists:
            values = list(lists[field])
            n_lists += 1
            lcol = get_column_letter(n_lists)
            listed[f"{lcol}1"] = heading
            for row, value in enumerate(values, start=2):
                listed[f"{lcol}{row}"] = value
            dv = DataValidation(
                type="list",
                formula1=f"={LISTS_SHEET}!${lcol}$2:${lcol}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=heading,
                error=f"Choisissez une valeur de la liste ({LISTS_SHEET}, colonne {heading}).",
            )
            dv.add(cells)
            ws.add_data_validation(dv)
        elif decimals and field in decimals:
            low, high = decimals[field]
            dv = DataValidation(
                type="decimal", operator="between", formula1=str(low), formula2=str(high),
                allow_blank=True, showErrorMessage=True, errorTitle=heading,
                error=f"Une durée en heures entre {low} et {high}.",
            )  # fmt: skip
            dv.add(cells)
            ws.add_data_validation(dv)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_templates(
    folder: Path, *, tool_names: Sequence[str], statuses: Sequence[str]
) -> list[Path]:
    """Write the three templates under ``folder`` (at their paths relative to data/raw)."""
    people = {"category": CATEGORIES, "gender": GENDERS}
    return [
        _write(
            folder / SESSIONS[0],
            SESSIONS,
            {"tool": tool_names, "status": statuses},
            decimals={"duration_h": (0.05, 24)},
        ),
        _write(folder / ATTENDANCE[0], ATTENDANCE, people),
        _write(folder / HEADCOUNT[0], HEADCOUNT, people),
    ]


def validation_lists(path: Path) -> dict[str, list[str]]:
    """Heading -> the values its list validation allows, read back from a written template."""
    from_sheet: dict[str, list[str]] = {}
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    listed = wb[LISTS_SHEET]
    headings = {get_column_letter(c.column): str(c.value) for c in ws[1]}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        ref = str(dv.formula1).lstrip("=").split("!", 1)[1].replace("$", "")
        values = [str(c.value) for row in listed[ref] for c in row if c.value is not None]
        for rng in str(dv.sqref).split():
            from_sheet[headings[rng.split(":")[0].rstrip("0123456789")]] = values
    return from_sheet
