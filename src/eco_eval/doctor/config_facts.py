"""The doctor's answers before the first ingest: the configuration and the raw files' headers.

Rows are not counted here (the gate decides which are accepted): a check passes when its source is
declared, its files exist and the mapped columns are in their headers; the diagnosis then advises
running ``eco-eval ingest`` for the counts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from eco_eval.config import safe_regex
from eco_eval.doctor.facts import Facts, Finding
from eco_eval.doctor.requirements import Check
from eco_eval.errors import EcoEvalError, did_you_mean
from eco_eval.ingest.mapping import column_required, find_column
from eco_eval.readers import read_file
from eco_eval.schema import load_schema


class ConfigFacts(Facts):
    ingested = False

    @cache  # noqa: B019 - one Facts per diagnosis
    def header(self, path: Path) -> tuple[str, ...] | Finding:
        """The columns of a raw file as ingest reads them, or why it cannot be read."""
        table = next(t for t in self.project.sources if path in self.files(t))
        src = self.project.sources[table]
        fmt = None if src.format == "auto" else src.format
        sheet = src.sheet if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"} else None
        try:
            raw = read_file(path, format=fmt, sheet=sheet, header_row=src.header_row)
        except EcoEvalError as exc:
            return Finding(str(exc), f"run 'eco-eval inspect {path}' and adjust sources.{table}")
        return tuple(str(c) for c in raw.frame.columns)

    def advice(self) -> list[str]:
        return ["no store yet: run 'eco-eval ingest', then 'eco-eval doctor' again for the counts"]

    def blockers(self) -> list[Finding]:
        """Also: unreadable files, and required columns missing from a file's header."""
        out = super().blockers()
        schema = load_schema()
        for name, src in self.project.sources.items():
            fields = schema.get(name, {}).get("fields", {})
            required = [
                (f, src.columns[f])
                for f, s in fields.items()
                if column_required(s) and f in src.columns
            ]
            for path in self.files(name):
                header = self.header(path)
                if isinstance(header, Finding):
                    out.append(header)
                    continue
                for fld, wanted in required:
                    if find_column(header, wanted) is None:
                        out.append(self.missing_column(name, fld, wanted, path, header))
        return out

    def missing_column(
        self, table: str, field: str, wanted: str, path: Path, header: tuple[str, ...]
    ) -> Finding:
        return Finding(
            f"column '{wanted}' (sources.{table}.columns.{field}) is not in the header of "
            f"{path.name}{did_you_mean(wanted, header)}",
            f"set sources.{table}.columns.{field} to the export's column "
            f"('eco-eval inspect {path}' lists them)",
        )

    def rows(self, check: Check) -> Finding | None:
        return self.source_problem(str(check.value))

    def fields(self, check: Check) -> Finding | None:
        table = str(check.table)
        problem = self.source_problem(table)
        if problem is not None:
            return problem
        first = self.files(table)[0]
        header = self.header(first)
        if isinstance(header, Finding):
            return header
        src = self.project.sources[table]
        for field in check.value:
            column = self.mapped(table, field)
            if column is None:
                return self.unmapped(table, field)
            wanted = src.columns.get(field)
            if wanted is not None and find_column(header, wanted) is None:
                return self.missing_column(table, field, wanted, first, header)
        return None

    def instruments(self, check: Check) -> Finding | None:
        problem = self.source_problem("barometer")
        if problem is not None:
            return problem
        rules = self.project.sources["barometer"].items
        answered: set[str] = set()
        for path in self.files("barometer"):
            header = self.header(path)
            if isinstance(header, Finding):
                return header
            for col in header:
                for rule in rules:
                    match = safe_regex(rule.match).fullmatch(col)
                    if match:
                        answered.add(match.expand(rule.to))
                        break
                else:
                    answered.add(col)
        return self.instruments_finding(check, answered)

    def waves(self, check: Check) -> Finding | None:
        problem = self.source_problem("barometer")
        if problem is not None:
            return problem
        pattern = self.project.sources["barometer"].wave_from
        if not pattern:
            return None  # waves come from the responses: known after ingest
        waves = {
            m.group("wave")
            for p in self.files("barometer")
            if (m := safe_regex(pattern).search(p.name))
        }
        need = int(check.value)
        if len(waves) >= need:
            return None
        return Finding(
            f"{len(waves)} barometer wave(s) in the file names (sources.barometer.wave_from); "
            f"{need} needed for {check.why}",
            "add the next wave's export under sources.barometer.pattern",
        )

    def linked(self, check: Check) -> Finding | None:
        for table in ("barometer", "attendance"):
            problem = self.source_problem(table)
            if problem is not None:
                return problem
        return self.person_key_problem()
