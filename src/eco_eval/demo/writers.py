"""Write the HR headcount, the session log and the attendance sheets, byte-for-byte reproducibly."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from eco_eval.demo import _spec

HEADCOUNT_HEADER = ("Date d'arrêté", "Direction", "Catégorie", "Sexe", "Filière", "Effectif")
SESSION_HEADER = (
    "N° séance",
    "Date",
    "Outil",
    "Animateur",
    "Matricule animateur",
    "Durée (h)",
    "Lieu",
    "Direction d'accueil",
    "Statut",
)
ATTENDANCE_HEADER = (
    "N° séance",
    "Matricule",
    "Nom",
    "Prénom",
    "Courriel",
    "Direction",
    "Catégorie",
    "Sexe",
    "Filière",
)
SESSION_TITLE = "Journal des animations – Écosystème de l'innovation organisationnelle"
SESSION_SHEET = "Journal"
SESSION_HEADER_ROW = 3  # title on row 1, row 2 empty
FIXED_TIMESTAMP = "2018-01-05T09:00:00Z"  # xlsx core properties: created = modified = this
_ZIP_TIME = (2018, 1, 5, 9, 0, 0)


def write_headcount(path: Path, counts: np.ndarray, quarter_ends: np.ndarray) -> int:
    """HR export, Windows-1252, ``;``, CRLF, one row per non-empty cell; return the data rows."""
    depts = [d.name for d in _spec.DEPARTMENTS]
    q, d, c, g, f = np.nonzero(counts)
    ends = [date.fromisoformat(str(x)).strftime("%d/%m/%Y") for x in quarter_ends]
    lines = [";".join(HEADCOUNT_HEADER)]
    lines += [
        f"{ends[a]};{depts[b]};{_spec.CATEGORIES[cc]};{_spec.GENDERS[gg]};{_spec.FILIERES[ff]};{counts[a, b, cc, gg, ff]}"
        for a, b, cc, gg, ff in zip(
            q.tolist(), d.tolist(), c.tolist(), g.tolist(), f.tolist(), strict=True
        )
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return len(lines) - 1


def _duration_text(hours: float) -> str:
    return f"{hours:g}".replace(".", ",")


def normalise_xlsx(raw: bytes) -> bytes:
    """Rewrite an xlsx (zip) with fixed entry times and fixed document timestamps."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_TIMESTAMP.encode() + rb"\g<3>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def write_session_log_xlsx(path: Path, rows: Sequence[tuple[object, ...]]) -> int:
    """The facilitators' workbook: sheet ``Journal``, title, empty row, header on row 3."""

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SESSION_SHEET)
    ws.append([SESSION_TITLE])
    ws.append([])
    ws.append(list(SESSION_HEADER))
    for row in rows:
        cells: list[object] = list(row)
        if isinstance(row[1], date):
            cell = WriteOnlyCell(ws, value=row[1])
            cell.number_format = "DD/MM/YYYY"
            cells[1] = cell
        ws.append(cells)
    wb.properties.creator = "Direction adjointe à l'Innovation organisationnelle"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(normalise_xlsx(buffer.getvalue()))
    return len(rows)


def write_session_log_csv(path: Path, table: pa.Table) -> int:
    """The same log as CSV for very large cities: UTF-8, ``;``, header on line 1."""
    _write_plain_csv(path, SESSION_HEADER, table)
    return table.num_rows


def _write_plain_csv(path: Path, header: tuple[str, ...], table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write((";".join(header) + "\n").encode("utf-8"))
        options = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
        pacsv.write_csv(table, fh, options)


def write_attendance(path: Path, table: pa.Table) -> int:
    """One quarter's sign-in sheets: UTF-8 (no BOM), ``;``, LF, no quoting needed."""
    _write_plain_csv(path, ATTENDANCE_HEADER, table)
    return table.num_rows
