"""Sections that cannot be shown: one sentence naming the cause and the fix, never a crash.

Every section of the bilan and of the lever deep dives is a :class:`~eco_eval.bilan.Bilan` method
wrapped by :func:`section`. Before the section is built, the sources it needs for the period
(``_data/report/sections.yaml``) are checked; a section may also give up on finer grounds (a
breakdown absent from the data, a single barometer wave) by raising :class:`SectionUnavailable`.
Either way the section is replaced by :class:`Unavailable`: one HTML sentence that both
``IPython.display.HTML`` and :func:`eco_eval.report.figures.show` display, so that the notebooks
need no ``try``.

:func:`diagnose` says why a source has no usable rows, from the configuration, the ingest log and
the quarantine, in the report's language (``bilan.u_*`` labels): not declared in ``eco_eval.yaml``,
no file matching its pattern, files without rows, every row quarantined (with the main reason and
an example value, as on the data-quality page), or no row for the period.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from eco_eval.data_yaml import read_yaml
from eco_eval.errors import EcoEvalError
from eco_eval.report.fmt import fmt_number, fmt_period
from eco_eval.report.quality import latest_log, reason_text
from eco_eval.report.theme import data_path

if TYPE_CHECKING:
    from eco_eval.bilan import Bilan

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

#: Sources whose absence is reported (the others have no table of their own).
SOURCES = (
    "sessions",
    "attendance",
    "headcount",
    "feedback",
    "barometer",
    "ideas",
    "hr_results",
    "citizen_satisfaction",
)


#: Quarantine reasons about a value's form, whose example value helps to fix the configuration.
EXAMPLE_REASONS = ("parse", "range", "allowed", "in_span", "codebook")


class SectionUnavailable(EcoEvalError):
    """A section cannot be shown: ``cause`` and ``fix`` are sentences in the report's language."""

    exit_code = 6

    def __init__(self, cause: str, fix: str = "") -> None:
        self.cause, self.fix = cause, fix
        super().__init__(f"{cause}; {fix}" if fix else cause)


class Unavailable(str):
    """The HTML sentence standing for a section (a ``str``, so it concatenates with headings;
    ``_repr_html_`` makes notebooks and :func:`~eco_eval.report.figures.show` render it)."""

    def _repr_html_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Needs:
    """The sources a section needs: ``all`` of them, and at least one of ``any``."""

    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    return dict(read_yaml(data_path("report", "sections.yaml").read_text(encoding="utf-8")))


def section_needs() -> Mapping[str, Needs]:
    """Every section of the bilan and what it needs (``_data/report/sections.yaml``)."""
    return {
        name: Needs(tuple(doc.get("all", ())), tuple(doc.get("any", ())))
        for name, doc in _catalogue()["sections"].items()
    }


def outcome_source(outcome: str) -> str | None:
    """The source of an organisational result (``absence_rate`` -> ``hr_results``)."""
    return _catalogue()["outcomes"].get(outcome)


# --------------------------------------------------------------------------- diagnosis
def _facts(b: Bilan, source: str) -> Mapping[str, Any]:
    """What ``source`` gives the period, as the release records it
    (:func:`eco_eval.release.sources.source_facts`)."""
    found = (b.release.manifest.get("sources") or {}).get(source)
    return found or {"present": False, "rows": 0, "in_period": False, "span": [], "columns": []}


def diagnose(b: Bilan, source: str) -> SectionUnavailable | None:
    """Why ``source`` gives the period nothing (None when it has rows for the period); computed
    once per bilan and source (the sections ask many times, and attendance can be large)."""
    cache: dict[str, SectionUnavailable | None] = b.__dict__.setdefault("_diagnoses", {})
    if source not in cache:
        cache[source] = _diagnose(b, source)
    return cache[source]


