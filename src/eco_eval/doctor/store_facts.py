"""The doctor's answers from an ingested store: accepted rows, filled fields, items, links."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from eco_eval.config import Project
from eco_eval.doctor.facts import ONBOARDING, QUALITY_PAGE, Facts, Finding
from eco_eval.doctor.requirements import Check
from eco_eval.report.quality import latest_log
from eco_eval.store import TABLES, Store

#: quarantine reasons ``<kind>:<field>`` that point at a field's column or values
_FIELD_REASONS = ("parse", "required", "range", "codebook", "values", "unknown")


@dataclass(frozen=True)
class LinkCounts:
    """Barometer responses: all, with a person key, and whose key the attendance register knows."""

    responses: int
    with_key: int
    linked: int


def link_counts(store: Store) -> LinkCounts:
    """How many barometer responses link to the attendance register.

    The one place the doctor measures the barometer-attendance link; a richer link report (by
    lookup chain, with what failed to link) can replace it without changing the checks."""
    frame = store.sql(
        "SELECT count(*) AS responses, count(person_key) AS with_key, count(*) FILTER "
        "(WHERE person_key IN (SELECT person_key FROM attendance)) AS linked FROM barometer"
    )
    r = frame.iloc[0]
    return LinkCounts(int(r["responses"]), int(r["with_key"]), int(r["linked"]))


def _relative(root: Path, path: Path) -> str:
    """A raw file as the store's ingest log names it (relative to the project folder)."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


