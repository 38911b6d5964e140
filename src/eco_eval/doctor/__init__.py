"""What a project's data supports: each bilan section and indicator, with causes and fixes.

``diagnose(project, store)`` checks the requirements of ``_data/requirements.yaml`` (sections) and
the ``sources`` of the indicator catalogue (indicators) against the store, or, with ``store=None``
(never ingested), against the configuration and the raw files' headers. ``eco-eval doctor``
prints the result; it is what an analyst runs first on a new city::

    from eco_eval.doctor import diagnose
    result = diagnose(project, open_store(project.store_path))
    [s.id for s in result.sections if s.status == "unsupported"]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from eco_eval.config import Project
from eco_eval.doctor.config_facts import ConfigFacts
from eco_eval.doctor.facts import Facts, Finding
from eco_eval.doctor.requirements import Check, SectionSpec, load_requirements
from eco_eval.doctor.store_facts import StoreFacts
from eco_eval.indicators.catalogue import load_catalogue

__all__ = [
    "STATUSES",
    "CheckResult",
    "Diagnosis",
    "IndicatorResult",
    "SectionResult",
    "diagnose",
    "render",
]

STATUSES = ("supported", "partial", "unsupported")


@dataclass(frozen=True)
class CheckResult:
    kind: str
    why: str
    required: bool
    ok: bool
    cause: str = ""
    fix: str = ""


@dataclass(frozen=True)
class SectionResult:
    id: str
    title: str
    status: str
    checks: tuple[CheckResult, ...]

    @property
    def problems(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.ok)


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    sources: tuple[str, ...]
    ok: bool
    cause: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Diagnosis:
    ingested: bool
    sections: tuple[SectionResult, ...]
    indicators: tuple[IndicatorResult, ...]
    #: configuration mistakes that stop ``eco-eval ingest`` (cause and fix)
    blockers: tuple[Finding, ...] = ()
    advice: tuple[str, ...] = field(default_factory=tuple)

    def section(self, section_id: str) -> SectionResult:
        return next(s for s in self.sections if s.id == section_id)

    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.sections) for s in STATUSES}

    def summary(self) -> str:
        c = self.counts()
        ok = sum(i.ok for i in self.indicators)
        scope = "" if self.ingested else " (configuration only: run 'eco-eval ingest')"
        n = len(self.blockers)
        blocked = f"{n} ingest blocker{'s' if n > 1 else ''}; " if n else ""
        return (
            f"doctor: {blocked}{c['supported']} sections supported, {c['partial']} partial, "
            f"{c['unsupported']} unsupported; {ok} of {len(self.indicators)} indicators "
            f"computable{scope}"
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["summary"] = self.summary()
        return out


def _run(facts: Facts, check: Check, required: bool) -> CheckResult:
    found: Finding | None = facts.evaluate(check)
    if found is None:
        return CheckResult(check.kind, check.why, required, True)
    return CheckResult(check.kind, check.why, required, False, found.cause, found.fix)


def _section(facts: Facts, spec: SectionSpec) -> SectionResult:
    required = [_run(facts, c, True) for c in spec.required]
    optional = [_run(facts, c, False) for c in spec.optional]
    if not all(c.ok for c in required) or (
        optional and not required and not any(c.ok for c in optional)
    ):
        status = "unsupported"
    elif not all(c.ok for c in optional):
        status = "partial"
    else:
        status = "supported"
    return SectionResult(spec.id, spec.title, status, (*required, *optional))


def _indicators(facts: Facts) -> tuple[IndicatorResult, ...]:
    by_table: dict[str, Finding | None] = {}
    out = []
    for ind in load_catalogue().indicators:
        found = None
        for table in ind.sources:
            if table not in by_table:
                by_table[table] = facts.evaluate(Check("rows", table, f"{table} rows"))
            found = found or by_table[table]
        out.append(
            IndicatorResult(
                ind.id, tuple(ind.sources), found is None,
                found.cause if found else "", found.fix if found else "",
            )
        )  # fmt: skip
    return tuple(out)


def diagnose(project: Project, store: Any | None) -> Diagnosis:
    """Which bilan sections and indicators the data supports, which not, why, and the fix.

    ``store``: the project's :class:`~eco_eval.store.Store`, or None before the first ingest
    (configuration-only checks: sources declared, files matching, mapped columns in the files'
    headers, barometer items, person keys)."""
    facts: Facts = ConfigFacts(project) if store is None else StoreFacts(project, store)
    sections = tuple(_section(facts, spec) for spec in load_requirements())
    blockers = tuple(facts.blockers())
    advice = tuple(facts.advice())
    return Diagnosis(store is not None, sections, _indicators(facts), blockers, advice)


def render(result: Diagnosis) -> str:
    """The diagnosis as the CLI prints it: one line per section, its causes and fixes below."""
    lines = []
    for b in result.blockers:
        lines.append(f"{'blocker':<12} {b.cause}")
        lines.append(f"{'':15}fix: {b.fix}")
    for s in result.sections:
        lines.append(f"{s.status:<12} {s.title}")
        seen = set()
        for c in s.problems:
            if c.cause in seen:
                continue
            seen.add(c.cause)
            what = "needs" if c.required else "without"
            lines.append(f"{'':13}- {what} {c.why}: {c.cause}")
            lines.append(f"{'':15}fix: {c.fix}")
    missing = [i for i in result.indicators if not i.ok]
    lines.append("")
    lines.append(
        f"indicators: {len(result.indicators) - len(missing)} of {len(result.indicators)} computable"
    )
    by_cause: dict[tuple[str, str], list[str]] = {}
    for i in missing:
        by_cause.setdefault((i.cause, i.fix), []).append(i.id)
    for (cause, fix), ids in by_cause.items():
        lines.append(f"{'':2}- not computable: {', '.join(ids)}")
        lines.append(f"{'':4}{cause}")
        lines.append(f"{'':4}fix: {fix}")
    lines += [f"note: {a}" for a in result.advice]
    lines.append(result.summary())
    return "\n".join(lines)
