"""Successive publications keep one suppression pattern
(:func:`eco_eval.release.disclosure.publication_frames`)."""

from __future__ import annotations

import pandas as pd

from eco_eval.ecosystem import load_ecosystem
from eco_eval.periods import parse_period
from eco_eval.privacy.suppression import LOG_COLUMNS, read_suppression_log, write_suppression_log
from eco_eval.release.disclosure import publication_frames as release

ECO = load_ecosystem()
KEY = ["period", "lever", "tool", "dimension", "group", "indicator"]


def _hidden(frame: pd.DataFrame) -> set[tuple[str, ...]]:
    rows = frame.loc[frame["suppressed"].astype(bool), KEY].astype(str)
    return set(map(tuple, rows.to_numpy()))


def test_cells_hidden_by_an_earlier_bilan_stay_hidden_in_the_next(tables, tmp_path):
    q2 = parse_period("2016-Q2")
    periods = {"current": q2, "previous": q2.previous()}
    # the first bilan hides with k = 5 (4 people took part in 2016-Q2: all hidden)
    first, log = release(tables, ECO, periods, k=5)
    hidden_first = _hidden(first["current"]) | _hidden(first["previous"])
    assert hidden_first and list(log.columns) == list(LOG_COLUMNS)
    assert set(map(tuple, log[KEY].to_numpy())) >= hidden_first  # every hidden cell is logged
    # the log goes to disk and comes back as text, as the pipeline keeps it
    write_suppression_log(tmp_path / "log.csv", log)
    kept = read_suppression_log(tmp_path / "log.csv")
    assert kept is not None and len(kept) == len(log.drop_duplicates())
    # the next bilan shows 2016-Q2 again, with a figure that now passes its threshold (k = 3
    # stands for revised data): without the log it would be shown, with the log it stays hidden
    fresh, _ = release(tables, ECO, {"previous": q2}, k=3)
    again, log2 = release(tables, ECO, {"previous": q2}, k=3, suppression_log=kept)
    q2_hidden = {c for c in hidden_first if c[0] == "2016-Q2"}
    assert q2_hidden - _hidden(fresh["previous"]), "the test needs a cell k = 3 would show"
    assert q2_hidden <= _hidden(again["previous"])
    assert len(log2) >= len(kept)  # the log only grows
    assert read_suppression_log(tmp_path / "absent.csv") is None
