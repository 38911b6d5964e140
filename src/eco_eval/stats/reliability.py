"""Internal-consistency reliability of the barometer's scales: alpha, omega, Spearman-Brown.

Reliability is computed on the keyed items (reverse-keyed items turned around first) of complete
responses (listwise deletion), per instrument and, in :func:`reliability_table`, per wave.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from eco_eval.instruments import Instrument
from eco_eval.stats._checks import (
    StatsInputError,
    check_choice,
    check_columns,
    check_level,
    check_positive_int,
    checked,
    complete_numeric,
    shown,
)
from eco_eval.stats.omega import OMEGA_CONVENTIONS, OmegaResult, mcdonald_omega

__all__ = [
    "OMEGA_CONVENTIONS",
    "AlphaResult",
    "OmegaResult",
    "as_instruments",
    "cronbach_alpha",
    "item_statistics",
    "item_warning",
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


@checked
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
    data = complete_numeric(items)
    n, k = data.shape
    if k < 2:
        raise StatsInputError(f"Cronbach's alpha needs at least 2 items, got {k}")
    if n < 3 or data.sum(axis=1).var() == 0:
        return AlphaResult(NAN, NAN, NAN, n, k, level)
    alpha = _alpha(data.cov().to_numpy())
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - level) / 2
    low = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - tail, df1, df2)
    return AlphaResult(float(alpha), float(low), float(high), n, k, level)


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    if cov.sum() <= 0:  # the sum of the items does not vary (or items cancel out)
        return NAN
    return float((k / (k - 1)) * (1 - np.trace(cov) / cov.sum()))


ITEM_COLUMNS = ["item", "n", "mean", "sd", "r_drop", "alpha_if_deleted", "flag"]


@checked
def item_statistics(items: pd.DataFrame) -> pd.DataFrame:
    """Item analysis of a scale: means, corrected item-total correlations, alpha if deleted.

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item (already keyed), one row per respondent; listwise deletion, as for
        :func:`cronbach_alpha`.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item``, ``n`` (complete rows), ``mean``, ``sd`` (ddof 1), ``r_drop``
        (correlation of the item with the sum of the other items), ``alpha_if_deleted`` (alpha of
        the other items; NaN under 3 items), ``flag`` (``"constant"``, ``"negative"`` when
        ``r_drop < 0`` -- an item probably left un-reversed -- or ``""``).

    Notes
    -----
    The corrected item-total correlation is :math:`r(x_i, T - x_i)` with :math:`T = \\sum_j x_j`
    (``r.drop`` of ``psych::alpha``, "Corrected Item-Total Correlation" of SPSS); alpha if deleted
    is :func:`cronbach_alpha` of the :math:`k-1` other items (``raw_alpha`` of
    ``psych::alpha(x)$alpha.drop``).

    References
    ----------
    Revelle, W. psych::alpha. Nunnally, J. C. & Bernstein, I. H. (1994). Psychometric theory,
    3rd ed., ch. 8.
    """
    data = complete_numeric(items)
    n, k = data.shape
    if k < 2:
        raise StatsInputError(f"item analysis needs at least 2 items, got {k}")
    values = data.to_numpy()
    total = values.sum(axis=1)
    cov = np.cov(values, rowvar=False) if n > 1 else np.full((k, k), NAN)
    rows = []
    for i, item in enumerate(data.columns):
        rest = total - values[:, i]
        sd = float(values[:, i].std(ddof=1)) if n > 1 else NAN
        constant = n > 1 and sd == 0
        r = (
            NAN
            if n < 3 or constant or rest.std() == 0
            else float(np.corrcoef(values[:, i], rest)[0, 1])
        )
        keep = [j for j in range(k) if j != i]
        drop_alpha = _alpha(cov[np.ix_(keep, keep)]) if k >= 3 and n >= 3 else NAN
        flag = "constant" if constant else "negative" if r < 0 else ""
        rows.append(
            [str(item), n, float(values[:, i].mean()) if n else NAN, sd, r, drop_alpha, flag]
        )
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def item_warning(table: pd.DataFrame) -> str:
    """One sentence naming the items :func:`item_statistics` flags, or ``""``."""
    parts = []
    negative = table.loc[table["flag"] == "negative"]
    if len(negative):
        listed = ", ".join(f"{r.item} (r = {r.r_drop:.2f})" for r in negative.itertuples())
        parts.append(f"item(s) correlating negatively with the rest: {listed}; reverse-keyed?")
    constant = table.loc[table["flag"] == "constant", "item"].tolist()
    if constant:
        parts.append(f"constant item(s): {', '.join(constant)}")
    return "; ".join(parts)


@checked
def spearman_brown(items: pd.DataFrame) -> float:
    """Spearman-Brown reliability of a two-item scale: :math:`2r/(1+r)` (listwise deletion).

    Recommended over alpha for two-item scales (Eisinga, te Grotenhuis & Pelzer, 2013, The
    reliability of a two-item scale: Pearson, Cronbach, or Spearman-Brown? Int J Public Health
    58(4), 637-642). NaN with fewer than 3 complete rows or a constant item.
    """
    data = complete_numeric(items)
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


def as_instruments(
    instruments: Mapping[str, Instrument] | Iterable[Instrument], name: str = "instruments"
) -> list[Instrument]:
    """``instruments`` as a list, refusing anything but Instrument objects (ids need loading)."""
    values = instruments.values() if isinstance(instruments, Mapping) else instruments
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise StatsInputError(
            f"{name} must be a mapping or list of Instrument, got {type(instruments).__name__}"
        )
    found = list(values)
    for inst in found:
        if not isinstance(inst, Instrument):
            raise StatsInputError(
                f"{name} must hold Instrument objects, got {shown(inst)}: load them with "
                "eco_eval.instruments.load_instruments() and pass the result"
            )
    return found


def _scale_row(complete: pd.DataFrame, level: float, omega_boot: int, seed: int | None,
               convention: str) -> dict[str, object]:  # fmt: skip
    """Alpha, omega or Spearman-Brown and the item warning of one group's complete responses."""
    a = cronbach_alpha(complete, level)
    row: dict[str, object] = {
        "alpha": a.alpha, "alpha_ci_low": a.ci_low, "alpha_ci_high": a.ci_high
    }  # fmt: skip
    notes = [item_warning(item_statistics(complete))]
    if complete.shape[1] == 2:
        row["spearman_brown"] = spearman_brown(complete)
        notes.insert(0, "two-item scale: report Spearman-Brown, omega not identified")
    else:
        o = mcdonald_omega(
            complete, n_boot=omega_boot, level=level, seed=seed, convention=convention
        )
        if o.unidimensional:
            row.update(omega=o.omega, omega_ci_low=o.ci_low, omega_ci_high=o.ci_high)
        notes.insert(0, o.note)
    row["note"] = "; ".join(n for n in notes if n)
    return row


