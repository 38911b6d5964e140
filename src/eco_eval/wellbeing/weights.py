"""Survey weights of the barometer: each wave's respondents calibrated on the staff's headcount.

Response to the barometer depends on category and department, so the mean of the respondents
describes the respondents, not the staff. Each wave's respondents are raked
(:func:`eco_eval.stats.weights.rake`) on the margins the HR headcount of the wave's quarter gives
(department, category, gender: those the headcount gives for every row, and the barometer asks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from eco_eval.stats._checks import check_columns, checked
from eco_eval.stats.weights import design_effect, effective_n, rake

__all__ = ["MARGINS", "WEIGHT_COLUMNS", "barometer_weights"]

#: The margins the barometer is calibrated on, when both sources give them.
MARGINS = ("department", "category", "gender")
#: Columns of the summary :func:`barometer_weights` returns in ``attrs["summary"]``.
WEIGHT_COLUMNS = ("wave", "quarter", "margins", "respondents", "n_effective", "design_effect",
                  "unmatched")  # fmt: skip
_MONTH = re.compile(r"^(\d{4})-(\d{2})")


def _quarter_of(wave: str, dates: pd.Series) -> str | None:
    m = _MONTH.match(wave)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    elif dates.notna().any():
        first = pd.Timestamp(dates.min())
        year, month = first.year, first.month
    else:
        return None
    return f"{year}-Q{(month - 1) // 3 + 1}"


def _headcount_at(headcount: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """The headcount rows of ``quarter``, else of the latest quarter before it, else the first."""
    quarters = sorted(headcount["quarter"].dropna().astype(str).unique())
    if not quarters:
        return headcount.iloc[0:0]
    before = [q for q in quarters if q <= quarter]
    chosen = before[-1] if before else quarters[0]
    return headcount.loc[headcount["quarter"].astype(str) == chosen]


@checked
def barometer_weights(
    barometer: pd.DataFrame,
    headcount: pd.DataFrame | None,
    margins: Sequence[str] = MARGINS,
) -> pd.Series:
    """One weight per barometer row: the staff each respondent stands for in their wave.

    Parameters
    ----------
    barometer : pandas.DataFrame
        The barometer, with ``wave`` and the margin columns it asks.
    headcount : pandas.DataFrame or None
        The HR headcount (``quarter``, the margin columns, ``headcount``). None or empty: every
        weight is 1 (no calibration possible), and the summary says so.
    margins : sequence of str
        Candidate margin variables; one is used for a wave when the barometer has the column and
        the headcount of the wave's quarter gives it on every row.

    Returns
    -------
    pandas.Series
        Weights indexed like ``barometer`` (1 where a wave could not be calibrated).
        ``attrs["summary"]`` is a frame of :data:`WEIGHT_COLUMNS`, one row per wave: the
        headcount quarter used, the margins, the respondents, Kish's effective size and design
        effect, the population categories without respondent.
    """
    check_columns(barometer, ["wave"], "barometer")
    if headcount is not None and len(headcount):
        check_columns(headcount, ["quarter", "headcount"], "headcount")
    weights = pd.Series(1.0, index=barometer.index, name="weight")
    rows = []
    usable = headcount is not None and len(headcount) > 0
    for wave, part in barometer.groupby(barometer["wave"].astype(str), sort=True):
        dates = part["wave_date"] if "wave_date" in part.columns else pd.Series(dtype=object)
        quarter = _quarter_of(str(wave), pd.to_datetime(dates, errors="coerce"))
        used: list[str] = []
        unmatched: list[str] = []
        if usable and quarter is not None and headcount is not None:
            staff = _headcount_at(headcount, quarter)
            quarter = str(staff["quarter"].iloc[0]) if len(staff) else quarter
            used = [
                m for m in margins
                if m in part.columns and m in staff.columns and staff[m].notna().all()
                and part[m].notna().any()
            ]  # fmt: skip
            if used and staff["headcount"].sum() > 0:
                targets = {
                    m: staff.groupby(m)["headcount"].sum().astype(float).to_dict() for m in used
                }
                w = rake(part[used].astype(object).where(part[used].notna(), None), targets)
                weights.loc[part.index] = w.to_numpy()
                unmatched = list(w.attrs["unmatched"])
        wave_w = weights.loc[part.index].to_numpy()
        rows.append(
            {
                "wave": str(wave),
                "quarter": quarter or "",
                "margins": ", ".join(used),
                "respondents": len(part),
                "n_effective": effective_n(wave_w) if used else float(len(part)),
                "design_effect": design_effect(wave_w) if used else 1.0,
                "unmatched": ", ".join(unmatched),
            }
        )
    weights.attrs["summary"] = pd.DataFrame(rows, columns=list(WEIGHT_COLUMNS))
    return weights
