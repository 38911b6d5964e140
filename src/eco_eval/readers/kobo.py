"""KoboToolbox exports: recognising them and taking the group paths off their headings.

Kobo writes one column per form field, headed by the field's path through its groups joined by
``/`` (``identification/direction``), a select-multiple field also as one 0/1 column per choice
(``outils/outils_utilises/balade``), and metadata columns whose names start with ``_`` (``_id``,
``_uuid``, ``_submission_time``, ``_index``...) plus the ``start``/``end``/``today`` fields.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from eco_eval.readers.table import RawTable

KOBO_MARKERS = frozenset({"_id", "_uuid", "_submission_time"})
KOBO_META = frozenset(
    {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
     "audit", "__version__", "meta/instanceID", "meta/instanceName", "meta/rootUuid",
     "meta/deprecatedID"}
)  # fmt: skip


def is_kobo(headings: Sequence[str]) -> bool:
    """True when at least two of ``_id``, ``_uuid``, ``_submission_time`` are headings."""
    return len(KOBO_MARKERS.intersection(h.strip() for h in headings)) >= 2


def strip_group_paths(headings: Sequence[str], *, separator: str = "/") -> list[str]:
    """Headings without their group paths, keeping as much of a path as makes a name unique.

    >>> strip_group_paths(["group_a/q1", "group_b/q2", "g1/age", "g2/age", "_id"])
    ['q1', 'q2', 'g1/age', 'g2/age', '_id']
    """
    parts = [h.split(separator) for h in headings]
    keep = [1] * len(parts)
    while True:
        names = [separator.join(p[-k:]) for p, k in zip(parts, keep, strict=True)]
        counts: dict[str, int] = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        clash = [i for i, n in enumerate(names) if counts[n] > 1 and keep[i] < len(parts[i])]
        if not clash:
            return names
        for i in clash:
            keep[i] += 1


def kobo_columns(raw: RawTable, *, separator: str = "/") -> pd.DataFrame:
    """One row per column: ``column``, ``heading``, ``role`` (``meta`` or ``question``),
    ``group`` (the path above the field, missing at top level) and ``name`` (without path,
    unique, from :func:`strip_group_paths`)."""
    short = strip_group_paths(list(raw.original_columns), separator=separator)
    rows = []
    for column, heading, name in zip(raw.frame.columns, raw.original_columns, short, strict=True):
        bare = heading.strip()
        role = "meta" if bare.startswith("_") or bare in KOBO_META else "question"
        group = separator.join(bare.split(separator)[:-1]) or None
        rows.append((column, heading, role, group, name))
    return pd.DataFrame(rows, columns=["column", "heading", "role", "group", "name"]).astype(
        {"group": "str"}
    )
