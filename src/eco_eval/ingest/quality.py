"""Sources an ingest quarantined heavily: the warnings ``eco-eval ingest`` prints.

A source with more than half its rows quarantined is named with its main reason and one value of
that reason's field (from the first row quarantined for it); one of :data:`REQUIRED_SOURCES` with
no row accepted makes the command exit with its own code. The data-quality page itself is
:mod:`eco_eval.report.quality`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: the sources without which there is no bilan: one whose rows were read and none accepted makes
#: ``eco-eval ingest`` exit with code 9 (the store is written all the same)
REQUIRED_SOURCES = ("headcount", "sessions", "attendance")
#: quarantine reasons whose field is not in their name -> that field
_REASON_FIELD = {"unknown_tool": "tool", "known_tool": "tool", "known_session": "session_id"}


@dataclass(frozen=True)
class HeavyQuarantine:
    """A source with more than half its rows quarantined, its main reason and one value of it."""

    table: str
    read: int
    quarantined: int
    reason: str
    example: str | None

    def line(self, page: str) -> str:
        def n(x: int) -> str:
            return f"{x:,}".replace(",", " ")

        example = f", e.g. {self.example!r}" if self.example is not None else ""
        return (
            f"{self.table}: {n(self.quarantined)} of {n(self.read)} rows quarantined "
            f"({self.reason}{example}); see {page}"
        )


def heavy_quarantine(
    files: Sequence[Any], columns: Mapping[str, Mapping[str, Any]], first_raw: Any
) -> list[HeavyQuarantine]:
    """The sources of an ingest (``files``: its FileResults) with more than half their rows
    quarantined. ``columns``: each source's configured columns (field -> file column), to find
    the value of the main reason's field in ``first_raw(table, reason)``, the raw JSON of the
    first row quarantined for it (or None)."""
    read: Counter[str] = Counter()
    held: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = {}
    for f in files:
        read[f.table] += f.rows_read
        held[f.table] += f.rows_quarantined
        reasons.setdefault(f.table, Counter()).update(f.top_reasons)
    out = []
    for table in read:
        if not read[table] or 2 * held[table] <= read[table] or not reasons[table]:
            continue
        reason = reasons[table].most_common(1)[0][0]
        kind, _, fld = reason.partition(":")
        column = columns.get(table, {}).get(fld or _REASON_FIELD.get(kind, ""))
        example = None
        raw = first_raw(table, reason) if column else None
        if raw:
            cells = json.loads(raw)
            names = [column] if isinstance(column, str) else list(column or ())
            example = next((cells[c] for c in names if cells.get(c) is not None), None)
        out.append(HeavyQuarantine(table, read[table], held[table], reason, example))
    return out
