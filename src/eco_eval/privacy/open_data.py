"""The open-data publication rule, stricter than the report's, and spreadsheet-formula hygiene.

The city shares its indicators as open data (its website, data.gouv.fr). Anyone can download them
and cross them with anything, so the rule is stricter than in the report:

1. cells resting on fewer than 10 people are suppressed (``k`` never below 10 here), with the
   complementary, differencing and earlier-release protection of
   :func:`eco_eval.privacy.suppression.suppress_small_cells`, which this module reuses as it is;
2. counts of people (``n``, and ``value`` for indicators whose value is a count) are then rounded
   to the nearest 5: rounding comes *after* suppression, so that suppression decides on the true
   counts and rounding only blurs what is published (a difference between two rounded counts is
   uncertain by ±4 people);
3. every text cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
   ``@``, a tab or a carriage return) is prefixed with ``'`` (CSV/formula injection, OWASP).

For a cumulative series, pass the earlier open-data releases as ``previous_cumulative`` (as
published: their rounding only makes the protection more cautious).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

import numpy as np
import pandas as pd

from eco_eval.errors import ConfigError
from eco_eval.privacy._cells import check_k, check_numerators
from eco_eval.privacy.suppression import Frames, SuppressionResult, suppress_small_cells

OPEN_DATA_K = 10
ROUND_TO = 5
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_formula(text: object) -> object:
    """Prefix ``'`` to a text a spreadsheet would run as a formula; return anything else as is.

    A text is neutralised when it starts, after any leading spaces, with ``=``, ``+``, ``-``,
    ``@``, a tab, a carriage return or a line feed: ``=HYPERLINK("http://x")`` becomes
    ``'=HYPERLINK("http://x")``. Negative numbers written as text (``-3``) are prefixed too: open
    data keep numbers in numeric columns.

    >>> neutralise_formula('=1+1'), neutralise_formula('Bonjour'), neutralise_formula(3)
    ("'=1+1", 'Bonjour', 3)
    """
    if isinstance(text, str) and text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells (and categories) are :func:`neutralise_formula`-d.

    Numeric and boolean columns are left alone; column names are not changed (they are ours).
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype):
                new = [neutralise_formula(c) for c in cats]
                if len(set(new)) == len(new):
                    out[col] = s.cat.rename_categories(new)
                else:  # "=x" and "'=x" both present: fall back to plain text
                    out[col] = s.astype(object).map(neutralise_formula)
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(neutralise_formula)
    return out


def round_counts(values: pd.Series | np.ndarray, base: int = ROUND_TO) -> np.ndarray:
    """Round counts to the nearest multiple of ``base``, halves up (NaN stays NaN).

    >>> round_counts(np.array([10.0, 12.0, 13.0, 17.5, np.nan])).tolist()
    [10.0, 10.0, 15.0, 20.0, nan]
    """
    v = np.asarray(values, dtype=float)
    return np.floor(v / base + 0.5) * base


def prepare_open_data(
    frame: pd.DataFrame,
    *,
    k: int = OPEN_DATA_K,
    round_to: int = ROUND_TO,
    count_col: str = "n",
    thresholds: Mapping[str, int] | None = None,
    families: Mapping[str, str] | None = None,
    numerators: Mapping[str, str] | None = None,
    exempt: Collection[str] = (),
    suppression_log: pd.DataFrame | None = None,
    previous_cumulative: Frames | None = None,
    launch: date | None = None,
) -> SuppressionResult:
    """Apply the open-data rule (module docstring) to a tidy indicator frame.

    Parameters are those of :func:`~eco_eval.privacy.suppression.suppress_small_cells`, with
    ``k`` at least 10 and ``round_to`` the rounding base for counts of people (``n``, and
    ``value`` for indicators whose ``numerators`` kind is ``count``). Returns the
    :class:`~eco_eval.privacy.suppression.SuppressionResult` whose ``frame`` is the file to
    publish (suppressed, rounded, formulas neutralised) and whose ``log`` is to persist.
    Raises ConfigError when ``k`` is below 10 or ``round_to`` is not a positive whole number.
    """
    k = check_k(k)
    if k < OPEN_DATA_K:
        raise ConfigError(
            f"k = {k} is below {OPEN_DATA_K}: open data suppress cells under {OPEN_DATA_K} people "
            "(privacy.k_open_data)"
        )
    if isinstance(round_to, bool) or not isinstance(round_to, int) or round_to < 1:
        raise ConfigError(f"round_to = {round_to!r}: expected a positive whole number (5)")
    nums = check_numerators(numerators)
    result = suppress_small_cells(
        frame,
        k=k,
        count_col=count_col,
        thresholds=thresholds,
        families=families,
        numerators=nums,
        exempt=exempt,
        suppression_log=suppression_log,
        previous_cumulative=previous_cumulative,
        launch=launch,
    )
    out = result.frame.copy()
    people = ~out["indicator"].astype(str).isin(list(exempt)).to_numpy()
    for col in dict.fromkeys(("n", count_col)):
        out[col] = np.where(people, round_counts(out[col], round_to), out[col].to_numpy(float))
    counts = out["indicator"].astype(str).map(lambda i: nums.get(i) == "count").to_numpy(bool)
    out["value"] = np.where(counts, round_counts(out["value"], round_to), out["value"])
    return SuppressionResult(
        neutralise_formulas(out), result.log, result.n_primary, result.n_complementary
    )