class StoreFacts(Facts):
    ingested = True

    def __init__(self, project: Project, store: Store):
        super().__init__(project)
        self.store = store

    def advice(self) -> list[str]:
        known = set(self.store.known_files())
        new = [
            p
            for files in self._files.values()
            for p in files
            if _relative(self.project.root, p) not in known
        ]
        if not new:
            return []
        return [
            f"{len(new)} raw file{'s' if len(new) > 1 else ''} not in the store yet "
            f"(e.g. {_relative(self.project.root, new[0])}): run 'eco-eval ingest', then "
            "'eco-eval doctor' again"
        ]

    # ------------------------------------------------------------------ store queries
    @cached_property
    def _present(self) -> set[str]:
        return set(self.store.tables())

    @cache  # noqa: B019 - one Facts per diagnosis
    def columns(self, table: str) -> tuple[str, ...]:
        if table not in self._present:
            return ()
        return tuple(self.store.sql(f'DESCRIBE "{table}"')["column_name"].astype(str))

    @cache  # noqa: B019
    def count(self, table: str, where: str | None = None) -> int:
        if table not in self._present:
            return 0
        sql = f'SELECT count(*) AS n FROM "{table}"' + (f" WHERE {where}" if where else "")
        return int(self.store.sql(sql)["n"].iloc[0])

    @cache  # noqa: B019
    def filled(self, table: str) -> dict[str, int]:
        """Non-missing values per column of an accepted-rows table."""
        cols = self.columns(table)
        if not cols:
            return {}
        sql = "SELECT " + ", ".join(f'count("{c}") AS "{c}"' for c in cols) + f' FROM "{table}"'
        row = self.store.sql(sql).iloc[0]
        return {c: int(row[c]) for c in cols}

    @cached_property
    def _log(self) -> Any:
        return latest_log(self.store.table("ingest_log"))

    def _reasons(self, table: str) -> list[tuple[str, int]]:
        frame = self.store.sql(
            "SELECT reasons, count(*) AS n FROM quarantine WHERE table_name = ? "
            "GROUP BY reasons ORDER BY n DESC, reasons LIMIT 3",
            [table],
        )
        return [(str(r), int(n)) for r, n in zip(frame["reasons"], frame["n"], strict=True)]

    # ------------------------------------------------------------------ causes
    def why_empty(self, table: str) -> Finding:
        """Why a table holds no accepted row: not declared, no file, not ingested, quarantined."""
        problem = self.source_problem(table)
        if problem is not None:
            return problem
        log = self._log[self._log["table_name"] == table] if len(self._log) else self._log
        if log.empty:
            n = len(self.files(table))
            return Finding(
                f"the store holds no {table} file ({n} file{'s' if n > 1 else ''} match now)",
                "run 'eco-eval ingest'",
            )
        read, quarantined = int(log["rows_read"].sum()), int(log["rows_quarantined"].sum())
        if read == 0:
            return Finding(
                f"the {table} files hold no data row",
                f"export the {table} data again (or check sources.{table}.header_row / sheet)",
            )
        reasons = self._reasons(table)
        said = ", ".join(f"{r} {n:,}" for r, n in reasons)
        return Finding(
            f"0 accepted {table} rows: {quarantined:,} quarantined ({said})",
            self.reason_fix(table, reasons[0][0] if reasons else ""),
        )

    def reason_fix(self, table: str, reasons: str) -> str:
        kind, _, field = reasons.split(";")[0].strip().partition(":")
        if kind in _FIELD_REASONS and field:
            return (
                f"check sources.{table}.columns.{field} and the values it holds (examples on "
                f"{QUALITY_PAGE}; accepted shapes in {ONBOARDING}), then run 'eco-eval ingest'"
            )
        return f"see the examples of '{reasons}' on {QUALITY_PAGE} and {ONBOARDING}"

    # ------------------------------------------------------------------ checks
    def rows(self, check: Check) -> Finding | None:
        table, need = str(check.value), self.threshold(check)
        n = self.count(table)
        if n == 0:
            return self.why_empty(table)
        if check.where:
            m = self.count(table, check.where)
            if m < need:
                return Finding(
                    f"{m:,} of {n:,} accepted {table} rows usable for {check.why} ({check.where})",
                    f"see {QUALITY_PAGE} for the {table} rows set aside; {ONBOARDING}",
                )
        if n < need:
            return Finding(
                f"{n:,} accepted {table} rows; {need:,} needed for {check.why}",
                f"wait for more data or add the missing {table} exports",
            )
        return None

    def fields(self, check: Check) -> Finding | None:
        table, need = str(check.table), self.threshold(check)
        if self.count(table) == 0:
            return self.why_empty(table)
        filled = self.filled(table)
        for field in check.value:
            n = filled.get(field, 0)
            if n >= need:
                continue
            column = self.mapped(table, field)
            if column is None:
                return self.unmapped(table, field)
            if n == 0:
                return Finding(
                    f"{table}.{field} (column '{column}') is empty in every accepted row",
                    f"check that sources.{table}.columns.{field} names the column that holds it",
                )
            return Finding(
                f"{table}.{field} is filled in {n:,} accepted rows; {need:,} needed for {check.why}",
                "wait for more data",
            )
        return None

    def instruments(self, check: Check) -> Finding | None:
        if self.count("barometer") == 0:
            return self.why_empty("barometer")
        base = set(TABLES["barometer"]) | {"source_file", "source_line"}
        answered = {c for c, n in self.filled("barometer").items() if n and c not in base}
        return self.instruments_finding(check, answered)

    def waves(self, check: Check) -> Finding | None:
        if self.count("barometer") == 0:
            return self.why_empty("barometer")
        need = int(check.value)
        waves = self.store.sql("SELECT DISTINCT wave FROM barometer WHERE wave IS NOT NULL")
        n = len(waves)
        if n >= need:
            return None
        return Finding(
            f"the barometer holds {n} wave{'s' if n != 1 else ''}; {need} needed for {check.why}",
            "add the next wave's export under sources.barometer.pattern, then run 'eco-eval ingest'",
        )

    def linked(self, check: Check) -> Finding | None:
        for table in ("barometer", "attendance"):
            if self.count(table) == 0:
                return self.why_empty(table)
        need = int(check.value)
        links = link_counts(self.store)
        if links.linked >= need:
            return None
        if links.with_key == 0:
            problem = self.person_key_problem()
            if problem is not None:
                return problem
        return Finding(
            f"{links.linked:,} of {links.responses:,} barometer responses linked to the "
            f"attendance register ({links.with_key:,} with a person key); {need} needed",
            "key both sources by the same identifier (matricule or e-mail, or an e-mail looked up "
            f"in a participant table); see {ONBOARDING}",
        )
