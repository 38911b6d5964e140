"""The bilan's well-being sections: levels, reliability, per-lever impact, drivers, next steps.

Built once per bilan (the impact models and the driver bootstrap take a few seconds), then called
cell by cell in the notebook::

    from eco_eval.bilan import wellbeing as wb
    HTML(wb.heading(b, "wellbeing") + wb.wellbeing(b)); show(wb.trend_figure(b))
    HTML(wb.reliability(b))
    HTML(wb.impact(b, "climate")); show(wb.impact_figure(b, "climate"))
    HTML(wb.impact(b, "swemwbs"))
    HTML(wb.drivers(b))
    HTML(wb.next_steps(b))
    HTML(wb.lever_impact(b, "bien_etre"))        # in a lever card (lever_impact_text: plain)

The figures come from :mod:`eco_eval.wellbeing` (anonymised there). Sentences come from
``_data/labels/wellbeing_<lang>.yaml`` and follow the evidence: causal words ("a entraîné",
"effet") only when the row's ``causal_wording_allowed`` is true (SMS level 3, difference in
differences on linked respondents) and the effect is clear after FDR control; otherwise
"est associé à" / "association", or "no clear effect" with the minimum detectable effect. Text from
data is escaped with ``html.escape``; numbers are written with :mod:`eco_eval.report.fmt`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from eco_eval.bilan.wording import claim, short_verdict, verdict, verdict_word
from eco_eval.errors import ConfigError, did_you_mean
from eco_eval.indicators.core import COLUMNS
from eco_eval.report import _plot as P
from eco_eval.report import figures
from eco_eval.report.cells import text_table
from eco_eval.report.fmt import (
    fmt_change,
    fmt_interval,
    fmt_number,
    fmt_percent,
    fmt_period,
    fmt_suppressed,
    fmt_wave,
    is_missing,
)
from eco_eval.report.i18n import Labels, section_labels
from eco_eval.report.theme import load_theme
from eco_eval.wellbeing.covariates import COVARIATES
from eco_eval.wellbeing.plan import phase_in_plan

if TYPE_CHECKING:
    from eco_eval.bilan import Bilan

__all__ = [
    "WellbeingSection",
    "drivers",
    "heading",
    "impact",
    "impact_figure",
    "lever_impact",
    "lever_impact_text",
    "lever_sensitivity",
    "next_steps",
    "reliability",
    "section",
    "trend_figure",
    "weights_methods",
    "wellbeing",
    "wellbeing_labels",
]

LEVEL_INDICATORS = (
    "swemwbs_mean",
    "wemwbs_mean",
    "who5_mean",
    "who5_poor_wellbeing_share",
    "who5_likely_depression_share",
)
SHARES = {"who5_poor_wellbeing_share", "who5_likely_depression_share"}


def wellbeing_labels(lang: str) -> Mapping[str, str]:
    """The section's labels (``wellbeing.<key>``) of ``lang``."""
    return section_labels("wellbeing", lang)


def _table(headers: list[str], rows: list[list[str]], cls: str = "eco-table") -> str:
    """An HTML table of already formatted text; every cell and header is escaped."""
    return text_table(headers, rows, cls=cls)


def _interval(
    low: object, high: object, lang: str, *, digits: int = 2, percent: bool = False
) -> str:
    """``[0,12 ; 0,34]``; bounds rounded first so that a bound of -0.001 reads 0,00, not -0,00."""
    if is_missing(low) or is_missing(high):
        return fmt_interval(low, high, lang)
    shift = 2 if percent else 0
    lo, hi = (round(float(v), digits + shift) + 0.0 for v in (low, high))  # type: ignore[arg-type]
    return fmt_interval(lo, hi, lang, digits=digits, percent=percent)


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{escape(text)}</p>' if cls else f"<p>{escape(text)}</p>"


