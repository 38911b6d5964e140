"""The bilan's content: what each notebook cell shows, computed once from the store.

``Bilan.load(...)`` reads the store and computes the anonymised indicators of the period, the
previous period and a year before, and the quarterly history since launch. Each section method
returns an HTML string (every text from data escaped) or a plotly figure; the notebook only calls
them. Sentences are generated from the numbers with the wording of ``_data/labels/bilan_<lang>.yaml``
and never claim more than the design allows: activity and stated opinions, no causal wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from eco_eval.bilan.unavailable import require_breakdown, require_scale, require_waves, section
from eco_eval.indicators import publication_periods, with_comparison
from eco_eval.indicators.catalogue import Catalogue, load_catalogue
from eco_eval.indicators.core import DIMENSIONS, Tables, missing_breakdowns, present_breakdowns
from eco_eval.periods import (
    Period,
    check_after_launch,
    comparison_note,
    parse_period,
    quarter_range,
)

PERCENT = {
    "reach_rate",
    "cumulative_reach_rate",
    "repeat_participation_rate",
    "cancellation_rate",
    "satisfaction_top2",
    "feedback_response_rate",
}
KEY_FIGURES = (
    "sessions_held",
    "unique_participants",
    "reach_rate",
    "cumulative_reach_rate",
    "satisfaction_mean",
    "recommendation_score",
    "staff_time_days",
    "lever_balance",
)


def _sections() -> Any:
    from eco_eval.bilan import sections

    return sections


def _wb() -> Any:
    """The well-being sections (imported on first use: they load the statistics)."""
    from eco_eval.bilan import wellbeing

    return wellbeing


def bilan_labels(lang: str) -> Mapping[str, str]:
    """The bilan's labels (``bilan.<key>``) of ``lang``."""
    from eco_eval.report.i18n import section_labels

    return section_labels("bilan", lang)


