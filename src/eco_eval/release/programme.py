"""The programme's own objectives in a release: the department encounter matrix and the dated
changes of the ecosystem's generations.

The « partage » and « valorisation » figures themselves are catalogue indicators: they are in the
release's ``current`` and ``history`` frames, anonymised with every other figure. This part
reshapes what the bilan's sections read:

* ``encounter_matrix``: the ``encounters`` cells of the period (already anonymised: k people on
  each side, complementary suppression), one row per pair of departments, with the same cell of
  the period compared with;
* ``ecosystem_changes``: the launches and retirements of tools and levers from the programme's
  launch to the period's end (:meth:`eco_eval.ecosystem.Ecosystem.changes`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from eco_eval.indicators.partage import split_pair
from eco_eval.periods import Period

__all__ = ["FRAMES", "MATRIX_COLUMNS", "programme_part"]

#: The release's frames of this part, by name.
FRAMES = ("encounter_matrix", "ecosystem_changes")
MATRIX_COLUMNS = ["department_a", "department_b", "value", "n", "suppressed", "previous"]
CHANGE_COLUMNS = ["date", "kind", "what", "id", "lever", "replaces"]


def programme_part(
    current: pd.DataFrame, period: Period, eco: Any
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The frames (:data:`FRAMES`) from the anonymised ``current`` frame (with its comparison
    columns) and the ecosystem; the manifest entry counts the matrix's cells shown and hidden."""
    cells = current[current["indicator"] == "encounters"]
    pairs = [split_pair(g) for g in cells["group"]]
    matrix = pd.DataFrame(
        {
            "department_a": [a for a, _ in pairs],
            "department_b": [b for _, b in pairs],
            "value": cells["value"].to_numpy(dtype=float),
            "n": cells["n"].to_numpy(dtype=float),
            "suppressed": cells["suppressed"].to_numpy(dtype=bool),
            "previous": (
                cells["previous"].to_numpy(dtype=float) if "previous" in cells else float("nan")
            ),
        },
        columns=MATRIX_COLUMNS,
    )
    changes = pd.DataFrame(
        [
            (c.date.isoformat(), c.kind, c.what, c.id, c.lever, c.replaces or "")
            for c in eco.changes(None, period.end)
        ],
        columns=CHANGE_COLUMNS,
    )
    meta = {
        "encounters_shown": int((~matrix["suppressed"]).sum()),
        "encounters_hidden": int(matrix["suppressed"].sum()),
    }
    return {"encounter_matrix": matrix, "ecosystem_changes": changes}, meta
