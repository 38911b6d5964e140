"""Organisational results: the ideas pipeline, absence and turnover, citizen satisfaction.

Pure functions over the optional tables ``ideas``, ``hr_results`` and ``citizen_satisfaction``
(``docs/data-model.md``, "Organisational results"); each returns an empty tidy frame when its
source is absent. Call :func:`organisational_results` from the indicator engine::

    organisational_results(tables, period, eco, by=by)

What the figures mean
    *Ideas* are counted by **cohort**: the ideas filed in the period, at the stage the register
    shows now (the latest state the table holds). Funnel rates (with Wilson intervals, the
    conversion seen as a process probability) are therefore provisional for recent cohorts, whose
    ideas are still under way: ``ideas_in_progress`` says how many. Ideas *adopted* and their
    *declared gains* are counted by the **date of adoption** (a flow: what the period adopted).
    *HR figures* are census aggregates published by HR per department and quarter: no sampling
    interval. The absence rate of several quarters or departments is the mean of the published
    rates weighted by average headcount x calendar days (= total days / total agent-days when HR
    computes it on calendar days). *Citizen satisfaction* is the respondent-weighted mean of the
    published scores; the source gives no dispersion, so no interval.
    ``*_change`` indicators are the value minus that of the previous period of the same kind.

Department labels of these sources are matched to the headcount's with case, accents, spaces
and punctuation ignored (:func:`match_departments`), so ``DIRECTION DES SPORTS`` counts for
« Direction des Sports »; other labels are kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from eco_eval.ecosystem import Ecosystem
from eco_eval.errors import ConfigError
from eco_eval.indicators.core import ALL, DIMENSIONS, Tables, headcount_at, row, scopes, tidy
from eco_eval.indicators.funnel import FUNNEL_STAGES, funnel_counts, idea_stages, stage_counts
from eco_eval.indicators.funnel import dates as _dates
from eco_eval.periods import Period, quarter_end, quarter_start
from eco_eval.stats.intervals import wilson_ci

__all__ = [
    "FUNNEL_STAGES",
    "calendar_days",
    "citizen_indicators",
    "funnel_counts",
    "hr_indicators",
    "idea_indicators",
    "idea_stages",
    "match_departments",
    "organisational_results",
]

#: Conversion rates: indicator id -> (numerator stage, denominator stage).
FUNNEL_RATES = {
    "idea_study_rate": ("studied", "proposed"),
    "idea_trial_rate": ("trialled", "studied"),
    "idea_adoption_rate": ("adopted", "trialled"),
    "idea_overall_adoption_rate": ("adopted", "proposed"),
}
BOOTSTRAP_SEED = 20150601  # the median's bootstrap is seeded: the same data give the same bilan
_NAN = float("nan")


# --------------------------------------------------------------------------- departments
def _key(label: object) -> str:
    text = unicodedata.normalize("NFKD", str(label))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def match_departments(values: pd.Series, reference: Iterable[object]) -> pd.Series:
    """``values`` with each label replaced by the reference label it matches, case, accents,
    spaces and punctuation ignored; labels without a (unique) match are kept as written.

    >>> match_departments(pd.Series(["DIRECTION DES SPORTS ", "Autre"]), ["Direction des Sports"]).tolist()
    ['Direction des Sports', 'Autre']
    """
    by_key: dict[str, str | None] = {}
    for ref in pd.unique(pd.Series(list(reference), dtype=object).dropna()):
        k = _key(ref)
        by_key[k] = None if k in by_key and by_key[k] != ref else str(ref)
    mapping = {v: by_key.get(_key(v)) or v for v in values.dropna().unique()}
    return values.map(mapping).where(values.notna(), values)


def _departments(tables: Tables) -> list[str]:
    return [str(d) for d in tables.headcount["department"].dropna().unique()]


def _with_departments(frame: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    out = frame.copy()
    out["department"] = match_departments(out["department"], _departments(tables))
    return out


# --------------------------------------------------------------------------- ideas
def _in(dates: pd.Series, period: Period) -> pd.Series:
    d = _dates(dates)
    return (d >= pd.Timestamp(period.start)) & (d <= pd.Timestamp(period.end))


def _median_ci(weeks: np.ndarray) -> tuple[float, float]:
    """Percentile bootstrap interval of the median (seeded, 2,000 resamples)."""
    if len(weeks) < 2:
        return _NAN, _NAN
    if np.all(weeks == weeks[0]):
        return float(weeks[0]), float(weeks[0])
    res = stats.bootstrap(
        (weeks,),
        np.median,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(BOOTSTRAP_SEED),
        vectorized=True,
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _funnel_rows(
    period: Period, lever: str, tool: str, stages: pd.DataFrame
) -> list[dict[str, object]]:
    """Funnel rows of one scope; ``stages`` as :func:`idea_stages` of the scope's cohort."""
    rows: list[dict[str, object]] = []
    counts = stage_counts(stages)
    n = counts["proposed"]
    rows.append(row(period, lever, tool, ALL, ALL, "ideas_proposed", n, n))
    if lever == ALL:
        rows.append(
            row(period, lever, tool, ALL, ALL, "ideas_in_progress", counts["in_progress"], n)
        )
    for indicator, (num, den) in FUNNEL_RATES.items():
        if counts[den] == 0:
            continue
        ci = wilson_ci(counts[num], counts[den]).iloc[0]
        rows.append(
            row(
                period, lever, tool, ALL, ALL, indicator,
                ci["proportion"], counts[den], ci["ci_low"], ci["ci_high"],
            )
        )  # fmt: skip
    weeks = stages["weeks_to_adoption"].dropna().to_numpy(dtype=float)
    if len(weeks):
        low, high = _median_ci(weeks)
        rows.append(
            row(
                period, lever, tool, ALL, ALL, "idea_median_weeks_to_adoption",
                float(np.median(weeks)), len(weeks), low, high,
            )
        )  # fmt: skip
    return rows


