"""The bilan's content: what each notebook cell shows, read from the period's release.

``Bilan.from_release(...)`` reads a period's release (:mod:`eco_eval.release`): the anonymised
indicators of the period, the previous period and a year before, the quarterly history since
launch, the barometer and results tables, computed once for every output. Each section method
returns an HTML string (every text from data escaped) or a plotly figure; the notebook only calls
them. Sentences are generated from the numbers with the wording of ``_data/labels/bilan_<lang>.yaml``
and never claim more than the design allows: activity and stated opinions, no causal wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from eco_eval.bilan import benchmark as _benchmark
from eco_eval.bilan import first_page as _first_page
from eco_eval.bilan import programme as _programme
from eco_eval.bilan import sections as _sections
from eco_eval.bilan import wellbeing as _wb
from eco_eval.bilan.results import ResultsSection, heading
from eco_eval.bilan.unavailable import (
    outcome_source,
    require,
    require_breakdown,
    require_indicator,
    require_scale,
    require_waves,
    section,
)
from eco_eval.config import load_project
from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.catalogue import Catalogue, load_catalogue
from eco_eval.indicators.core import DIMENSIONS
from eco_eval.periods import Period
from eco_eval.release.files import load_release
from eco_eval.release.model import Release
from eco_eval.report.fmt import format_indicator
from eco_eval.report.i18n import Labels, section_labels
from eco_eval.schema import as_sentinel


def bilan_labels(lang: str) -> Mapping[str, str]:
    """The bilan's labels (``bilan.<key>``) of ``lang``."""
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
    #: The release the bilan shows (:mod:`eco_eval.release`): every figure comes from it.
    release: Release
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
    def from_release(
        cls,
        release: Release | str | Path,
        *,
        lang: str = "fr",
        lever_pages: str = "",
        project: Any = None,
    ) -> Bilan:
        """The bilan of a :class:`~eco_eval.release.Release` (or of the release folder at that
        path), in ``lang``; nothing is computed again.

        ``project``: the loaded configuration (default: the one of the release's
        ``project_dir`` when it is there, else none — the packaged ecosystem and labels);
        ``lever_pages``: the folder of the lever deep dives, relative to the bilan ("" when none
        are published with it).
        """
        if not isinstance(release, Release):
            release = load_release(release)
        manifest = release.manifest
        if project is None:
            folder = manifest.get("project_dir")
            if folder and (Path(folder) / "eco_eval.yaml").is_file():
                project = load_project(folder)
        eco = project.ecosystem() if project is not None else load_ecosystem()
        catalogue = load_catalogue()
        labels = Labels(lang, ecosystem=eco, catalogue=catalogue).extend(bilan_labels(lang))
        period = release.period
        compare_to = release.compare_to
        provenance = dict(manifest.get("provenance") or {})
        provenance["parameters"] = {
            "period": period.label,
            "compare_to": compare_to.label if compare_to is not None else None,
            "lang": lang,
            "k": release.k,
        }
        return cls(
            period,
            compare_to,
            lang,
            release.k,
            str(manifest.get("organisation") or ""),
            release,
            eco,
            catalogue,
            labels,
            release.frame("current"),
            release.frame("history"),
            {
                "log": release.frame("quality_log"),
                "quarantine": release.frame("quality_quarantine"),
            },
            project,
            provenance,
            lever_pages,
            release.year_before,
            tuple(manifest.get("breakdowns", DIMENSIONS)),
            {d: tuple(t) for d, t in (manifest.get("missing_breakdowns") or {}).items()},
        )

    # ----------------------------------------------------------------- lookups
    def figure(
        self, indicator: str, lever: str = "*", dimension: str = "*", group: str = "*"
    ) -> pd.Series | None:
        """The period's row of ``indicator`` (None when absent); ``"*"`` (or ``"all"``) is the
        whole programme in ``lever``, the whole staff in ``dimension`` and ``group``."""
        lever, dimension, group = (as_sentinel(v) for v in (lever, dimension, group))
        f = self.current
        sel = f[
            (f["indicator"] == indicator)
            & (f["lever"] == lever)
            & (f["dimension"] == dimension)
            & (f["group"] == group)
        ]
        return None if sel.empty else sel.iloc[0]

    def fmt(self, indicator: str, value: Any, *, suppressed: bool = False) -> str:
        """A figure of ``indicator`` written as the catalogue's display rule says."""
        return format_indicator(
            self.catalogue, indicator, value, self.lang, suppressed=suppressed, k=self.k
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
        return f'<h2 id="{escape(key)}">{escape(self.t("h_" + key))}</h2>'

    @section("lever_header")
    def lever_header(self, lever_id: str) -> str:
        return _sections.lever_header(self, lever_id)

    @section("lever_card")
    def lever_card(self, lever_id: str) -> str:
        return _sections.lever_cards(self, only=lever_id)

    @section("lever_trend")
    def lever_trend(self, lever_id: str, indicator: str) -> Any:
        require_indicator(self, indicator, lever_id)
        return _sections.trend(self, indicator, lever=lever_id)

    @section("lever_effects")
    def lever_effects(self, lever_id: str) -> str:
        """The lever's effects on its climate and on mental well-being, in words."""
        return _sections.lever_effects(self, lever_id)

    @section("lever_sensitivity")
    def lever_sensitivity(self, lever_id: str) -> str:
        """The sensitivity analyses of the lever's effects: single-lever model, department
        clustering, first difference, dose, pre-trend check (:func:`eco_eval.bilan.wellbeing.lever_sensitivity`)."""
        return _wb.lever_sensitivity(self, lever_id)

    @section("lever_feedback")
    def lever_feedback(self, lever_id: str) -> str:
        """The lever's comment themes and quoted comments."""
        return _sections.lever_feedback(self, lever_id)

    def lever_actions(self, lever_id: str) -> str:
        """The directorate's actions on the lever."""
        return _sections.lever_actions(self, lever_id)

    @section("lever_reach")
    def lever_reach(self, lever_id: str, dimension: str) -> str:
        require_breakdown(self, dimension)
        return _sections.reach_by(self, dimension, lever=lever_id)

    @section("cover")
    def cover(self) -> str:
        return _sections.cover(self)

    @section("first_page")
    def first_page(self) -> str:
        """Key figures as tiles, what works, what does not, what to decide
        (:mod:`eco_eval.bilan.first_page`)."""
        return _first_page.first_page(self)

    @section("key_figures")
    def key_figures(self) -> str:
        return _sections.key_figures(self)

    @section("summary")
    def summary(self) -> str:
        return _sections.summary(self)

    @section("wheel")
    def wheel(self) -> Any:
        return _sections.wheel(self)

    @section("lever_cards")
    def lever_cards(self) -> str:
        return _sections.lever_cards(self)

    @section("lever_table")
    def lever_table(self) -> str:
        """The twelve levers side by side (:func:`eco_eval.bilan.sections.lever_table`)."""
        return _sections.lever_table(self)

    @section("reach_by")
    def reach_by(self, dimension: str) -> str:
        require_breakdown(self, dimension)
        return _sections.reach_by(self, dimension)

    @section("reach_by")
    def reach_breakdowns(self) -> str:
        return _sections.reach_breakdowns(self)

    def breakdowns_note(self) -> str:
        return _sections.breakdowns_note(self)

    @section("reach_heatmap")
    def reach_heatmap(self, dimension: str | None = None) -> Any:
        if dimension is not None:
            require_breakdown(self, dimension)
        return _sections.reach_heatmap(self, dimension)

    @section("trend")
    def trend(self, indicator: str = "sessions_held") -> Any:
        return _sections.trend(self, indicator)

    @section("cost")
    def cost(self) -> str:
        return _sections.cost(self)

    @section("comment_themes")
    def comment_themes(self) -> str:
        return _sections.comment_themes(self)

    @section("verbatims")
    def verbatims(self) -> str:
        return _sections.verbatims(self)

    # --- well-being and impact (eco_eval.bilan.wellbeing) -------------------------------------
    def wellbeing_labels(self) -> Labels:
        """The labels of the well-being sections (the bilan's, with the scales' names)."""
        return _wb.section(self).labels

    def wellbeing(self) -> str:
        return _wb.heading(self, "wellbeing") + self._wellbeing()

    @section("wellbeing")
    def _wellbeing(self) -> str:
        return _wb.wellbeing(self)

    @section("wellbeing_trend")
    def wellbeing_trend(self, indicator: str = "swemwbs_mean") -> Any:
        require_scale(self, indicator)
        return _wb.trend_figure(self, indicator)

    def reliability(self) -> str:
        return _wb.heading(self, "reliability") + self._reliability()

    @section("reliability")
    def _reliability(self) -> str:
        return _wb.reliability(self)

    def impact(self, outcome: str = "climate", *, with_heading: bool = False) -> str:
        return (_wb.heading(self, "impact") if with_heading else "") + self._impact(outcome)

    @section("impact")
    def _impact(self, outcome: str) -> str:
        return _wb.impact(self, outcome)

    @section("impact_figure")
    def impact_figure(self, outcome: str = "climate") -> Any:
        require_waves(self, 2)
        return _wb.impact_figure(self, outcome)

    def drivers(self) -> str:
        return _wb.heading(self, "drivers") + self._drivers()

    @section("drivers")
    def _drivers(self) -> str:
        return _wb.drivers(self)

    def next_steps(self) -> str:
        return _wb.heading(self, "next_steps") + self._next_steps()

    @section("next_steps")
    def _next_steps(self) -> str:
        return _wb.next_steps(self)

    @section("lever_impact")
    def lever_impact(self, lever_id: str) -> str:
        return _wb.lever_impact(self, lever_id)

    # --- organisational results (eco_eval.bilan.results) --------------------------------------
    def results_section(self) -> Any:
        """The bilan's :class:`~eco_eval.bilan.results.ResultsSection`, built on first use."""
        cached = getattr(self, "_results_section", None)
        if cached is None:
            cached = ResultsSection.from_bilan(self)
            self._results_section = cached
        return cached

    def results(self) -> str:
        """The section's heading and sentences."""
        return heading(self.labels) + self._results_summary()

    @section("results_summary")
    def _results_summary(self) -> str:
        return str(self.results_section().summary())

    @section("results_funnel")
    def results_funnel(self) -> Any:
        return self.results_section().funnel()

    @section("results_scatter")
    def results_scatter(self, outcome: str = "absence_rate") -> Any:
        if (source := outcome_source(outcome)) is not None:
            require(self, source)
        return self.results_section().scatter(outcome)

    @section("results_relations")
    def results_relations(self) -> str:
        return str(self.results_section().relations_table())

    # --- comparison with other cities (eco_eval.bilan.benchmark) --------------------------------
    def benchmark(self) -> str:
        """« Comparaison avec d'autres collectivités »: heading and section, or "" when the
        project configures no folder of other cities' packages (``report.benchmark``)."""
        if not _benchmark.configured(self):
            return ""
        return _benchmark.heading(self) + self._benchmark()

    @section("benchmark")
    def _benchmark(self) -> str:
        return _benchmark.body(self)

    def benchmark_figure(self) -> Any:
        """The comparison's figure, or None when the section is not shown."""
        return _benchmark.figure(self)

    # --- the programme's own objectives (eco_eval.bilan.programme) -----------------------------
    @section("partage")
    def partage(self) -> str:
        """Mixing between departments and categories, bridges, each lever's mixing."""
        return _programme.partage(self)

    @section("partage_matrix")
    def encounter_matrix(self) -> Any:
        """The department × department encounter heatmap (hidden cells blank)."""
        return _programme.encounter_figure(self)

    def encounter_note(self) -> str:
        return _programme.encounter_note(self)

    @section("valorisation")
    def valorisation(self) -> str:
        """The facilitator pool, its load and concentration, the progression from participant."""
        return _programme.valorisation(self)

    @section("generations")
    def generations(self, lever: str | None = None) -> str:
        """The ecosystem's dated changes since launch (one lever's in a deep dive)."""
        return _programme.generations(self, lever)

    # --- the rest ------------------------------------------------------------------------------
    @section("data_quality")
    def data_quality(self) -> str:
        return _sections.data_quality(self)

    @section("glossary")
    def glossary(self) -> str:
        """The technical terms, each with one plain sentence."""
        return _sections.glossary(self)

    @section("methods")
    def methods(self) -> str:
        return _sections.methods(self)

    @section("actions")
    def actions(self) -> str:
        return _sections.actions(self)

    def links(self) -> str:
        """Links to all the bilans, the deep dives, data quality and the open data."""
        return _sections.links(self)

    @section("provenance")
    def provenance_block(self) -> str:
        return _sections.provenance(self)

    @property
    def today(self) -> date:
        return date.today()
