"""``inspect_file``: what is in an export, told before anyone writes a mapping for it.

Reads any supported file (nothing is written) and reports how it was read and, per column, its
detected role: ``identifier`` (matricule, e-mail, name, record id), ``date``, ``likert`` (with
the labels seen, in scale order), ``yes_no``, ``numeric``, ``categorical`` (with its values),
``free_text`` or ``empty``; survey columns also carry their question code. The values of
identifier and free-text columns are never shown (they are personal data): only counts.
The result is JSON-serialisable; :func:`render_inspection` turns it into a plain-text table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eco_eval.readers.codebook import normalise_label, read_limesurvey_structure
from eco_eval.readers.kobo import kobo_columns
from eco_eval.readers.limesurvey import limesurvey_columns
from eco_eval.readers.msforms import msforms_columns
from eco_eval.readers.read import read_file
from eco_eval.readers.table import RawTable
from eco_eval.readers.values import parse_dates, parse_decimal, parse_yes_no

SAMPLE = 5000
#: Likert labels, each scale from the most positive to the most negative, normalised.
LIKERT_SCALES = (
    ("tout a fait d'accord", "d'accord", "plutot d'accord", "ni d'accord ni pas d'accord",
     "neutre", "sans opinion", "plutot pas d'accord", "pas d'accord", "pas du tout d'accord"),
    ("strongly agree", "agree", "somewhat agree", "neither agree nor disagree", "neutral",
     "somewhat disagree", "disagree", "strongly disagree"),
    ("tres satisfait", "satisfait", "plutot satisfait", "moyennement satisfait", "peu satisfait",
     "plutot insatisfait", "insatisfait", "pas satisfait", "pas du tout satisfait",
     "tres insatisfait"),
    ("very satisfied", "satisfied", "dissatisfied", "very dissatisfied"),
    ("tout le temps", "toujours", "tres souvent", "la plupart du temps", "souvent", "parfois",
     "quelquefois", "de temps en temps", "rarement", "jamais"),
    ("always", "very often", "often", "sometimes", "rarely", "never"),
    ("tres utile", "utile", "plutot utile", "moyennement utile", "peu utile", "plutot inutile",
     "pas utile", "inutile", "pas du tout utile"),
)  # fmt: skip
_LIKERT_RANK = {
    label: (s, i) for s, scale in enumerate(LIKERT_SCALES) for i, label in enumerate(scale)
}
_ID_TOKENS = {"matricule", "email", "mail", "courriel", "messagerie", "login", "identifiant", "nir",
              "token", "ipaddr"}  # fmt: skip
_ID_NAMES = {"nom", "prenom", "name", "nom prenom", "prenom nom", "nom de famille", "first name",
             "last name", "firstname", "lastname", "nom et prenom", "agent", "nom de l'agent",
             "ip address", "adresse ip"}  # fmt: skip
_RECORD_IDS = {"id", "_id", "_uuid", "response id", "n°", "no", "numero", "_index"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_DATE_WORDS = re.compile(r"date|heure|time|jour|_submission_time|submitdate|datestamp", re.I)


def _is_structure(path: Path) -> bool:
    if not path.is_file():  # a FIFO or device would block the read; read_file names the problem
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    head = head.lstrip(b"\xef\xbb\xbf")
    return b"LimeSurveyDocType" in head or head.startswith(b"id\trelated_id\tclass")


def _survey_columns(raw: RawTable) -> pd.DataFrame | None:
    fmt = raw.meta.format
    if fmt == "limesurvey":
        return limesurvey_columns(raw)
    if fmt == "kobo":
        return kobo_columns(raw)
    if fmt == "msforms":
        return msforms_columns(raw)
    return None


def column_role(heading: str, values: pd.Series, *, subquestion: bool = False) -> dict[str, Any]:
    """Detected role of one column of text, with the facts that support it (JSON-ready)."""
    present = values.dropna()
    present = present[present.str.strip() != ""]
    n = len(present)
    info: dict[str, Any] = {"filled": n}
    if n == 0:
        return {**info, "role": "empty", "distinct": 0}
    distinct = int(present.nunique())
    info["distinct"] = distinct
    name = normalise_label(heading).strip()
    tokens = set(re.split(r"[^a-z0-9]+", name))
    sample = present.iloc[:SAMPLE]
    if name in _RECORD_IDS:
        return {**info, "role": "identifier", "kind": "record id"}
    if tokens & _ID_TOKENS or name in _ID_NAMES:
        kind = "e-mail" if tokens & {"email", "mail", "courriel", "messagerie"} else (
            "matricule" if "matricule" in tokens else "name or login")  # fmt: skip
        return {**info, "role": "identifier", "kind": kind}
    if sample.str.strip().str.match(_EMAIL).mean() >= 0.8:
        return {**info, "role": "identifier", "kind": "e-mail"}
    normal = sample.map(normalise_label)
    in_scale = normal.isin(_LIKERT_RANK)
    if distinct >= 2 and in_scale.mean() >= 0.9:
        seen = sorted(set(normal[in_scale]), key=_LIKERT_RANK.__getitem__)
        labels = [str(sample[normal == s].iloc[0]) for s in seen]
        return {**info, "role": "likert", "labels": labels}
    # numbers and dates need a digit in most cells: a cheap test that spares the parsers on
    # text columns (a full-text export has hundreds of them)
    digits = float(sample.str.contains(r"\d", regex=True).mean()) >= 0.9
    numbers = parse_decimal(sample if digits else sample.iloc[:0])
    if digits and subquestion and not numbers.invalid.any() and distinct <= 11:
        whole = numbers.values.dropna()
        if (whole == whole.round()).all() and whole.between(0, 10).all():
            labels = [str(int(v)) for v in sorted(set(whole))]
            return {**info, "role": "likert", "labels": labels}
    dates = parse_dates(sample if digits else sample.iloc[:0])
    if (
        digits
        and (~dates.invalid).mean() >= 0.9
        and (
            _DATE_WORDS.search(heading)
            or not sample.str.strip().str.fullmatch(r"\d{5}(?:[.,]\d+)?").all()
        )
    ):
        valid = dates.values.dropna()
        return {**info, "role": "date", "min": str(valid.min()) if len(valid) else None,
                "max": str(valid.max()) if len(valid) else None}  # fmt: skip
    if not parse_yes_no(sample).invalid.any() and distinct <= 4:
        return {**info, "role": "yes_no", "labels": sorted(map(str, present.unique()))}
    if digits and (~numbers.invalid).mean() >= 0.95:
        valid = numbers.values.dropna()
        return {**info, "role": "numeric", "min": float(valid.min()), "max": float(valid.max())}
    longest = int(present.str.len().max())
    if distinct <= 30 and (distinct <= max(2, n // 2)) and longest <= 80:
        counts = present.value_counts().head(30)
        return {**info, "role": "categorical", "labels": [str(v) for v in counts.index]}
    return {**info, "role": "free_text", "max_length": longest}


def inspect_file(path: str | Path, **read_options: Any) -> dict[str, Any]:
    """Read an export (nothing is written) and describe it; JSON-serialisable.

    Keys: ``path``, ``format``, ``encoding``, ``delimiter``, ``header_row``, ``sheet``,
    ``sheets``, ``n_rows``, ``n_complete`` / ``n_incomplete`` (LimeSurvey), ``notes`` (title
    rows, skipped blank rows, ragged rows, merged cells...), and ``columns``: one dict per column
    with ``name``, ``heading``, ``role``, ``filled``, ``distinct`` and, by role, ``labels``,
    ``kind``, ``min``/``max``, ``max_length``; survey columns add ``survey_role`` and
    ``question`` / ``subquestion``. A LimeSurvey structure file (``.lss``, ``.txt``) gives
    ``format: limesurvey_structure`` with its questions instead. ``read_options`` go to
    :func:`read_file`. Raises InputFileError like ``read_file``.
    """
    path = Path(path)
    if not read_options and _is_structure(path):
        return _inspect_structure(path)
    raw = read_file(path, **read_options)
    meta = raw.meta
    result: dict[str, Any] = {
        "path": meta.path,
        "format": meta.format,
        "encoding": meta.encoding,
        "delimiter": meta.delimiter,
        "header_row": meta.header_row,
        "sheet": meta.sheet,
        "sheets": list(meta.sheets),
        "n_rows": meta.n_rows,
    }
    if "n_complete" in meta.extra:
        result["n_complete"] = meta.extra["n_complete"]
        result["n_incomplete"] = meta.extra["n_incomplete"]
    result["notes"] = _notes(raw)
    survey = _survey_columns(raw)
    columns = []
    for i, (name, heading) in enumerate(zip(raw.frame.columns, raw.original_columns, strict=True)):
        entry: dict[str, Any] = {"name": str(name), "heading": heading}
        sub = False
        if survey is not None:
            row = survey.iloc[i]
            entry["survey_role"] = str(row["role"])
            for key in ("question", "subquestion", "field", "statement", "group"):
                if key in row and isinstance(row[key], str):
                    entry[key] = row[key]
            sub = isinstance(row.get("subquestion"), str)
        entry.update(column_role(heading or str(name), raw.frame[name], subquestion=sub))
        columns.append(entry)
    result["columns"] = columns
    return result


def _notes(raw: RawTable) -> list[str]:
    meta = raw.meta
    notes = []
    if meta.bom:
        notes.append("starts with a byte-order mark")
    if meta.title_rows:
        notes.append(f"{len(meta.title_rows)} title row(s) above the header")
    if meta.quoted_newlines:
        notes.append("values with line breaks (line numbers account for them)")
    if meta.blank_lines:
        notes.append(f"{len(meta.blank_lines)} empty row(s) inside the data skipped")
    if meta.footer_blank_rows:
        notes.append(f"{meta.footer_blank_rows} empty row(s) after the data skipped")
    if meta.ragged_lines:
        shown = ", ".join(map(str, meta.ragged_lines[:10]))
        notes.append(
            f"{len(meta.ragged_lines)} row(s) with more fields than the header (lines {shown})"
        )
    if meta.merged_cells:
        notes.append(f"merged cells: {', '.join(meta.merged_cells[:10])}")
    if meta.dropped_empty_columns:
        notes.append(f"{len(meta.dropped_empty_columns)} empty column(s) without heading ignored")
    if meta.extra.get("formula_text_cells"):
        notes.append(f"{meta.extra['formula_text_cells']} cell(s) starting with '=' kept as text")
    named = [h for h in raw.original_columns if h.strip()]
    duplicates = len(named) - len(set(named))
    if duplicates:
        notes.append(f"{duplicates} repeated heading(s) renamed 'Heading (2)'...")
    return notes


def _inspect_structure(path: Path) -> dict[str, Any]:
    book = read_limesurvey_structure(path)
    questions = []
    for q in book.questions.values():
        questions.append({
            "code": q.code, "type": q.type, "group": q.group,
            "text": normalise_label(next(iter(q.text.values()), ""))[:80] if q.text else "",
            "subquestions": sum(len(s) for s in q.subquestions.values()),
            "answers": sum(len(a) for a in q.answers.values()),
        })  # fmt: skip
    return {
        "path": str(path),
        "format": "limesurvey_structure",
        "title": book.title,
        "languages": book.languages,
        "n_questions": len(questions),
        "questions": questions,
        "notes": [],
    }


def _cut(text: object, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _details(column: dict[str, Any]) -> str:
    parts = []
    if column.get("question"):
        code = column["question"] + (
            f"[{column['subquestion']}]" if column.get("subquestion") else ""
        )
        parts.append(code)
    if column.get("kind"):
        parts.append(column["kind"])
    if column.get("labels"):
        parts.append(" | ".join(column["labels"][:7]) + (" …" if len(column["labels"]) > 7 else ""))
    if column.get("min") is not None and column.get("role") in {"numeric", "date"}:
        parts.append(f"{column['min']} .. {column['max']}")
    if column.get("max_length"):
        parts.append(f"up to {column['max_length']} characters")
    return "; ".join(parts)


def render_inspection(result: dict[str, Any] | Sequence[dict[str, Any]]) -> str:
    """Plain-text report of one or more :func:`inspect_file` results."""
    if not isinstance(result, dict):
        return "\n\n".join(render_inspection(r) for r in result)
    lines = [f"{result['path']}", f"  format: {result['format']}"]
    if result["format"] == "limesurvey_structure":
        lines.append(f"  title: {result.get('title')}; languages: {', '.join(result['languages'])}")
        lines.append(f"  {result['n_questions']} question(s)")
        lines.append(f"  {'code':<16} {'type':<4} {'sub':>4} {'ans':>4}  text")
        for q in result["questions"]:
            lines.append(f"  {_cut(q['code'], 16):<16} {q['type']:<4} {q['subquestions']:>4} "
                         f"{q['answers']:>4}  {_cut(q['text'], 60)}")  # fmt: skip
        return "\n".join(lines)
    how = [f"encoding: {result['encoding']}"] if result.get("encoding") else []
    if result.get("delimiter"):
        how.append(f"delimiter: {result['delimiter']!r}")
    if result.get("sheet"):
        how.append(f"sheet: {result['sheet']!r} of {len(result['sheets'])}")
    if result.get("header_row"):
        how.append(f"header row: {result['header_row']}")
    lines.append("  " + "; ".join(how)) if how else None
    rows = f"  rows: {result['n_rows']}"
    if "n_complete" in result:
        rows += f" (complete {result['n_complete']}, incomplete {result['n_incomplete']})"
    lines.append(rows)
    lines.extend(f"  note: {note}" for note in result.get("notes", []))
    lines.append(f"  {'#':>3}  {'column':<32} {'role':<12} {'filled':>7} {'distinct':>8}  details")
    for i, column in enumerate(result["columns"], start=1):
        lines.append(
            f"  {i:>3}  {_cut(column['name'], 32):<32} {column['role']:<12} "
            f"{column['filled']:>7} {column.get('distinct', 0):>8}  {_cut(_details(column), 70)}"
        )
    return "\n".join(lines)
