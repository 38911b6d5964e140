"""Shared machinery of the impact estimators: the tidy row, the adjusted regression, effect sizes.

Private to :mod:`eco_eval.stats.impact`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS

from eco_eval.stats._checks import StatsInputError
from eco_eval.stats.effects import hedges_correction, minimum_detectable_effect

#: Leading columns of every impact row, in this order.
IMPACT_COLUMNS = (
    "lever",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "hedges_g",
    "g_ci_low",
    "g_ci_high",
    "n_treated",
    "n_control",
    "mde",
    "design",
    "sms_level",
    "causal_wording_allowed",
)
_EXTRA = (
    "outcome",
    "n_clusters",
    "n_linked",
    "estimate_without_baseline",
    "se_without_baseline",
    "level",
    "note",
)
_FEW_CLUSTERS = 20
NAN = float("nan")


def impact_row(lever: str, design: str, sms: int, **values: object) -> pd.DataFrame:
    row: dict[str, object] = dict.fromkeys((*IMPACT_COLUMNS, *_EXTRA), NAN)
    row.update(lever=lever, design=design, sms_level=sms, causal_wording_allowed=sms >= 3, note="")
    row.update(values)
    return pd.DataFrame([row], columns=[*IMPACT_COLUMNS, *_EXTRA])


def pooled_sd(values: pd.Series, treated: pd.Series) -> float:
    a, b = values[treated == 1], values[treated == 0]
    df = len(a) + len(b) - 2
    if len(a) < 2 or len(b) < 2:
        return NAN
    return float(np.sqrt(((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / df))


def icc_anova(y: pd.Series, groups: pd.Series) -> float:
    """One-way ANOVA estimator of the intra-cluster correlation, ICC(1), truncated at 0."""
    sizes = groups.value_counts()
    n, k = len(y), len(sizes)
    if k < 2 or n <= k:
        return 0.0
    means = y.groupby(groups).transform("mean")
    msb = float(((means - y.mean()) ** 2).sum()) / (k - 1)
    msw = float(((y - means) ** 2).sum()) / (n - k)
    m0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    denom = msb + (m0 - 1) * msw
    return float(np.clip((msb - msw) / denom, 0.0, 1.0)) if denom > 0 else 0.0


def as_treatment(series: pd.Series, name: str) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce")
    bad = values.notna() & ~values.isin([0, 1])
    if bad.any() or (series.notna() & values.isna()).any():
        shown = series[bad | (series.notna() & values.isna())].unique()[:5].tolist()
        raise StatsInputError(f"column {name!r} must hold 0/1 (participation), found {shown}")
    return values


def _identifiable(x: np.ndarray) -> bool:
    """True when column 1 (treated) is not a linear combination of the other columns."""
    gram = x.T @ x  # k x k: cheap, and rank(X'X) = rank(X)
    others = [0, *range(2, x.shape[1])]
    g_oo = gram[np.ix_(others, others)]
    g_to = gram[1, others]
    residual = gram[1, 1] - g_to @ np.linalg.pinv(g_oo) @ g_to
    return bool(residual > 1e-9 * gram[1, 1])


def regress(
    y: pd.Series,
    data: pd.DataFrame,
    categorical: Sequence[str],
    numeric: Sequence[str],
    cluster: str | None,
    level: float,
    bracket: str | None = None,
) -> dict[str, object]:
    """OLS of y on treated + dummies + numeric covariates, cluster-robust; estimate of treated.

    With ``bracket`` (a name in ``numeric``), the model is refitted without that column and its
    estimate returned as ``estimate_without_<bracket>`` / ``se_without_<bracket>``.
    """
    notes = []
    parts = [
        pd.DataFrame({"const": 1.0, "treated": data["treated"].astype(float)}, index=data.index)
    ]
    for col in categorical:
        labels = data[col].astype(str)
        if labels.nunique() < 2:
            notes.append(f"{col} dropped (one level)")
            continue
        if data.groupby(labels)["treated"].nunique().max() == 1:
            notes.append(f"{col} dropped (participation constant within each {col})")
            continue
        parts.append(pd.get_dummies(labels, prefix=col, drop_first=True, dtype=float))
    parts.append(data[list(numeric)].astype(float))
    x = pd.concat(parts, axis=1)
    values = x.to_numpy()
    if not _identifiable(values):
        return {"note": "participation is collinear with the covariates: not estimable"}
    fit_kw: dict[str, object] = {"cov_type": "HC1", "use_t": True}
    n_clusters = NAN
    if cluster is not None and data[cluster].nunique() >= 2:
        codes = pd.factorize(data[cluster])[0]
        n_clusters = int(codes.max() + 1)
        fit_kw = {"cov_type": "cluster", "cov_kwds": {"groups": codes}, "use_t": True}
        if n_clusters < _FEW_CLUSTERS:
            notes.append(
                f"only {n_clusters} clusters: cluster-robust SE may be too small "
                "(Cameron & Miller, 2015)"
            )
    else:
        notes.append("heteroskedasticity-robust SE (no clustering)")
    yv = y.to_numpy(dtype=float)
    fit = OLS(yv, values).fit(method="qr", **fit_kw)
    ci = fit.conf_int(alpha=1 - level)[1]
    out: dict[str, object] = {
        "estimate": float(fit.params[1]),
        "se": float(fit.bse[1]),
        "ci_low": float(ci[0]),
        "ci_high": float(ci[1]),
        "p_value": float(fit.pvalues[1]),
        "n_clusters": n_clusters,
    }
    if bracket is not None:
        keep = [i for i, c in enumerate(x.columns) if c != bracket]
        alt = OLS(yv, values[:, keep]).fit(method="qr", **fit_kw)
        est, se = float(alt.params[1]), float(alt.bse[1])
        out[f"estimate_without_{bracket}"], out[f"se_without_{bracket}"] = est, se
        if abs(est - float(fit.params[1])) > float(fit.bse[1]):
            notes.append(
                f"without {bracket} adjustment the estimate is {est:.3g} (SE {se:.3g}): the two "
                "bracket the effect (Angrist & Pischke, 2009, 5.4); report both"
            )
    out["note"] = "; ".join(notes)
    return out


def standardise(res: dict[str, object], sd: float, n_t: int, n_c: int) -> dict[str, object]:
    j = hedges_correction(n_t + n_c - 2)
    if not sd or not np.isfinite(sd) or "estimate" not in res:
        return {}
    return {
        k2: j * float(res[k1]) / sd  # type: ignore[arg-type]
        for k1, k2 in (("estimate", "hedges_g"), ("ci_low", "g_ci_low"), ("ci_high", "g_ci_high"))
    }


def mde_points(
    y: pd.Series, data: pd.DataFrame, cluster: str | None, level: float, power: float | None
) -> float:
    """The minimum detectable effect in the units of ``y``; NaN when ``power`` is None."""
    if power is None:
        return float("nan")
    n_t, n_c = int((data["treated"] == 1).sum()), int((data["treated"] == 0).sum())
    icc, size = 0.0, 1.0
    if cluster is not None and data.groupby(cluster)["treated"].nunique().max() == 1:
        # Participation assigned by whole clusters: the design effect applies.
        icc, size = icc_anova(y, data[cluster]), float(data[cluster].value_counts().mean())
    d = minimum_detectable_effect(
        n_t, n_c, alpha=1 - level, power=power, icc=icc, cluster_size=size
    )
    return d * float(y.std(ddof=1))


#: A covariate known for fewer than this share of the respondents is not adjusted for (dropping
#: the others would silently shrink the sample to the few who gave it).
MIN_KNOWN_SHARE = 0.5


def usable_covariates(data: pd.DataFrame, covariates: Iterable[str]) -> tuple[list[str], list[str]]:
    """The ``covariates`` the model can adjust for, and one note per covariate it cannot.

    A covariate absent from ``data`` or known for fewer than :data:`MIN_KNOWN_SHARE` of its rows
    (a barometer that never asks the category) is left out of the model, never a reason to drop
    the respondents; the rows missing a covariate that is used are dropped (listwise).
    """
    kept, notes = [], []
    for col in covariates:
        known = int(data[col].notna().sum()) if col in data.columns else 0
        if not len(data) or known >= MIN_KNOWN_SHARE * len(data):
            kept.append(col)
        else:
            notes.append(f"{col} not adjusted for (known for {known} of {len(data)} respondents)")
    return kept, notes


def usable_design(
    data: pd.DataFrame, categorical: Sequence[str], cluster: str | None
) -> tuple[list[str], str | None, list[str]]:
    """:func:`usable_covariates` for the categorical covariates and the cluster column: the
    covariates kept, the cluster (None, heteroskedasticity-robust SE, when it is not known),
    and the notes."""
    kept, notes = usable_covariates(data, categorical)
    if cluster is not None and not usable_covariates(data, [cluster])[0]:
        known = int(data[cluster].notna().sum()) if cluster in data.columns else 0
        notes.append(f"no clustering by {cluster} (known for {known} of {len(data)} respondents)")
        cluster = None
    return kept, cluster, notes


def split_covariates(covariates: Iterable[str]) -> tuple[list[str], bool]:
    covs = list(covariates)
    return [c for c in covs if c != "baseline"], "baseline" in covs
