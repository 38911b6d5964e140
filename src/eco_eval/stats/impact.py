"""Per-lever impact estimators on the person-level barometer panel.

Three designs, from the strongest the data allow to the weakest:

* :func:`did_estimate`: difference in differences on linked respondents (same ``person_key`` at
  both waves): change score regressed on participation, covariates and the baseline score, with
  department-clustered standard errors. Maryland Scientific Methods Scale (SMS) level 3.
* :func:`cross_sectional_estimate`: participants versus non-participants at one wave, adjusted for
  covariates. SMS level 2.
* :func:`wave_change`: change of the mean between two waves, without comparison group. SMS level 2.

Every function returns one tidy row (a one-row DataFrame with :data:`IMPACT_COLUMNS` first, then
``outcome``, ``n_clusters``, ``n_linked``, ``estimate_without_baseline``, ``se_without_baseline``,
``level``, ``note``); :func:`impact_by_lever` stacks the
rows of all levers and adds Benjamini-Hochberg adjusted p-values. ``causal_wording_allowed`` is
True only from SMS level 3: below it, reports must speak of association, not effect.

References
----------
Sherman, L. W., Gottfredson, D. C., MacKenzie, D. L., Eck, J., Reuter, P. & Bushway, S. D. (1998).
Preventing crime: what works, what doesn't, what's promising. NIJ Research in Brief. Farrington,
D. P., Gottfredson, D. C., Sherman, L. W. & Welsh, B. C. (2002). The Maryland Scientific Methods
Scale. In Evidence-based crime prevention, Routledge, 13-21.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.power import TTestPower

from eco_eval.stats._checks import (
    StatsInputError,
    check_columns,
    check_level,
    check_pair,
    checked,
    numeric_column,
)
from eco_eval.stats._regression import (
    IMPACT_COLUMNS,
    NAN,
    as_treatment,
    impact_row,
    mde_points,
    pooled_sd,
    regress,
    split_covariates,
    standardise,
    usable_design,
)
from eco_eval.stats.effects import (
    benjamini_hochberg,
    hedges_correction,
    hedges_g,
    minimum_detectable_effect,
)

__all__ = [
    "IMPACT_COLUMNS",
    "cross_sectional_estimate",
    "did_estimate",
    "impact_by_lever",
    "wave_change",
]


@checked
def did_estimate(
    panel: pd.DataFrame,
    outcome: str,
    treated_col: str,
    *,
    waves: tuple[object, object],
    wave_col: str = "wave",
    person_col: str = "person_key",
    covariates: Iterable[str] = ("category", "department", "baseline"),
    cluster: str | None = "department",
    lever: str = "*",
    level: float = 0.95,
    min_group: int = 10,
    power: float | None = 0.8,
) -> pd.DataFrame:
    """Difference in differences on the change scores of respondents linked across two waves.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long person-level panel: one row per respondent and wave, with ``wave_col``,
        ``person_col``, ``outcome``, ``treated_col`` and the covariate columns.
    outcome : str
        Score column (e.g. ``swemwbs_score`` or ``clim_audace_score``).
    treated_col : str
        0/1 participation, read on the second wave's row (participation by then).
    waves : (before, after)
        The two wave labels; ``before`` should precede the lever's tool, or at least its use.
    wave_col, person_col : str
        Wave and pseudonymised person columns.
    covariates : iterable of str
        Categorical columns taken from the baseline row (dummy-coded), plus the token
        ``"baseline"`` for the baseline score. A categorical covariate within which participation
        is constant (participation assigned by department) is dropped, with a note; so is one
        known for fewer than half the linked respondents (a barometer that does not ask it): it
        is not adjusted for, and nobody is dropped for lacking it.
    cluster : str or None
        Cluster column for cluster-robust standard errors (baseline row); None for HC1, which is
        also used, with a note, when the column is known for fewer than half the respondents.
    lever : str
        Lever id written in the row.
    level : float
        Confidence level.
    min_group : int
        Fewer linked participants or non-participants than this: no estimate, a note says why.
    power : float or None
        Power used for ``mde``; None leaves ``mde`` empty (NaN), for simulation studies that
        only need the estimate and its interval (solving for the MDE is most of a fit's time).

    Returns
    -------
    pandas.DataFrame
        One row: :data:`IMPACT_COLUMNS` then ``outcome``, ``n_clusters``, ``n_linked``,
        ``estimate_without_baseline`` and ``se_without_baseline`` (the same model without the
        baseline score, when ``"baseline"`` is among the covariates), ``level``, ``note``. ``estimate`` is in score points; ``hedges_g`` is the estimate over the pooled
        baseline SD times Hedges' J (its interval is the estimate's interval rescaled the same
        way); ``mde`` is the minimum detectable effect in score points (SD of the change score
        times :func:`~eco_eval.stats.effects.minimum_detectable_effect`, with a design effect only
        when participation is constant within clusters). ``design = "did_linked_panel"``,
        ``sms_level = 3``.

    Notes
    -----
    For linked respondent i in department d,
    :math:`\\Delta y_i = \\beta_0 + \\tau D_i + \\gamma' x_i + \\delta\\, y_{i,0} + \\varepsilon_i`,
    fitted by OLS (statsmodels) with the CR1 cluster-robust variance and t(G - 1) inference.
    Differencing removes every time-invariant difference between participants and the others;
    :math:`\\tau` is the effect of participation under parallel trends conditional on
    :math:`x_i`. Adjusting for the baseline score protects against regression to the mean when
    people join *because* of a low score, but biases :math:`\\tau` when they join because of a
    stable trait; the estimates with and without ``"baseline"`` bracket the effect (Angrist &
    Pischke, 2009, section 5.4). Both are returned, and the note says when they differ by more
    than one standard error: report both then.

    References
    ----------
    Angrist, J. D. & Pischke, J.-S. (2009). Mostly harmless econometrics, ch. 5. Princeton UP.
    Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
    Journal of Human Resources 50(2), 317-372. Morris, S. B. (2008). Estimating effect sizes from
    pretest-posttest-control group designs. Organizational Research Methods 11(2), 364-386.
    """
    level = check_level(level)
    categorical, use_baseline = split_covariates(covariates)
    extra_cols = [c for c in [*categorical, cluster] if c is not None]
    check_columns(panel, [wave_col, person_col, outcome, treated_col, *extra_cols], "panel")
    before, after = check_pair(waves, "waves")
    panel = panel.assign(**{outcome: numeric_column(panel, outcome, "panel")})
    pre = panel.loc[panel[wave_col] == before]
    post = panel.loc[panel[wave_col] == after]
    for label, part in ((before, pre), (after, post)):
        if part.empty:
            present = sorted(map(str, panel[wave_col].dropna().unique()))
            raise StatsInputError(
                f"no row for wave {label!r} in {wave_col!r}; waves present: {present}"
            )
        if part[person_col].dropna().duplicated().any():
            raise StatsInputError(f"wave {label!r} has several rows for the same {person_col!r}")
    base_cols = list(dict.fromkeys([person_col, outcome, *extra_cols]))
    linked = (
        pre.loc[pre[person_col].notna(), base_cols]
        .rename(columns={outcome: "_y0"})
        .merge(
            post[[person_col, outcome, treated_col]].rename(
                columns={outcome: "_y1", treated_col: "treated"}
            ),
            on=person_col,
        )
    )
    linked["treated"] = as_treatment(linked["treated"], treated_col)
    n_linked = len(linked)
    categorical, cluster, notes = usable_design(linked, categorical, cluster)
    extra_cols = [c for c in [*categorical, cluster] if c is not None]
    data = linked.dropna(subset=["_y0", "_y1", "treated", *extra_cols])
    if len(data) < n_linked:
        notes.append(f"{n_linked - len(data)} linked respondents dropped for missing values")
    n_t, n_c = int((data["treated"] == 1).sum()), int((data["treated"] == 0).sum())
    common = {
        "n_treated": n_t,
        "n_control": n_c,
        "outcome": outcome,
        "n_linked": n_linked,
        "level": level,
    }
    if min(n_t, n_c) < min_group:
        notes.append(
            f"too few linked participants/non-participants ({n_t}/{n_c}, need {min_group} each)"
        )
        return impact_row(lever, "did_linked_panel", 3, **common, note="; ".join(notes))
    dy = data["_y1"] - data["_y0"]
    data = data.assign(baseline=data["_y0"])
    res = regress(
        dy,
        data,
        categorical,
        ["baseline"] if use_baseline else [],
        cluster,
        level,
        bracket="baseline" if use_baseline else None,
    )
    res.update(standardise(res, pooled_sd(data["_y0"], data["treated"]), n_t, n_c))
    res["mde"] = mde_points(dy, data, cluster, level, power)
    res["note"] = "; ".join(filter(None, [*notes, str(res.get("note", ""))]))
    return impact_row(lever, "did_linked_panel", 3, **common, **res)


@checked
def cross_sectional_estimate(
    frame: pd.DataFrame,
    outcome: str,
    treated_col: str,
    *,
    wave: object | None = None,
    wave_col: str = "wave",
    covariates: Iterable[str] = ("category", "department"),
    cluster: str | None = "department",
    lever: str = "*",
    level: float = 0.95,
    min_group: int = 10,
    power: float | None = 0.8,
) -> pd.DataFrame:
    """Participants versus non-participants at one wave, adjusted for covariates (SMS level 2).

    Parameters
    ----------
    frame : pandas.DataFrame
        Person-level responses (one wave, or several with ``wave`` selecting one).
    outcome, treated_col : str
        Score column and 0/1 self-reported participation column (e.g. ``part_audace``).
    wave : object or None
        Wave to keep (None: all rows, which must then be one row per person).
    covariates : iterable of str
        Categorical adjustment columns (dummy-coded); one known for fewer than half the
        respondents is not adjusted for (a note says so), as in :func:`did_estimate`.
    cluster, lever, level, min_group, power
        As in :func:`did_estimate`.

    Returns
    -------
    pandas.DataFrame
        One row as in :func:`did_estimate`, ``design = "cross_sectional"``, ``sms_level = 2``,
        ``causal_wording_allowed = False``; ``hedges_g`` standardised by the pooled SD of the
        outcome.

    Notes
    -----
    :math:`y_i = \\beta_0 + \\tau D_i + \\gamma' x_i + \\varepsilon_i` by OLS with cluster-robust
    SE. Self-selection into the tools (people already at ease volunteer) is not removed: the
    coefficient is an adjusted association.

    References
    ----------
    Farrington et al. (2002), see the module docstring.
    """
    level = check_level(level)
    categorical, _ = split_covariates(covariates)
    extra_cols = [c for c in [*categorical, cluster] if c is not None]
    check_columns(frame, [outcome, treated_col, *extra_cols], "frame")
    data = frame.assign(**{outcome: numeric_column(frame, outcome)})
    if wave is not None:
        check_columns(frame, [wave_col], "frame")
        data = frame.loc[frame[wave_col] == wave]
    data = data.assign(treated=as_treatment(data[treated_col], treated_col))
    n_all = len(data)
    categorical, cluster, notes = usable_design(data, categorical, cluster)
    extra_cols = [c for c in [*categorical, cluster] if c is not None]
    data = data.dropna(subset=[outcome, "treated", *extra_cols])
    if len(data) < n_all:
        notes.append(f"{n_all - len(data)} respondents dropped for missing values")
    n_t, n_c = int((data["treated"] == 1).sum()), int((data["treated"] == 0).sum())
    common = {"n_treated": n_t, "n_control": n_c, "outcome": outcome, "level": level}
    if min(n_t, n_c) < min_group:
        notes.append(f"too few participants/non-participants ({n_t}/{n_c}, need {min_group} each)")
        return impact_row(lever, "cross_sectional", 2, **common, note="; ".join(notes))
    y = data[outcome].astype(float)
    res = regress(y, data, categorical, [], cluster, level)
    res.update(standardise(res, pooled_sd(y, data["treated"]), n_t, n_c))
    res["mde"] = mde_points(y, data, cluster, level, power)
    res["note"] = "; ".join(filter(None, [*notes, str(res.get("note", ""))]))
    return impact_row(lever, "cross_sectional", 2, **common, **res)


@checked
def wave_change(
    frame: pd.DataFrame,
    score_col: str,
    wave_col: str = "wave",
    waves: tuple[object, object] | None = None,
    *,
    person_col: str | None = "person_key",
    pairing: str = "auto",
    lever: str = "*",
    level: float = 0.95,
    min_pairs: int = 10,
    power: float | None = 0.8,
) -> pd.DataFrame:
    """Mean change of a score between two waves, paired when respondents are linked (SMS level 2).

    Parameters
    ----------
    frame : pandas.DataFrame
        Person-level responses with ``wave_col`` and ``score_col``.
    score_col, wave_col : str
        Score and wave columns.
    waves : (before, after)
        The two wave labels (required).
    person_col : str or None
        Pseudonymised person column used to link answers; None: never paired.
    pairing : {"auto", "paired", "independent"}
        ``"auto"`` pairs when at least ``min_pairs`` respondents answered both waves.
    lever, level, min_pairs, power
        Lever id for the row, confidence level, pairing threshold, power for ``mde`` (None: no
        ``mde``, as in :func:`did_estimate`).

    Returns
    -------
    pandas.DataFrame
        One row as in :func:`did_estimate`: ``estimate`` = mean(after) - mean(before) (paired:
        mean of the individual changes); ``n_treated`` = answers at the ``after`` wave (pairs
        when paired), ``n_control`` = answers at the ``before`` wave; ``design`` is
        ``before_after_paired`` or ``before_after_independent``; ``sms_level = 2``.

    Notes
    -----
    Paired: :math:`\\bar d \\pm t_{n-1} s_d/\\sqrt n` (:func:`scipy.stats.ttest_rel`); Hedges'
    g is the mean change over the average SD of the two waves times J (pingouin's paired
    ``hedges``). Independent: Welch's t (:func:`scipy.stats.ttest_ind`, ``equal_var=False``) and
    :func:`~eco_eval.stats.effects.hedges_g`. Without comparison group the change includes
    everything else that changed between the waves.

    References
    ----------
    Welch, B. L. (1947). The generalization of Student's problem when several different population
    variances are involved. Biometrika 34(1-2), 28-35.
    """
    level = check_level(level)
    before, after = check_pair(waves, "waves")
    if pairing not in {"auto", "paired", "independent"}:
        raise StatsInputError(f'pairing must be "auto", "paired" or "independent", got {pairing!r}')
    used = list(dict.fromkeys([wave_col, score_col, *([person_col] if person_col else [])]))
    check_columns(frame, used, "frame")
    frame = frame[used].assign(**{score_col: numeric_column(frame, score_col)})
    pre = frame.loc[(frame[wave_col] == before) & frame[score_col].notna()]
    post = frame.loc[(frame[wave_col] == after) & frame[score_col].notna()]
    pairs = pd.DataFrame()
    if person_col is not None and pairing != "independent":
        pairs = (
            pre[[person_col, score_col]]
            .dropna()
            .merge(post[[person_col, score_col]].dropna(), on=person_col, suffixes=("_0", "_1"))
        )
    paired = pairing == "paired" or (pairing == "auto" and len(pairs) >= min_pairs)
    common = {"outcome": score_col, "level": level, "n_linked": len(pairs)}
    if paired:
        y0, y1 = pairs[f"{score_col}_0"].astype(float), pairs[f"{score_col}_1"].astype(float)
        n = len(pairs)
        if n < 2:
            return impact_row(
                lever,
                "before_after_paired",
                2,
                n_treated=n,
                n_control=n,
                **common,
                note="fewer than 2 linked respondents",
            )
        test = stats.ttest_rel(y1, y0)
        ci = test.confidence_interval(level)
        diff = y1 - y0
        sd_av = float(np.sqrt((y0.var() + y1.var()) / 2))
        j = hedges_correction(n - 1)
        g_scale = j / sd_av if sd_av > 0 else NAN
        est = float(diff.mean())
        mde = NAN
        if power is not None:
            solved = TTestPower().solve_power(
                effect_size=None, nobs=n, alpha=1 - level, power=power, alternative="two-sided"
            )
            mde = float(diff.std()) * float(np.asarray(solved, dtype=float).ravel()[0])
        return impact_row(
            lever,
            "before_after_paired",
            2,
            estimate=est,
            se=float(diff.std() / np.sqrt(n)),
            ci_low=float(ci.low),
            ci_high=float(ci.high),
            p_value=float(test.pvalue),
            hedges_g=est * g_scale,
            g_ci_low=float(ci.low) * g_scale,
            g_ci_high=float(ci.high) * g_scale,
            n_treated=n,
            n_control=n,
            mde=mde,
            **common,
            note="no comparison group: the change is not attributable to the lever",
        )
    a, b = post[score_col].astype(float), pre[score_col].astype(float)
    if min(len(a), len(b)) < 2:
        return impact_row(
            lever,
            "before_after_independent",
            2,
            n_treated=len(a),
            n_control=len(b),
            **common,
            note="fewer than 2 answers at a wave",
        )
    test = stats.ttest_ind(a, b, equal_var=False)
    ci = test.confidence_interval(level)
    g = hedges_g(a, b, level)
    sd = float(np.sqrt(((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2)))
    se = float(np.sqrt(a.var() / len(a) + b.var() / len(b)))
    return impact_row(
        lever,
        "before_after_independent",
        2,
        estimate=float(a.mean() - b.mean()),
        se=se,
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        p_value=float(test.pvalue),
        hedges_g=g.g,
        g_ci_low=g.ci_low,
        g_ci_high=g.ci_high,
        n_treated=len(a),
        n_control=len(b),
        mde=NAN
        if power is None
        else minimum_detectable_effect(len(a), len(b), 1 - level, power) * sd,
        **common,
        note="no comparison group: the change is not attributable to the lever",
    )


@checked
def impact_by_lever(
    panel: pd.DataFrame,
    outcome: str,
    levers: Iterable[str],
    *,
    waves: tuple[object, object],
    treated: str = "part_{lever}",
    design: str = "auto",
    wave_col: str = "wave",
    person_col: str = "person_key",
    covariates: Iterable[str] = ("category", "department", "baseline"),
    cluster: str | None = "department",
    level: float = 0.95,
    min_group: int = 10,
    fdr: float = 0.05,
) -> pd.DataFrame:
    """Run the impact estimator for every lever and control the false discovery rate across them.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long person-level panel (see :func:`did_estimate`).
    outcome : str
        Outcome column; ``{lever}`` in it is replaced by the lever id (e.g. ``"clim_{lever}_score"``)
        so that each lever can be judged on its own climate scale.
    levers : iterable of str
        Lever ids.
    waves : (before, after)
        Wave labels.
    treated : str
        Participation column template, default ``"part_{lever}"``.
    design : {"auto", "did", "cross_sectional"}
        ``"auto"`` uses the DiD and falls back to the cross-section of the ``after`` wave when the
        linked panel has too few participants or non-participants (the row's note says so).
    wave_col, person_col, covariates, cluster, level, min_group
        As in :func:`did_estimate` (``"baseline"`` is ignored by the cross-section).
    fdr : float
        False discovery rate for ``significant_fdr``.

    Returns
    -------
    pandas.DataFrame
        One row per lever as in :func:`did_estimate`, plus ``p_adjusted`` (Benjamini-Hochberg
        over the levers with a p-value) and ``significant_fdr``.
    """
    if design not in {"auto", "did", "cross_sectional"}:
        raise StatsInputError(f'design must be "auto", "did" or "cross_sectional", got {design!r}')
    covs = list(covariates)
    rows = []
    for lever in levers:
        y, t = outcome.replace("{lever}", lever), treated.replace("{lever}", lever)
        missing = [c for c in (y, t) if c not in panel.columns]
        if missing:
            rows.append(
                impact_row(
                    lever,
                    design,
                    0,
                    outcome=y,
                    level=level,
                    note=f"column(s) {missing} absent: lever not estimated",
                )
            )
            continue
        row = None
        if design in {"auto", "did"}:
            row = did_estimate(
                panel,
                y,
                t,
                waves=waves,
                wave_col=wave_col,
                person_col=person_col,
                covariates=covs,
                cluster=cluster,
                lever=lever,
                level=level,
                min_group=min_group,
            )
        if design == "cross_sectional" or (
            design == "auto" and row is not None and np.isnan(row["estimate"].iloc[0])
        ):
            why = (
                ""
                if row is None
                else f"DiD not possible ({row['note'].iloc[0]}); cross-sectional fallback"
            )
            row = cross_sectional_estimate(
                panel,
                y,
                t,
                wave=waves[1],
                wave_col=wave_col,
                covariates=[c for c in covs if c != "baseline"],
                cluster=cluster,
                lever=lever,
                level=level,
                min_group=min_group,
            )
            if why:
                row["note"] = "; ".join(filter(None, [why, row["note"].iloc[0]]))
        if row is not None:
            rows.append(row)
    out = pd.concat(rows, ignore_index=True) if rows else impact_row("*", design, 0).iloc[:0]
    bh = benjamini_hochberg(out["p_value"].astype(float), alpha=fdr)
    out["p_adjusted"] = bh["p_adjusted"].to_numpy()
    out["significant_fdr"] = bh["rejected"].to_numpy()
    return out