@checked
def reliability_table(
    frame: pd.DataFrame,
    instruments: Mapping[str, Instrument] | Iterable[Instrument],
    by: str | Sequence[str] | None = "wave",
    level: float = 0.95,
    min_n: int = 10,
    omega_boot: int = 0,
    seed: int | None = None,
    convention: str = "model",
) -> pd.DataFrame:
    """Tidy reliability table: one row per instrument (and group of ``by``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Barometer responses with item columns.
    instruments : mapping or iterable of Instrument
        As returned by :func:`eco_eval.instruments.load_instruments`. Those whose items are all
        absent from ``frame`` are skipped; partly present raises.
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
    convention : {"model", "semtools", "psych"}
        Omega's definition (:data:`eco_eval.stats.omega.OMEGA_CONVENTIONS`).

    Returns
    -------
    pandas.DataFrame
        Columns: ``instrument``, the ``by`` columns, ``k`` (items), ``n`` (complete responses),
        ``alpha``, ``alpha_ci_low``, ``alpha_ci_high``, ``omega``, ``omega_ci_low``,
        ``omega_ci_high``, ``spearman_brown`` (two-item scales only, else NaN), ``note``. Omega is
        NaN when the scale has a second dimension; the note then says so, and names any item
        that correlates negatively with the rest or is constant (:func:`item_statistics`).

    Notes
    -----
    See :func:`cronbach_alpha`, :func:`mcdonald_omega`, :func:`item_statistics` and
    :func:`spearman_brown`.
    """
    level = check_level(level)
    min_n = check_positive_int(min_n, "min_n", minimum=1)
    omega_boot = check_positive_int(omega_boot, "omega_boot", minimum=0)
    convention = check_choice(convention, OMEGA_CONVENTIONS, "convention")
    insts = as_instruments(instruments)
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
            complete = sub.dropna()
            n, k = len(complete), inst.n_items
            row: dict[str, object] = {
                "instrument": inst.id, **dict(zip(keys, key, strict=True)), "k": k, "n": n,
                **dict.fromkeys(_ESTIMATES, NAN), "note": "",
            }  # fmt: skip
            if k < 2:
                row["note"] = "single-item scale: no internal consistency"
            elif n < max(min_n, k + 2):
                row["note"] = f"{n} complete responses (< {max(min_n, k + 2)}): not estimated"
            else:
                row.update(_scale_row(complete, level, omega_boot, seed, convention))
            rows.append(row)
    return pd.DataFrame(rows, columns=["instrument", *keys, "k", "n", *_ESTIMATES, "note"])


_ESTIMATES = [
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "omega",
    "omega_ci_low",
    "omega_ci_high",
    "spearman_brown",
]
