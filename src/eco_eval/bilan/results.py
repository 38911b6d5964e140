"""The bilan's "innovation and results" section: the ideas funnel, results against exposure.

Built once per bilan, then called cell by cell in the notebook::

    from eco_eval.bilan.results import ResultsSection
    r = ResultsSection.from_bilan(b)
    HTML(r.heading() + r.summary())
    show(r.funnel())
    show(r.scatter("absence_rate"))
    HTML(r.relations_table())

Everything it shows comes from :mod:`eco_eval.indicators.results` (the period's figures and the
funnel since launch) and :mod:`eco_eval.results.exposure` (departments' exposure against the
change of their results). Sentences come from ``_data/labels/results_<lang>.yaml``; they state what
is shown (an association between departments, how many departments) and what is not (an effect,
anything about a person). Text from data is escaped (``html.escape``), numbers are written with
:mod:`eco_eval.report.fmt`. Departments with fewer staff than the anonymity threshold ``k`` still
count in the slopes but are not drawn as points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from eco_eval.bilan.sections import table
from eco_eval.indicators.funnel import FUNNEL_STAGES
from eco_eval.periods import Period
from eco_eval.release.model import RESULTS_FRAMES, period_from_entry
from eco_eval.report import _plot as P
from eco_eval.report.fmt import fmt_change, fmt_interval, fmt_number, fmt_percent, fmt_period
from eco_eval.report.i18n import Labels, section_labels
from eco_eval.report.theme import load_theme
from eco_eval.results.panel import department_means

if TYPE_CHECKING:
    from eco_eval.bilan import Bilan

__all__ = ["ResultsSection", "exposure_scatter", "funnel_figure", "heading", "results_labels"]

RATES = ("absence_rate", "turnover_rate")  # shares: slopes in points
SENTENCE_OUTCOMES = ("absence_rate", "turnover_rate", "citizen_satisfaction")
TABLE_OUTCOMES = ("absence_rate", "turnover_rate", "citizen_satisfaction", "ideas_per_100_staff")
STEP = 0.1  # slopes are written per 10 points of reach
SOURCES = ("ideas", "hr_results", "citizen_satisfaction")


def results_labels(lang: str) -> Mapping[str, str]:
    """The section's labels (``results.<key>``) of ``lang``."""
    return section_labels("results", lang)


def _t(labels: Labels, key: str, **values: Any) -> str:
    return labels.format(f"results.{key}", **values) if values else labels[f"results.{key}"]


def heading(labels: Labels) -> str:
    """The section's ``<h2>`` in the labels' language."""
    if "results.heading" not in labels:
        labels = labels.extend(results_labels(labels.lang))
    return f'<h2 id="results">{escape(_t(labels, "heading"))}</h2>'


