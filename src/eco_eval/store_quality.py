"""What the data-quality page and the bilan read of the store: the ingest log, the quarantine
counted by reason, examples of quarantined rows, the link rates.

The store answers the counting (half a million quarantined rows need not leave DuckDB); the page
itself is rendered from these frames by :mod:`eco_eval.report.quality`, which never reads the
store.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: the quarantine as :func:`eco_eval.report.quality.summary_by_source` needs it, counted by the
#: store
REASON_COUNTS_SQL = "SELECT table_name, reasons, count(*) AS n FROM quarantine GROUP BY ALL"
#: :data:`REASON_COUNTS_SQL` with one quarantined row (``raw``, JSON) of each reason as an example.
REASON_EXAMPLES_SQL = (
    "SELECT table_name, reasons, count(*) AS n, min(raw) AS raw FROM quarantine GROUP BY ALL"
)


def examples_sql(per_reason: int = 3) -> str:
    """The first ``per_reason`` quarantined rows of each first reason, in the table's order
    (what :func:`eco_eval.report.quality.render_page` shows; the store selects them instead of
    the whole quarantine)."""
    return (
        "SELECT source_file, source_line, reasons, raw FROM ("
        "SELECT *, rowid AS _at, row_number() OVER ("
        "PARTITION BY split_part(reasons, ';', 1) ORDER BY rowid) AS _k "
        f"FROM quarantine WHERE reasons IS NOT NULL) WHERE _k <= {int(per_reason)} ORDER BY _at"
    )


def link_rates(store: Any) -> pd.DataFrame:
    """One row per person-keyed table linked to the attendance register: ``table_name``,
    ``target``, ``rows`` (accepted rows), ``linked``, ``rate`` (linked / rows, NaN for no row)
    and ``causes`` (outcome -> rows, for the rows not linked, largest first).

    ``store``: anything with the ``sql`` method of :class:`eco_eval.store.Store` (the ingest
    passes a reader of its open transaction)."""
    columns = ["table_name", "target", "rows", "linked", "rate", "causes"]
    present = store.sql(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'linkage'"
    )
    if not int(present["n"].iloc[0]):  # a store of a layout without it
        return pd.DataFrame(columns=columns)
    long = store.sql("SELECT table_name, target, outcome, rows FROM linkage")
    out = []
    for (table, target), part in long.groupby(["table_name", "target"], sort=True):
        counts = dict(zip(part["outcome"], part["rows"].astype(int), strict=True))
        rows, linked = sum(counts.values()), counts.pop("linked", 0)
        causes = dict(sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: -kv[1]))
        out.append(
            {
                "table_name": table,
                "target": target,
                "rows": rows,
                "linked": linked,
                "rate": linked / rows if rows else float("nan"),
                "causes": causes,
            }
        )
    return pd.DataFrame(out, columns=columns)


def quality_tables(store: Any, *, examples_per_reason: int = 3) -> dict[str, pd.DataFrame]:
    """The frames :func:`eco_eval.report.quality.render_page` takes: ``log`` (the ingest log),
    ``quarantine`` (:data:`REASON_COUNTS_SQL`), ``examples`` (:func:`examples_sql`) and
    ``linkage`` (:func:`link_rates`). ``store``: an :class:`eco_eval.store.Store`."""
    return {
        "log": store.table("ingest_log"),
        "quarantine": store.sql(REASON_COUNTS_SQL),
        "examples": store.sql(examples_sql(examples_per_reason)),
        "linkage": link_rates(store),
    }
