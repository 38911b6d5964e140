"""A national-scale *store* made of copies of the metropolis store (``national-tiled``).

Benchmarks the indicators at national scale without generating and ingesting the national raw
files (see docs/benchmarks.md). Each of the ``copies`` copies gets its own person
keys, session ids and response ids (suffix ``~<copy>``), so distinct counts grow with the copies;
departments, categories, genders and filières are shared, so groups have ``copies`` times the
headcount and the participants, and rates stay those of the metropolis. The tables the indicators
do not use per row (ideas, HR results, citizen satisfaction, quarantine, log) are copied once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import datasets

TILED = {
    "sessions": {"session_id", "facilitator_key"},
    "attendance": {"session_id", "person_key"},
    "feedback": {"response_id", "session_id"},
    "barometer": {"response_id", "person_key"},
    "headcount": set(),  # same groups, copies x the headcount
}


def build(copies: int = 50, source: str = "metropolis", name: str = "national-tiled") -> Path:
    import duckdb

    src = datasets.project_dir(source) / "data" / "processed" / "eco_eval.duckdb"
    root = datasets.project_dir(name)
    dst = root / "data" / "processed" / "eco_eval.duckdb"
    if (root / ".complete").exists():
        return root
    dst.parent.mkdir(parents=True, exist_ok=True)
    for f in (
        src.parent.parent.parent / "eco_eval.yaml",
        src.parent.parent.parent / "actions.yaml",
    ):
        (root / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    dst.unlink(missing_ok=True)
    con = duckdb.connect(str(dst))
    con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    for (table,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src'"
    ).fetchall():
        cols = [r[0] for r in con.execute(f'DESCRIBE src."{table}"').fetchall()]
        if table not in TILED:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM src."{table}"')
            continue
        sel = ", ".join(
            f'CASE WHEN "{c}" IS NULL THEN NULL ELSE "{c}" || \'~\' || c.i END AS "{c}"'
            if c in TILED[table]
            else f'"{c}"'
            for c in cols
        )
        con.execute(
            f'CREATE TABLE "{table}" AS SELECT {sel} FROM src."{table}", range({copies}) c(i)'
        )
    con.execute("DETACH src")
    con.execute("CHECKPOINT")
    con.close()
    (root / ".complete").write_text("ok\n", encoding="utf-8")
    return root


if __name__ == "__main__":
    print(build(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
