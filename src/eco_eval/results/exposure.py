"""Programme exposure against organisational results, department by department.

The unit is the **department**, never a person: for each department and quarter t, the exposure
(reach rate: distinct staff who attended a held session / headcount at the end of the quarter;
participant hours per staff member) is set against the change of each result in the next quarters
(t+1, t+2). Across departments and quarters, the slope is estimated by least squares with quarter
fixed effects (what every department shares in a quarter: season, city-wide events, the programme's
overall level) and standard errors clustered by department (statsmodels).

What it is and is not
    A correlation across departments with a time order (exposure before the change): level 2 of
    the Maryland Scientific Methods Scale at best. Departments choose how much they take part and
    differ in size, trades and management: the slope is an **association between departments, not
    an effect of the programme**, and a department's own figures say nothing about a person.
    ``causal_wording_allowed`` is always False.

Outcomes (:data:`OUTCOMES`)
    ``absence_rate``, ``turnover_rate`` (leavers / average headcount) and
    ``citizen_satisfaction`` enter as **changes**: value at t+h minus value at t+h-1 (horizon h,
    consecutive quarters only). ``ideas_per_100_staff`` (ideas filed in the quarter x 100 /
    headcount) enters as a **level** at t+h (h = 0 allowed: ideas are filed at the sessions).

References
    Farrington, D. P., Gottfredson, D. C., Sherman, L. W. & Welsh, B. C. (2002). The Maryland
    Scientific Methods Scale. Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. Journal of Human Resources 50(2), 317-372.

Example
-------
>>> panel = exposure_panel(tables)  # doctest: +SKIP
>>> exposure_relations(panel).query("horizon == 1")[["outcome", "estimate", "ci_low", "ci_high"]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import WLS

from eco_eval.errors import did_you_mean
from eco_eval.indicators.core import Tables
from eco_eval.indicators.results import calendar_days, match_departments
from eco_eval.periods import Period, is_cumulative, parse_period
from eco_eval.results.panel import PANEL_COLUMNS, department_means
from eco_eval.stats._checks import StatsInputError, check_columns, check_level

__all__ = [
    "EXPOSURES",
    "OUTCOMES",
    "PANEL_COLUMNS",
    "RELATION_COLUMNS",
    "department_exposure",
    "department_means",
    "department_outcomes",
    "exposure_analysis",
    "exposure_panel",
    "exposure_relations",
]


@dataclass(frozen=True)
class Outcome:
    """A result the panel can hold: where it comes from and how it enters (change or level)."""

    source: str  # table of Tables
    kind: str  # "change" | "level"
    unit: str


OUTCOMES: dict[str, Outcome] = {
    "absence_rate": Outcome("hr_results", "change", "share"),
    "turnover_rate": Outcome("hr_results", "change", "share"),
    "citizen_satisfaction": Outcome("citizen_satisfaction", "change", "score /10"),
    "ideas_per_100_staff": Outcome("ideas", "level", "ideas per 100 staff"),
}
EXPOSURES = ("reach_rate", "hours_per_staff")
WEIGHTS = ("headcount", "none")
DESIGN = "correlational_panel"
SMS_LEVEL = 2
MIN_DEPARTMENTS = 8
_FEW_CLUSTERS = 20

RELATION_COLUMNS = [
    "outcome",
    "exposure",
    "horizon",
    "kind",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "level",
    "n_departments",
    "n_observations",
    "n_quarters",
    "weights",
    "fixed_effects",
    "cov_type",
    "design",
    "sms_level",
    "causal_wording_allowed",
    "exposure_mean",
    "exposure_sd_within_quarter",
    "note",
]


def _next_quarter(label: str, steps: int = 1) -> str:
    y, q = int(label[:4]), int(label[-1])
    k = y * 4 + q - 1 + steps
    return f"{k // 4}-Q{k % 4 + 1}"


def _last_quarter(until: Period | str) -> str:
    """The last quarter of ``until``; a cumulative label (``cumul:2017-Q4``) ends with the period
    it runs to."""
    if isinstance(until, Period):
        return until.last_quarter
    return parse_period(until.split(":", 1)[1] if is_cumulative(until) else until).last_quarter


def department_exposure(tables: Tables, *, until: Period | str | None = None) -> pd.DataFrame:
    """Programme exposure per department and quarter.

    Returns one row per (quarter, department) of the headcount table (up to ``until``'s last
    quarter) with ``headcount`` (end of quarter), ``participants`` (distinct ``person_key`` of the
    department at held sessions of the quarter), ``participant_hours`` (sum of their sessions'
    durations), ``reach_rate`` = participants / headcount and ``hours_per_staff`` =
    participant_hours / headcount (NaN when the headcount is 0).
    """
    hc = tables.headcount.groupby(["quarter", "department"], as_index=False)["headcount"].sum()
    hc["headcount"] = hc["headcount"].astype(float)
    if until is not None:
        last = _last_quarter(until)
        hc = hc[hc["quarter"] <= last]
    held = tables.sessions[tables.sessions["status"] == "held"][
        ["session_id", "quarter", "duration_h"]
    ]
    att = tables.attendance[["session_id", "person_key", "department"]].merge(held, on="session_id")
    grouped = att.groupby(["quarter", "department"])
    counts = pd.DataFrame(
        {
            "participants": grouped["person_key"].nunique().astype(float),
            "participant_hours": grouped["duration_h"].sum().astype(float),
        }
    ).reset_index()
    out = hc.merge(counts, on=["quarter", "department"], how="left")
    out[["participants", "participant_hours"]] = out[["participants", "participant_hours"]].fillna(
        0.0
    )
    staff = out["headcount"].where(out["headcount"] > 0)
    out["reach_rate"] = out["participants"] / staff
    out["hours_per_staff"] = out["participant_hours"] / staff
    return out.sort_values(["quarter", "department"], ignore_index=True)


def department_outcomes(tables: Tables) -> pd.DataFrame:
    """Each available result per department and quarter: columns ``quarter``, ``department``,
    ``outcome``, ``value`` (long format; sources that are absent give no rows).

    ``absence_rate``: as published (or days / (average headcount x calendar days));
    ``turnover_rate`` = leavers / average headcount; ``citizen_satisfaction``: respondent-weighted
    mean score; ``ideas_per_100_staff`` = ideas filed x 100 / headcount at the end of the quarter.
    Department labels are matched to the headcount's (:func:`match_departments`).
    """
    reference = tables.headcount["department"].dropna().unique()
    parts = []
    if tables.hr_results is not None and len(tables.hr_results):
        hr = tables.hr_results.copy()
        hr["department"] = match_departments(hr["department"], reference)
        num = {
            c: pd.to_numeric(hr[c], errors="coerce")
            for c in ("absence_rate", "absence_days", "average_headcount", "leavers")
        }
        agent_days = num["average_headcount"] * hr["quarter"].map(calendar_days).astype(float)
        rate = num["absence_rate"].where(
            num["absence_rate"].notna(), num["absence_days"] / agent_days.where(agent_days > 0)
        )
        staff = num["average_headcount"].where(num["average_headcount"] > 0)
        for name, values, w in (
            ("absence_rate", rate, agent_days),
            ("turnover_rate", num["leavers"] / staff, staff),
        ):
            parts.append(_long(hr, name, values, w))
    if tables.citizen_satisfaction is not None and len(tables.citizen_satisfaction):
        cs = tables.citizen_satisfaction.copy()
        cs["department"] = match_departments(cs["department"], reference)
        w = pd.to_numeric(cs["respondents"], errors="coerce").fillna(1.0).clip(lower=0)
        score = pd.to_numeric(cs["satisfaction_score"], errors="coerce")
        parts.append(_long(cs, "citizen_satisfaction", score, w.where(w > 0, 1.0)))
    if tables.ideas is not None and len(tables.ideas):
        ideas = tables.ideas.copy()
        ideas["department"] = match_departments(ideas["department"], reference)
        filed = ideas.groupby(["quarter", "department"]).size().rename("ideas").reset_index()
        hc = tables.headcount.groupby(["quarter", "department"], as_index=False)["headcount"].sum()
        hc = hc[hc["quarter"] >= ideas["quarter"].dropna().min()]
        per = hc.merge(filed, on=["quarter", "department"], how="left").fillna({"ideas": 0.0})
        per = per[per["headcount"] > 0]
        parts.append(
            per.assign(outcome="ideas_per_100_staff", value=100 * per["ideas"] / per["headcount"])[
                ["quarter", "department", "outcome", "value"]
            ]
        )
    if not parts:
        return pd.DataFrame(columns=["quarter", "department", "outcome", "value"])
    return pd.concat(parts, ignore_index=True)


def _long(frame: pd.DataFrame, name: str, values: pd.Series, weights: pd.Series) -> pd.DataFrame:
    """Weighted mean per (quarter, department) (a source may split a department over rows)."""
    data = pd.DataFrame(
        {
            "quarter": frame["quarter"],
            "department": frame["department"],
            "v": values,
            "w": weights.fillna(0.0),
        }
    ).dropna(subset=["quarter", "department", "v"])
    data["w"] = data["w"].where(data["w"] > 0, 1.0)
    data["vw"] = data["v"] * data["w"]
    g = data.groupby(["quarter", "department"], as_index=False)[["vw", "w"]].sum()
    return pd.DataFrame(
        {
            "quarter": g["quarter"],
            "department": g["department"],
            "outcome": name,
            "value": g["vw"] / g["w"],
        }
    )


def exposure_panel(
    tables: Tables,
    *,
    until: Period | str | None = None,
    outcomes: Sequence[str] | None = None,
    horizons: Sequence[int] = (1, 2),
) -> pd.DataFrame:
    """The department x quarter panel of exposure against each result (columns
    :data:`PANEL_COLUMNS`).

    One row per department, quarter t (exposure), outcome and horizon h: ``response`` is the
    change of the outcome from t+h-1 to t+h (``kind == "change"``) or its level at t+h
    (``"level"``); ``outcome_quarter`` = t+h. Rows without both the exposure and the response are
    left out. Only quarters up to ``until`` are used, for the exposure and the outcome alike.
    Horizon 0 (the same quarter) applies to levels only; changes skip it.
    """
    names = list(outcomes) if outcomes is not None else list(OUTCOMES)
    unknown = [o for o in names if o not in OUTCOMES]
    if unknown:
        raise StatsInputError(
            f"unknown outcome {unknown[0]!r}{did_you_mean(unknown[0], OUTCOMES)}; "
            f"outcomes are: {', '.join(OUTCOMES)}"
        )
    exposure = department_exposure(tables, until=until)
    values = department_outcomes(tables)
    if until is not None:
        last = _last_quarter(until)
        values = values[values["quarter"] <= last]
    lookup = values.set_index(["outcome", "department", "quarter"])["value"]
    lookup = lookup[~lookup.index.duplicated()]
    parts = []
    for name in names:
        spec = OUTCOMES[name]
        for h in horizons:
            if h < 0:
                raise StatsInputError(f"horizons must be >= 0, got {h}")
            if h == 0 and spec.kind == "change":
                continue  # a change needs h >= 1 (from t+h-1 to t+h): only levels at h = 0
            frame = exposure.copy()
            frame["outcome_quarter"] = frame["quarter"].map(lambda q, h=h: _next_quarter(q, h))
            after = _get(lookup, name, frame["department"], frame["outcome_quarter"])
            if spec.kind == "change":
                before_q = frame["quarter"].map(lambda q, h=h: _next_quarter(q, h - 1))
                response = after - _get(lookup, name, frame["department"], before_q)
            else:
                response = after
            frame = frame.assign(outcome=name, horizon=h, kind=spec.kind, response=response)
            parts.append(frame[frame["response"].notna() & frame["reach_rate"].notna()])
    if not parts:
        return pd.DataFrame(columns=PANEL_COLUMNS)
    return pd.concat(parts, ignore_index=True)[PANEL_COLUMNS]


def _get(lookup: pd.Series, outcome: str, dept: pd.Series, quarter: pd.Series) -> pd.Series:
    index = pd.MultiIndex.from_arrays([[outcome] * len(dept), dept, quarter])
    return pd.Series(lookup.reindex(index).to_numpy(dtype=float), index=dept.index)


def _fit(
    data: pd.DataFrame, exposure: str, weights: str, level: float
) -> tuple[dict[str, object], list[str]]:
    notes: list[str] = []
    x = data[exposure].to_numpy(dtype=float)
    quarters = data["quarter"].astype(str)
    dummies = pd.get_dummies(quarters, drop_first=True, dtype=float)
    design = np.column_stack([np.ones(len(data)), x, dummies.to_numpy()])
    y = data["response"].to_numpy(dtype=float)
    w = data["headcount"].to_numpy(dtype=float) if weights == "headcount" else np.ones(len(data))
    # exposure net of the quarter means (what identifies the slope)
    q_mean = pd.Series(x).groupby(quarters.to_numpy()).transform("mean").to_numpy()
    within_sd = float(np.std(x - q_mean, ddof=1)) if len(x) > 1 else float("nan")
    if not np.isfinite(within_sd) or within_sd == 0:
        return {"exposure_sd_within_quarter": within_sd}, [
            "exposure does not vary between departments within a quarter: not estimable"
        ]
    groups = pd.factorize(data["department"])[0]
    n_clusters = int(groups.max() + 1)
    model = WLS(y, design, weights=w)
    if n_clusters >= 2:
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        cov = "cluster(department)"
        if n_clusters < _FEW_CLUSTERS:
            notes.append(
                f"only {n_clusters} departments: cluster-robust SE may be too small "
                "(Cameron & Miller, 2015)"
            )
    else:
        fit = model.fit(cov_type="HC1", use_t=True)
        cov = "HC1"
    ci = fit.conf_int(alpha=1 - level)[1]
    return {
        "estimate": float(fit.params[1]),
        "se": float(fit.bse[1]),
        "ci_low": float(ci[0]),
        "ci_high": float(ci[1]),
        "p_value": float(fit.pvalues[1]),
        "cov_type": cov,
        "exposure_sd_within_quarter": within_sd,
    }, notes


def exposure_relations(
    panel: pd.DataFrame,
    *,
    exposures: Sequence[str] = EXPOSURES,
    weights: str = "headcount",
    level: float = 0.95,
    min_departments: int = MIN_DEPARTMENTS,
) -> pd.DataFrame:
    """The slope of each result's change (or level) on exposure, across departments.

    Parameters
    ----------
    panel : DataFrame
        From :func:`exposure_panel`.
    exposures : sequence of str
        ``reach_rate`` (share of the department's staff who took part in the quarter) and/or
        ``hours_per_staff``.
    weights : {"headcount", "none"}
        ``"headcount"`` (default): weighted least squares with the department's headcount at t
        (a small department's rates are noisier); ``"none"``: every department-quarter counts the
        same.
    level : float
        Confidence level of the interval (default 0.95).
    min_departments : int
        Below this many departments no slope is given (``note`` says why).

    Returns
    -------
    DataFrame with :data:`RELATION_COLUMNS`: per outcome, exposure and horizon the ``estimate``
    (outcome units per unit of exposure: e.g. absence-rate share per unit of reach rate, so -0.015
    reads "-1.5 points of absence for 100 % of staff reached, -0.15 point for 10 points of reach"),
    ``se``, ``ci_low``, ``ci_high``, ``p_value`` (t with departments - 1 degrees of freedom),
    ``n_departments``, ``n_observations`` (department-quarters), ``n_quarters``, the design label
    (``correlational_panel``, SMS level 2, ``causal_wording_allowed`` False), the exposure's mean
    and within-quarter SD, and a ``note``.

    Notes
    -----
    :math:`\\Delta y_{d,t+h} = \\alpha_t + \\beta x_{d,t} + \\varepsilon_{d,t}`, by WLS with
    quarter fixed effects :math:`\\alpha_t`, SE clustered by department (statsmodels ``WLS``,
    ``cov_type="cluster"``, t inference). The slope compares departments within the same quarter.
    """
    level = check_level(level)
    if weights not in WEIGHTS:
        raise StatsInputError(f"weights must be one of {WEIGHTS}, got {weights!r}")
    check_columns(panel, PANEL_COLUMNS, "panel")
    for e in exposures:
        if e not in EXPOSURES:
            raise StatsInputError(f"exposure {e!r} is not one of {EXPOSURES}")
    rows = []
    keys = ["outcome", "horizon", "kind"]
    for (outcome, horizon, kind), sub in panel.groupby(keys, sort=False):
        for exposure in exposures:
            data = sub.dropna(subset=[exposure, "response", "headcount"])
            data = data[data["headcount"] > 0]
            base: dict[str, object] = dict.fromkeys(RELATION_COLUMNS, float("nan"))
            base.update(
                outcome=outcome,
                exposure=exposure,
                horizon=int(horizon),  # type: ignore[call-overload]
                kind=kind,
                level=level,
                n_departments=int(data["department"].nunique()),
                n_observations=len(data),
                n_quarters=int(data["quarter"].nunique()),
                weights=weights,
                fixed_effects="quarter",
                cov_type="",
                design=DESIGN,
                sms_level=SMS_LEVEL,
                causal_wording_allowed=False,
                exposure_mean=float(data[exposure].mean()) if len(data) else float("nan"),
                note="",
            )
            if base["n_departments"] < min_departments:  # type: ignore[operator]
                base["note"] = (
                    f"{base['n_departments']} departments: at least {min_departments} are needed"
                )
            else:
                fitted, notes = _fit(data, exposure, weights, level)
                base.update(fitted)
                base["note"] = "; ".join(notes)
            rows.append(base)
    return pd.DataFrame(rows, columns=RELATION_COLUMNS)


def exposure_analysis(
    tables: Tables,
    *,
    until: Period | str | None = None,
    horizons: Sequence[int] = (1, 2),
    weights: str = "headcount",
    level: float = 0.95,
) -> pd.DataFrame:
    """:func:`exposure_relations` on :func:`exposure_panel` of ``tables`` (one call)."""
    return exposure_relations(
        exposure_panel(tables, until=until, horizons=horizons), weights=weights, level=level
    )