def _diagnose(b: Bilan, source: str) -> SectionUnavailable | None:
    facts = _facts(b, source)
    if facts["rows"] and facts["in_period"]:
        return None
    name = b.t(f"source_{source}")
    project = b.project
    config = project.sources.get(source) if project is not None else None
    if project is not None and config is None:
        return SectionUnavailable(
            b.t("u_not_configured", source=name, name=source),
            b.t("u_not_configured_fix", name=source),
        )
    files = _log_rows(b, source)
    raw = project.raw_dir_name if project is not None else "data/raw"
    pattern = config.pattern if config is not None else "?"
    if files.empty:
        return SectionUnavailable(
            b.t("u_no_file", source=name, pattern=pattern, raw=raw),
            b.t("u_no_file_fix", name=source, raw=raw),
        )
    read, accepted = int(files["rows_read"].sum()), int(files["rows_accepted"].sum())
    if read == 0:
        return SectionUnavailable(
            b.t("u_no_rows", source=name, files=_count(b, len(files))),
            b.t("u_no_rows_fix", name=source),
        )
    if accepted == 0:
        return SectionUnavailable(
            b.t(
                "u_quarantined",
                source=name,
                n=_count(b, int(files["rows_quarantined"].sum())),
                reason=_main_reason(b, source),
            ),
            b.t("u_quarantined_fix", name=source),
        )
    span = _span(b, facts)
    if source == "barometer":  # waves are not per period: the first one comes later
        return SectionUnavailable(
            b.t("u_no_wave_yet", period=_period(b), span=span), b.t("u_no_wave_yet_fix")
        )
    return SectionUnavailable(
        b.t("u_not_in_period", source=name, period=_period(b), span=span),
        b.t("u_not_in_period_fix", raw=raw),
    )


def _count(b: Bilan, n: int) -> str:
    return fmt_number(n, b.lang, digits=0)


def _period(b: Bilan) -> str:
    return fmt_period(b.period.label, b.lang)


def _log_rows(b: Bilan, source: str) -> pd.DataFrame:
    """The ingest-log rows of the files of ``source`` now in the store (codebooks left out)."""
    log_frame = b.quality.get("log", pd.DataFrame())
    if log_frame is None or log_frame.empty:
        return pd.DataFrame(columns=["rows_read", "rows_accepted", "rows_quarantined"])
    latest = latest_log(log_frame)
    return latest[latest["table_name"] == source]


def _main_reason(b: Bilan, source: str) -> str:
    """The most frequent quarantine reason of ``source`` in words, with an example value from
    the quarantined rows when the reason names a field (« valeur illisible (as_of) « 2015-T2 » »)."""
    q = b.quality.get("quarantine", pd.DataFrame())
    if q is None or q.empty:
        return "–"
    q = q[q["table_name"] == source]
    counts: Counter[str] = Counter()
    for reasons, n in zip(q["reasons"], q["n"], strict=True):
        for part in str(reasons).split(";"):
            if part.strip():
                counts[part.strip()] += int(n)
    if not counts:
        return "–"
    reason = counts.most_common(1)[0][0]
    text = reason_text(reason, b.labels)
    example = _example(b, source, reason, q)
    return b.t("u_reason_example", reason=text, value=example) if example else text


def _example(b: Bilan, source: str, reason: str, quarantine: pd.DataFrame) -> str:
    """A raw value of the field ``reason`` names (``parse:as_of``), from a quarantined row."""
    kind, _, field = reason.partition(":")
    project = b.project
    if kind not in EXAMPLE_REASONS or project is None or source not in project.sources:
        return ""
    config = project.sources[source]
    if field in config.identifiers:  # never an identifier, even pseudonymised
        return ""
    column = config.columns.get(field)
    if column is None or "raw" not in quarantine.columns:
        return ""
    for reasons, raw in zip(quarantine["reasons"], quarantine["raw"], strict=True):
        if reason in [r.strip() for r in str(reasons).split(";")] and isinstance(raw, str):
            value = json.loads(raw or "{}").get(column)
            return "" if value is None else str(value)[:40]
    return ""


def _span(b: Bilan, facts: Mapping[str, Any]) -> str:
    """First and last quarter (or wave) the source covers, in words."""
    if not facts["span"]:
        return "–"
    first, last = (fmt_period(v, b.lang) for v in facts["span"])
    return first if first == last else f"{first} – {last}"


def check(b: Bilan, name: str) -> None:
    """Raise :class:`SectionUnavailable` when section ``name`` lacks a source it needs."""
    needs = section_needs()[name]
    for source in needs.all:
        if (problem := diagnose(b, source)) is not None:
            raise problem
    if needs.any:
        problems = [diagnose(b, s) for s in needs.any]
        if all(p is not None for p in problems):
            raise problems[0]  # type: ignore[misc]


def require(b: Bilan, source: str) -> None:
    """Raise :class:`SectionUnavailable` when ``source`` gives the period nothing."""
    if (problem := diagnose(b, source)) is not None:
        raise problem


def notes(b: Bilan, sources: tuple[str, ...]) -> list[str]:
    """One sentence (cause ; fix) per source of ``sources`` that gives the period nothing."""
    return [sentence(b, p) for s in sources if (p := diagnose(b, s)) is not None]


