"""Two-way fixed-effects difference in differences over every wave of a person panel.

The headline impact estimator: person and wave effects, every lever's participation in one model,
standard errors clustered by person. The person effects are absorbed by the within
transformation (each column minus its person's mean), the wave effects are dummies, and the
least squares and the cluster-robust variance are :class:`statsmodels.regression.linear_model.OLS`'s
(``cov_type="cluster"``), with the degrees of freedom of Stata's ``xtreg, fe vce(cluster id)``.
A panel library (``linearmodels.PanelOLS``) gives the same figures (to 1e-10) but costs five times
as much per fit, mostly in fit statistics the bilan never shows; a release fits about 70 of these
models. ``tests/stats/test_panel_did.py`` checks this module against ``PanelOLS`` (clusters that
nest the persons and clusters that do not) and against a dummy-variable regression written out by
hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from eco_eval.stats._checks import (
    StatsInputError,
    check_columns,
    check_level,
    checked,
    numeric_column,
)

__all__ = ["TWFE_COLUMNS", "pretrend_check", "twfe_estimate"]

#: Columns of :func:`twfe_estimate`, in order.
TWFE_COLUMNS = (
    "treatment",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "df",
    "n_obs",
    "n_persons",
    "n_waves",
    "n_clusters",
    "n_treated",
    "n_control",
    "note",
)


def _treatment(frame: pd.DataFrame, col: str) -> pd.Series:
    values = numeric_column(frame, col, "panel")
    if (values.dropna() < 0).any():
        raise StatsInputError(f"panel column {col!r} must be 0/1 participation or a dose >= 0")
    return values


@checked
def twfe_estimate(
    panel: pd.DataFrame,
    outcome: str,
    treatments: str | Sequence[str],
    *,
    person_col: str = "person_key",
    wave_col: str = "wave",
    cluster: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Two-way fixed-effects (person and wave) estimate of each treatment's effect.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel: one row per person and wave, with ``person_col``, ``wave_col``, ``outcome``
        and the ``treatments`` columns.
    outcome : str
        Numeric score column.
    treatments : str or sequence of str
        0/1 participation columns (or doses >= 0), all in one model: each coefficient holds the
        others fixed (a joint model of every lever removes the credit one tool would take for
        another its participants also attend).
    person_col, wave_col : str
        Person and wave columns; a person with one usable wave contributes nothing.
    cluster : str or None
        Cluster column; None (default) clusters by person.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per treatment, columns :data:`TWFE_COLUMNS`: ``estimate`` (score points),
        ``se``, ``ci_low``, ``ci_high``, ``p_value`` (t with ``df = G - 1``), ``n_obs``,
        ``n_persons`` (persons with at least two usable waves), ``n_waves``, ``n_clusters``
        (``G``), ``n_treated`` (persons treated at one wave at least), ``n_control`` (the others),
        ``note`` (why an estimate is missing).

    Notes
    -----
    :math:`y_{it} = \\alpha_i + \\lambda_t + \\sum_L \\tau_L D^L_{it} + \\varepsilon_{it}`, by
    the within transformation; cluster-robust variance with the small-sample factor
    :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}`, :math:`K` counting the treatments and the wave effects
    but not the person effects nested in the clusters (Stata ``xtreg, fe vce(cluster)``,
    ``reghdfe``), and t(G - 1) inference. With :math:`D^L_{it}` the participation in the
    interval before wave *t*, :math:`\\tau_L` is the effect of recent participation on the level
    of the score; the first difference of this model between consecutive waves is the pooled
    first-difference estimator (:func:`eco_eval.stats.did_estimate`) with the prior interval's
    participation constrained to :math:`-\\tau_L`, which is why the two agree when effects fade
    within an interval, and why this one, using every wave at once, is more precise.

    References
    ----------
    Wooldridge, J. M. (2010). Econometric analysis of cross section and panel data, 2nd ed.,
    ch. 10. Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. Journal of Human Resources 50(2), 317-372. Correia, S. (2016). reghdfe.
    """
    level = check_level(level)
    names = [treatments] if isinstance(treatments, str) else list(treatments)
    if not names or not all(isinstance(t, str) for t in names):
        raise StatsInputError(
            f"treatments must be a column name or a list of them, got {treatments!r}"
        )
    cluster_col = cluster or person_col
    check_columns(
        panel, list(dict.fromkeys([person_col, wave_col, outcome, *names, cluster_col])), "panel"
    )
    data = pd.DataFrame(
        {
            "_person": panel[person_col],
            "_wave": panel[wave_col].astype(str),
            "_y": numeric_column(panel, outcome, "panel"),
            "_cluster": panel[cluster_col],
            **{t: _treatment(panel, t) for t in names},
        }
    ).dropna()
    if data.duplicated(["_person", "_wave"]).any():
        raise StatsInputError(
            f"panel has several rows for the same {person_col!r} and {wave_col!r}"
        )
    waves_per_person = data.groupby("_person")["_wave"].transform("size")
    data = data.loc[waves_per_person >= 2]
    by_person = data.groupby("_person")[names]
    highest, lowest = by_person.max(), by_person.min()
    treated = highest > 0
    rows = []
    base = {
        "n_obs": len(data),
        "n_persons": int(data["_person"].nunique()),
        "n_waves": int(data["_wave"].nunique()),
        "n_clusters": int(data["_cluster"].nunique()),
    }
    varying = [t for t in names if (highest[t] != lowest[t]).any()]
    fit: dict[str, tuple[float, float]] = {}
    if varying and base["n_waves"] >= 2 and base["n_clusters"] >= 2:
        fit = _within_fit(data, varying)
    df = base["n_clusters"] - 1
    crit = float(stats.t.ppf(0.5 + level / 2, df)) if df > 0 else float("nan")
    for t in names:
        row: dict[str, object] = {
            "treatment": t,
            **base,
            "df": df,
            "n_treated": int(treated[t].sum()),
            "n_control": int((~treated[t]).sum()),
            "note": "",
        }
        if t not in fit:
            row["note"] = (
                f"{t}: collinear with the other treatments or the waves, no estimate"
                if t in varying
                else f"{t}: participation never changes within a person, no estimate"
            )
        else:
            est, se = fit[t]
            p = float(2 * stats.t.sf(abs(est / se), df)) if se > 0 else float("nan")
            row.update(
                estimate=est, se=se, ci_low=est - crit * se, ci_high=est + crit * se, p_value=p
            )
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=list(TWFE_COLUMNS))


