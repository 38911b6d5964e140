"""Internal-consistency reliability of the barometer's scales: alpha, omega, Spearman-Brown.

Reliability is computed on the keyed items (reverse-keyed items turned around first) of complete
responses (listwise deletion), per instrument and, in :func:`reliability_table`, per wave.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor import Factor

from eco_eval.instruments import Instrument
from eco_eval.stats._checks import StatsInputError, check_columns, check_level

__all__ = [
    "AlphaResult",
    "OmegaResult",
    "cronbach_alpha",
    "keyed_items",
    "mcdonald_omega",
    "reliability_table",
    "spearman_brown",
]

NAN = float("nan")


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha with its Feldt interval, on ``n`` complete rows of ``k`` items."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    level: float

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict."""
        return asdict(self)


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total from a one-factor model, with its loadings and a note."""

    omega: float
    loadings: tuple[float, ...]
    uniquenesses: tuple[float, ...]
    n: int
    k: int
    ci_low: float = NAN
    ci_high: float = NAN
    level: float = NAN
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict."""
        return asdict(self)


def _complete_numeric(items: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(items, pd.DataFrame):
        raise StatsInputError(f"items must be a DataFrame, got {type(items).__name__}")
    try:
        data = items.astype(float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"item columns must be numeric ({exc})") from exc
    return data.dropna(axis=0, how="any")


def cronbach_alpha(items: pd.DataFrame, level: float = 0.95) -> AlphaResult:
    """Cronbach's alpha with the Feldt confidence interval (listwise deletion).

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item (already keyed), one row per respondent. Rows with a missing item are
        dropped.
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    AlphaResult
        ``alpha``, ``ci_low``, ``ci_high``, ``n`` (complete rows used), ``k`` (items), ``level``.
        NaN when fewer than 3 complete rows or when the total score does not vary.

    Notes
    -----
    :math:`\\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i s_i^2}{s_T^2}\\right)`. Feldt's
    interval uses :math:`(1-\\alpha)/(1-\\hat\\alpha) \\sim F(n-1, (n-1)(k-1))`:
    :math:`[1 - (1-\\hat\\alpha) F_{1-a/2},\\; 1 - (1-\\hat\\alpha) F_{a/2}]`.
    Alpha is computed from the items' covariance matrix :math:`C` as
    :math:`\frac{k}{k-1}(1 - \\operatorname{tr} C / \\sum C)`, the operations of
    :func:`pingouin.cronbach_alpha`, whose interval is not used: it is rounded to 3 decimals and,
    under listwise deletion, uses the row count before the deletion.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika
    16(3), 297-334. Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. Applied Psychological Measurement 11(1), 93-103.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(df).alpha, 4)
    0.9538
    """
    level = check_level(level)
    data = _complete_numeric(items)
    n, k = data.shape
    if k < 2:
        raise StatsInputError(f"Cronbach's alpha needs at least 2 items, got {k}")
    if n < 3 or data.sum(axis=1).var() == 0:
        return AlphaResult(NAN, NAN, NAN, n, k, level)
    cov = data.cov(numeric_only=True)
    alpha = (k / (k - 1)) * (1 - np.trace(cov) / cov.sum().sum())
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - level) / 2
    low = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - tail, df1, df2)
    return AlphaResult(float(alpha), float(low), float(high), n, k, level)


