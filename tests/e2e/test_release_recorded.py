"""The demo city's published release equals a recorded copy of its numbers.

``recorded_release/`` holds the demo city's 2017-Q4 tables (seed 42, first publication, k = 5):
the indicators with their comparisons, the quarterly history, the barometer's levels,
reliability, impact and drivers, the organisational results. The run's release must give them
back, value for value; a change of the figures or of the demo city is recorded again on purpose.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.release.files import load_release

RECORDED = Path(__file__).parent / "recorded_release"
#: McDonald's omega comes out of an iterative factor fit, whose stopping rule leaves the 7th
#: significant digit free; every other figure is compared to 1e-9.
LOOSE = {"omega": 1e-5}
#: The catalogue's indicators that the recorded copy predates.
NEW_INDICATORS = {
    i.id
    for i in load_catalogue().indicators
    if i.id not in set(pd.read_csv(RECORDED / "current.csv.gz", usecols=["indicator"])["indicator"])
}
#: The columns that the recorded copy predates: the impact's dose sensitivity.
NEW_COLUMNS = {"estimate_dose", "ci_low_dose", "ci_high_dose"}
TABLES = sorted(p.name.removesuffix(".csv.gz") for p in RECORDED.glob("*.csv.gz"))


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a stable order, as text for labels and floats for numbers (CSV round trip)."""
    out = frame.copy()
    for column in out.columns:
        numeric = pd.to_numeric(out[column], errors="coerce")
        if numeric.notna().sum() == out[column].notna().sum() and out[column].dtype != bool:
            out[column] = numeric.astype(float)
        else:
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else str(v))
    order = out.apply(lambda c: c.round(6) if c.dtype == float else c)  # ties of float noise
    return out.loc[order.sort_values(list(order.columns)).index].reset_index(drop=True)


def test_the_recorded_copy_has_the_tables():
    assert {"current", "history", "wellbeing_impact", "results_relations"} <= set(TABLES)


@pytest.mark.slow
@pytest.mark.parametrize("name", TABLES)
def test_the_release_gives_the_recorded_numbers(demo_run, name):
    release = load_release(demo_run["root"] / "data" / "processed" / "releases" / "2017-Q4")
    recorded = pd.read_csv(RECORDED / f"{name}.csv.gz", keep_default_na=True)
    published = release.frame(name)
    published = pd.read_csv(
        pd.io.common.StringIO(published.to_csv(index=False)), keep_default_na=True
    )  # the same CSV round trip as the recorded copy
    if "indicator" in recorded.columns:
        # indicators added to the catalogue since the recording extend the table; the recorded
        # ones keep their numbers
        added = set(published["indicator"]) - set(recorded["indicator"])
        assert added <= NEW_INDICATORS, sorted(added - NEW_INDICATORS)
        published = published[~published["indicator"].isin(added)]
    # columns added since the recording extend the table; the recorded ones keep their numbers
    added_columns = [c for c in published.columns if c not in set(recorded.columns)]
    assert set(added_columns) <= NEW_COLUMNS, added_columns
    published = published.drop(columns=added_columns)
    assert list(published.columns) == list(recorded.columns)
    assert len(published) == len(recorded)
    a, b = _comparable(published), _comparable(recorded)
    for column in a.columns:
        if a[column].dtype == float:
            rtol = LOOSE.get(column, 1e-9)
            np.testing.assert_allclose(
                a[column], b[column], rtol=rtol, atol=1e-12, equal_nan=True, err_msg=column
            )
        else:
            assert a[column].tolist() == b[column].tolist(), column
