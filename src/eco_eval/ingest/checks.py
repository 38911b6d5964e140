"""Checks across tables once the sources are written: the identity map and the link rates,
the rows at undated sessions, participants against headcount.

They read back what this ingest wrote, inside its transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import pandas as pd

from eco_eval.ingest.identity import TARGET, record_linkage, resolve_identities
from eco_eval.ingest.outcome import FileResult
from eco_eval.ingest.state import Run
from eco_eval.schema import SOURCE_NAMES
from eco_eval.store_quality import link_rates

log = logging.getLogger(__name__)


def link_identities(
    run: Run, w: Any, by_source: dict[str, list[FileResult]], sources_read: set[str]
) -> pd.DataFrame | None:
    """Key the person-keyed tables through the attendance register's identity map, then count
    their link outcomes (:mod:`eco_eval.ingest.identity`); the link rates, None without an
    attendance register."""
    if TARGET not in sources_read:
        return None
    keyed = [name for name in SOURCE_NAMES if run.schema.get(name, {}).get("person_from")]
    ambiguous = resolve_identities(w.con, run.links, keyed)
    if ambiguous:
        log.warning(
            "identity map: %d identifiers belong to several people, left unlinked", ambiguous
        )
    linked = [name for name in keyed if name != TARGET and name in sources_read]
    unkeyed: dict[str, Counter[str]] = {}
    for name in linked:
        unkeyed[name] = Counter()
        for result in by_source.get(name, []):
            unkeyed[name].update(result.meta.get("unkeyed") or {})
    record_linkage(w.con, linked, unkeyed)

    class _Reader:  # link_rates reads through .sql, here inside the transaction
        @staticmethod
        def sql(query: str) -> pd.DataFrame:
            return w.con.execute(query).df()

    return link_rates(_Reader())


def count_undated(con: Any, by_source: dict[str, list[FileResult]]) -> None:
    """Record in each file's log detail the rows accepted at a logged but undated session:
    ``undated_sessions`` (session log) and ``undated_sign_ins`` (attendance lists). They count
    in the programme's totals (data-quality page), in no period's figures."""
    queries = {
        "sessions": (
            "undated_sessions",
            "SELECT source_file, count(*) FROM sessions WHERE date IS NULL GROUP BY ALL",
        ),
        "attendance": (
            "undated_sign_ins",
            "SELECT a.source_file, count(*) FROM attendance a JOIN sessions s USING (session_id) "
            "WHERE s.date IS NULL GROUP BY ALL",
        ),
    }
    for table, (name, query) in queries.items():
        if not by_source.get(table) or "sessions" not in by_source:
            continue
        counts = dict(con.execute(query).fetchall())
        for result in by_source[table]:
            if counts.get(result.source_file):
                result.meta[name] = int(counts[result.source_file])


def cross_checks(con: Any, labels: set[str], sources: set[str]) -> list[str]:
    """Table-level plausibility: participants per department and quarter not above headcount
    (over the rows this ingest wrote, read back from the store transaction)."""
    if not {"attendance", "sessions", "headcount"} <= sources:
        return []
    con.register("_ingested_files", pd.DataFrame({"source_file": sorted(labels)}))
    try:
        part = con.execute(
            """
            SELECT s.quarter, a.department, count(DISTINCT a.person_key) AS participants
            FROM attendance a JOIN sessions s USING (session_id)
            WHERE a.source_file IN (SELECT source_file FROM _ingested_files)
              AND s.source_file IN (SELECT source_file FROM _ingested_files)
              AND s.quarter IS NOT NULL AND a.department IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """
        ).df()
        hc = con.execute(
            """
            SELECT quarter, department, sum(headcount) AS headcount FROM headcount
            WHERE source_file IN (SELECT source_file FROM _ingested_files)
              AND quarter IS NOT NULL AND department IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """
        ).df()
    finally:
        con.unregister("_ingested_files")
    part = part.set_index(["quarter", "department"])["participants"]
    hc = hc.set_index(["quarter", "department"])["headcount"]
    joined = pd.concat([part.rename("participants"), hc.rename("headcount")], axis=1).dropna()
    over = joined[joined["participants"] > joined["headcount"]]
    return [
        f"{q} {d}: {int(r.participants)} participants for a headcount of {int(r.headcount)}; check the department names in the attendance lists and the HR file"
        for (q, d), r in over.iterrows()
    ]
