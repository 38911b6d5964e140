"""The headline impact rows: a two-way fixed-effects model over every barometer wave.

The linked pairs of :func:`eco_eval.wellbeing.panel.link_panel` (one per consecutive pair of
waves) are turned back into one long panel, a row per person and wave, whose participation is the
attendance at each lever's tool in the interval before that wave (``prior_<lever>`` on the
baseline row, ``treated_<lever>`` on the follow-up row: the two agree where pairs meet). On it,
:func:`eco_eval.stats.twfe_estimate` fits person and wave effects with every lever in one model;
the single-lever model, department clustering, the dose (sessions attended in the interval, every
lever in one model) and an event-study check of pre-trends (the lead of participation,
:func:`eco_eval.stats.panel_did.pretrend_check`) are kept as sensitivity analyses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from eco_eval.stats.effects import hedges_correction
from eco_eval.stats.panel_did import pretrend_check, twfe_estimate

__all__ = ["SENSITIVITY_COLUMNS", "long_panel", "twfe_rows"]

#: The sensitivity columns :func:`twfe_rows` adds to a headline row.
SENSITIVITY_COLUMNS = (
    "estimate_single_lever",
    "ci_low_single_lever",
    "ci_high_single_lever",
    "ci_low_department",
    "ci_high_department",
    "estimate_dose",
    "ci_low_dose",
    "ci_high_dose",
    "pretrend_estimate",
    "pretrend_ci_low",
    "pretrend_ci_high",
)


#: The cluster of the respondents who did not give their department.
UNKNOWN = "(department not given)"


def long_panel(stacked: pd.DataFrame, col: str, levers: Sequence[str]) -> pd.DataFrame:
    """One row per person and wave from stacked linked pairs: ``person_key``, ``wave``,
    ``department`` (when given), ``y`` (the score ``col``), per lever ``d_<lever>`` and, when
    the pairs have the doses, ``n_<lever>`` (sessions attended in the interval before the wave)."""
    keep = [c for c in ("department",) if c in stacked.columns]
    flags_from = {f"prior_{lv}": f"d_{lv}" for lv in levers}
    flags_to = {f"treated_{lv}": f"d_{lv}" for lv in levers}
    if all(f"dose_to_{lv}" in stacked.columns for lv in levers):
        flags_from.update({f"dose_from_{lv}": f"n_{lv}" for lv in levers})
        flags_to.update({f"dose_to_{lv}": f"n_{lv}" for lv in levers})
    before = stacked[["person_key", "wave_from", *keep, f"{col}_from", *flags_from]].rename(
        columns={"wave_from": "wave", f"{col}_from": "y", **flags_from}
    )
    after = stacked[["person_key", "wave_to", *keep, f"{col}_to", *flags_to]].rename(
        columns={"wave_to": "wave", f"{col}_to": "y", **flags_to}
    )
    # The first wave's "interval before" reaches back to the first record: participation long
    # before it would count as recent, so its rows take part only through a later pair.
    first = stacked["wave_from"].min()
    before = before.loc[stacked["wave_from"].to_numpy() != first] if len(stacked) > 0 else before
    rows = pd.concat([before, after], ignore_index=True).dropna(subset=["y"])
    return rows.drop_duplicates(["person_key", "wave"]).reset_index(drop=True)


def _pretrend_note(leads: pd.DataFrame, key: str, note: str) -> str:
    est, low, high = leads.loc[key, ["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float)
    if np.isnan(low) or low <= 0 <= high:
        return note
    warning = (
        f"pre-trend: the score moved before people took part (lead {est:+.3g},"
        f" interval {low:.3g} to {high:.3g}); the estimate may mix the effect with it"
    )
    return "; ".join(filter(None, [note, warning]))


def _dose(by_dose: pd.DataFrame | None, name: str) -> dict[str, object]:
    """The dose columns of one lever (NaN when the pairs have no doses)."""
    if by_dose is None:
        return {"estimate_dose": np.nan, "ci_low_dose": np.nan, "ci_high_dose": np.nan}
    est, low, high = by_dose.loc[name, ["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float)
    return {"estimate_dose": est, "ci_low_dose": low, "ci_high_dose": high}


def twfe_rows(
    stacked: pd.DataFrame,
    col: str,
    levers: Sequence[str],
    level: float,
    *,
    wanted: Sequence[str] | None = None,
    power: float = 0.8,
) -> dict[str, dict[str, object]]:
    """Headline figures of each lever on the score ``col``: the joint TWFE model clustered by
    person, with the single-lever model and department clustering as sensitivity columns.

    Returns, per lever, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``,
    ``hedges_g`` (estimate over the SD of the score, times Hedges' J) and its interval, ``mde``
    (Bloom, 1995: :math:`(t_{1-a/2} + t_{power})\\,SE`), ``n_treated`` and ``n_control``
    (persons who took part at one wave at least, and the others), ``n_clusters``, the
    :data:`SENSITIVITY_COLUMNS` and ``note``; for the levers of ``wanted`` (default all).
    """
    panel = long_panel(stacked, col, levers)
    names = [f"d_{lv}" for lv in levers]
    joint = twfe_estimate(panel, "y", names, level=level).set_index("treatment")
    by_dept = None
    if "department" in panel.columns and panel["department"].nunique() >= 2:
        # Respondents who left the department blank form one cluster of their own, so that the
        # sample, and hence the estimate, stay the headline's: only the standard error changes.
        clustered = panel.assign(department=panel["department"].astype(object).fillna(UNKNOWN))
        by_dept = twfe_estimate(clustered, "y", names, cluster="department", level=level).set_index(
            "treatment"
        )
    leads = pretrend_check(panel, "y", names, level=level).set_index("treatment")
    # the dose: the effect of one more session attended, every lever in one model
    doses = [f"n_{lv}" for lv in levers]
    by_dose = (
        twfe_estimate(panel, "y", doses, level=level).set_index("treatment")
        if all(d in panel.columns for d in doses)
        else None
    )
    sd = float(panel["y"].std(ddof=1)) if len(panel) > 1 else float("nan")
    scale = hedges_correction(len(panel) - 2) / sd if sd > 0 else float("nan")
    out: dict[str, dict[str, object]] = {}
    for lv, name in zip(levers, names, strict=True):
        if wanted is not None and lv not in wanted:
            continue
        row: dict[str, Any] = {str(k): v for k, v in joint.loc[name].items()}
        single = {
            str(k): v for k, v in twfe_estimate(panel, "y", name, level=level).iloc[0].items()
        }
        est, se, df = float(row["estimate"]), float(row["se"]), int(row["df"])
        mde = float(row["ci_high"]) - est + float(sps.t.ppf(power, df)) * se if df > 0 else np.nan
        out[lv] = {
            "estimate": est, "se": se, "ci_low": row["ci_low"], "ci_high": row["ci_high"],
            "p_value": row["p_value"], "hedges_g": est * scale,
            "g_ci_low": float(row["ci_low"]) * scale, "g_ci_high": float(row["ci_high"]) * scale,
            "mde": mde, "n_treated": int(row["n_treated"]), "n_control": int(row["n_control"]),
            "n_clusters": int(row["n_clusters"]),
            "estimate_single_lever": single["estimate"],
            "ci_low_single_lever": single["ci_low"], "ci_high_single_lever": single["ci_high"],
            "ci_low_department": by_dept.loc[name, "ci_low"] if by_dept is not None else np.nan,
            "ci_high_department": by_dept.loc[name, "ci_high"] if by_dept is not None else np.nan,
            **_dose(by_dose, f"n_{lv}"),
            "pretrend_estimate": leads.loc[f"lead_{name}", "estimate"],
            "pretrend_ci_low": leads.loc[f"lead_{name}", "ci_low"],
            "pretrend_ci_high": leads.loc[f"lead_{name}", "ci_high"],
            "note": _pretrend_note(leads, f"lead_{name}", str(row["note"] or "")),
        }  # fmt: skip
    return out