# --------------------------------------------------------------------------- figures
def funnel_figure(
    counts: dict[str, int], rates: pd.DataFrame, labels: Labels, *, title: str, note: str = ""
) -> go.Figure:
    """The ideas funnel: ideas that reached each stage, with the conversion from the stage before.

    ``counts`` as :func:`eco_eval.indicators.results.funnel_counts`; ``rates`` the tidy rows of
    ``idea_study_rate``, ``idea_trial_rate``, ``idea_adoption_rate`` (value and Wilson interval)
    for the same ideas; ``note`` is printed under the funnel.
    """
    theme = load_theme()
    lang = labels.lang
    by_ind = rates.set_index("indicator") if len(rates) else pd.DataFrame()
    stage_rate = {"studied": "idea_study_rate", "trialled": "idea_trial_rate"}
    stage_rate["adopted"] = "idea_adoption_rate"
    names, values, texts, hovers = [], [], [], []
    for stage in FUNNEL_STAGES:
        name = _t(labels, f"stage_{stage}")
        count = fmt_number(counts.get(stage, 0), lang, digits=0)
        names.append(name)
        values.append(counts.get(stage, 0))
        ind = stage_rate.get(stage)
        if ind is None or ind not in by_ind.index:
            texts.append(count)
            hovers.append(_t(labels, "funnel_hover_first", stage=name, count=count))
            continue
        r = by_ind.loc[ind]
        rate = fmt_percent(r["value"], lang, digits=0)
        ci = fmt_interval(r["ci_low"], r["ci_high"], lang, digits=0, percent=True)
        texts.append(_t(labels, "funnel_text", count=count, rate=rate))
        hovers.append(_t(labels, "funnel_hover", stage=name, count=count, rate=rate, ci=ci))
    fig = go.Figure(
        go.Funnel(
            y=names,
            x=values,
            text=texts,
            textinfo="text",
            textposition="inside",
            constraintext="inside",
            marker={"color": theme.color("accent")},
            connector={"fillcolor": P.rgba(theme.color("accent"), 0.15)},
            customdata=hovers,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    if note:
        fig.add_annotation(
            text=escape(note, quote=False),
            xref="paper",
            yref="paper",
            x=0,
            y=-0.12,
            xanchor="left",
            showarrow=False,
            font={"color": theme.color("muted"), "size": 11},
        )
    return P.finish(fig, labels, theme, title=title, height=360)


def _scales(outcome: str, exposure: str) -> tuple[float, float]:
    """Plotted units: reach in % (x100), rates' changes in points (x100)."""
    return (100.0 if exposure == "reach_rate" else 1.0), (100.0 if outcome in RATES else 1.0)


#: Characters per line of the scatter's note and key under the chart.
SCATTER_NOTE_WIDTH = 100


def exposure_scatter(
    means: pd.DataFrame,
    relation: pd.Series | dict[str, Any],
    labels: Labels,
    *,
    outcome: str,
    exposure: str = "reach_rate",
    horizon: int = 1,
    title: str,
    min_staff: float = 0,
) -> go.Figure:
    """Departments' mean exposure against their mean change (or level) of ``outcome``, with the
    panel's slope (through the headcount-weighted centre of the points) and its 95 % band. Each
    point carries a number (the departments in alphabetical order), named in the key under the
    chart, so that a printed page names every department.

    ``means`` as :func:`eco_eval.results.panel.department_means`; ``relation`` one row of
    :func:`eco_eval.results.exposure.exposure_relations`. Departments whose mean headcount is
    below ``min_staff`` are not drawn.
    """
    theme = load_theme()
    lang = labels.lang
    xs, ys = _scales(outcome, exposure)
    pts = means[means["headcount"] >= min_staff]
    x = pts["exposure"].to_numpy(dtype=float) * xs
    y = pts["response"].to_numpy(dtype=float) * ys
    staff = pts["headcount"].to_numpy(dtype=float)
    exp_label = _t(labels, f"exposure_{exposure}")
    out_label = _t(labels, f"short_{outcome}")
    hover = [
        _t(
            labels, "scatter_hover", department=escape(str(d), quote=False), exposure=exp_label,
            x=fmt_number(a, lang, digits=1) + ("\xa0%" if exposure == "reach_rate" else ""),
            outcome=out_label, y=fmt_number(b, lang, digits=2), quarters=int(q),
            staff=fmt_number(s, lang, digits=0),
        )
        for d, a, b, q, s in zip(pts["department"], x, y, pts["n_quarters"], staff, strict=True)
    ]  # fmt: skip
    fig = go.Figure()
    slope = relation.get("estimate", np.nan) if relation is not None else np.nan
    if len(x) and np.isfinite(slope):
        w = staff * pts["n_quarters"].to_numpy(dtype=float)
        cx, cy = float(np.average(x, weights=w)), float(np.average(y, weights=w))
        grid = np.linspace(float(x.min()), float(x.max()), 50)
        factor = ys / xs

        def line(b: float) -> np.ndarray:
            return cy + b * factor * (grid - cx)

        lo, hi = line(float(relation["ci_low"])), line(float(relation["ci_high"]))
        fig.add_trace(
            go.Scatter(
                x=[*grid, *grid[::-1]],
                y=[*np.maximum(lo, hi), *np.minimum(lo, hi)[::-1]],
                fill="toself",
                mode="lines",
                line={"width": 0},
                fillcolor=P.rgba(theme.color("accent"), theme.ci_band_opacity),
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=line(float(slope)),
                mode="lines",
                name=_t(labels, "scatter_line"),
                line={"color": theme.color("accent"), "width": 2},
                hoverinfo="skip",
            )
        )
    # printed pages have no hover: each point carries a number, named in the key under the chart
    names = sorted(set(map(str, pts["department"])))
    number = {d: i + 1 for i, d in enumerate(names)}
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            name=_t(labels, "scatter_points"),
            marker={
                "size": 15 + 13 * np.sqrt(staff / max(float(staff.max(initial=1)), 1.0)),
                "color": theme.color("overlay"),
                "opacity": 0.85,
                "line": {"color": "white", "width": 1},
            },
            text=[str(number[str(d)]) for d in pts["department"]],
            textposition="middle center",
            textfont={"size": 9, "color": "white"},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    fig.add_hline(y=0, line={"color": theme.color("grid"), "width": 1})
    fig.update_xaxes(
        title={"text": _t(labels, f"axis_{exposure}")},
        ticksuffix="\xa0%" if exposure == "reach_rate" and lang == "fr" else "",
    )
    fig.update_yaxes(title={"text": _t(labels, f"axis_{outcome}")})
    key = _t(
        labels,
        "scatter_key",
        names=" · ".join(f"{number[d]}\xa0{escape(d, quote=False)}" for d in names),
    )
    # the note starts at the plot area, right of the axis' labels: narrower than a full line
    key = P.wrap(key, SCATTER_NOTE_WIDTH)
    note = P.wrap(_t(labels, "scatter_note"), SCATTER_NOTE_WIDTH) + "<br>" + key
    extra = 14 * (key.count("<br>") + 1)  # the key's lines, below the note
    fig.add_annotation(
        text=note,
        xref="paper",
        yref="paper",
        x=0,
        y=-0.32,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        font={"color": theme.color("muted"), "size": 10},
    )
    fig = P.finish(fig, labels, theme, title=title, height=540 + extra)
    fig.update_layout(
        legend={"orientation": "h", "y": -0.2, "x": 0, "yanchor": "top"},
        margin={"b": 150 + extra, "t": 80},
    )
    return fig


# --------------------------------------------------------------------------- the section
@dataclass
class ResultsSection:
    """What the section shows for one period, computed once."""

    period: Period
    since_launch: Period
    lang: str
    k: int
    labels: Labels
    current: pd.DataFrame  # organisational_results of the period
    cumulated: pd.DataFrame  # ... since launch
    panel: pd.DataFrame
    relations: pd.DataFrame
    #: The section's sources the store lacks.
    missing_sources: tuple[str, ...] = ()
    #: Ideas filed since launch at each stage (None without an ideas register).
    funnel_counts: Mapping[str, int] | None = None

    @classmethod
    def from_parts(
        cls,
        frames: Mapping[str, pd.DataFrame],
        facts: Mapping[str, Any],
        period: Period,
        *,
        lang: str = "fr",
        k: int = 5,
        labels: Labels,
    ) -> ResultsSection:
        """The section from a release's results frames and ``results`` manifest entry
        (:func:`eco_eval.release.results.results_part`)."""
        since = period_from_entry(facts["since_launch"])
        assert since is not None
        return cls(
            period=period,
            since_launch=since,
            lang=lang,
            k=k,
            labels=labels.extend(results_labels(lang)),
            current=frames["results_current"],
            cumulated=frames["results_cumulated"],
            panel=frames["results_panel"],
            relations=frames["results_relations"],
            missing_sources=tuple(facts.get("missing_sources", ())),
            funnel_counts=facts.get("funnel"),
        )

    @classmethod
    def from_bilan(cls, b: Bilan) -> ResultsSection:
        """The section of bilan ``b`` (its period, language, threshold, labels and release)."""
        release = b.release
        frames = {name: release.frame(name) for name in RESULTS_FRAMES}
        return cls.from_parts(
            frames,
            release.manifest.get("results") or {},
            b.period,
            lang=b.lang,
            k=b.k,
            labels=b.labels,
        )

    # ------------------------------------------------------------------ lookups
    def t(self, key: str, **values: Any) -> str:
        return _t(self.labels, key, **values)

    @staticmethod
    def _get(frame: pd.DataFrame, indicator: str, lever: str = "*", tool: str = "*") -> Any:
        sel = frame[
            (frame["indicator"] == indicator)
            & (frame["lever"] == lever)
            & (frame["tool"] == tool)
            & (frame["dimension"] == "*")
        ]
        return None if sel.empty else sel.iloc[0]

    def relation(
        self, outcome: str, exposure: str = "reach_rate", horizon: int = 1
    ) -> pd.Series | None:
        r = self.relations
        sel = r[(r["outcome"] == outcome) & (r["exposure"] == exposure) & (r["horizon"] == horizon)]
        return None if sel.empty else sel.iloc[0]

    def _slope(self, outcome: str, value: float) -> str:
        if outcome in RATES:
            return fmt_change(value * STEP, self.lang, kind="pp", digits=2)
        return f"{fmt_change(value * STEP, self.lang, kind='absolute', digits=2)}\xa0{self.t('unit_' + outcome)}"

    def _slope_ci(self, outcome: str, low: float, high: float) -> str:
        scale = STEP * (100 if outcome in RATES else 1)
        return fmt_interval(low * scale, high * scale, self.lang, digits=2)

    # ------------------------------------------------------------------ HTML
    def heading(self) -> str:
        return heading(self.labels)

    def sentences(self) -> list[str]:
        """The section's sentences, plain text (escaped by :meth:`summary`)."""
        lang, out = self.lang, []
        missing = [s for s in SOURCES if s in self.missing_sources]
        if missing:
            names = ", ".join(self.t(f"source_{s}") for s in missing)
            out.append(self.t("s_no_source", sources=names))
        out += self._idea_sentences()
        hr = {i: self._get(self.current, i) for i in ("absence_rate", "absence_rate_change")}
        turnover = self._get(self.current, "turnover_rate")
        if hr["absence_rate"] is not None and turnover is not None:
            change = hr["absence_rate_change"]
            out.append(
                self.t(
                    "s_hr",
                    absence=fmt_percent(hr["absence_rate"]["value"], lang),
                    change=fmt_change(change["value"] if change is not None else None, lang),
                    turnover=fmt_percent(turnover["value"], lang),
                )
            )
        sat = self._get(self.current, "citizen_satisfaction")
        if sat is not None:
            change = self._get(self.current, "citizen_satisfaction_change")
            out.append(
                self.t(
                    "s_citizens",
                    satisfaction=fmt_number(sat["value"], lang, digits=1),
                    change=fmt_change(
                        change["value"] if change is not None else None, lang, kind="absolute"
                    ),
                    n=fmt_number(sat["n"], lang, digits=0),
                )
            )
        for outcome in SENTENCE_OUTCOMES:
            if (s := self._relation_sentence(outcome)) is not None:
                out.append(s)
        if len(self.relations):
            out.append(self.t("s_not_causal"))
            sat_rel = self.relation("citizen_satisfaction")
            n = int(sat_rel["n_departments"]) if sat_rel is not None else 0
            out.append(self.t("s_not_shown", n=n))
        return out

    def _idea_sentences(self) -> list[str]:
        lang, c = self.lang, self.cumulated
        out: list[str] = []
        n = self._get(c, "ideas_proposed")
        if n is None or not n["value"]:
            return out
        shares = c[(c["indicator"] == "ideas_tool_share") & (c["lever"] != "*")]
        top = shares.nlargest(2, "value")
        tools = f" {self.t('and')} ".join(self.labels.tool(t) for t in top["tool"])
        outside = self._get(c, "ideas_outside_tools_share")
        overall = self._get(c, "idea_overall_adoption_rate")
        adopted = self._get(c, "ideas_adopted")
        out.append(
            self.t(
                "s_ideas",
                n=fmt_number(n["value"], lang, digits=0),
                share=fmt_percent(top["value"].sum(), lang, digits=0),
                tools=tools,
                outside=fmt_percent(outside["value"] if outside is not None else None, lang, digits=0),
                adopted=fmt_number(adopted["value"] if adopted is not None else 0, lang, digits=0),
                rate=fmt_percent(overall["value"] if overall is not None else None, lang, digits=0),
                ci=fmt_interval(
                    overall["ci_low"] if overall is not None else None,
                    overall["ci_high"] if overall is not None else None,
                    lang, digits=0, percent=True,
                ),
            )
        )  # fmt: skip
        weeks = self._get(c, "idea_median_weeks_to_adoption")
        if weeks is not None:
            out.append(
                self.t(
                    "s_ideas_time",
                    weeks=fmt_number(weeks["value"], lang, digits=0),
                    ci=fmt_interval(weeks["ci_low"], weeks["ci_high"], lang, digits=0),
                    n=fmt_number(weeks["n"], lang, digits=0),
                )
            )
        progress = self._get(c, "ideas_in_progress")
        if progress is not None and progress["value"]:
            out.append(self.t("s_ideas_progress", n=fmt_number(progress["value"], lang, digits=0)))
        out.append(self._gains_sentence())
        return out

    def _gains_sentence(self) -> str:
        lang, f = self.lang, self.current
        adopted = self._get(f, "ideas_adopted")
        if adopted is None or not adopted["value"]:
            return self.t("s_no_gains")
        hours, cost, users = (
            self._get(f, i)
            for i in ("adopted_hours_saved", "adopted_cost_saved", "adopted_users_affected")
        )
        return self.t(
            "s_gains",
            n=fmt_number(adopted["value"], lang, digits=0),
            hours=fmt_number(hours["value"] if hours is not None else None, lang, digits=0),
            cost=fmt_number(cost["value"] if cost is not None else None, lang, digits=0),
            n_cost=fmt_number(cost["n"] if cost is not None else 0, lang, digits=0),
            users=fmt_number(users["value"] if users is not None else None, lang, digits=0),
        )

    def _relation_sentence(self, outcome: str) -> str | None:
        r = self.relation(outcome)
        if r is None:
            return None
        if not np.isfinite(r["estimate"]):
            return self.t(
                "s_relation_missing",
                n=int(r["n_departments"]),
                outcome=self.t(f"outcome_{outcome}"),
            )
        values = {
            "slope": self._slope(outcome, float(r["estimate"])),
            "ci": self._slope_ci(outcome, float(r["ci_low"]), float(r["ci_high"])),
            "n": int(r["n_departments"]),
            "obs": fmt_number(r["n_observations"], self.lang, digits=0),
        }
        if r["ci_low"] > 0 or r["ci_high"] < 0:
            return self.t("s_relation", outcome_short=self.t(f"short_{outcome}"), **values)
        return self.t("s_relation_none", outcome=self.t(f"outcome_{outcome}"), **values)

    def summary(self) -> str:
        """The sentences as an HTML list (every sentence escaped)."""
        items = "".join(f"<li>{escape(s)}</li>" for s in self.sentences())
        return f'<ul class="eco-summary">{items}</ul>'

    def relations_table(self) -> str:
        """Slopes of each result on reach, at t+1 and t+2, with the method in a note."""
        rows = []
        for outcome in TABLE_OUTCOMES:
            for h in (1, 2):
                r = self.relation(outcome, horizon=h)
                if r is None:
                    continue
                if not np.isfinite(r["estimate"]):
                    slope, ci, reading = "–", "–", self.t("reading_missing")
                else:
                    slope = self._slope(outcome, float(r["estimate"]))
                    ci = self._slope_ci(outcome, float(r["ci_low"]), float(r["ci_high"]))
                    found = r["ci_low"] > 0 or r["ci_high"] < 0
                    reading = self.t("reading_association" if found else "reading_none")
                rows.append(
                    [
                        self.t(f"name_{outcome}"), self.t("horizon", h=h), slope, ci, int(r["n_departments"]),
                        fmt_number(r["n_observations"], self.lang, digits=0), reading,
                    ]
                )  # fmt: skip
        if not rows:
            return f"<p>{escape(self.t('no_panel'))}</p>"
        headers = [
            self.t(c)
            for c in (
                "col_outcome", "col_horizon", "col_slope", "col_ci", "col_departments", "col_obs",
                "col_reading",
            )
        ]  # fmt: skip
        note = (
            f'<p class="eco-muted">{escape(self.t("method"))} {escape(self.t("s_not_causal"))}</p>'
        )
        return table(headers, rows, cls="eco-table eco-results") + note

    # ------------------------------------------------------------------ figures
    def funnel(self) -> go.Figure:
        """The funnel of the ideas filed since launch (cohort, as the register stands)."""
        if self.funnel_counts is None:
            return _empty(self.labels, self.t("no_ideas"))
        counts = dict(self.funnel_counts)
        rates = self.cumulated[
            self.cumulated["indicator"].isin(
                ["idea_study_rate", "idea_trial_rate", "idea_adoption_rate"]
            )
            & (self.cumulated["lever"] == "*")
        ]
        title = self.t(
            "funnel_title",
            period=fmt_period(self.since_launch.label, self.lang),
            n=fmt_number(counts["proposed"], self.lang, digits=0),
        )
        note = self.t(
            "funnel_note",
            dropped=fmt_number(counts["dropped"], self.lang, digits=0),
            in_progress=fmt_number(counts["in_progress"], self.lang, digits=0),
        )
        return funnel_figure(counts, rates, self.labels, title=title, note=note)

    def scatter(
        self, outcome: str = "absence_rate", exposure: str = "reach_rate", horizon: int = 1
    ) -> go.Figure:
        """Departments' exposure against ``outcome`` at t + ``horizon``, with the fitted slope."""
        r = self.relation(outcome, exposure, horizon)
        if r is None:
            return _empty(self.labels, self.t("no_panel"))
        means = department_means(self.panel, outcome, exposure=exposure, horizon=horizon)
        title = self.t(
            "scatter_title",
            exposure=self.t(f"exposure_{exposure}"),
            outcome=self.t(f"outcome_{outcome}"),
            h=horizon,
            n=int(r["n_departments"]),
        )
        return exposure_scatter(
            means, r, self.labels, outcome=outcome, exposure=exposure, horizon=horizon,
            title=title, min_staff=self.k,
        )  # fmt: skip


def _empty(labels: Labels, message: str) -> go.Figure:
    theme = load_theme()
    fig = go.Figure()
    fig.add_annotation(text=escape(message, quote=False), showarrow=False, x=0.5, y=0.5)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return P.finish(fig, labels, theme, title="", height=160)