@dataclass
class WellbeingSection:
    """What the well-being sections of one bilan show, read from the bilan's release."""

    b: Any
    labels: Labels
    k: int
    #: The release's ``wellbeing`` manifest entry (:func:`eco_eval.release.wellbeing.wellbeing_part`).
    facts: Mapping[str, Any]
    levels: pd.DataFrame
    reliability_frame: pd.DataFrame
    impact_frame: pd.DataFrame
    drivers_frame: pd.DataFrame
    waves: list[str] = field(default_factory=list)

    @classmethod
    def from_bilan(cls, b: Bilan) -> WellbeingSection:
        """Gather what the sections need from a :class:`~eco_eval.bilan.Bilan` and its release."""
        labels = b.labels.extend(wellbeing_labels(b.lang))
        labels = labels.extend(
            {
                f"indicator.{i}": labels[f"wellbeing.ind_{i}"]
                for i in (*LEVEL_INDICATORS, "climate_mean")
            }
        )
        release = b.release
        facts = release.manifest.get("wellbeing") or {}
        return cls(
            b,
            labels,
            b.k,
            facts,
            release.frame("wellbeing_levels"),
            release.frame("wellbeing_reliability"),
            release.frame("wellbeing_impact"),
            release.frame("wellbeing_drivers"),
            [str(w) for w in facts.get("waves", [])],
        )

    # ------------------------------------------------------------------ helpers
    def t(self, key: str, **values: Any) -> str:
        """A label of the section, with its placeholders filled."""
        return (
            self.labels.format(f"wellbeing.{key}", **values)
            if values
            else self.labels[f"wellbeing.{key}"]
        )

    @property
    def lang(self) -> str:
        return str(self.b.lang)

    @property
    def wave(self) -> str | None:
        return self.waves[-1] if self.waves else None

    @property
    def previous(self) -> str | None:
        return self.waves[-2] if len(self.waves) > 1 else None

    @property
    def _wave_windows(self) -> dict[str, tuple[object, object]]:
        """Each wave's fielding window: first and last submission dates (empty without them)."""
        return {
            str(w): (pd.Timestamp(start), pd.Timestamp(end))
            for w, (start, end) in (self.facts.get("wave_windows") or {}).items()
        }

    def wave_name(self, wave: object) -> str:
        """A wave in words: ``sources.barometer.wave_label`` when configured, else « mai 2015 »
        (:func:`eco_eval.report.fmt.fmt_wave`)."""
        start, end = self._wave_windows.get(str(wave), (None, None))
        project = getattr(self.b, "project", None)
        source = project.sources.get("barometer") if project is not None else None
        template = source.wave_label if source is not None else None
        return fmt_wave(str(wave), self.lang, start=start, end=end, template=template)

    def num(self, value: object, digits: int = 1) -> str:
        return fmt_number(value, self.lang, digits=digits)

    def unit(self, value: object) -> str:
        """``point`` or ``points``: French puts the plural from 2 on (« 1,5 point »), English
        everywhere but 1."""
        size = float("nan") if is_missing(value) else abs(float(value))  # type: ignore[arg-type]
        plural = size >= 2 if self.lang == "fr" else size != 1
        return self.t("points") if plural else self.t("point")

    def tool_name(self, lever_id: str) -> str:
        tools = self.b.eco.tools_of(lever_id)
        return ", ".join(self.labels.tool(t.id) for t in tools) or self.labels.lever(lever_id)

    @property
    def k_drivers(self) -> int:
        """The threshold of the key-drivers table (respondents per lever)."""
        return int(self.b.release.manifest["k_drivers"])

    def headline(self, outcome: str) -> pd.DataFrame:
        """Impact rows shown in the bilan: pooled over the pairs when there are several."""
        f = self.impact_frame
        if f.empty:
            return f
        f = f[f["outcome"] == outcome]
        pooled = f[f["pooled"]]
        return pooled if len(pooled) else f[f["wave_to"] == self.wave]

    def pairs_text(self, row: pd.Series) -> str:
        first, last = self.wave_name(row["wave_from"]), self.wave_name(row["wave_to"])
        if bool(row["pooled"]):
            return self.t("pairs_pooled", n=int(row["n_pairs"]), first=first, last=last)
        return self.t("pairs_single", first=first, last=last)

    def sentence(self, row: pd.Series) -> str:
        """The plain-language reading of one impact row; its wording follows the SMS level."""
        tool = self.tool_name(str(row["lever"]))
        outcome = self.t(f"outcome_{row['outcome']}")
        if bool(row.get("suppressed", False)):
            return self.t("s_suppressed", k=self.k)
        if is_missing(row["estimate"]):
            return self.t("s_not_estimated", tool=tool)
        if row.get("design") == "cross_sectional_programme":
            tool = self.t("any_tool")
        values = {
            "tool": tool,
            "outcome": outcome,
            "estimate": fmt_change(row["estimate"], self.lang, kind="absolute", digits=2),
            "moved": self.t("moved_up" if float(row["estimate"]) >= 0 else "moved_down"),
            "unit": self.unit(row["estimate"]),
            "ci": _interval(row["ci_low"], row["ci_high"], self.lang, digits=2),
            "period": self.covers(row),
            "n_treated": fmt_number(row["n_treated"], self.lang, digits=0),
            "n_control": fmt_number(row["n_control"], self.lang, digits=0),
            "mde": self.num(row["mde"], 2),
            "mde_unit": self.unit(row["mde"]),
        }
        if verdict(row).key in ("demonstrated", "probable", "possible"):
            # « progressé de 0,37 point de plus »: the size without its sign, the verb gives it
            values["estimate"] = fmt_number(abs(float(row["estimate"])), self.lang, digits=2)
        text = claim(self.t, row, **values)
        note = str(row.get("note") or "")
        if "disagree" in note and not is_missing(row.get("estimate_baseline_adjusted")):
            adj = row["estimate_baseline_adjusted"]
            text += " " + self.t(
                "s_baseline",
                estimate=fmt_change(adj, self.lang, kind="absolute", digits=2),
                unit=self.unit(adj),
            )
        return text

    def covers(self, row: pd.Series) -> str:
        """The waves an estimate covers, in words (« mesuré de novembre 2015 à novembre 2017 »)."""
        return self.t(
            "covers", first=self.wave_name(row["wave_from"]), last=self.wave_name(row["wave_to"])
        )

    def design_label(self, row: pd.Series) -> str:
        if is_missing(row["estimate"]) or bool(row.get("suppressed", False)):
            return self.t("design_none")
        return self.t(f"design_{row['design']}")


