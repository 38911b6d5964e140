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
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS

from eco_eval.stats._checks import (
    StatsInputError,
    check_columns,
    check_finite,
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


def _treatments(frame: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """The treatment columns as floats (rows x treatments): 0/1 participation or doses >= 0."""
    if all(pd.api.types.is_numeric_dtype(frame[t].dtype) for t in names):  # nothing to parse
        values = frame[list(names)].to_numpy(dtype=float)
        check_finite(values, "panel treatment columns")
    else:
        values = np.column_stack([numeric_column(frame, t, "panel").to_numpy() for t in names])
    negative = np.nanmin(values, axis=0, initial=0.0) < 0
    if negative.any():
        col = names[int(np.argmax(negative))]
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
    data = _usable_rows(panel, person_col, wave_col, outcome, names, cluster_col)
    if data.duplicated:
        raise StatsInputError(
            f"panel has several rows for the same {person_col!r} and {wave_col!r}"
        )
    highest, lowest = data.per_person(np.maximum), data.per_person(np.minimum)
    treated = highest > 0
    rows = []
    base = {
        "n_obs": len(data.y),
        "n_persons": data.n_persons,
        "n_waves": len(data.waves),
        "n_clusters": data.n_clusters,
    }
    varying = [t for j, t in enumerate(names) if (highest[:, j] != lowest[:, j]).any()]
    fit: dict[str, tuple[float, float]] = {}
    if varying and base["n_waves"] >= 2 and base["n_clusters"] >= 2:
        fit = _within_fit(data, names, varying)
    df = base["n_clusters"] - 1
    crit = float(stats.t.ppf(0.5 + level / 2, df)) if df > 0 else float("nan")
    for j, t in enumerate(names):
        row: dict[str, object] = {
            "treatment": t,
            **base,
            "df": df,
            "n_treated": int(treated[:, j].sum()),
            "n_control": int((~treated[:, j]).sum()),
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


@dataclass(frozen=True)
class _Rows:
    """The panel's usable rows as arrays: complete (outcome, treatments, person, cluster), of
    persons with two usable waves or more; persons, waves and clusters as codes (waves in sorted
    order, as their dummies are made)."""

    y: np.ndarray
    treatments: np.ndarray
    person: np.ndarray
    wave: np.ndarray
    waves: np.ndarray
    cluster: np.ndarray
    duplicated: bool

    @property
    def n_persons(self) -> int:
        return int(self.person.max()) + 1 if len(self.person) else 0

    @property
    def n_clusters(self) -> int:
        return int(self.cluster.max()) + 1 if len(self.cluster) else 0

    def per_person(self, reduce: np.ufunc) -> np.ndarray:
        """``reduce`` (``np.maximum``, ``np.minimum``) of each treatment over each person's rows:
        an array persons x treatments."""
        if not len(self.person):
            return np.zeros((0, self.treatments.shape[1]))
        order = np.argsort(self.person, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(self.person[order]) != 0])
        return reduce.reduceat(self.treatments[order], starts, axis=0)

    def clusters_per_person(self) -> np.ndarray:
        """The number of distinct clusters of each person's rows."""
        pairs = np.unique(self.person.astype(np.int64) * self.n_clusters + self.cluster)
        return np.bincount(pairs // self.n_clusters, minlength=self.n_persons)

    def person_means(self, x: np.ndarray) -> np.ndarray:
        """Each row's person mean of each column of ``x`` (rows x columns)."""
        counts = np.bincount(self.person, minlength=self.n_persons).astype(float)
        sums = np.column_stack(
            [
                np.bincount(self.person, weights=x[:, j], minlength=self.n_persons)
                for j in range(x.shape[1])
            ]
        )
        return (sums / counts[:, None])[self.person]


def _usable_rows(
    panel: pd.DataFrame, person_col: str, wave_col: str, outcome: str, names: Sequence[str],
    cluster_col: str,
) -> _Rows:  # fmt: skip
    y = numeric_column(panel, outcome, "panel").to_numpy(dtype=float)
    d = _treatments(panel, names)
    person, cluster = panel[person_col], panel[cluster_col]
    wave = panel[wave_col].astype(str).to_numpy()
    ok = (
        ~np.isnan(y)
        & ~np.isnan(d).any(axis=1)
        & person.notna().to_numpy()
        & cluster.notna().to_numpy()
    )
    person_code = pd.factorize(person[ok])[0]
    waves, wave_code = np.unique(wave[ok], return_inverse=True)
    pairs = person_code.astype(np.int64) * max(len(waves), 1) + wave_code
    duplicated = len(np.unique(pairs)) < len(pairs)
    # a person with one usable wave contributes nothing
    enough = (
        np.bincount(person_code, minlength=int(person_code.max(initial=-1)) + 1)[person_code] >= 2
    )
    kept_person = pd.factorize(person_code[enough])[0]
    waves, wave_code = np.unique(wave[ok][enough], return_inverse=True)
    return _Rows(
        y=y[ok][enough],
        treatments=d[ok][enough],
        person=kept_person,
        wave=wave_code,
        waves=waves,
        cluster=pd.factorize(cluster[ok][enough])[0],
        duplicated=duplicated,
    )


def _within_fit(
    data: _Rows, names: Sequence[str], treatments: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """Estimate and cluster-robust SE of each treatment that the person effects do not absorb.

    ``treatments`` are the columns of ``names`` to fit. The person effects are absorbed by
    subtracting each person's mean from every column (the outcome, the treatments, the wave
    dummies but the first wave's). Columns whose within-person variation is nil (or collinear
    with the columns before them) are left out, as ``PanelOLS(drop_absorbed=True)`` does.
    statsmodels' cluster factor is :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}` with :math:`K` the
    columns kept; when a person changes cluster, the person effects are not nested in the
    clusters and are counted too (:math:`N-K-P`), as ``PanelOLS`` and ``reghdfe`` count them.
    """
    dummies = (data.wave[:, None] == np.arange(1, len(data.waves))[None, :]).astype(float)
    picked = data.treatments[:, [list(names).index(t) for t in treatments]]
    columns = np.column_stack([data.y, picked, dummies])
    within = columns - data.person_means(columns)
    y, x = within[:, 0], within[:, 1:]
    kept = [j for j in range(x.shape[1]) if np.abs(x[:, j]).max() > 1e-10]
    # the rank of the K x K cross-products, not of the N x K matrix: same answer, N times less
    if _rank(x[:, kept]) < len(kept):
        independent: list[int] = []
        for j in kept:  # treatments first: a wave dummy gives way to them, not the reverse
            if _rank(x[:, [*independent, j]]) > len(independent):
                independent.append(j)
        kept = independent
    if not any(j < len(treatments) for j in kept):
        return {}
    fit = OLS(y, x[:, kept]).fit(method="qr", cov_type="cluster", cov_kwds={"groups": data.cluster})
    n, k = len(y), len(kept)
    one_cluster = data.clusters_per_person() == 1
    extra = 0 if one_cluster.all() else data.n_persons
    scale = float(np.sqrt((n - k) / (n - k - extra))) if n - k - extra > 0 else float("nan")
    return {
        treatments[j]: (float(fit.params[i]), float(fit.bse[i]) * scale)
        for i, j in enumerate(kept)
        if j < len(treatments)
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