def _omega_from(data: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Omega total of the raw-item sum and the standardised loadings / uniquenesses."""
    corr = np.corrcoef(data, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = Factor(corr=corr, n_factor=1, method="ml", nobs=data.shape[0]).fit()
    loadings = np.asarray(fit.loadings, dtype=float).ravel()
    if loadings.sum() < 0:
        loadings = -loadings
    uniq = np.asarray(fit.uniqueness, dtype=float).ravel()
    sd = data.std(axis=0, ddof=1)
    # Loadings on the covariance scale: ML is scale invariant, so lambda_raw = lambda * sd.
    common = float((loadings * sd).sum() ** 2)
    omega = common / (common + float((uniq * sd**2).sum()))
    return omega, loadings, uniq


def mcdonald_omega(
    items: pd.DataFrame,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int | None = None,
) -> OmegaResult:
    """McDonald's omega total from a one-factor maximum-likelihood model.

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item (already keyed), one row per respondent; listwise deletion.
    n_boot : int
        Bootstrap resamples for a percentile interval; 0 (default) gives no interval.
    level : float
        Confidence level of the bootstrap interval.
    seed : int or None
        Seed of the bootstrap.

    Returns
    -------
    OmegaResult
        ``omega``; ``loadings`` and ``uniquenesses`` (standardised, loadings signed so that their
        sum is positive); ``n``; ``k``; ``ci_low``/``ci_high``/``level`` (NaN without bootstrap);
        ``note`` (why omega is NaN, or a Heywood case warning).

    Notes
    -----
    For the congeneric model :math:`x_i = \\mu_i + \\lambda_i F + e_i` with
    :math:`\\mathrm{Var}(e_i) = \\psi_i`, the reliability of the unit-weighted sum is

    .. math:: \\omega_t = \\frac{(\\sum_i \\lambda_i)^2}{(\\sum_i \\lambda_i)^2 + \\sum_i \\psi_i}

    with loadings and unique variances on the scale of the raw items (the score actually used),
    obtained from the standardised ML solution of :class:`statsmodels.multivariate.factor.Factor`
    times the item standard deviations. With equal item variances this equals the standardised
    omega of ``psych::omega(m, nfactors = 1, fm = "ml")``. At least 3 items are needed (a
    one-factor model of 2 items is not identified: use :func:`spearman_brown`).

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum, ch. 6. Hayes, A. F. &
    Coutts, J. J. (2020). Use omega rather than Cronbach's alpha for estimating reliability. But...
    Communication Methods and Measures 14(1), 1-24.
    """
    level = check_level(level)
    if n_boot < 0:
        raise StatsInputError(f"n_boot must be >= 0, got {n_boot}")
    data = _complete_numeric(items).to_numpy()
    n, k = data.shape
    if k < 3:
        return OmegaResult(NAN, (), (), n, k, note=f"omega needs at least 3 items, got {k}")
    if n < k + 2 or np.any(data.std(axis=0) == 0):
        return OmegaResult(
            NAN, (), (), n, k, note=f"too few complete rows ({n}) or a constant item"
        )
    omega, loadings, uniq = _omega_from(data)
    note = ""
    if uniq.min() < 0.005:
        note = "Heywood case: a unique variance is ~0, omega is unreliable"
    low = high = NAN
    if n_boot:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(n_boot):
            sample = data[rng.integers(0, n, n)]
            if np.all(sample.std(axis=0) > 0):
                draws.append(_omega_from(sample)[0])
        tail = (1 - level) / 2
        low, high = (float(q) for q in np.quantile(draws, [tail, 1 - tail]))
    return OmegaResult(
        float(omega),
        tuple(loadings.tolist()),
        tuple(uniq.tolist()),
        n,
        k,
        low,
        high,
        level if n_boot else NAN,
        note,
    )


def spearman_brown(items: pd.DataFrame) -> float:
    """Spearman-Brown reliability of a two-item scale: :math:`2r/(1+r)` (listwise deletion).

    Recommended over alpha for two-item scales (Eisinga, te Grotenhuis & Pelzer, 2013, The
    reliability of a two-item scale: Pearson, Cronbach, or Spearman-Brown? Int J Public Health
    58(4), 637-642). NaN with fewer than 3 complete rows or a constant item.
    """
    data = _complete_numeric(items)
    if data.shape[1] != 2:
        raise StatsInputError(f"spearman_brown needs exactly 2 items, got {data.shape[1]}")
    if len(data) < 3 or (data.std() == 0).any():
        return NAN
    r = float(np.corrcoef(data.to_numpy(), rowvar=False)[0, 1])
    return 2 * r / (1 + r)


def keyed_items(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Item columns of ``instrument`` as floats, reverse-keyed items turned around.

    Answers outside the item range become NaN (they are reported by
    :func:`eco_eval.stats.scales.score`).
    """
    check_columns(frame, instrument.items, what="barometer frame")
    data = frame.loc[:, list(instrument.items)].apply(pd.to_numeric, errors="coerce").astype(float)
    data = data.where((data >= instrument.item_min) & (data <= instrument.item_max))
    for code in instrument.reverse:
        data[code] = instrument.item_min + instrument.item_max - data[code]
    return data


def reliability_table(
    frame: pd.DataFrame,
    instruments: Mapping[str, Instrument] | Iterable[Instrument],
    by: str | Sequence[str] | None = "wave",
    level: float = 0.95,
    min_n: int = 10,
    omega_boot: int = 0,
    seed: int | None = None,
) -> pd.DataFrame:
    """Tidy reliability table: one row per instrument (and group of ``by``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Barometer responses with item columns.
    instruments : mapping or iterable of Instrument
        Those whose items are all absent from ``frame`` are skipped; partly present raises.
    by : str, sequence of str or None
        Grouping column(s), default ``"wave"``; None for one row per instrument.
    level : float
        Confidence level of the alpha (and omega) intervals.
    min_n : int
        Fewer complete responses than this (or than k + 2) gives NaN with a note.
    omega_boot : int
        Bootstrap resamples for an omega interval (0: none).
    seed : int or None
        Seed of the omega bootstrap.

    Returns
    -------
    pandas.DataFrame
        Columns: ``instrument``, the ``by`` columns, ``k`` (items), ``n`` (complete responses),
        ``alpha``, ``alpha_ci_low``, ``alpha_ci_high``, ``omega``, ``omega_ci_low``,
        ``omega_ci_high``, ``spearman_brown`` (two-item scales only, else NaN), ``note``.

    Notes
    -----
    See :func:`cronbach_alpha`, :func:`mcdonald_omega` and :func:`spearman_brown`.
    """
    level = check_level(level)
    insts = list(instruments.values()) if isinstance(instruments, Mapping) else list(instruments)
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    check_columns(frame, keys)
    rows = []
    for inst in insts:
        present = [c for c in inst.items if c in frame.columns]
        if not present:
            continue
        if len(present) < inst.n_items:
            absent = [c for c in inst.items if c not in frame.columns]
            raise StatsInputError(f"instrument {inst.id!r}: item column(s) {absent} are missing")
        data = keyed_items(frame, inst)
        groups = (
            data.groupby([frame[k] for k in keys], sort=True, dropna=False)
            if keys
            else [((), data)]
        )
        for key, sub in groups:
            key = key if isinstance(key, tuple) else (key,)
            row: dict[str, object] = {"instrument": inst.id, **dict(zip(keys, key, strict=True))}
            complete = sub.dropna()
            n, k = len(complete), inst.n_items
            row.update(
                k=k,
                n=n,
                alpha=NAN,
                alpha_ci_low=NAN,
                alpha_ci_high=NAN,
                omega=NAN,
                omega_ci_low=NAN,
                omega_ci_high=NAN,
                spearman_brown=NAN,
                note="",
            )
            if k < 2:
                row["note"] = "single-item scale: no internal consistency"
            elif n < max(min_n, k + 2):
                row["note"] = f"{n} complete responses (< {max(min_n, k + 2)}): not estimated"
            else:
                a = cronbach_alpha(complete, level)
                row.update(alpha=a.alpha, alpha_ci_low=a.ci_low, alpha_ci_high=a.ci_high)
                if k == 2:
                    row["spearman_brown"] = spearman_brown(complete)
                    row["note"] = "two-item scale: report Spearman-Brown, omega not identified"
                else:
                    o = mcdonald_omega(complete, n_boot=omega_boot, level=level, seed=seed)
                    row.update(
                        omega=o.omega, omega_ci_low=o.ci_low, omega_ci_high=o.ci_high, note=o.note
                    )
            rows.append(row)
    columns = [
        "instrument",
        *keys,
        "k",
        "n",
        "alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "omega",
        "omega_ci_low",
        "omega_ci_high",
        "spearman_brown",
        "note",
    ]
    return pd.DataFrame(rows, columns=columns)