def section(b: Bilan) -> WellbeingSection:
    """The bilan's :class:`WellbeingSection`, built on first call and kept on ``b``."""
    cached = getattr(b, "_wellbeing_section", None)
    if cached is None:
        cached = WellbeingSection.from_bilan(b)
        b._wellbeing_section = cached  # type: ignore[attr-defined]
    return cached


@dataclass(frozen=True)
class DesignInputs:
    """The inputs of the phase-in power calculation, as the release keeps them."""

    departments: list[str]
    sd: float
    icc: float
    cluster_size: float


# ---------------------------------------------------------------------- HTML sections
HEADINGS = ("wellbeing", "reliability", "impact", "drivers", "next_steps")


def heading(b: Bilan, key: str) -> str:
    """An ``<h2>`` of the section in the report's language: ``key`` among :data:`HEADINGS`."""
    if key not in HEADINGS:
        raise ConfigError(f"no well-being heading {key!r}{did_you_mean(key, HEADINGS)}")
    return f'<h2 id="{escape(key)}">{escape(section(b).t("h_" + key))}</h2>'


def wellbeing(b: Bilan) -> str:
    """Scores of the latest wave of the period, change since the previous wave, screening shares,
    and the climate of each lever."""
    s = section(b)
    if s.wave is None:
        return _p(s.t("no_barometer"))
    lv = s.levels
    here = lv[(lv["dimension"] == "*") & (lv["lever"] == "*")]

    def cell(wave: str | None, ind: str) -> pd.Series | None:
        sel = here[(here["period"] == wave) & (here["indicator"] == ind)]
        return None if sel.empty else sel.iloc[0]

    def show(r: pd.Series | None, ind: str) -> tuple[str, str, str]:
        if r is None:
            return "–", "–", "–"
        if bool(r["suppressed"]):
            return fmt_suppressed(s.k, s.lang), "–", "–"
        if ind in SHARES:
            return (
                fmt_percent(r["value"], s.lang),
                _interval(r["ci_low"], r["ci_high"], s.lang, digits=1, percent=True),
                fmt_number(r["n"], s.lang, digits=0),
            )
        return (
            s.num(r["value"]),
            _interval(r["ci_low"], r["ci_high"], s.lang, digits=1),
            fmt_number(r["n"], s.lang, digits=0),
        )

    rows = []
    for ind in LEVEL_INDICATORS:
        cur = cell(s.wave, ind)
        if cur is None:
            continue
        prev = cell(s.previous, ind) if s.previous else None
        value, ci, n = show(cur, ind)
        before = show(prev, ind)[0] if prev is not None else "–"
        change = "–"
        if prev is not None and not (cur["suppressed"] or prev["suppressed"]):
            diff = float(cur["value"]) - float(prev["value"])
            change = fmt_change(diff, s.lang, kind="pp" if ind in SHARES else "absolute")
        rows.append([s.t(f"ind_{ind}"), value, ci, n, before, change])
    headers = [
        s.t(c)
        for c in ("col_scale", "col_value", "col_interval", "col_n", "col_previous", "col_change")
    ]
    n_resp = int((s.facts.get("respondents") or {}).get(str(s.wave), 0))
    intro = s.t("intro", wave=s.wave_name(s.wave), n=fmt_number(n_resp, s.lang, digits=0))
    start, end = s._wave_windows.get(str(s.wave), (None, None))
    if not is_missing(start) and not is_missing(end):
        first, last = (str(pd.Timestamp(str(d)).date()) for d in (start, end))
        window = fmt_period(f"{first}..{last}", s.lang)
        intro += " " + s.t("fielding", window=window)
    parts = [_p(intro)]
    parts.append(_table(headers, rows, "eco-table eco-wellbeing"))
    parts.append(_p(_change_sentence(s)))
    poor, low = (
        cell(s.wave, "who5_poor_wellbeing_share"),
        cell(s.wave, "who5_likely_depression_share"),
    )
    if poor is not None and low is not None:
        if poor["suppressed"] or low["suppressed"]:
            parts.append(_p(s.t("s_screening_hidden")))
        else:
            parts.append(
                _p(
                    s.t(
                        "s_screening",
                        share=fmt_percent(poor["value"], s.lang),
                        ci=_interval(
                            poor["ci_low"], poor["ci_high"], s.lang, digits=1, percent=True
                        ),
                        share_low=fmt_percent(low["value"], s.lang),
                    ),
                    "eco-note",
                )
            )
    parts.append(_climate_table(s))
    return "".join(parts)


