"""The anonymity rule applied to the well-being levels (:func:`eco_eval.wellbeing.scores.wellbeing_by_wave`)."""

from __future__ import annotations

import pandas as pd

from eco_eval.privacy.suppression import suppress_small_cells
from eco_eval.wellbeing.scores import WELLBEING_INDICATORS

#: The screening shares count people (the respondents under a WHO-5 cut-off): their numerators
#: and complements are protected too.
NUMERATORS = {ind: "share" for ind, (_, kind) in WELLBEING_INDICATORS.items() if kind == "share"}


def suppress_wellbeing(frame: pd.DataFrame, *, k: int = 5) -> pd.DataFrame:
    """``frame`` (a frame of :func:`~eco_eval.wellbeing.scores.wellbeing_by_wave`) with its small cells
    hidden: a figure resting on fewer than ``k`` respondents, a share whose count of flagged
    respondents (or of the others) is between 1 and ``k - 1``, and the complementary cells that
    would give them back by subtraction (:func:`~eco_eval.privacy.suppression.suppress_small_cells`).
    """
    if frame.empty:
        return frame
    # Each indicator is its own family: a mean does not give back the number of people under a
    # WHO-5 threshold, so a share hidden for its count does not hide the means of the same group.
    result = suppress_small_cells(frame, k=k, numerators=NUMERATORS)
    return result.frame[list(frame.columns)]