def _gain_rows(
    period: Period, lever: str, tool: str, adopted: pd.DataFrame
) -> list[dict[str, object]]:
    rows = [row(period, lever, tool, ALL, ALL, "ideas_adopted", len(adopted), len(adopted))]
    for indicator, column in (
        ("adopted_hours_saved", "hours_saved"),
        ("adopted_cost_saved", "cost_saved"),
        ("adopted_users_affected", "users_affected"),
    ):
        values = pd.to_numeric(adopted[column], errors="coerce").dropna()
        if len(adopted):
            rows.append(
                row(period, lever, tool, ALL, ALL, indicator, float(values.sum()), len(values))
            )
    return rows


def idea_indicators(
    tables: Tables, period: Period, eco: Ecosystem, *, by: Sequence[str] = ("department",)
) -> pd.DataFrame:
    """The innovation pipeline: ideas filed, funnel, time to adoption, origin, declared gains.

    Returns the tidy frame (``core.COLUMNS``) with

    * ``ideas_proposed``: ideas filed in the period (programme, each lever's tool, department);
    * ``ideas_per_100_staff`` = 100 x ideas filed / headcount at the period's end (programme and
      department; n = ideas);
    * ``idea_study_rate`` (studied / proposed), ``idea_trial_rate`` (trialled / studied),
      ``idea_adoption_rate`` (adopted / trialled), ``idea_overall_adoption_rate`` (adopted /
      proposed): cohort of the ideas filed in the period, Wilson 95 % interval, n = denominator;
    * ``ideas_in_progress``: ideas of the cohort neither adopted nor dropped yet;
    * ``idea_median_weeks_to_adoption``: median of (adoption - filing) / 7 days over the adopted
      ideas of the cohort, percentile bootstrap 95 % interval (seeded), n = adopted ideas;
    * ``ideas_tool_share`` (per lever: share of the period's ideas filed from its tool) and
      ``ideas_outside_tools_share`` (programme: share from outside the tools);
    * ``ideas_adopted``, ``adopted_hours_saved`` (h / year), ``adopted_cost_saved`` (€ / year),
      ``adopted_users_affected``: ideas adopted in the period (by date of adoption) and the sums
      of the gains their authors declared; n = ideas with a declared value.
    """
    if tables.ideas is None or tables.ideas.empty:
        return tidy([])
    ideas = _with_departments(tables.ideas, tables)
    cohort = ideas[_in(ideas["proposed_on"], period)]
    adopted = ideas[_in(ideas["adopted_on"], period)]
    stages = idea_stages(cohort).join(cohort[["lever_id", "tool_id"]])
    rows: list[dict[str, object]] = []
    total = len(cohort)
    for lever, tool, sub in scopes(stages, eco):
        rows += _funnel_rows(period, lever, tool, sub)
        if lever != ALL and total:
            rows.append(
                row(period, lever, tool, ALL, ALL, "ideas_tool_share", len(sub) / total, len(sub))
            )
    if total:
        outside = int(cohort["tool_id"].isna().sum())
        rows.append(
            row(period, ALL, ALL, ALL, ALL, "ideas_outside_tools_share", outside / total, outside)
        )
    for lever, tool, sub in scopes(adopted, eco):
        rows += _gain_rows(period, lever, tool, sub)
    hc = headcount_at(tables.headcount, period)
    staff = float(hc["headcount"].sum())
    if staff:
        rows.append(
            row(period, ALL, ALL, ALL, ALL, "ideas_per_100_staff", 100 * total / staff, total)
        )
    if "department" in by:
        hc_d = hc.groupby("department")["headcount"].sum()
        filed = cohort.groupby("department").size()
        kept = adopted.groupby("department").size()
        for dept in sorted(set(hc_d.index) | set(filed.index), key=str):
            n = int(filed.get(dept, 0))
            g = str(dept)
            rows.append(row(period, ALL, ALL, "department", g, "ideas_proposed", n, n))
            a = int(kept.get(dept, 0))
            rows.append(row(period, ALL, ALL, "department", g, "ideas_adopted", a, a))
            if hc_d.get(dept, 0):
                rows.append(
                    row(
                        period, ALL, ALL, "department", g, "ideas_per_100_staff",
                        100 * n / float(hc_d[dept]), n,
                    )
                )  # fmt: skip
    return tidy(rows)