def weights_methods(b: Bilan) -> str:
    """The barometer's weights in the methods: at the latest wave of the period, each level of
    the whole staff weighted to the headcount beside the respondents' own (unweighted) figure,
    with the effective sample size; then per wave the headcount quarter, the margins, the
    respondents, the effective size and the design effect n/n_e. "" without a barometer."""
    s = section(b)
    weights = list(s.facts.get("weights") or [])
    if s.wave is None or not weights:
        return ""
    lv = s.levels
    here = lv[
        (lv["dimension"] == "*") & (lv["lever"] == "*") & (lv["period"].astype(str) == s.wave)
    ]
    rows = []
    for ind in LEVEL_INDICATORS:
        sel = here[here["indicator"] == ind]
        if sel.empty or "value_unweighted" not in sel.columns:
            continue
        r = sel.iloc[0]
        if bool(r["suppressed"]):
            rows.append([s.t(f"ind_{ind}"), fmt_suppressed(s.k, s.lang), "–", "–", "–"])
            continue
        share = ind in SHARES

        def value(v: object, share: bool = share) -> str:
            return fmt_percent(v, s.lang) if share else s.num(v, 2)

        rows.append(
            [
                s.t(f"ind_{ind}"),
                value(r["value"]),
                value(r["value_unweighted"]),
                fmt_number(r["n"], s.lang, digits=0),
                fmt_number(r["n_effective"], s.lang, digits=0),
            ]
        )
    waves = [
        [
            s.wave_name(w["wave"]),
            fmt_period(str(w["quarter"]), s.lang),
            ", ".join(s.t(f"margin_{m.strip()}") for m in str(w["margins"]).split(",") if m),
            fmt_number(w["respondents"], s.lang, digits=0),
            fmt_number(w["n_effective"], s.lang, digits=0),
            fmt_number(w["design_effect"], s.lang, digits=3),
        ]
        for w in weights
    ]
    level_headers = [
        s.t(c) for c in ("col_scale", "col_weighted", "col_unweighted", "col_n", "col_n_effective")
    ]
    wave_headers = [
        s.t(c)
        for c in (
            "col_wave",
            "col_headcount",
            "col_margins",
            "col_n",
            "col_n_effective",
            "col_deff",
        )
    ]
    return (
        f"<h3>{escape(s.t('weights_title'))}</h3>"
        + _p(s.t("weights_intro", wave=s.wave_name(s.wave)))
        + (_table(level_headers, rows, "eco-table eco-weights") if rows else "")
        + _table(wave_headers, waves, "eco-table eco-weights-waves")
        + _p(s.t("weights_deff"), "eco-note")
    )


#: The sensitivity analyses of a lever's effect, as columns of the release's pooled impact rows:
#: (label key, estimate column or None when the row's estimate is kept, interval columns).
SENSITIVITY = (
    ("sens_headline", "estimate", ("ci_low", "ci_high")),
    ("sens_single_lever", "estimate_single_lever", ("ci_low_single_lever", "ci_high_single_lever")),
    ("sens_department", "estimate", ("ci_low_department", "ci_high_department")),
    (
        "sens_first_difference",
        "estimate_first_difference",
        ("ci_low_first_difference", "ci_high_first_difference"),
    ),
    ("sens_dose", "estimate_dose", ("ci_low_dose", "ci_high_dose")),
    ("sens_pretrend", "pretrend_estimate", ("pretrend_ci_low", "pretrend_ci_high")),
)


def lever_sensitivity(b: Bilan, lever_id: str) -> str:
    """The lever's deep-dive table of sensitivity analyses: for each outcome, the headline
    two-way fixed-effects estimate (every lever in one model, clustered by person) beside the
    model of the lever alone, department clustering, the pooled first difference between
    consecutive waves, the dose (sessions attended, when the release has it) and the pre-trend
    lead. "" when the release has no pooled estimate for the lever."""
    s = section(b)
    rows = []
    for outcome in ("climate", "swemwbs"):
        sel = s.headline(outcome)
        sel = sel[(sel["lever"] == lever_id) & sel["pooled"].astype(bool)] if len(sel) else sel
        if sel.empty:
            continue
        r = sel.iloc[0]
        name = s.t(f"sens_outcome_{outcome}")
        if bool(r.get("suppressed", False)) or is_missing(r["estimate"]):
            rows.append([name, s.t("sens_headline"), s.t("s_suppressed", k=s.k), "–"])
            continue
        for key, est_col, (lo_col, hi_col) in SENSITIVITY:
            if est_col not in r.index or lo_col not in r.index:
                continue
            est, lo, hi = r[est_col], r[lo_col], r[hi_col]
            shown = not (is_missing(est) or is_missing(lo))
            rows.append(
                [
                    name,
                    s.t(key),
                    fmt_change(est, s.lang, kind="absolute", digits=2) if shown else "–",
                    _interval(lo, hi, s.lang, digits=2) if shown else s.t("sens_missing"),
                ]
            )
    if not rows:
        return ""
    headers = [s.t(c) for c in ("col_outcome", "col_analysis", "col_estimate", "col_interval")]
    return (
        f"<h3>{escape(s.t('sens_title'))}</h3>"
        + _table(headers, rows, "eco-table eco-sensitivity")
        + _p(s.t("sens_note"), "eco-note")
    )


