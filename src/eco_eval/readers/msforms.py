"""Microsoft Forms ``.xlsx`` exports: recognising them and grouping Likert statements.

A Forms export starts with ``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name`` (newer
exports add ``Last modified time``; French ones read ``Heure de début``, ``Heure de fin``,
``Adresse de messagerie``, ``Nom``...), then one column per question headed by its text. A Likert
question gives one column per statement; depending on the Forms version the heading is the
statement alone, ``Question.Statement`` or ``Question [Statement]``. Adjacent columns sharing a
question prefix are grouped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from eco_eval.readers.table import RawTable

MSFORMS_META = {
    "id": "id",
    "start time": "start_time",
    "completion time": "completion_time",
    "email": "email",
    "name": "name",
    "last modified time": "last_modified_time",
    "total points": "total_points",
    "quiz feedback": "quiz_feedback",
    "heure de début": "start_time",
    "heure de fin": "completion_time",
    "adresse de messagerie": "email",
    "e-mail": "email",
    "nom": "name",
    "heure de la dernière modification": "last_modified_time",
    "date de la dernière modification": "last_modified_time",
}
_STATEMENT = re.compile(r"^(?P<q>.+?)(?:\.(?P<a>[^.\s].*)| \[(?P<b>[^\[\]]+)\])$")


def is_msforms(headings: Sequence[str]) -> bool:
    """True when the headings start ``ID``, a start time and a completion time (EN or FR)."""
    fields = [MSFORMS_META.get(h.strip().casefold()) for h in headings[:3]]
    return fields == ["id", "start_time", "completion_time"]


def msforms_columns(raw: RawTable) -> pd.DataFrame:
    """One row per column: ``column``, ``heading``, ``role`` (``meta`` or ``question``),
    ``field`` (``start_time``... for metadata), ``question`` (the question text) and
    ``statement`` (the Likert statement, missing for other questions)."""
    headings = [h.strip() for h in raw.original_columns]
    split = [_STATEMENT.match(h) for h in headings]
    prefixes = [m.group("q") if m else None for m in split]
    rows: list[tuple[str, str, str, str | None, str | None, str | None]] = []
    meta_done = False
    for i, (column, heading) in enumerate(zip(raw.frame.columns, headings, strict=True)):
        field = MSFORMS_META.get(heading.casefold()) if not meta_done else None
        if field is None:
            meta_done = True
        prefix = prefixes[i]
        grouped = prefix is not None and (
            (i > 0 and prefixes[i - 1] == prefix)
            or (i + 1 < len(prefixes) and prefixes[i + 1] == prefix)
        )
        m = split[i]
        if field is not None:
            rows.append((column, heading, "meta", field, None, None))
        elif grouped and m is not None:
            rows.append((column, heading, "question", None, prefix, m.group("a") or m.group("b")))
        else:
            rows.append((column, heading, "question", None, heading, None))
    return pd.DataFrame(
        rows, columns=["column", "heading", "role", "field", "question", "statement"]
    ).astype({"field": "str", "statement": "str"})
