"""LimeSurvey files as Valbrune's survey administrator exports them (LimeSurvey 3.x admin UI).

* survey-structure export (``.txt``): tab-separated, UTF-8, CRLF, the short column set of the
  older versions (``id related_id class type/scale name relevance text help language validation
  mandatory other default same_default``); one ``S``/``SL`` row per setting, then ``G``, ``Q``,
  ``SQ`` and ``A`` rows (``SQ`` and ``A`` rows belong to the ``Q`` row above them);
* response export (``.csv``): UTF-8 without BOM, ``,``, every field double-quoted, CRLF, full
  answers (the label the respondent saw), empty ``submitdate`` for an incomplete response;
* participant (token) table export (``.csv``): UTF-8 with BOM, ``,``, every field quoted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

STRUCTURE_COLUMNS = (
    "id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language",
    "validation", "mandatory", "other", "default", "same_default",
)  # fmt: skip
TOKEN_COLUMNS = (
    "tid", "firstname", "lastname", "email", "emailstatus", "token", "language", "validfrom",
    "validuntil", "invited", "reminded", "remindercount", "completed", "usesleft", "attribute_1",
)  # fmt: skip


@dataclass(frozen=True)
class Question:
    """A question: LimeSurvey type letter (F array, L list, S short text, T long text, Y yes/no),
    its sub-questions ``(code, text)`` and answers ``(code, label)``."""

    code: str
    type: str
    text: str
    subquestions: tuple[tuple[str, str], ...] = ()
    answers: tuple[tuple[str, str], ...] = ()
    hidden: bool = False


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if any(ch.isspace() for ch in text) or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _row(**values: object) -> str:
    cells = dict.fromkeys(STRUCTURE_COLUMNS, "")
    for key, value in values.items():
        cells[key.replace("type_scale", "type/scale").replace("class_", "class")] = _cell(value)
    return "\t".join(cells[c] for c in STRUCTURE_COLUMNS)


def write_structure(
    path: Path,
    sid: int,
    title: str,
    groups: Sequence[tuple[str, Sequence[Question]]],
    *,
    anonymized: bool,
    language: str = "fr",
) -> int:
    """Write a survey-structure export; return its number of rows after the header."""
    settings = {
        "sid": sid, "language": language, "additional_languages": "",
        "anonymized": "Y" if anonymized else "N", "datestamp": "Y", "format": "G",
        "usetokens": "N" if anonymized else "Y", "tokenanswerspersistence": "N",
        "admin": "Service des systèmes d'information", "adminemail": "sondages@valbrune.fr",
    }  # fmt: skip
    lines = ["\t".join(STRUCTURE_COLUMNS)]
    lines += [_row(class_="S", name=k, text=v) for k, v in settings.items()]
    lines += [
        _row(class_="SL", name=k, text=v, language=language)
        for k, v in {"surveyls_title": title, "surveyls_language": language}.items()
    ]
    qid = 0
    for g, (name, questions) in enumerate(groups):
        lines.append(_row(id=g + 1, class_="G", type_scale=g, name=name, relevance=1,
                          text=name, language=language))  # fmt: skip
        for q in questions:
            qid += 1
            lines.append(_row(id=qid, class_="Q", type_scale=q.type, name=q.code,
                              relevance=0 if q.hidden else 1, text=q.text, language=language,
                              mandatory="N", other="N", same_default=0))  # fmt: skip
            for code, text in q.subquestions:
                lines.append(_row(id=qid, class_="SQ", type_scale=0, name=code, relevance=1,
                                  text=text, language=language, mandatory="N"))  # fmt: skip
            for code, label in q.answers:
                lines.append(_row(id=qid, class_="A", type_scale=0, name=code, text=label,
                                  language=language))  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(lines) - 1


def _quoted_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=",", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def write_responses(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> int:
    """Write a response export (UTF-8, ``,``, all quoted, CRLF); return the number of responses."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_quoted_csv(header, rows).encode("utf-8"))
    return len(rows)


def write_tokens(path: Path, rows: Sequence[Sequence[object]]) -> int:
    """Write a participant (token) table export (UTF-8 with BOM, ``,``, all quoted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" + _quoted_csv(TOKEN_COLUMNS, rows)).encode("utf-8"))
    return len(rows)