def _change_sentence(s: WellbeingSection) -> str:
    if s.previous is None:
        return s.t("s_no_previous")
    # Difference of the two waves' means (all respondents), as in the table above.
    ch = s.facts["change"]
    return s.t(
        "s_change",
        previous=s.wave_name(s.previous),
        wave=s.wave_name(str(s.wave)),
        change=fmt_change(ch["estimate"], s.lang, kind="absolute", digits=2),
        ci=_interval(ch["ci_low"], ch["ci_high"], s.lang, digits=2),
    )


def _climate_table(s: WellbeingSection) -> str:
    lv = s.levels
    sel = lv[(lv["indicator"] == "climate_mean") & (lv["dimension"] == "*")]
    rows = []
    for lever in s.b.eco.levers:
        cur = sel[(sel["lever"] == lever.id) & (sel["period"] == s.wave)]
        prev = sel[(sel["lever"] == lever.id) & (sel["period"] == s.previous)]
        if cur.empty:
            continue
        r = cur.iloc[0]
        hidden = bool(r["suppressed"])
        value = fmt_suppressed(s.k, s.lang) if hidden else s.num(r["value"], 2)
        ci = "–" if hidden else _interval(r["ci_low"], r["ci_high"], s.lang, digits=2)
        before = (
            "–" if prev.empty or prev.iloc[0]["suppressed"] else s.num(prev.iloc[0]["value"], 2)
        )
        change = "–"
        if not hidden and before != "–":
            change = fmt_change(
                float(r["value"]) - float(prev.iloc[0]["value"]), s.lang, kind="absolute", digits=2
            )
        rows.append([lever.name(s.lang), s.tool_name(lever.id), value, ci, before, change])
    headers = [
        s.t(c)
        for c in (
            "col_lever",
            "col_tool",
            "col_value",
            "col_interval",
            "col_previous",
            "col_change",
        )
    ]
    title = s.t("climate_title", wave=s.wave_name(str(s.wave)))
    return f"<h3>{escape(title)}</h3>" + _table(headers, rows, "eco-table eco-climate")


def reliability(b: Bilan) -> str:
    """Reliability of every scale at the latest wave, saying which can be trusted (>= 0.7)."""
    s = section(b)
    if s.wave is None:
        return _p(s.t("no_barometer"))
    rel = s.reliability_frame
    rel = rel[rel["wave"] == s.wave]
    rows, low = [], []
    for _, r in rel.iterrows():
        name = (
            s.t("scale_climate", lever=s.labels.lever(str(r["lever"])))
            if r["lever"] != "*"
            else s.t(f"scale_{r['instrument']}")
            if f"wellbeing.scale_{r['instrument']}" in s.labels
            else str(r["instrument"])
        )
        alpha = (
            "–"
            if is_missing(r["alpha"])
            else f"{s.num(r['alpha'], 2)} {_interval(r['alpha_ci_low'], r['alpha_ci_high'], s.lang, digits=2)}"
        )
        verdict = (
            s.t("verdict_na")
            if is_missing(r["reliability"])
            else s.t("verdict_ok")
            if r["trusted"]
            else s.t("verdict_low")
        )
        if not is_missing(r["reliability"]) and not r["trusted"]:
            low.append(name)
        rows.append(
            [name, fmt_number(r["k"], s.lang, digits=0), fmt_number(r["n"], s.lang, digits=0), alpha,
             "–" if is_missing(r["omega"]) else s.num(r["omega"], 2),
             "–" if is_missing(r["spearman_brown"]) else s.num(r["spearman_brown"], 2), verdict]
        )  # fmt: skip
    headers = [
        s.t(c)
        for c in (
            "col_scale",
            "col_items",
            "col_n",
            "col_alpha",
            "col_omega",
            "col_sb",
            "col_verdict",
        )
    ]
    ok = int(rel["trusted"].sum())
    parts = [_p(s.t("rel_intro")), _table(headers, rows, "eco-table eco-reliability")]
    parts.append(_p(s.t("rel_summary", wave=s.wave_name(s.wave), ok=ok, total=len(rel))))
    if low:
        parts.append(_p(s.t("rel_low", scales=", ".join(low)), "eco-note"))
    return "".join(parts)