def sentence(b: Bilan, exc: SectionUnavailable) -> str:
    """« cause ; fix. » in the report's language."""
    return b.t("u_sentence", cause=exc.cause, fix=exc.fix) if exc.fix else exc.cause


def unavailable(b: Bilan, exc: SectionUnavailable) -> Unavailable:
    """The paragraph that replaces a section (text escaped)."""
    return Unavailable(f'<p class="eco-unavailable">{escape(sentence(b, exc))}</p>')


def section(name: str) -> Callable[[F], F]:
    """Decorate a :class:`~eco_eval.bilan.Bilan` method building section ``name`` (a key of
    ``_data/report/sections.yaml``): check its sources, then build it; on
    :class:`SectionUnavailable` return the sentence instead."""
    if name not in section_needs():
        raise KeyError(f"section {name!r} is not declared in _data/report/sections.yaml")

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def guarded(b: Bilan, *args: Any, **kwargs: Any) -> Any:
            try:
                check(b, name)
                return method(b, *args, **kwargs)
            except SectionUnavailable as exc:
                log.info("section %s not shown: %s", name, exc)
                return unavailable(b, exc)

        return guarded  # type: ignore[return-value]

    return wrap


# --------------------------------------------------------------------------- finer grounds
def _has(b: Bilan, source: str, column: str) -> bool:
    return column in _facts(b, source)["columns"]


def require_breakdown(b: Bilan, dimension: str) -> None:
    """Raise when ``dimension`` (``category``...) is missing from attendance or headcount: reach
    by a breakdown needs it on both sides."""
    if dimension in {"all", "*"}:
        return
    missing = [s for s in ("attendance", "headcount") if not _has(b, s, dimension)]
    if missing:
        raise no_breakdown(b, [dimension], missing)


def no_breakdown(b: Bilan, dimensions: Sequence[str], missing: Sequence[str]) -> SectionUnavailable:
    """Why reach by ``dimensions`` cannot be shown: the tables (``attendance``, ``headcount``)
    they are ``missing`` from, and the fix (declare the column, or drop the breakdown)."""
    where = "both" if len(missing) == 2 else missing[0]
    names = [b.labels[f"dimension.{d}"] for d in dimensions]
    return SectionUnavailable(
        b.t(
            "u_no_breakdown",
            dimension=", ".join(names[:-1]) + b.t("breakdowns_and") + names[-1]
            if len(names) > 1
            else names[0],
            where=b.t(f"u_where_{where}"),
        ),
        b.t(
            "u_no_breakdown_fix",
            columns=", ".join(f"sources.{s}.columns.{d}" for d in dimensions for s in missing),
            field=", ".join(dimensions),
        ),
    )


def require_waves(b: Bilan, n: int) -> None:
    """Raise when fewer than ``n`` barometer waves precede the period's end (an evolution or an
    effect needs two)."""
    waves = list((b.release.manifest.get("wellbeing") or {}).get("waves", []))
    if len(waves) >= n:
        return
    if not waves:
        require(b, "barometer")  # says why there is none
    raw = b.project.raw_dir_name if b.project is not None else "data/raw"
    raise SectionUnavailable(
        b.t("u_single_wave", wave=fmt_period(str(waves[-1]), b.lang)),
        b.t("u_single_wave_fix", raw=raw),
    )


def require_indicator(b: Bilan, indicator: str, lever: str = "*") -> None:
    """Raise when the quarterly history has no ``indicator`` for ``lever``: its sources give the
    period nothing (their own sentence), or they lack the columns it is computed from."""
    h = b.history
    if ((h["indicator"] == indicator) & (h["lever"] == lever)).any():
        return
    sources = b.catalogue[indicator].sources if indicator in b.catalogue else ()
    for source in sources:
        require(b, source)
    name = b.catalogue[indicator].name(b.lang) if indicator in b.catalogue else indicator
    where = ", ".join(f"sources.{s}.columns" for s in sources) or "sources"
    raise SectionUnavailable(
        b.t("u_no_indicator", indicator=name), b.t("u_no_indicator_fix", where=where)
    )


def require_scale(b: Bilan, indicator: str) -> None:
    """Raise when the barometer gives no ``indicator`` (its scale's items are not recognised)."""
    levels = b.release.frame("wellbeing_levels")
    if len(levels) and (levels["indicator"] == indicator).any():
        return
    raise SectionUnavailable(
        b.t("u_no_scale", scale=b.wellbeing_labels().indicator(indicator)),
        b.t("u_no_scale_fix"),
    )
