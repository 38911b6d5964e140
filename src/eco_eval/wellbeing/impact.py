"""Per-lever impact on the lever's climate and on well-being, between barometer waves.

:func:`impact_table` is the one entry point. For each wave pair, each outcome and each lever it
estimates what taking part in the lever's tool changed, with the strongest design the data allow:

* **difference in differences on linked respondents** (SMS level 3) when enough respondents gave
  their matricule at both waves: change score regressed on attendance (from the sign-in sheets)
  between the waves, adjusted for category, department and attendance in the interval before the
  baseline wave (and, for well-being, attendance at the other tools), with department-clustered
  standard errors. A barometer that does not give the category (or the department) gives a model
  without that adjustment (without clustering, for the department), said in the ``adjustment``
  column and the note, never a model that drops every respondent for lacking it;
* otherwise a **cross-section** of the second wave on the self-reported ``part_<lever>`` (SMS
  level 2, an association; :func:`eco_eval.stats.cross_sectional_estimate`). A barometer that
  asks one "took part in any tool" question (item ``part_any``) instead gives a programme-level
  cross-section (``design = "cross_sectional_programme"``): those who took part in any tool
  against the others, the same comparison for every lever, on each lever's outcome.

Rows come per consecutive wave pair and, by default, **pooled** over the pairs: the headline of
the bilan, a two-way fixed-effects model over every wave (person and wave effects, every lever's
attendance in one model, standard errors clustered by person; :mod:`eco_eval.wellbeing.twfe`),
with the pooled first-difference estimate (the pairs' model on the stacked pairs, with a pair
effect), the single-lever model and department clustering beside it as sensitivity analyses. One
interval rarely has enough participants to detect a climate effect of a third of a point; the
model over every wave usually does. Benjamini-Hochberg controls the false discovery rate across the levers of one outcome and
one pair.

The regression is the one of :func:`eco_eval.stats.did_estimate` (OLS, CR1 cluster-robust
variance, t(G - 1) inference; ``tests/wellbeing/test_impact.py`` checks that both give the same
numbers), written here on numpy so that one fit gives every lever of the well-being model at once:
the table needs hundreds of fits, which statsmodels makes a minute-long wait.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from eco_eval.errors import did_you_mean
from eco_eval.indicators.core import Tables
from eco_eval.instruments import Instrument
from eco_eval.stats import (
    IMPACT_COLUMNS,
    benjamini_hochberg,
    cross_sectional_estimate,
    wave_change,
)
from eco_eval.stats._checks import StatsInputError, check_level, checked
from eco_eval.stats._regression import usable_design
from eco_eval.stats.effects import hedges_correction
from eco_eval.wellbeing.covariates import COVARIATES
from eco_eval.wellbeing.panel import held_attendance, link_panel, wave_cuts
from eco_eval.wellbeing.scores import score_barometer
from eco_eval.wellbeing.twfe import SENSITIVITY_COLUMNS, twfe_rows

__all__ = ["IMPACT_TABLE_COLUMNS", "OUTCOMES", "SHARED_OUTCOMES", "impact_table"]

#: Outcome name -> score column of :func:`score_barometer` (``{lever}``: the lever's own scale).
OUTCOMES: dict[str, str] = {
    "climate": "clim_{lever}_score",
    "swemwbs": "swemwbs_score",
    "swemwbs_raw": "swemwbs_raw",
    "who5": "who5_score",
    "wemwbs": "wemwbs_score",
}
#: The barometer item of one "took part in any tool since the last wave" question (0/1): the
#: cross-section falls back on it, at programme level, for a lever without ``part_<lever>``.
PART_ANY = "part_any"
#: Outcomes every tool may move (the model then holds attendance at the other tools fixed).
SHARED_OUTCOMES = frozenset({"swemwbs", "swemwbs_raw", "who5", "wemwbs"})
_LEAD = ("wave_from", "wave_to", "pooled", "outcome", "score")
_TAIL = (
    "p_adjusted",
    "significant_fdr",
    "estimator",
    "estimate_first_difference",
    "ci_low_first_difference",
    "ci_high_first_difference",
    *SENSITIVITY_COLUMNS,
    "estimate_baseline_adjusted",
    "se_baseline_adjusted",
    "ci_low_baseline_adjusted",
    "ci_high_baseline_adjusted",
    "change",
    "change_ci_low",
    "change_ci_high",
    "change_design",
    "n_clusters",
    "n_linked",
    "n_pairs",
    "adjustment",
    "level",
    "suppressed",
    "note",
)
#: Columns of :func:`impact_table`, in order.
IMPACT_TABLE_COLUMNS = (*_LEAD, *IMPACT_COLUMNS, *_TAIL)
_FIGURES = ("estimate", "se", "ci_low", "ci_high", "p_value", "hedges_g", "g_ci_low", "g_ci_high")
_FEW_CLUSTERS = 20


def _score_column(outcome: str, lever: str, instruments: Mapping[str, Instrument]) -> str:
    if outcome == "climate":
        ids = [iid for iid, inst in instruments.items() if inst.lever == lever]
        return f"{ids[0]}_score" if ids else f"clim_{lever}_score"
    return OUTCOMES[outcome]


@dataclass(frozen=True)
class _Coef:
    """One coefficient of a DiD model with its cluster-robust inference."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: int
    n_clusters: int