def impact(b: Bilan, outcome: str = "climate") -> str:
    """Per-lever impact table for ``outcome`` (``"climate"`` or ``"swemwbs"``): estimate,
    interval, Hedges' g, level of evidence and a plain sentence."""
    s = section(b)
    rows_f = s.headline(outcome)
    if rows_f.empty:
        return _p(s.t("no_barometer") if s.wave is None else s.t("s_no_previous"))
    rows, readings = [], []
    for lever in s.b.eco.levers:
        sel = rows_f[rows_f["lever"] == lever.id]
        if sel.empty:
            continue
        r = sel.iloc[0]
        hidden = bool(r["suppressed"]) or is_missing(r["estimate"])
        rows.append(
            [
                lever.name(s.lang).capitalize(), s.tool_name(lever.id),
                "–" if hidden else fmt_change(r["estimate"], s.lang, kind="absolute", digits=2),
                "–" if hidden else _interval(r["ci_low"], r["ci_high"], s.lang, digits=2),
                "–" if hidden else s.num(r["hedges_g"], 2),
                "–" if is_missing(r["n_treated"]) else f"{fmt_number(r['n_treated'], s.lang, digits=0)} / {fmt_number(r['n_control'], s.lang, digits=0)}",
                s.design_label(r) if hidden else verdict_word(s.t, r),
            ]
        )  # fmt: skip
        readings.append(s.sentence(r))
    first = rows_f.iloc[0]
    headers = [
        s.t(c)
        for c in (
            "col_lever",
            "col_tool",
            "col_estimate",
            "col_interval",
            "col_g",
            "col_people",
            "col_verdict_effect",
        )
    ]
    title = s.t("impact_outcome_title", outcome=s.t(f"outcome_{outcome}"))
    return (
        f"<h3>{escape(title)}</h3>"
        + _p(s.t("impact_intro", pairs=s.pairs_text(first)))
        + _table(headers, rows, "eco-table eco-impact")
        + '<ul class="eco-readings">'
        + "".join(f"<li>{escape(text)}</li>" for text in readings)
        + "</ul>"
        + _p(s.t("impact_fdr", n=len(rows), fdr=fmt_percent(0.05, s.lang, digits=0)), "eco-note")
        + _p(s.t("impact_method", adjustment=adjustment_text(s, rows_f)), "eco-note")
        + (_p(note, "eco-note") if (note := not_adjusted_text(s, rows_f)) else "")
        + (
            _p(s.t("impact_programme"), "eco-note")
            if (rows_f["design"] == "cross_sectional_programme").any()
            else ""
        )
    )


def _not_adjusted(rows: pd.DataFrame) -> list[str]:
    """The model covariates none of the estimated ``rows`` adjusted for (the barometer lacks
    them); empty when no row has an estimate."""
    done = rows.loc[rows["estimate"].notna() & (rows["design"] == "did_linked_panel")]
    if done.empty:
        return []
    used = {c for a in done["adjustment"].dropna() for c in str(a).split(", ")}
    return [c for c in COVARIATES if c not in used]


def adjustment_text(s: WellbeingSection, rows: pd.DataFrame) -> str:
    """What the impact models held fixed, in words (``impact_method``'s ``{adjustment}``)."""
    missing = _not_adjusted(rows)
    parts = [s.t(f"adj_{c}") for c in COVARIATES if c not in missing]
    parts += [s.t("adj_other_tools"), s.t("adj_prior")]
    return ", ".join(parts[:-1]) + s.t("adj_and") + parts[-1]


def not_adjusted_text(s: WellbeingSection, rows: pd.DataFrame) -> str:
    """One sentence naming the covariates the barometer does not give ("" when none)."""
    missing = _not_adjusted(rows)
    if not missing:
        return ""
    what = s.t("impact_not_adjusted_or").join(s.t(f"adj_{c}") for c in missing)
    return s.t("impact_not_adjusted", what=what)


def adjustment_note(b: Bilan) -> str:
    """For the methods appendix: the sentence of :func:`not_adjusted_text` on the bilan's
    headline impact rows ("" when every covariate was adjusted for, or without estimates)."""
    s = section(b)
    rows = s.headline("climate")
    return "" if rows.empty else not_adjusted_text(s, rows)


def lever_impact_text(b: Bilan, lever_id: str) -> str:
    """Plain text for a lever card (to be escaped by the caller): the estimate on the lever's
    climate, its interval and the level of evidence, or why there is none."""
    s = section(b)
    rows_f = s.headline("climate")
    sel = rows_f[rows_f["lever"] == lever_id] if len(rows_f) else rows_f
    if sel.empty or is_missing(sel.iloc[0]["estimate"]) or bool(sel.iloc[0]["suppressed"]):
        return s.t("card_none")
    r = sel.iloc[0]
    text = s.t(
        "card_impact",
        estimate=fmt_change(r["estimate"], s.lang, kind="absolute", digits=2),
        unit=s.unit(r["estimate"]),
        ci=_interval(r["ci_low"], r["ci_high"], s.lang, digits=2),
    )
    return f"{text} — {short_verdict(s.t, r, period=s.covers(r))}"


