"""``read_file``: one entry point that recognises a raw file and hands it to the right reader.

The container is recognised from the file's first bytes, not its name (a ``.csv`` saved from
Excel may well be an ``.xlsx``): zip with ``xl/workbook.xml`` → Excel, ``$FL2`` → SPSS, an OLE
compound file → password-protected workbook or legacy ``.xls`` (refused with the fix), other
binary → refused, text → CSV. Survey exports are then recognised from their headings
(LimeSurvey, KoboToolbox, Microsoft Forms) and labelled in ``meta.format``.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import zipfile
from pathlib import Path

from eco_eval.errors import ConfigError, did_you_mean
from eco_eval.readers.delimited import mapped, read_delimited
from eco_eval.readers.encoding import (
    Encoding,
    bom_encoding,
    detect_encoding,
    first_undecodable,
    looks_binary,
)
from eco_eval.readers.excel import read_xlsx
from eco_eval.readers.kobo import is_kobo
from eco_eval.readers.limesurvey import is_limesurvey, limesurvey_status
from eco_eval.readers.msforms import is_msforms
from eco_eval.readers.spss import read_sav
from eco_eval.readers.table import FORMATS, RawTable, input_error

log = logging.getLogger(__name__)

_HEAD = 1 << 16
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def container(path: Path, head: bytes) -> str:
    """``xlsx``, ``sav``, ``lss``, ``text``; raises InputFileError for what cannot be read."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise input_error(
                path, "", "damaged or truncated zip/xlsx file (the end of the archive is missing)",
                "download or export the file again",
            ) from exc  # fmt: skip
        if "xl/workbook.xml" in names or any(n.startswith("xl/workbook") for n in names):
            return "xlsx"
        if "content.xml" in names:
            what = "an OpenDocument spreadsheet (.ods)"
        elif any(n.endswith((".lss", ".lsr")) for n in names):
            what = "a LimeSurvey archive (.lsa)"
        elif any(n.startswith("word/") for n in names):
            what = "a Word document"
        else:
            what = "a zip archive that is not an Excel workbook"
        raise input_error(
            path, "", f"unsupported format: {what}", "export the data as .xlsx or CSV"
        )
    if head.startswith(_CFB):
        if _ENCRYPTED in head or _ENCRYPTED in path.read_bytes()[: 1 << 20]:
            raise input_error(
                path, "", "the workbook is password-protected (encrypted)",
                "open it in Excel, remove the password (File > Info > Protect Workbook) and save as .xlsx",
            )  # fmt: skip
        raise input_error(
            path, "", "legacy Excel 97-2003 (.xls) or other OLE file, not supported",
            "open it in Excel or LibreOffice and save it as .xlsx or CSV",
        )  # fmt: skip
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"%PDF"):
        raise input_error(
            path, "", "a PDF document, not a data table", "export the data as CSV or .xlsx"
        )
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped.startswith(b"<") and b"LimeSurveyDocType" in head:
        return "lss"
    lowered = stripped[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table")):
        raise input_error(
            path, "", "an HTML page (some web tools name them .xls), not a data table",
            "export the data as CSV or .xlsx",
        )  # fmt: skip
    if lowered.startswith(b"<?xml"):
        raise input_error(
            path, "", "an XML document (e.g. Excel 2003 XML Spreadsheet), not supported",
            "open it in Excel and save it as .xlsx or CSV",
        )  # fmt: skip
    if bom_encoding(head) is None and looks_binary(head):
        raise input_error(
            path, "", "binary content, not a text table (or UTF-16 without a byte-order mark)",
            "export the data as CSV (UTF-8) or .xlsx",
        )  # fmt: skip
    return "text"


def read_file(
    path: str | Path,
    *,
    format: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_footer_blank: bool = True,
) -> RawTable:
    """Read a raw export into a :class:`RawTable` of text, without changing the file.

    ``format`` forces one of ``csv``, ``xlsx``, ``sav``, ``limesurvey``, ``kobo``, ``msforms``
    (default: recognised from the content, then the headings). ``sheet`` (name or 0-based index)
    and ``header_row`` (1-based line or row; default: detected below title rows) choose the
    table; ``encoding`` and ``delimiter`` override detection for text files. Trailing empty rows
    are skipped unless ``skip_footer_blank=False``.

    Raises :class:`~eco_eval.errors.InputFileError` (one line: file, place, fix) when the file
    cannot be read as a whole, and :class:`~eco_eval.errors.ConfigError` for a bad argument.
    """
    path = Path(path)
    if format is not None and format not in FORMATS:
        raise ConfigError(
            f"format={format!r}: unknown{did_you_mean(format, FORMATS)}; use one of {FORMATS}"
        )
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise ConfigError(f"delimiter={delimiter!r}: expected one character such as ';' or ','")
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError as exc:
            raise ConfigError(
                f"encoding={encoding!r}: unknown encoding; use utf-8 or cp1252"
            ) from exc
    if path.exists() and not path.is_file():
        raise input_error(
            path,
            "",
            "not a regular file (a folder, pipe or device, which reading could block on)",
            "point to the export file itself",
        )
    if not path.is_file():
        hint = (
            did_you_mean(path.name, [p.name for p in path.parent.glob("*")])
            if path.parent.is_dir()
            else ""
        )
        raise input_error(path, "", f"no such file{hint}", "check the path")
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        raise input_error(
            path, "", f"cannot open the file ({exc.strerror})", "check its permissions"
        ) from exc
    if not head:
        raise input_error(path, "", "empty file (0 bytes)", "export the data again")
    kind = container(path, head)
    if kind == "lss":
        raise input_error(
            path, "", "a LimeSurvey survey structure (.lss), not responses",
            "read it with read_limesurvey_structure(), and export the responses as CSV",
        )  # fmt: skip
    if (
        (format in {"csv", "limesurvey", "kobo"} and kind not in {"text", "xlsx"})
        or (format in {"xlsx", "msforms"} and kind != "xlsx")
        or (format == "sav" and kind != "sav")
    ):
        raise input_error(
            path, "", f"format={format!r} but the content is {kind}", "omit format= to detect it"
        )
    if kind == "sav":
        return read_sav(path)
    if kind == "xlsx":
        raw = read_xlsx(
            path, sheet=sheet, header_row=header_row, skip_footer_blank=skip_footer_blank
        )
    else:
        raw = _read_text(path, head, encoding, delimiter, header_row, skip_footer_blank)
    return _label(raw, format)


#: Codecs pandas can read in place (ASCII-compatible); any other is transcoded to UTF-8 first.
_IN_PLACE = {"utf-8", "utf-8-sig", "cp1252", "iso8859-1", "iso8859-15", "ascii"}


def _read_text(
    path: Path,
    head: bytes,
    encoding: str | None,
    delimiter: str | None,
    header_row: int | None,
    skip_footer_blank: bool,
) -> RawTable:
    first = head.lstrip(codecs.BOM_UTF8).split(b"\n", 1)[0]
    if first.startswith(b"id\trelated_id\tclass"):
        raise input_error(
            path, "line 1", "a LimeSurvey survey-structure export, not responses",
            "read it with read_limesurvey_structure()",
        )  # fmt: skip
    bom = bom_encoding(head)
    with mapped(path) as mm:
        if encoding is None:
            found = bom or detect_encoding(mm)
        else:
            found = Encoding(encoding, bom is not None)
            bad = first_undecodable(mm, encoding)
            if bad is not None:
                raise input_error(
                    path, f"byte {bad}", f"does not decode as {encoding}",
                    "omit encoding= to detect it, or export the file as UTF-8",
                )  # fmt: skip
        data = None
        if found.name not in _IN_PLACE:
            data = mm[:].decode(found.name, errors="replace").lstrip("\ufeff").encode("utf-8")
    return read_delimited(
        path, found, data=data, delimiter=delimiter, header_row=header_row,
        skip_footer_blank=skip_footer_blank,
    )  # fmt: skip


def _label(raw: RawTable, forced: str | None) -> RawTable:
    """Set ``meta.format`` from the headings (or the caller's ``format=``)."""
    headings = list(raw.original_columns)
    fmt = raw.meta.format
    if forced is not None:
        fmt = forced
    elif is_limesurvey(headings):
        fmt = "limesurvey"
    elif is_kobo(headings):
        fmt = "kobo"
    elif is_msforms(headings) and raw.meta.format == "xlsx":
        fmt = "msforms"
    extra = dict(raw.meta.extra)
    if fmt == "limesurvey":
        try:
            status = limesurvey_status(raw)
            extra["n_complete"] = int(status["complete"].sum())
            extra["n_incomplete"] = int((~status["complete"]).sum())
        except KeyError:
            log.warning("%s: format=limesurvey but no submitdate column", raw.meta.path)
    meta = dataclasses.replace(raw.meta, format=fmt, extra=extra)
    return dataclasses.replace(raw, meta=meta)