def _within_fit(data: pd.DataFrame, treatments: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Estimate and cluster-robust SE of each treatment that the person effects do not absorb.

    ``data`` has ``_person``, ``_wave``, ``_y``, ``_cluster`` and the treatments. Columns whose
    within-person variation is nil (or collinear with the columns before them) are left out, as
    ``PanelOLS(drop_absorbed=True)`` does. statsmodels' cluster factor is
    :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}` with :math:`K` the columns kept; when a person
    changes cluster, the person effects are not nested in the clusters and are counted too
    (:math:`N-K-P`), as ``PanelOLS`` and ``reghdfe`` count them.
    """
    waves = pd.get_dummies(data["_wave"], prefix="_w", drop_first=True, dtype=float)
    columns = pd.concat([data[["_y", *treatments]].astype(float), waves], axis=1)
    person = pd.factorize(data["_person"])[0]
    within = columns - columns.groupby(person).transform("mean")
    y = within.pop("_y").to_numpy()
    kept = [c for c in within.columns if np.abs(within[c].to_numpy()).max() > 1e-10]
    # the rank of the K x K cross-products, not of the N x K matrix: same answer, N times less
    if _rank(within[kept].to_numpy()) < len(kept):
        independent: list[str] = []
        for name in kept:  # treatments first: a wave dummy gives way to them, not the reverse
            if _rank(within[[*independent, name]].to_numpy()) > len(independent):
                independent.append(name)
        kept = independent
    if not any(t in kept for t in treatments):
        return {}
    clusters = pd.factorize(data["_cluster"])[0]
    fit = sm.OLS(y, within[kept].to_numpy()).fit(
        method="qr", cov_type="cluster", cov_kwds={"groups": clusters}
    )
    n, k = len(y), len(kept)
    nested = bool((data.groupby(person)["_cluster"].nunique() == 1).all())
    extra = 0 if nested else int(person.max()) + 1
    scale = float(np.sqrt((n - k) / (n - k - extra))) if n - k - extra > 0 else float("nan")
    return {
        name: (float(fit.params[i]), float(fit.bse[i]) * scale)
        for i, name in enumerate(kept)
        if name in treatments
    }


def _rank(x: np.ndarray) -> int:
    return int(np.linalg.matrix_rank(x.T @ x, hermitian=True))


@checked
def pretrend_check(
    panel: pd.DataFrame,
    outcome: str,
    treatments: str | Sequence[str],
    *,
    person_col: str = "person_key",
    wave_col: str = "wave",
    level: float = 0.95,
) -> pd.DataFrame:
    """Event-study check of pre-trends: does the score move *before* people take part?

    The model of :func:`twfe_estimate` with, for each treatment, its lead: the participation of
    the same person in the interval after the wave (``lead_<treatment>``). Under parallel
    trends (no anticipation, no joining after a passing low), the lead's coefficient is zero.

    Returns
    -------
    pandas.DataFrame
        :data:`TWFE_COLUMNS` for the leads only (``treatment`` = ``lead_<treatment>``), on the
        person-waves whose next wave is observed. A lead whose interval excludes 0 is a warning
        that the headline estimate mixes the effect with a pre-existing difference in trends.

    References
    ----------
    Borusyak, K., Jaravel, X. & Spiess, J. (2024). Revisiting event-study designs: robust and
    efficient estimation. Review of Economic Studies 91(6), 3253-3285 (test of pre-trends by
    leads in the imputation framework). Wooldridge (2010), 10.7.
    """
    names = [treatments] if isinstance(treatments, str) else list(treatments)
    check_columns(panel, [person_col, wave_col, *names], "panel")
    order = {w: i for i, w in enumerate(sorted(panel[wave_col].astype(str).unique()))}
    data = panel.assign(_t=panel[wave_col].astype(str).map(order).astype(float))
    nxt = data[[person_col, "_t", *names]].assign(_t=data["_t"] - 1)
    nxt = nxt.rename(columns={t: f"lead_{t}" for t in names})
    data = data.merge(nxt, on=[person_col, "_t"], how="inner").drop(columns="_t")
    leads = [f"lead_{t}" for t in names]
    found = twfe_estimate(
        data, outcome, [*names, *leads], person_col=person_col, wave_col=wave_col, level=level
    )
    return found.loc[found["treatment"].isin(leads)].reset_index(drop=True)