def lever_climate(b: Bilan) -> pd.DataFrame:
    """The levers' climate at the latest wave up to the period: tidy ``climate_mean`` rows (whole
    staff, anonymised) relabelled with the bilan's period, plus ``change`` since the wave before
    (NaN when either wave is suppressed or absent). Empty without a barometer."""
    s = section(b)
    lv = s.levels
    if lv.empty or s.wave is None:
        return pd.DataFrame()
    sel = lv[(lv["indicator"] == "climate_mean") & (lv["dimension"] == "*") & (lv["lever"] != "*")]
    cur = sel[sel["period"] == s.wave].copy()
    prev = sel[sel["period"] == s.previous].set_index("lever")
    visible = prev.loc[~prev["suppressed"].astype(bool), "value"]
    cur["change"] = [
        float(v) - float(visible[lv_id])
        if lv_id in visible.index and not bool(hid)
        else float("nan")
        for lv_id, v, hid in zip(cur["lever"], cur["value"], cur["suppressed"], strict=True)
    ]
    cur["period"] = b.period.label
    return cur.reset_index(drop=True)


def lever_climate_text(b: Bilan, lever_id: str) -> str:
    """Plain text for a lever card: the climate score at the latest wave and its change since the
    wave before (« 3,62 (+0,08 depuis 2017-V1) »), or « – »."""
    s = section(b)
    f = lever_climate(b)
    sel = f[f["lever"] == lever_id] if len(f) else f
    if sel.empty:
        return "–"
    r = sel.iloc[0]
    if bool(r["suppressed"]):
        return fmt_suppressed(s.k, s.lang)
    text = s.num(r["value"], 2)
    if not is_missing(r["change"]):
        change = fmt_change(r["change"], s.lang, kind="absolute", digits=2)
        wave = s.wave_name(str(s.previous))
        text += f" ({s.t('card_climate_change', change=change, wave=wave)})"
    return text


def lever_impact(b: Bilan, lever_id: str) -> str:
    """HTML snippet for a lever card: :func:`lever_impact_text`, escaped, in a span."""
    return f'<span class="eco-impact">{escape(lever_impact_text(b, lever_id))}</span>'


def drivers(b: Bilan) -> str:
    """Key drivers of well-being at the latest wave (an association), or why not published."""
    s = section(b)
    if s.wave is None:
        return _p(s.t("no_barometer"))
    d = s.drivers_frame
    if d.empty or bool(d["suppressed"].all()):
        return _p(s.t("drivers_suppressed", k=s.k_drivers))
    first = d.iloc[0]
    parts = [
        _p(
            s.t(
                "drivers_intro", wave=s.wave_name(s.wave), n=fmt_number(first["n"], s.lang, digits=0),
                r2=s.num(first["r2"], 2), ci=_interval(first["r2_ci_low"], first["r2_ci_high"], s.lang, digits=2),
            )
        )
    ]  # fmt: skip
    rows = [
        [
            str(int(r["rank"])), s.labels.lever(str(r["lever"])),
            f"{s.num(r['importance'], 3)} {_interval(r['ci_low'], r['ci_high'], s.lang, digits=3)}",
            fmt_percent(r["share"], s.lang, digits=0),
        ]
        for _, r in d.iterrows()
    ]  # fmt: skip
    headers = [s.t("col_rank"), s.t("col_lever"), s.t("col_importance"), s.t("col_share")]
    parts.append(_table(headers, rows, "eco-table eco-drivers"))
    top = ", ".join(s.labels.lever(str(x)) for x in d["lever"].head(3))
    parts.append(_p(s.t("drivers_top", levers=top)))
    return "".join(parts)


