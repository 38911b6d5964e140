"""Input checks shared by the statistics modules (never ``assert``: they vanish under ``python -O``)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from eco_eval.errors import EcoEvalError, did_you_mean


class StatsInputError(EcoEvalError, ValueError):
    """A statistics function received an argument it cannot use (wrong level, column, size...).

    It is also a ``ValueError`` so that callers written against plain Python conventions catch it.
    """

    exit_code = 2


def check_level(level: float, name: str = "level") -> float:
    """Return ``level`` as a float after checking 0 < level < 1."""
    try:
        value = float(level)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name} must be a number between 0 and 1, got {level!r}") from exc
    if not 0.0 < value < 1.0:
        raise StatsInputError(f"{name} must be strictly between 0 and 1 (e.g. 0.95), got {level!r}")
    return value


def check_columns(frame: pd.DataFrame, columns: Iterable[str], what: str = "frame") -> None:
    """Raise when one of ``columns`` is missing from ``frame``, naming a close match."""
    if not isinstance(frame, pd.DataFrame):
        raise StatsInputError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    wanted = list(columns)
    # Suggest only columns that are not themselves required: those are not typos of another.
    spare = [c for c in frame.columns if c not in wanted]
    for col in wanted:
        if col not in frame.columns:
            raise StatsInputError(
                f"{what} has no column {col!r}{did_you_mean(col, spare)}; "
                f"columns are: {', '.join(map(str, frame.columns))}"
            )


def as_1d_float(values: object, name: str = "values") -> np.ndarray:
    """Convert ``values`` to a 1-D float array (NaN kept), raising on text or nested input."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name} must be numeric, got {values!r:.80}") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise StatsInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise StatsInputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise StatsInputError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_choice(value: object, choices: Iterable[str], name: str) -> str:
    """Return ``value`` after checking it is one of ``choices``, naming a close match."""
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        raise StatsInputError(
            f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}{hint}"
        )
    return value


def check_finite(values: np.ndarray, name: str) -> None:
    """Raise when ``values`` holds an infinite number (NaN is a missing value, infinity an error)."""
    if np.isinf(values).any():
        raise StatsInputError(
            f"{name} holds an infinite value: replace it by a finite number or leave it missing"
        )


def complete_numeric(items: object, name: str = "items") -> pd.DataFrame:
    """``items`` as a float DataFrame of its complete rows; text or infinite values are refused."""
    if not isinstance(items, pd.DataFrame):
        raise StatsInputError(f"{name} must be a pandas DataFrame, got {type(items).__name__}")
    try:
        data = items.astype(float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name}: item columns must be numeric ({exc})") from exc
    check_finite(data.to_numpy(), name)
    return data.dropna(axis=0, how="any")


def numeric_column(frame: pd.DataFrame, column: str, what: str = "frame") -> pd.Series:
    """``frame[column]`` as floats; text that is not a number or an infinite value is refused."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        example = frame.loc[bad, column].iloc[0]
        raise StatsInputError(
            f"{what} column {column!r} must be numeric, got {example!r:.40} at row "
            f"{frame.index[bad][0]!r}: pass a score column"
        )
    values = values.astype(float)
    check_finite(values.to_numpy(), f"{what} column {column!r}")
    return values


def check_pair(value: object, name: str) -> tuple[object, object]:
    """Return ``value`` as a 2-tuple, refusing a string or anything of another length."""
    if isinstance(value, str) or not isinstance(value, tuple | list) or len(value) != 2:
        raise StatsInputError(f"{name} must be a pair (before, after), got {value!r:.60}")
    return value[0], value[1]