@dataclass
class Bilan:
    """Everything one bilan shows, for one period, language and anonymity threshold."""

    period: Period
    #: The period compared with (None when it would end before the programme's launch).
    compare_to: Period | None
    lang: str
    k: int
    organisation: str
    tables: Tables
    eco: Any
    catalogue: Catalogue
    labels: Any
    current: pd.DataFrame
    history: pd.DataFrame
    quality: dict[str, pd.DataFrame] = field(default_factory=dict)
    project: Any = None
    provenance: dict[str, Any] = field(default_factory=dict)
    #: Folder of the lever deep dives relative to the bilan ("" when none are published with it).
    lever_pages: str = ""
    #: The same period a year before (None when it would end before the programme's launch).
    year_before: Period | None = None
    #: The breakdowns shown: those of ``report.breakdowns`` (default all) present in both the
    #: headcount and the attendance.
    breakdowns: tuple[str, ...] = DIMENSIONS
    #: The breakdowns asked for but absent, each with the tables it is missing from.
    missing_breakdowns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        store_path: str | Path,
        period: str,
        *,
        compare_to: str | None = None,
        lang: str = "fr",
        k: int = 5,
        organisation: str = "",
        project_dir: str | Path | None = None,
        lever_pages: str = "",
        suppression_log: str | Path | None = None,
    ) -> Bilan:
        """Everything the bilan of ``period`` shows, anonymised with threshold ``k``.

        ``suppression_log``: the CSV where the bilans published before keep the cells they hid
        (``data/processed/bilan_suppression_log.csv``; absent for the first bilan): those cells
        stay hidden here too (:func:`eco_eval.indicators.release`).
        """
        from eco_eval.indicators import release
        from eco_eval.report.i18n import Labels
        from eco_eval.store import open_store

        project = None
        if project_dir is not None and (Path(project_dir) / "eco_eval.yaml").exists():
            from eco_eval.config import load_project

            project = load_project(project_dir)
            eco = project.ecosystem()
        else:
            from eco_eval.ecosystem import load_ecosystem

            eco = load_ecosystem()
        store = open_store(store_path)
        tables = Tables.from_store(store)
        p = check_after_launch(parse_period(period, launch=eco.launch), eco.launch)
        periods = publication_periods(p, eco.launch)
        if compare_to:  # asked for explicitly: used as it is
            periods["previous"] = parse_period(compare_to, launch=eco.launch)
        prev = periods.get("previous")
        catalogue = load_catalogue()
        labels = Labels(lang, ecosystem=eco, catalogue=catalogue).extend(bilan_labels(lang))
        from eco_eval.privacy.suppression import read_suppression_log

        earlier = read_suppression_log(suppression_log)
        instruments = project.instruments() if project is not None else None
        by = project.report_breakdowns if project is not None else DIMENSIONS
        frames, log = release(
            tables, eco, periods, k=k, suppression_log=earlier, instruments=instruments, by=by
        )
        current = with_comparison(
            frames["current"],
            frames.get("previous"),
            frames.get("year"),
            note="" if compare_to else comparison_note(p, eco.launch),
        )
        history = cls._history(tables, eco, p, k, log, instruments)
        from eco_eval.store_quality import REASON_EXAMPLES_SQL

        quality = {
            "log": store.table("ingest_log"),
            "quarantine": store.sql(REASON_EXAMPLES_SQL),
        }
        from eco_eval import __version__
        from eco_eval.pipeline import git_commit

        provenance = {
            "version": __version__,
            "commit": git_commit(),
            "parameters": {
                "period": p.label,
                "compare_to": prev.label if prev is not None else None,
                "lang": lang,
                "k": k,
                "store_path": str(store_path),
            },
            "inputs": dict(sorted(store.known_files().items())),
        }
        return cls(
            p,
            prev,
            lang,
            k,
            organisation,
            tables,
            eco,
            catalogue,
            labels,
            current,
            history,
            quality,
            project,
            provenance,
            lever_pages,
            periods.get("year"),
            present_breakdowns(tables, by),
            missing_breakdowns(tables, by),
        )

    @staticmethod
    def _history(
        tables: Tables,
        eco: Any,
        period: Period,
        k: int,
        log: pd.DataFrame | None = None,
        instruments: Any = None,
    ) -> pd.DataFrame:
        """Programme- and lever-level figures of every quarter from launch to the period's end.

        ``log``: the cells hidden in the bilan's own tables (and earlier bilans); they stay hidden
        in the trends, or a lever's count hidden in the previous quarter's table to protect a small
        department would show in its trend line."""
        from eco_eval.indicators import anonymise
        from eco_eval.indicators.implementation import implementation
        from eco_eval.indicators.reach import reach
        from eco_eval.indicators.reaction import reaction

        first = Period(eco.launch, eco.launch, "launch").quarters[0]
        parts = []
        for q in quarter_range(first, period.last_quarter):
            qp = parse_period(q)
            raw = pd.concat(
                [
                    implementation(tables, qp, eco),
                    reach(tables, qp, eco, by=()),
                    reaction(tables, qp, eco, instruments),
                ],
                ignore_index=True,
            )
            parts.append(anonymise(raw, k=k, suppression_log=log))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    # ----------------------------------------------------------------- lookups
    def figure(
        self, indicator: str, lever: str = "*", dimension: str = "all", group: str = "*"
    ) -> pd.Series | None:
        f = self.current
        sel = f[
            (f["indicator"] == indicator)
            & (f["lever"] == lever)
            & (f["dimension"] == dimension)
            & (f["group"] == group)
        ]
        return None if sel.empty else sel.iloc[0]

    def fmt(self, indicator: str, value: Any, *, suppressed: bool = False) -> str:
        from eco_eval.report.fmt import fmt_value

        digits = (
            0
            if indicator
            in {
                "sessions_held",
                "sessions_planned",
                "sessions_cancelled",
                "unique_participants",
                "participations",
                "departments_reached",
                "departments_hosting",
                "active_quarters",
                "idle_levers",
                "staff_time_days",
                "facilitator_hours",
                "participant_hours",
                "recommendation_score",
            }
            else (
                2
                if indicator
                in {"lever_balance", "dissimilarity_index", "participation_ratio", "staff_time_fte"}
                else 1
            )
        )
        return fmt_value(
            value,
            self.lang,
            percent=indicator in PERCENT,
            digits=digits,
            suppressed=suppressed,
            k=self.k,
        )

    def t(self, key: str, **values: Any) -> str:
        return (
            self.labels.format(f"bilan.{key}", **values) if values else self.labels[f"bilan.{key}"]
        )

    # ----------------------------------------------------------------- sections
    # Each section is checked against the sources it needs (``_data/report/sections.yaml``) and
    # replaced by one sentence naming the cause and the fix when they give the period nothing
    # (:mod:`eco_eval.bilan.unavailable`); the notebooks call these methods without ``try``.
    def h2(self, key: str) -> str:
        """A section heading in the report's language, with a stable anchor."""
        from html import escape

        return f'<h2 id="{escape(key)}">{escape(self.t("h_" + key))}</h2>'

    @section("lever_header")
    def lever_header(self, lever_id: str) -> str:
        return _sections().lever_header(self, lever_id)

    @section("lever_card")
    def lever_card(self, lever_id: str) -> str:
        return _sections().lever_cards(self, only=lever_id)

    @section("lever_trend")
    def lever_trend(self, lever_id: str, indicator: str) -> Any:
        return _sections().trend(self, indicator, lever=lever_id)

    @section("lever_reach")
    def lever_reach(self, lever_id: str, dimension: str) -> str:
        require_breakdown(self, dimension)
        return _sections().reach_by(self, dimension, lever=lever_id)

    @section("cover")
    def cover(self) -> str:
        return _sections().cover(self)

    @section("key_figures")
    def key_figures(self) -> str:
        return _sections().key_figures(self)

    @section("summary")
    def summary(self) -> str:
        return _sections().summary(self)

    @section("wheel")
    def wheel(self) -> Any:
        return _sections().wheel(self)

    @section("lever_cards")
    def lever_cards(self) -> str:
        return _sections().lever_cards(self)

    @section("reach_by")
    def reach_by(self, dimension: str) -> str:
        require_breakdown(self, dimension)
        return _sections().reach_by(self, dimension)

    @section("reach_by")
    def reach_breakdowns(self) -> str:
        return _sections().reach_breakdowns(self)

    def breakdowns_note(self) -> str:
        return _sections().breakdowns_note(self)

    @section("reach_heatmap")
    def reach_heatmap(self, dimension: str | None = None) -> Any:
        if dimension is not None:
            require_breakdown(self, dimension)
        return _sections().reach_heatmap(self, dimension)

    @section("trend")
    def trend(self, indicator: str = "sessions_held") -> Any:
        return _sections().trend(self, indicator)

    @section("cost")
    def cost(self) -> str:
        return _sections().cost(self)

    @section("comment_themes")
    def comment_themes(self) -> str:
        return _sections().comment_themes(self)

    @section("verbatims")
    def verbatims(self) -> str:
        return _sections().verbatims(self)

    # --- well-being and impact (eco_eval.bilan.wellbeing) -------------------------------------
    def wellbeing(self) -> str:
        return _wb().heading(self, "wellbeing") + self._wellbeing()

    @section("wellbeing")
    def _wellbeing(self) -> str:
        return _wb().wellbeing(self)

    @section("wellbeing_trend")
    def wellbeing_trend(self, indicator: str = "swemwbs_mean") -> Any:
        require_scale(self, indicator)
        return _wb().trend_figure(self, indicator)

    def reliability(self) -> str:
        return _wb().heading(self, "reliability") + self._reliability()

    @section("reliability")
    def _reliability(self) -> str:
        return _wb().reliability(self)

    def impact(self, outcome: str = "climate", *, with_heading: bool = False) -> str:
        return (_wb().heading(self, "impact") if with_heading else "") + self._impact(outcome)

    @section("impact")
    def _impact(self, outcome: str) -> str:
        return _wb().impact(self, outcome)

    @section("impact_figure")
    def impact_figure(self, outcome: str = "climate") -> Any:
        require_waves(self, 2)
        return _wb().impact_figure(self, outcome)

    def drivers(self) -> str:
        return _wb().heading(self, "drivers") + self._drivers()

    @section("drivers")
    def _drivers(self) -> str:
        return _wb().drivers(self)

    def next_steps(self) -> str:
        return _wb().heading(self, "next_steps") + self._next_steps()

    @section("next_steps")
    def _next_steps(self) -> str:
        return _wb().next_steps(self)

    @section("lever_impact")
    def lever_impact(self, lever_id: str) -> str:
        return _wb().lever_impact(self, lever_id)

    # --- organisational results (eco_eval.bilan.results) --------------------------------------
    def results_section(self) -> Any:
        """The bilan's :class:`~eco_eval.bilan.results.ResultsSection`, built on first use."""
        cached = getattr(self, "_results_section", None)
        if cached is None:
            from eco_eval.bilan.results import ResultsSection

            cached = ResultsSection.from_bilan(self)
            self._results_section = cached
        return cached

    def results(self) -> str:
        """The section's heading and sentences."""
        from eco_eval.bilan.results import heading

        return heading(self.labels) + self._results_summary()

    @section("results_summary")
    def _results_summary(self) -> str:
        return str(self.results_section().summary())

    @section("results_funnel")
    def results_funnel(self) -> Any:
        return self.results_section().funnel()

    @section("results_scatter")
    def results_scatter(self, outcome: str = "absence_rate") -> Any:
        from eco_eval.bilan.unavailable import outcome_source, require

        if (source := outcome_source(outcome)) is not None:
            require(self, source)
        return self.results_section().scatter(outcome)

    @section("results_relations")
    def results_relations(self) -> str:
        return str(self.results_section().relations_table())

    # --- the rest ------------------------------------------------------------------------------
    @section("data_quality")
    def data_quality(self) -> str:
        return _sections().data_quality(self)

    @section("methods")
    def methods(self) -> str:
        return _sections().methods(self)

    @section("actions")
    def actions(self) -> str:
        return _sections().actions(self)

    @section("provenance")
    def provenance_block(self) -> str:
        return _sections().provenance(self)

    @property
    def today(self) -> date:
        return date.today()