def next_steps(
    b: Bilan,
    lever_id: str | None = None,
    *,
    n_steps: int = 4,
    effect: float | None = None,
    start_period: str | None = None,
    seed: int = 2016,
) -> str:
    """A randomised stepped-wedge roll-out of one tool across departments, with its power.

    ``lever_id``: the lever whose tool to roll out (default the one with the largest pooled
    well-being estimate, else the first lever); ``effect``: SWEMWBS points to detect (default
    0.2 SD, a small effect); one step per barometer wave (the median gap between waves);
    ``start_period``: the month of the next wave (``YYYY-MM``) by default.
    """
    s = section(b)
    if s.wave is None:
        return _p(s.t("no_barometer"))
    inputs = DesignInputs(**s.facts["design"])
    if lever_id is None:
        head = s.headline("swemwbs")
        ranked = (
            head.dropna(subset=["estimate"]).sort_values("estimate", ascending=False)
            if len(head)
            else head
        )
        lever_id = str(ranked.iloc[0]["lever"]) if len(ranked) else b.eco.levers[0].id
    effect = 0.2 * inputs.sd if effect is None else float(effect)
    # One step per barometer wave: the cadence is the median gap between waves, in months.
    cuts = {w: pd.Timestamp(d) for w, d in s.facts["wave_cuts"].items()}
    months = sorted(cuts[w].year * 12 + cuts[w].month for w in s.waves)
    gaps = [b - a for a, b in itertools.pairwise(months)]
    step = max(int(np.median(gaps)), 1) if gaps else 6
    if start_period is None:
        start = pd.Period(cuts[s.waves[-1]], freq="M") + step
        start_period = f"{start.year}-{start.month:02d}"
    n_steps = min(n_steps, len(inputs.departments))
    plan = phase_in_plan(
        inputs.departments, n_steps, effect=effect, sd=inputs.sd, icc=inputs.icc,
        cluster_size=inputs.cluster_size, start_period=start_period, seed=seed, freq="M",
        step=step,
    )  # fmt: skip
    text = s.t(
        "plan_text", tool=s.tool_name(lever_id), n_departments=len(inputs.departments),
        n_steps=n_steps, seed=seed,
        start=fmt_period(str(plan.schedule["crossover_period"].min()), s.lang),
    )  # fmt: skip
    power = s.t(
        "plan_power", cluster_size=s.num(inputs.cluster_size, 0), sd=s.num(inputs.sd, 2),
        icc=s.num(inputs.icc, 3), effect=s.num(effect, 2), unit=s.unit(effect),
        power=(
            s.t("more_than", value=fmt_percent(0.99, s.lang, digits=0))
            if plan.power.power > 0.99
            else fmt_percent(plan.power.power, s.lang, digits=0)
        ),
        effect_sd=s.num(effect / inputs.sd if inputs.sd else float("nan"), 1),
        target=fmt_percent(plan.target_power, s.lang, digits=0), mde=s.num(plan.mde, 2),
        mde_unit=s.unit(plan.mde),
    )  # fmt: skip
    sched = plan.schedule.sort_values(["sequence", "department"])
    rows = [
        [str(r["department"]), str(r["sequence"]), fmt_period(str(r["crossover_period"]), s.lang)]
        for _, r in sched.iterrows()
    ]
    headers = [s.t("col_department"), s.t("col_sequence"), s.t("col_crossover")]
    return (
        _p(text)
        + _p(power)
        + _table(headers, rows, "eco-table eco-plan")
        + _p(s.t("plan_caveat"), "eco-note")
    )


# ---------------------------------------------------------------------- figures
def trend_figure(b: Bilan, indicator: str = "swemwbs_mean") -> go.Figure:
    """The indicator (default SWEMWBS mean) across the waves, with its 95 % band."""
    s = section(b)
    data = s.levels
    if data.empty:
        data = pd.DataFrame(columns=COLUMNS)
    data = data[(data["dimension"] == "*") & (data["lever"] == "*")]
    title = s.t("fig_trend_title") if indicator == "swemwbs_mean" else s.labels.indicator(indicator)
    share = indicator in SHARES
    return figures.trend(
        data,
        indicator,
        s.labels.extend({"lever.overall": s.t("all_respondents")}),
        by="overall",
        ci=True,
        k=s.k,
        percent=share,
        title=title,
        from_zero=share,
        digits=None if share else 1,
    )


def impact_figure(b: Bilan, outcome: str = "climate") -> go.Figure:
    """Forest plot of the per-lever estimates for ``outcome`` with their 95 % intervals (zero
    marked); clear effects after FDR control are drawn solid, the others hollow."""
    s = section(b)
    theme = load_theme()
    rows = s.headline(outcome)
    names, est, lo, hi, clear, hover = [], [], [], [], [], []
    for lever in s.b.eco.levers:
        sel = rows[rows["lever"] == lever.id] if len(rows) else rows
        if sel.empty or is_missing(sel.iloc[0]["estimate"]) or bool(sel.iloc[0]["suppressed"]):
            continue
        r = sel.iloc[0]
        names.append(lever.name(s.lang))
        est.append(float(r["estimate"]))
        lo.append(float(r["estimate"] - r["ci_low"]))
        hi.append(float(r["ci_high"] - r["estimate"]))
        clear.append(bool(r["significant_fdr"]))
        hover.append(escape(s.sentence(r)))
    colour = theme.color("accent")
    fig = go.Figure(
        go.Scatter(
            x=est, y=names, mode="markers",
            marker={"size": 10, "color": [colour if c else "white" for c in clear], "line": {"color": colour, "width": 2}},
            error_x={"type": "data", "array": hi, "arrayminus": lo, "color": theme.color("text"), "thickness": 1.2, "width": 4},
            customdata=hover, hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>", showlegend=False,
        )
    )  # fmt: skip
    for filled in (True, False):  # the legend of the markers
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=s.t("legend_clear" if filled else "legend_unclear"),
                marker={"size": 10, "color": colour if filled else "white", "line": {"color": colour, "width": 2}},
                showlegend=True, hoverinfo="skip",
            )
        )  # fmt: skip
    fig.add_vline(x=0, line={"color": theme.color("axis"), "width": 1})
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names)
    fig.update_xaxes(title={"text": s.t(f"axis_impact_{outcome}")}, zeroline=False)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0})
    height = 140 + int(theme.figure["row_height"]) * max(len(names), 2)
    title = s.t("fig_impact_title", outcome=s.t(f"outcome_{outcome}"))
    return P.finish(fig, s.labels, theme, title=title, height=height)