# --------------------------------------------------------------------------- HR and citizens
def calendar_days(quarter: str) -> int:
    y, q = int(quarter[:4]), int(quarter[-1])
    return (quarter_end(y, q) - quarter_start(y, q)).days + 1


def _hr_in(tables: Tables, period: Period) -> pd.DataFrame:
    hr = _with_departments(tables.hr_results, tables)  # type: ignore[arg-type]
    hr = hr[hr["quarter"].isin(period.quarters)].copy()
    for col in (
        "absence_days", "average_headcount", "absence_rate", "leavers", "internal_moves",
        "training_days",
    ):  # fmt: skip
        hr[col] = pd.to_numeric(hr[col], errors="coerce") if col in hr else np.nan
    agent_days = hr["average_headcount"] * hr["quarter"].map(calendar_days).astype(float)
    rate = hr["absence_rate"].where(
        hr["absence_rate"].notna(), hr["absence_days"] / agent_days.where(agent_days > 0)
    )
    hr["_rate_x_days"] = rate * agent_days
    hr["_agent_days"] = agent_days.where(rate.notna())
    return hr


def _hr_figures(hr: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """indicator -> (value, n) over the rows given (n = mean average headcount per quarter)."""
    if hr.empty:
        return {}
    n_q = max(hr["quarter"].nunique(), 1)
    staff = float(hr["average_headcount"].sum()) / n_q
    out: dict[str, tuple[float, float]] = {}
    agent_days = float(hr["_agent_days"].sum())
    if agent_days > 0:
        out["absence_rate"] = (float(hr["_rate_x_days"].sum()) / agent_days, staff)
    if staff > 0:
        for indicator, column in (
            ("turnover_rate", "leavers"),
            ("internal_mobility_rate", "internal_moves"),
            ("training_days_per_agent", "training_days"),
        ):
            values = hr[column].dropna()
            if len(values):
                out[indicator] = (float(values.sum()) / staff, staff)
    return out


CHANGES = {
    "absence_rate": "absence_rate_change",
    "turnover_rate": "turnover_rate_change",
    "citizen_satisfaction": "citizen_satisfaction_change",
}


def _rows_with_change(
    period: Period,
    dimension: str,
    group: str,
    now: dict[str, tuple[float, float]],
    before: dict[str, tuple[float, float]],
) -> list[dict[str, object]]:
    rows = []
    for indicator, (value, n) in now.items():
        rows.append(row(period, ALL, ALL, dimension, group, indicator, value, n))
        if indicator in CHANGES and indicator in before:
            rows.append(
                row(
                    period, ALL, ALL, dimension, group, CHANGES[indicator],
                    value - before[indicator][0], n,
                )
            )  # fmt: skip
    return rows


def _previous(period: Period) -> Period | None:
    try:
        return period.previous()
    except ConfigError:  # a period with no predecessor of the same kind
        return None


def hr_indicators(
    tables: Tables, period: Period, eco: Ecosystem, *, by: Sequence[str] = ("department",)
) -> pd.DataFrame:
    """Absence, turnover, internal mobility and training from the HR quarterly indicators.

    ``absence_rate``: mean of the published rates weighted by average headcount x calendar days
    (a department's rate is computed as days / (average headcount x calendar days) when HR left
    it blank); ``turnover_rate`` = leavers / average headcount; ``internal_mobility_rate`` =
    internal moves / average headcount; ``training_days_per_agent`` = training days / average
    headcount (for several quarters: sums over the mean average headcount per quarter, so not
    annualised); ``absence_rate_change``, ``turnover_rate_change``: minus the previous period.
    n = mean average headcount per quarter. Programme (``all``) and per department.
    """
    if tables.hr_results is None or tables.hr_results.empty:
        return tidy([])
    prev = _previous(period)
    now = _hr_in(tables, period)
    before = _hr_in(tables, prev) if prev is not None else now.iloc[0:0]
    rows = _rows_with_change(period, ALL, ALL, _hr_figures(now), _hr_figures(before))
    if "department" in by:
        for dept, sub in now.groupby("department", sort=True):
            rows += _rows_with_change(
                period, "department", str(dept), _hr_figures(sub),
                _hr_figures(before[before["department"] == dept]),
            )  # fmt: skip
    return tidy(rows)


def _citizens_in(tables: Tables, period: Period) -> pd.DataFrame:
    cs = _with_departments(tables.citizen_satisfaction, tables)  # type: ignore[arg-type]
    cs = cs[cs["quarter"].isin(period.quarters)].copy()
    for col in ("respondents", "satisfaction_score", "complaints"):
        cs[col] = pd.to_numeric(cs[col], errors="coerce") if col in cs else np.nan
    return cs


def _citizen_figures(cs: pd.DataFrame) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    scored = cs.dropna(subset=["satisfaction_score"])
    weights = scored["respondents"].fillna(0)
    if weights.sum() > 0:
        mean = float((scored["satisfaction_score"] * weights).sum() / weights.sum())
        out["citizen_satisfaction"] = (mean, float(weights.sum()))
    elif len(scored):  # no respondent counts: a plain mean of the published scores
        out["citizen_satisfaction"] = (float(scored["satisfaction_score"].mean()), _NAN)
    complaints = cs["complaints"].dropna()
    if len(complaints):
        out["citizen_complaints"] = (float(complaints.sum()), float(complaints.sum()))
    return out


def citizen_indicators(
    tables: Tables, period: Period, eco: Ecosystem, *, by: Sequence[str] = ("department",)
) -> pd.DataFrame:
    """``citizen_satisfaction`` (0-10, respondent-weighted mean of the published scores, n =
    respondents), ``citizen_satisfaction_change`` (minus the previous period) and
    ``citizen_complaints`` (sum). Programme (surveyed services only) and per department."""
    if tables.citizen_satisfaction is None or tables.citizen_satisfaction.empty:
        return tidy([])
    prev = _previous(period)
    now = _citizens_in(tables, period)
    before = _citizens_in(tables, prev) if prev is not None else now.iloc[0:0]
    rows = _rows_with_change(period, ALL, ALL, _citizen_figures(now), _citizen_figures(before))
    if "department" in by:
        for dept, sub in now.groupby("department", sort=True):
            rows += _rows_with_change(
                period, "department", str(dept), _citizen_figures(sub),
                _citizen_figures(before[before["department"] == dept]),
            )  # fmt: skip
    return tidy(rows)


def organisational_results(
    tables: Tables, period: Period, eco: Ecosystem, *, by: Sequence[str] = DIMENSIONS
) -> pd.DataFrame:
    """Every organisational-result indicator of the period (empty when no source is present).

    The entry point for :func:`eco_eval.indicators.compute_raw`; ``by`` is the engine's breakdown
    list, of which only ``department`` applies here.
    """
    parts = [
        f(tables, period, eco, by=by) for f in (idea_indicators, hr_indicators, citizen_indicators)
    ]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else tidy([])
