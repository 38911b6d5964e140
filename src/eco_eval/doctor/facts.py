"""What the doctor knows about a project's data, answering each kind of check.

:class:`Facts` holds what both modes share (the configuration, the raw files, the thresholds, the
wording of causes and fixes); :class:`~eco_eval.doctor.store_facts.StoreFacts` answers from the
store after an ingest, :class:`~eco_eval.doctor.config_facts.ConfigFacts` from the configuration
and the raw files' headers before the first one. A check answers None when it passes, else a
:class:`Finding`: the cause and the fix, one line each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from eco_eval.config import Project, Source
from eco_eval.doctor.requirements import Check
from eco_eval.ingest.mapping import column_required
from eco_eval.schema import load_schema

ONBOARDING = "docs/onboarding.md"
QUALITY_PAGE = "reports/data-quality/latest.html"
#: canonical fields that identify a person (the barometer-attendance link goes through one of them)
PERSON_FIELDS = ("matricule", "email")


@dataclass(frozen=True)
class Finding:
    """Why a check failed and what to do about it."""

    cause: str
    fix: str


def span(items: Iterable[str]) -> str:
    """``swemwbs_1..swemwbs_7``, or the one item."""
    seq = list(items)
    return seq[0] if len(seq) == 1 else f"{seq[0]}..{seq[-1]}" if seq else ""


class Facts:
    """The checks of one project; subclasses supply the data-dependent answers."""

    #: True when the answers come from an ingested store (False: configuration and headers only)
    ingested = False

    def __init__(self, project: Project):
        self.project = project

    # ------------------------------------------------------------------ dispatch
    def evaluate(self, check: Check) -> Finding | None:
        if check.kind == "file":
            return self.file(check)
        return getattr(self, check.kind)(check)  # type: ignore[no-any-return]

    def threshold(self, check: Check) -> int:
        """``min`` of the check: a number or a privacy threshold's name (``k_drivers``)."""
        if isinstance(check.min, str):
            return int(getattr(self.project.privacy, check.min))
        return int(check.min)

    # ------------------------------------------------------------------ shared answers
    def source(self, table: str) -> Source | None:
        return self.project.sources.get(table)

    @cached_property
    def _files(self) -> dict[str, list[Path]]:
        return {
            name: sorted(p for p in self.project.raw_dir.glob(src.pattern) if p.is_file())
            for name, src in self.project.sources.items()
        }

    def files(self, table: str) -> list[Path]:
        return self._files.get(table, [])

    def source_problem(self, table: str) -> Finding | None:
        """The source is not declared, or no raw file matches its pattern."""
        src = self.source(table)
        if src is None:
            return Finding(
                f"no source '{table}' declared in eco_eval.yaml",
                f"declare sources.{table} (pattern, columns) in eco_eval.yaml; see docs/configuration.md",
            )
        if not self.files(table):
            where = self.project.raw_dir_name
            return Finding(
                f"no file under {where}/ matches sources.{table}.pattern '{src.pattern}'",
                f"put the {table} export under {where}/ or fix the pattern, then run 'eco-eval ingest'",
            )
        return None

    def mapped(self, table: str, field: str) -> str | None:
        """The file column (or lookup) a canonical field is read from, None when not declared."""
        src = self.source(table)
        if src is None:
            return None
        if field in src.columns:
            return src.columns[field]
        lookups: Mapping[str, Any] = getattr(src, "lookups", None) or {}
        if field in lookups:
            spec = lookups[field]
            col = spec.get("column") if isinstance(spec, Mapping) else getattr(spec, "column", None)
            return f"{col} (lookup)" if col else "(lookup)"
        return None

    def unmapped(self, table: str, field: str) -> Finding:
        return Finding(
            f"{table} has no {field}: sources.{table}.columns has no '{field}'",
            f"if the export has one, map it in eco_eval.yaml (sources.{table}.columns.{field}: <its column>)",
        )

    def person_key_problem(self) -> Finding | None:
        """The barometer or the attendance register maps no person identifier."""
        for table in ("barometer", "attendance"):
            if self.source(table) is not None and not any(
                self.mapped(table, f) for f in PERSON_FIELDS
            ):
                return Finding(
                    f"{table} respondents carry no person key: sources.{table} maps neither "
                    f"{' nor '.join(PERSON_FIELDS)}",
                    f"map the {table}'s matricule or e-mail column (or an e-mail looked up in a "
                    f"participant table, sources.{table}.lookups); see {ONBOARDING}",
                )
        return None

    def instrument_groups(self, ids: Iterable[str]) -> dict[str, tuple[Any, ...]]:
        """``climate`` -> every lever's climate instrument; any other id -> that instrument."""
        instruments = self.project.instruments()
        out: dict[str, tuple[Any, ...]] = {}
        for iid in ids:
            if iid == "climate":
                out[iid] = tuple(i for i in instruments.values() if i.lever)
            elif iid in instruments:
                out[iid] = (instruments[iid],)
            else:
                out[iid] = ()
        return out

    def instruments_finding(self, check: Check, answered: set[str]) -> Finding | None:
        """Compare the instruments' items with the ``answered`` item codes."""
        missing: list[str] = []
        for iid, group in self.instrument_groups(check.value).items():
            lacking = [
                i for i in group if len(set(i.items) & answered) < len(i.items) - i.max_missing
            ]
            if not group:
                missing.append(f"no instrument '{iid}' declared")
            elif iid == "climate" and lacking:
                names = ", ".join(i.lever for i in lacking[:4]) + (
                    ", ..." if len(lacking) > 4 else ""
                )
                missing.append(f"{len(lacking)} of {len(group)} lever climate scales ({names})")
            elif lacking:
                inst = lacking[0]
                n = len(set(inst.items) & answered)
                missing.append(f"{n} of {len(inst.items)} {iid} items ({span(inst.items)})")
        n_groups = len(check.value)
        if not missing or (check.any and len(missing) < n_groups):
            return None
        return Finding(
            "barometer items missing: " + "; ".join(missing),
            "map the items with sources.barometer.items (a rule whose 'to:' gives the item codes) "
            "or redefine the instrument under 'instruments:' in eco_eval.yaml (docs/instruments.md)",
        )

    def advice(self) -> list[str]:
        """What to do before trusting the diagnosis (e.g. ingest files the store lacks)."""
        return []

    def blockers(self) -> list[Finding]:
        """Configuration mistakes that stop ``eco-eval ingest``: required fields not mapped."""
        schema = load_schema()
        out = []
        for name in self.project.sources:
            for fld, spec in schema.get(name, {}).get("fields", {}).items():
                if column_required(spec) and self.mapped(name, fld) is None:
                    out.append(
                        Finding(
                            f"sources.{name}.columns has no entry for the required field '{fld}': ingest stops",
                            f"add '{fld}: <column name in the file>' under sources.{name}.columns in eco_eval.yaml",
                        )
                    )
        return out

    def file(self, check: Check) -> Finding | None:
        if check.value != "actions":
            return Finding(f"unknown file '{check.value}'", "fix requirements.yaml")
        name = self.project.actions_file
        if not name:
            return Finding(
                "no actions file declared ('actions:' in eco_eval.yaml)",
                "write the directorate's actions in actions.yaml and declare 'actions: actions.yaml'; see docs/configuration.md",
            )
        if not (self.project.root / name).exists():
            return Finding(
                f"the actions file '{name}' does not exist", f"create {name} or fix 'actions:'"
            )
        return None

    # ------------------------------------------------------------------ per mode
    def rows(self, check: Check) -> Finding | None:
        raise NotImplementedError

    def fields(self, check: Check) -> Finding | None:
        raise NotImplementedError

    def instruments(self, check: Check) -> Finding | None:
        raise NotImplementedError

    def waves(self, check: Check) -> Finding | None:
        raise NotImplementedError

    def linked(self, check: Check) -> Finding | None:
        raise NotImplementedError
