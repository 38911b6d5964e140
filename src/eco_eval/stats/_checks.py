"""Input checks shared by the statistics modules (never ``assert``: they vanish under ``python -O``)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd

from eco_eval.errors import EcoEvalError, did_you_mean
from eco_eval.instruments import Instrument

T = TypeVar("T")
P = ParamSpec("P")


def shown(value: object, width: int = 60) -> str:
    """A one-line description of ``value`` for a message: its repr, or its type and shape."""
    if isinstance(value, pd.DataFrame | pd.Series | np.ndarray):
        return f"a {type(value).__name__} of shape {value.shape}"
    text = " ".join(repr(value).split())
    return text if len(text) <= width else text[: width - 3] + "..."


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
        raise StatsInputError(
            f"{name} must be a number between 0 and 1, got {shown(level)}"
        ) from exc
    if not 0.0 < value < 1.0:
        raise StatsInputError(
            f"{name} must be strictly between 0 and 1 (e.g. 0.95), got {shown(level)}"
        )
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
        raise StatsInputError(f"{name} must be numeric, got {shown(values)}") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise StatsInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise StatsInputError(f"{name} must be an integer >= {minimum}, got {shown(value)}")
    if value < minimum:
        raise StatsInputError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_choice(value: object, choices: Iterable[str], name: str) -> str:
    """Return ``value`` after checking it is one of ``choices``, naming a close match."""
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        raise StatsInputError(
            f"{name} must be one of {', '.join(map(repr, options))}, got {shown(value)}{hint}"
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
    if pd.api.types.is_numeric_dtype(frame[column].dtype):  # nothing to parse
        values = frame[column].astype(float)
        check_finite(values.to_numpy(), f"{what} column {column!r}")
        return values
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        example = frame.loc[bad, column].iloc[0]
        raise StatsInputError(
            f"{what} column {column!r} must be numeric, got {shown(example)} at row "
            f"{frame.index[bad][0]!r}: pass a score column"
        )
    values = values.astype(float)
    check_finite(values.to_numpy(), f"{what} column {column!r}")
    return values


def check_pair(value: object, name: str) -> tuple[object, object]:
    """Return ``value`` as a 2-tuple, refusing a string or anything of another length."""
    if isinstance(value, str) or not isinstance(value, tuple | list) or len(value) != 2:
        raise StatsInputError(f"{name} must be a pair (before, after), got {shown(value)}")
    for label in value:
        if isinstance(label, bool) or not isinstance(label, str | int | np.integer):
            raise StatsInputError(f"{name} must be a pair of wave labels, got {shown(value)}")
    return value[0], value[1]


# --------------------------------------------------------------------------- argument rules
# The public functions of eco_eval.stats and eco_eval.wellbeing name their arguments alike; each
# name has one rule, applied by :func:`checked` before the function runs, so that a malformed
# argument is refused in one line naming it rather than failing somewhere inside.


def _is_int(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | np.integer)


def _int_at_least(minimum: int, optional: bool = False) -> Callable[[object, str], None]:
    def rule(value: object, name: str) -> None:
        if optional and value is None:
            return
        if not _is_int(value) or int(value) < minimum:  # type: ignore[call-overload]
            raise StatsInputError(f"{name} must be an integer >= {minimum}, got {shown(value)}")

    return rule


def _level(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise StatsInputError(f"{name} must be a number between 0 and 1, got {shown(value)}")
    check_level(float(value), name)


def _optional_level(value: object, name: str) -> None:
    if value is not None:
        _level(value, name)


def _finite_number(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise StatsInputError(f"{name} must be a number, got {shown(value)}")
    if not np.isfinite(float(value)):
        raise StatsInputError(f"{name} must be a finite number, got {shown(value)}")


def _frame(optional: bool = False) -> Callable[[object, str], None]:
    def rule(value: object, name: str) -> None:
        if optional and value is None:
            return
        if not isinstance(value, pd.DataFrame):
            raise StatsInputError(f"{name} must be a pandas DataFrame, got {type(value).__name__}")

    return rule


def _text(optional: bool = False) -> Callable[[object, str], None]:
    def rule(value: object, name: str) -> None:
        if optional and value is None:
            return
        if not isinstance(value, str):
            raise StatsInputError(
                f"{name} must be a text (a column name or an option), got {shown(value)}"
            )

    return rule


def _texts(optional: bool = False, one: bool = True) -> Callable[[object, str], None]:
    """A sequence of texts (or one text when ``one``)."""

    def rule(value: object, name: str) -> None:
        if (optional and value is None) or (one and isinstance(value, str)):
            return
        if isinstance(value, Mapping):
            value = list(value.values())
        if isinstance(value, str | bytes) or not isinstance(value, Sequence | pd.Index):
            raise StatsInputError(f"{name} must be a list of names, got {shown(value)}")
        if not all(isinstance(v, str) for v in value):
            raise StatsInputError(f"{name} must hold names (text), got {shown(list(value))}")

    return rule


def _numbers(value: object, name: str) -> None:
    """A number or a 1-D sequence of numbers (NaN allowed as missing, infinity refused)."""
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        check_finite(np.asarray([value], dtype=float), name)
        return
    if isinstance(value, str | bytes | Mapping) or value is None or np.isscalar(value):
        raise StatsInputError(f"{name} must be a sequence of numbers, got {shown(value)}")
    if isinstance(value, pd.DataFrame):
        raise StatsInputError(f"{name} must be one column of numbers, got a DataFrame")
    try:
        arr = np.asarray(pd.Series(value) if isinstance(value, pd.Series) else value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name} must be a sequence of numbers, got {shown(value)}") from exc
    if arr.ndim != 1:
        raise StatsInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    check_finite(arr, name)


def _mapping(optional: bool = False) -> Callable[[object, str], None]:
    def rule(value: object, name: str) -> None:
        if optional and value is None:
            return
        if not isinstance(value, Mapping):
            raise StatsInputError(f"{name} must be a mapping, got {type(value).__name__}")

    return rule


def _pair_or_none(value: object, name: str) -> None:
    if value is not None:
        check_pair(value, name)


def _instruments(value: object, name: str) -> dict[str, Instrument]:
    """A mapping of id -> Instrument (a list of Instrument is keyed by their ids)."""
    if isinstance(value, Mapping):
        found = list(value.values())
    elif isinstance(value, list | tuple):
        found = list(value)
    else:
        found = [value]
    if (not found and not isinstance(value, Mapping)) or not all(
        isinstance(i, Instrument) for i in found
    ):
        raise StatsInputError(
            f"{name} must be the mapping returned by eco_eval.instruments.load_instruments(), "
            f"got {shown(value)}"
        )
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return {i.id: i for i in found}


def _instrument(value: object, name: str) -> None:
    if not isinstance(value, Instrument):
        raise StatsInputError(
            f"{name} must be an Instrument, got {shown(value)}: load it with "
            "eco_eval.instruments.load_instruments()[id]"
        )


def _period_text(value: object, name: str) -> None:
    if not isinstance(value, str | pd.Period):
        raise StatsInputError(f"{name} must be a period such as '2016-Q3', got {shown(value)}")


def _seed(value: object, name: str) -> None:
    _int_at_least(0, optional=True)(value, name)


def _scalar_label(value: object, name: str) -> None:
    if (value is not None and not isinstance(value, str | int | np.integer)) or isinstance(
        value, bool
    ):
        raise StatsInputError(f"{name} must be a label (text), got {shown(value)}")


#: Argument name -> its rule: raises StatsInputError, or returns the value normalised (None: as is).
RULES: dict[str, Callable[[object, str], object]] = {
    **dict.fromkeys(("level", "alpha", "fdr", "target_power"), _level),
    "power": _optional_level,
    **dict.fromkeys(("n_boot", "omega_boot"), _int_at_least(0)),
    **dict.fromkeys(
        ("min_n", "min_group", "min_pairs", "k", "k_drivers", "n_steps", "step", "max_iter"),
        _int_at_least(1),
    ),
    **dict.fromkeys(("top", "scale_max"), _int_at_least(1)),
    "scale_min": _int_at_least(0),
    "n_clusters": _int_at_least(2, optional=True),
    "seed": _seed,
    **dict.fromkeys(
        ("effect", "sd", "icc", "cluster_size", "n1", "n2", "tol", "threshold"), _finite_number
    ),
    **dict.fromkeys(("items", "frame", "panel", "barometer", "sample"), _frame()),
    **dict.fromkeys(("headcount", "scored"), _frame(optional=True)),
    **dict.fromkeys(
        (
            "outcome",
            "treated_col",
            "score_col",
            "wave_col",
            "method",
            "pairing",
            "convention",
            "window",
            "freq",
            "lever",
            "treated",
            "design_name",
        ),
        _text(),
    ),
    **dict.fromkeys(("person_col", "cluster"), _text(optional=True)),
    "treatments": _texts(),
    "by": _texts(optional=True),
    **dict.fromkeys(
        ("climate_by", "covariates", "levers", "departments", "outcomes"), _texts(one=False)
    ),
    "predictors": _texts(one=False),
    **dict.fromkeys(
        ("values", "x", "y", "pvalues", "flags", "scores_0_10", "successes", "n"), _numbers
    ),
    "weights": lambda value, name: None if value is None else _numbers(value, name),
    **dict.fromkeys(("margins",), _mapping()),
    "tool_of": _mapping(optional=True),
    "waves": _pair_or_none,
    "instruments": _instruments,
    "instrument": _instrument,
    "start_period": _period_text,
    "wave": _scalar_label,
}


def checked(fn: Callable[P, T]) -> Callable[P, T]:
    """Check the arguments of ``fn`` named in :data:`RULES` before calling it.

    An argument that does not bind (a missing or unknown keyword) is refused with the function's
    signature. Arguments left at their defaults are not checked (the defaults are valid).
    """
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise StatsInputError(f"{fn.__name__}{signature}: {exc}") from exc
        for name, value in list(bound.arguments.items()):
            rule = RULES.get(name)
            if rule is not None:
                normalised = rule(value, name)
                if normalised is not None:
                    bound.arguments[name] = normalised
        return fn(*bound.args, **bound.kwargs)

    return wrapper