def _fit(
    y: np.ndarray, x: np.ndarray, clusters: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """OLS with the CR1 cluster-robust variance (HC1 with fewer than 2 clusters).

    Returns (coefficients, standard errors, degrees of freedom, number of clusters); inference on
    t(G - 1), as statsmodels' ``cov_type="cluster", use_t=True``.
    """
    n, k = x.shape
    bread = np.linalg.pinv(x.T @ x)
    beta = bread @ (x.T @ y)
    u = y - x @ beta
    n_groups = int(clusters.max()) + 1 if n else 0
    if n_groups >= 2:
        scores = np.zeros((n_groups, k))
        np.add.at(scores, clusters, x * u[:, None])
        factor, df = n_groups / (n_groups - 1) * (n - 1) / (n - k), n_groups - 1
    else:
        scores, factor, df = x * u[:, None], n / (n - k), n - k
    cov = factor * bread @ (scores.T @ scores) @ bread
    return beta, np.sqrt(np.clip(np.diag(cov), 0.0, None)), df, n_groups


def _triangular_factor(x: np.ndarray) -> np.ndarray:
    """R of the design ``x = QR`` (what :func:`_identifiable` checks columns on)."""
    return np.asarray(np.linalg.qr(x, mode="r"))  # np.asarray: numpy's stubs type R as QRResult


def _identifiable(r: np.ndarray, j: int) -> bool:
    """True when column j of a design is not (nearly) a linear combination of the others.

    ``r`` is the design's triangular factor (:func:`_triangular_factor`, ``x = QR``): Q's columns
    are orthonormal, so regressing column j on the others leaves the same residual sum of squares
    in R as in x, with p rows to solve instead of n (the design is factored once, then each of
    its columns is checked)."""
    others = np.delete(r, j, axis=1)
    coef, *_ = np.linalg.lstsq(others, r[:, j], rcond=None)
    resid = r[:, j] - others @ coef
    return bool(resid @ resid > 1e-9 * (r[:, j] @ r[:, j]))


class _Models:
    """The DiD models of one score over one pair (or the stacked pairs), fitted on demand.

    ``covariates`` are the :data:`COVARIATES` the data can adjust for and ``cluster`` the
    cluster column (None: heteroskedasticity-robust SE), both from
    :func:`eco_eval.stats._regression.usable_design`; ``notes`` says what was left out.
    """

    def __init__(self, data: pd.DataFrame, col: str, *, pooled: bool, level: float) -> None:
        y0, y1 = data[f"{col}_from"].astype(float), data[f"{col}_to"].astype(float)
        scored = data.loc[y0.notna() & y1.notna()]
        self.covariates, self.cluster, self.notes = usable_design(scored, COVARIATES, "department")
        keep = y0.notna() & y1.notna()
        for c in [*self.covariates, *([self.cluster] if self.cluster else [])]:
            keep &= data[c].notna()
        self.dropped = int((~keep).sum())
        self.data = data.loc[keep]
        self.dy = (y1 - y0)[keep].to_numpy()
        self.y0 = y0[keep].to_numpy()
        cols = [*self.covariates, *(["pair"] if pooled else [])]
        fixed = pd.concat(
            [pd.DataFrame(index=self.data.index)]
            + [
                pd.get_dummies(self.data[c].astype(str), prefix=c, drop_first=True, dtype=float)
                for c in cols
            ],
            axis=1,
        )
        self.fixed = fixed.loc[:, fixed.nunique() > 1]
        self.clusters = (
            pd.factorize(self.data[self.cluster])[0]
            if self.cluster
            else np.zeros(len(self.data), dtype=np.int64)
        )
        self.level = level
        self._cache: dict[tuple[tuple[str, ...], bool], tuple[list[str], np.ndarray, tuple]] = {}

    def coef(self, name: str, flags: Sequence[str], with_base: bool) -> _Coef | None:
        """Coefficient of ``name`` in the model with the 0/1 ``flags``, the fixed effects and
        (``with_base``) the baseline score; None when it is not identified."""
        key = (tuple(flags), with_base)
        if key not in self._cache:
            f = self.data[list(flags)].astype(float)
            f = f.loc[:, f.nunique() > 1]
            extra = [self.y0] if with_base else []
            x = np.column_stack([np.ones(len(f)), f.to_numpy(), self.fixed.to_numpy(), *extra])
            r = _triangular_factor(x)
            self._cache[key] = (["const", *f.columns], r, _fit(self.dy, x, self.clusters))
        names, r, (beta, se, df, n_groups) = self._cache[key]
        if name not in names or not _identifiable(r, names.index(name)):
            return None
        j = names.index(name)
        est, s = float(beta[j]), float(se[j])
        crit = float(sps.t.ppf(0.5 + self.level / 2, df))
        p = float(2 * sps.t.sf(abs(est / s), df)) if s > 0 else float("nan")
        return _Coef(est, s, est - crit * s, est + crit * s, p, df, n_groups)


def _lever_row(
    models: _Models,
    lever: str,
    flags: Sequence[str],
    *,
    baseline: bool,
    min_group: int,
    power: float = 0.8,
) -> dict[str, object]:
    """The DiD row of one lever (no estimate, with the reason, when it cannot be made)."""
    t_col = f"treated_{lever}"
    treated = models.data[t_col].to_numpy(dtype=float)
    n_t, n_c = int(treated.sum()), int(len(treated) - treated.sum())
    row: dict[str, object] = {"lever": lever, "n_treated": n_t, "n_control": n_c}
    notes = [*models.notes]
    if models.dropped:
        notes.append(f"{models.dropped} linked respondents dropped for missing values")
    if min(n_t, n_c) < min_group:
        notes.append(
            f"too few linked participants/non-participants ({n_t}/{n_c}, need {min_group} each)"
        )
        return {**row, "note": "; ".join(notes)}
    main = models.coef(t_col, flags, baseline)
    other = models.coef(t_col, flags, not baseline)
    if main is None:
        notes.append("participation is collinear with the covariates: not estimable")
        return {**row, "note": "; ".join(notes)}
    adjusted = main if baseline else other
    a, b = models.y0[treated == 1], models.y0[treated == 0]
    sd = float(np.sqrt(((n_t - 1) * a.var(ddof=1) + (n_c - 1) * b.var(ddof=1)) / (n_t + n_c - 2)))
    scale_g = hedges_correction(n_t + n_c - 2) / sd if sd > 0 else float("nan")
    if models.cluster and main.n_clusters < _FEW_CLUSTERS:
        notes.append(
            f"only {main.n_clusters} clusters: cluster-robust SE may be too small (Cameron & Miller, 2015)"
        )
    if other is not None and abs(other.estimate - main.estimate) > main.se:
        which = "without" if baseline else "with"
        notes.append(
            f"{which} the baseline score the estimate is {other.estimate:.3g} (SE {other.se:.3g}): "
            "the two models disagree by more than one SE; report both"
        )
    nan = float("nan")
    return {
        **row, "estimate": main.estimate, "se": main.se, "ci_low": main.ci_low,
        "ci_high": main.ci_high, "p_value": main.p_value, "hedges_g": main.estimate * scale_g,
        "g_ci_low": main.ci_low * scale_g, "g_ci_high": main.ci_high * scale_g,
        # Bloom (1995): MDE = (t_{1-a/2} + t_power) x SE of this very estimator, so that the
        # clustering, the covariates and the other tools' flags are all accounted for.
        "mde": (main.ci_high - main.estimate) + float(sps.t.ppf(power, main.df)) * main.se,
        "design": "did_linked_panel", "sms_level": 3, "causal_wording_allowed": True,
        "n_clusters": main.n_clusters if models.cluster else nan,
        "estimate_baseline_adjusted": adjusted.estimate if adjusted else nan,
        "se_baseline_adjusted": adjusted.se if adjusted else nan,
        "ci_low_baseline_adjusted": adjusted.ci_low if adjusted else nan,
        "ci_high_baseline_adjusted": adjusted.ci_high if adjusted else nan,
        "note": "; ".join(notes),
    }  # fmt: skip


def _adjustment(covariates: Sequence[str], *, shared: bool, prior: bool, pooled: bool) -> str:
    what = [*covariates, *(["wave pair"] if pooled else [])]
    if prior:
        what.append("attendance before the baseline wave")
    if shared:
        what.append("attendance at the other tools")
    return ", ".join(what)


def _cross(
    scored: pd.DataFrame, col: str, lever: str, wave: str, level: float, min_group: int, why: str
) -> dict[str, object]:
    part = f"part_{lever}"
    base: dict[str, object] = {"lever": lever, "design": "cross_sectional", "sms_level": 2}
    programme = part not in scored.columns and PART_ANY in scored.columns
    if programme:  # one "took part in any tool" question: participants of the programme
        part = PART_ANY
    if part not in scored.columns or col not in scored.columns:
        return {**base, "causal_wording_allowed": False, "note": f"{why}; no {part} column either"}
    at_wave = scored.loc[scored["wave"] == wave]
    covariates, cluster, notes = usable_design(at_wave, COVARIATES, "department")
    found = cross_sectional_estimate(
        scored, col, part, wave=wave, covariates=covariates, cluster=cluster,
        lever=lever, level=level, min_group=min_group,
    )  # fmt: skip
    row: dict[str, object] = {str(c): v for c, v in found.iloc[0].items()}
    row["note"] = "; ".join(filter(None, [why, *notes, str(row.get("note") or "")]))
    row["adjustment"] = f"{', '.join(covariates)} (self-reported participation)".strip()
    if programme:
        row["design"] = "cross_sectional_programme"
        row["adjustment"] = (
            f"{', '.join(covariates)} (self-reported participation in any tool, {PART_ANY}: "
            "programme level, the same comparison for every lever)"
        ).strip()
    return row


def _change(
    scored: pd.DataFrame, col: str, waves: tuple[str, str], level: float
) -> dict[str, object]:
    # All respondents of both waves (Welch): the change of the staff's mean, not of the linked.
    ch = wave_change(scored, col, "wave", waves, pairing="independent", level=level).iloc[0]
    return {
        "change": float(ch["estimate"]),
        "change_ci_low": float(ch["ci_low"]),
        "change_ci_high": float(ch["ci_high"]),
        "change_design": str(ch["design"]),
    }


def _with_twfe(
    fd: dict[str, object], twfe: Mapping[str, object], min_group: int
) -> dict[str, object]:
    """The pooled row: the two-way fixed-effects figures, the first-difference ones kept aside."""
    out = {
        **fd,
        "estimate_first_difference": fd.get("estimate", np.nan),
        "ci_low_first_difference": fd.get("ci_low", np.nan),
        "ci_high_first_difference": fd.get("ci_high", np.nan),
    }
    fd_note = str(fd.get("note") or "")
    n_t, n_c = int(twfe["n_treated"]), int(twfe["n_control"])  # type: ignore[call-overload]
    if np.isnan(float(twfe["estimate"])) or min(n_t, n_c) < min_group:  # type: ignore[arg-type]
        why = str(twfe["note"]) or (
            f"too few participants/non-participants over the waves ({n_t}/{n_c}, need {min_group} each)"
        )
        return {
            **out,
            "n_treated": n_t,
            "n_control": n_c,
            "note": "; ".join(filter(None, [why, fd_note])),
        }
    out.update({k: v for k, v in twfe.items() if k != "note"})
    out["estimator"] = "twfe"
    notes = [
        str(twfe.get("note") or ""),
        f"first-difference sensitivity: {fd_note}" if fd_note else "",
    ]
    out["note"] = "; ".join(n for n in notes if n)
    out["adjustment"] = (
        "person and wave effects, attendance at every tool (two-way fixed effects over all "
        "waves, clustered by person)"
    )
    return out


def _block(
    scored: pd.DataFrame,
    data: pd.DataFrame,
    outcome: str,
    levers: Sequence[str],
    instruments: Mapping[str, Instrument],
    *,
    pair: tuple[str, str],
    pooled: bool,
    n_pairs: int,
    prior: bool,
    baseline: bool,
    level: float,
    min_group: int,
    fdr: float,
) -> pd.DataFrame:
    """The rows of one outcome for one pair (or the pooled pairs), one per lever, with BH."""
    shared = outcome in SHARED_OUTCOMES
    cols = {lv: _score_column(outcome, lv, instruments) for lv in levers}
    models: dict[str, _Models] = {}
    changes: dict[str, dict[str, object]] = {}
    headline: dict[str, dict[str, dict[str, object]]] = {}
    rows = []
    for lv, col in cols.items():
        if f"{col}_from" not in data.columns:
            continue
        if col not in models:
            models[col] = _Models(data, col, pooled=pooled, level=level)
            changes[col] = _change(scored, col, pair, level)
        own = list(levers) if shared else [lv]
        flags = [f"treated_{x}" for x in own] + ([f"prior_{x}" for x in own] if prior else [])
        row = {**_lever_row(models[col], lv, flags, baseline=baseline, min_group=min_group)}
        what = _adjustment(models[col].covariates, shared=shared, prior=prior, pooled=pooled)
        row.update(adjustment=what, design="did_linked_panel", sms_level=3)
        row["estimator"] = "first_difference"
        if pooled:
            if col not in headline:
                wanted = list(levers) if shared else [lv]
                headline[col] = twfe_rows(data, col, levers, level, wanted=wanted)
            row = _with_twfe(row, headline[col][lv], min_group)
        if "estimate" not in row and not pooled:
            why = f"DiD not possible ({row['note']}); cross-sectional on part_{lv}"
            row = _cross(scored, col, lv, pair[1], level, min_group, why)
        row.update(
            wave_from=pair[0], wave_to=pair[1], pooled=pooled, outcome=outcome, score=col,
            n_pairs=n_pairs, n_linked=len(data), level=level,
            causal_wording_allowed=int(row["sms_level"]) >= 3,  # type: ignore[call-overload]
            **changes[col],
        )  # fmt: skip
        rows.append(row)
    block = pd.DataFrame(rows).reindex(columns=list(IMPACT_TABLE_COLUMNS))
    if len(block):
        bh = benjamini_hochberg(block["p_value"].astype(float), alpha=fdr)
        block["p_adjusted"] = bh["p_adjusted"].to_numpy()
        block["significant_fdr"] = bh["rejected"].to_numpy()
    return block


@checked
def impact_table(
    tables: Tables,
    instruments: Mapping[str, Instrument],
    eco: object,
    *,
    wave_pairs: Iterable[tuple[str, str]] | None = None,
    outcomes: Sequence[str] = ("climate", "swemwbs"),
    pooled: bool = True,
    baseline: bool = False,
    prior: bool = True,
    level: float = 0.95,
    fdr: float = 0.05,
    min_group: int = 10,
    k: int = 5,
    window: str = "month_start",
) -> pd.DataFrame:
    """Effect of taking part in each lever's tool on its climate and on well-being.

    Parameters
    ----------
    tables : Tables
        The store's tables (barometer, sessions, attendance).
    instruments : mapping of str to Instrument
        ``Project.instruments()`` (reverse-keyed climate items matter).
    eco : Ecosystem
        ``Project.ecosystem()``: the levers, in order.
    wave_pairs : iterable of (wave_from, wave_to), optional
        Default every consecutive pair of the barometer's waves.
    outcomes : sequence of str
        Among :data:`OUTCOMES`: ``"climate"`` (the lever's own climate scale, 1-5),
        ``"swemwbs"`` (metric score, the published scale), ``"swemwbs_raw"`` (raw total 7-35),
        ``"who5"`` (0-100), ``"wemwbs"``.
    pooled : bool
        Add, per lever and outcome, a row pooling every pair (``pooled`` True, ``wave_from`` and
        ``wave_to`` the first and last waves); needs at least two pairs.
    baseline : bool
        False (default): the textbook DiD, change score without the baseline score. True: the
        model with the baseline score. The model with the baseline score is always in the
        ``*_baseline_adjusted`` columns.
    prior : bool
        Adjust for attendance in the interval before the baseline wave (see Notes).
    level : float
        Confidence level.
    fdr : float
        False discovery rate of ``significant_fdr``.
    min_group : int
        Fewer linked participants or non-participants than this: no DiD; for a single pair the
        cross-section of the second wave is used instead (with the same minimum). Never below
        ``k``.
    k : int
        Anonymity threshold: an estimate resting on fewer than ``k`` participants or
        non-participants is not published (``suppressed``).
    window : {"month_start", "wave_date"}
        How the attendance window between waves is cut (:func:`~eco_eval.wellbeing.panel.wave_cuts`).

    Returns
    -------
    pandas.DataFrame
        One row per (pair or pooled) x outcome x lever, columns :data:`IMPACT_TABLE_COLUMNS`:
        ``wave_from``, ``wave_to``, ``pooled``, ``outcome``, ``score`` (score column used), then
        :data:`eco_eval.stats.IMPACT_COLUMNS` (``lever``, ``estimate`` in score points, ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``hedges_g`` and its interval ``g_ci_low``,
        ``g_ci_high``, ``n_treated``, ``n_control``, ``mde`` (minimum detectable effect at 80 %
        power, score points: :math:`(t_{1-\\alpha/2} + t_{0.8})\\,SE`, Bloom, 1995), ``design`` (``did_linked_panel``, ``cross_sectional`` or ``cross_sectional_programme``),
        ``sms_level`` (3 or 2), ``causal_wording_allowed``), then ``p_adjusted`` and
        ``significant_fdr`` (Benjamini-Hochberg across the levers of the same outcome and pair),
        ``estimator`` (``twfe`` on pooled rows, ``first_difference`` on a pair's rows),
        ``estimate_first_difference``, ``ci_low_first_difference``, ``ci_high_first_difference``
        (pooled rows: the stacked first-difference model), ``estimate_single_lever``,
        ``ci_low_single_lever``, ``ci_high_single_lever`` (pooled rows: the TWFE model of this
        lever alone), ``ci_low_department``, ``ci_high_department`` (pooled rows: the TWFE
        interval clustered by department),
        ``estimate_baseline_adjusted``, ``se_baseline_adjusted``, ``ci_low_baseline_adjusted``,
        ``ci_high_baseline_adjusted`` (the model with the baseline score), ``change``,
        ``change_ci_low``, ``change_ci_high``, ``change_design`` (change of the mean score of all
        respondents between the two waves, Welch interval, :func:`eco_eval.stats.wave_change`:
        not attributable to any lever), ``n_clusters``, ``n_linked`` (linked respondents),
        ``n_pairs``, ``adjustment`` (what the model holds fixed), ``level``, ``suppressed``,
        ``note``.

    Notes
    -----
    *Pooled rows* are :func:`eco_eval.wellbeing.twfe.twfe_rows`:
    :math:`y_{it} = \alpha_i + \\lambda_t + \\sum_L \tau_L D^L_{it} + \varepsilon_{it}` over
    every wave but the first (whose "interval before" has no start), :math:`D^L_{it}` the
    attendance at *L*'s tool in the interval before wave *t*, clustered by person
    (:func:`eco_eval.stats.twfe_estimate`). On the demo city (seed 42) their intervals cover
    the planted effect for 24/24 lever x outcome rows (climate and raw SWEMWBS) and the pooled
    first difference's are 1.18 times as wide (median; 22 of 24 rows wider); docs/methods.md
    gives the simulation figures.

    *Rows of one pair*: for linked person *i*, lever *L* and pair *p*,
    :math:`\\Delta y_{ip} = \\tau_L D^L_{ip} + \\gamma_L P^L_{ip} + x_i'\\delta + \\alpha_p +
    \\varepsilon_{ip}` with :math:`D^L` the attendance at *L*'s tool between the waves,
    :math:`P^L` the attendance in the interval before the baseline wave, :math:`x_i` category and
    department dummies (baseline wave; those the barometer gives for at least half the linked
    respondents, :func:`eco_eval.stats._regression.usable_covariates`) and :math:`\\alpha_p`
    pair effects (pooled rows). For the
    well-being outcomes (:data:`SHARED_OUTCOMES`), which every tool may move, one model holds
    all the tools together: :math:`\\sum_L (\\tau_L D^L_{ip} + \\gamma_L P^L_{ip})`. OLS, CR1
    department-clustered variance, t(G - 1) inference. :math:`\\tau_L` is the average effect of
    taking part on the participants' score at the second wave (the ATT); Hedges' g divides it
    (and its interval) by the pooled SD of the baseline score times Hedges' J.

    *Why no baseline score by default.* Staff who take part are those with a higher stable level
    of climate (selection on a trait, not on a passing low). Conditioning on the baseline score
    then compares participants with non-participants whose baseline is as high only because of a
    passing high, who drift back down: the baseline-adjusted estimate is biased upwards. On the
    demo city (seed 42, 4 wave pairs, 12 levers, effects.csv as truth) the textbook model's 95 %
    intervals covered the planted climate effect in 48/48 lever x pair cells and 12/12 pooled
    rows (every planted effect detected, no null lever significant after FDR), against 41/48 and
    10/12 with the baseline score; over 9 seeds of the generator, pooled coverage was 93 % against
    68 %, and an earlier simulation found 94 % for the textbook model. The baseline-adjusted
    estimate is kept because it is the right one when people join *because* of a low score
    (regression to the mean): the two bracket the effect (Angrist & Pischke, 2009, 5.4), and a
    note says when they differ by more than one SE.

    *Why prior attendance.* When effects fade, participants of the previous interval lose theirs
    between the waves; without :math:`P^L` the change score counts that loss against those who
    take part again (and for the controls), and the estimate drifts towards the effect on the
    change rather than on the level (demo, 3 seeds: pooled climate coverage 34/36 with, 27/36
    without).

    *Why the other tools for well-being only.* The same people take part in several tools, so a
    well-being gain from one is otherwise credited to every tool its participants also attend
    (demo: one-tool models declared null tools significant on SWEMWBS in a wave pair where the
    joint model did not). A lever's own climate scale is not expected to move with the other
    tools, and holding eleven correlated participation flags fixed widens its intervals.

    References
    ----------
    Angrist, J. D. & Pischke, J.-S. (2009). Mostly harmless econometrics, ch. 5. Cameron, A. C.
    & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference. JHR 50(2).
    Benjamini, Y. & Hochberg, Y. (1995). JRSS B 57(1), 289-300. Farrington, D. P. et al. (2002).
    The Maryland Scientific Methods Scale.
    """
    level = check_level(level)
    if tables.barometer is None:
        raise StatsInputError("tables.barometer is None: the store has no barometer")
    if min_group < k:
        raise StatsInputError(f"min_group ({min_group}) cannot be below the anonymity k ({k})")
    for outcome in outcomes:
        if outcome not in OUTCOMES:
            raise StatsInputError(
                f"unknown outcome {outcome!r}{did_you_mean(outcome, OUTCOMES)}; "
                f"outcomes: {', '.join(OUTCOMES)}"
            )
    levers = [str(lv) for lv in eco.lever_ids]  # type: ignore[attr-defined]
    scored = score_barometer(tables.barometer, instruments)
    groups, n_pairs = _panel_groups(
        tables,
        tables.barometer,
        instruments,
        levers,
        scored,
        wave_pairs=wave_pairs,
        pooled=pooled,
        window=window,
    )
    blocks = [
        _block(
            scored,
            data,
            outcome,
            levers,
            instruments,
            pair=pair,
            pooled=is_pooled,
            n_pairs=n_pairs if is_pooled else 1,
            prior=prior,
            baseline=baseline,
            level=level,
            min_group=min_group,
            fdr=fdr,
        )
        for pair, is_pooled, data in groups
        for outcome in outcomes
    ]
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        return pd.DataFrame(columns=list(IMPACT_TABLE_COLUMNS))
    return _hide_small_groups(pd.concat(blocks, ignore_index=True), k)


def _panel_groups(
    tables: Tables,
    barometer: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    levers: list[str],
    scored: pd.DataFrame,
    *,
    wave_pairs: Iterable[tuple[str, str]] | None,
    pooled: bool,
    window: str,
) -> tuple[list[tuple[tuple[str, str], bool, pd.DataFrame]], int]:
    """The linked panels :func:`impact_table` estimates on: one per pair of waves (consecutive
    waves by default), then all pairs stacked when ``pooled``; and the number of pairs."""
    cuts = wave_cuts(barometer, window)
    order = sorted(cuts, key=cuts.__getitem__)
    pairs = (
        [(str(a), str(b)) for a, b in wave_pairs]
        if wave_pairs is not None
        else list(itertools.pairwise(order))
    )
    attendance = held_attendance(tables)
    panels = {
        pair: link_panel(
            tables,
            pair[0],
            pair[1],
            instruments=instruments,
            levers=levers,
            window=window,
            scored=scored,
            attendance=attendance,
        ).assign(pair=pair[0])
        for pair in pairs
    }
    groups = [(pair, False, panels[pair]) for pair in pairs]
    if pooled and len(pairs) > 1:
        stacked = pd.concat([panels[p] for p in pairs], ignore_index=True)
        groups.append(((pairs[0][0], pairs[-1][1]), True, stacked))
    return groups, len(pairs)


def _hide_small_groups(out: pd.DataFrame, k: int) -> pd.DataFrame:
    """The rows of :func:`impact_table` with their figures hidden where fewer than ``k`` people
    were treated or compared."""
    small = (out["n_treated"].fillna(0) < k) | (out["n_control"].fillna(0) < k)
    out["suppressed"] = (small & out["estimate"].notna()).astype(bool)
    hide = [
        *_FIGURES, "mde",
        *(c for c in _TAIL if c.endswith(("_baseline_adjusted", "_first_difference"))),
        *SENSITIVITY_COLUMNS,
    ]  # fmt: skip
    out.loc[out["suppressed"], hide] = np.nan
    out["significant_fdr"] = out["significant_fdr"].fillna(False).astype(bool) & ~out["suppressed"]
    out["pooled"] = out["pooled"].astype(bool)
    out["causal_wording_allowed"] = out["causal_wording_allowed"].fillna(False).astype(bool)
    return out
