"""eco_eval.wellbeing.panel.link_panel on a hand-made city whose answer is worked out below."""

from __future__ import annotations

import pandas as pd
import pytest

from eco_eval.indicators.core import Tables
from eco_eval.stats import StatsInputError
from eco_eval.wellbeing.panel import link_panel, wave_cuts

from .conftest import LEVERS, response


@pytest.fixture
def tables() -> Tables:
    """Waves 2015-11, 2016-05, 2016-11 (cut on the 1st of the month).

    Treatment window of (2016-05, 2016-11): [2016-05-01, 2016-11-01); prior window:
    [2015-11-01, 2016-05-01).

    * p1 answers 2016-05 and 2016-11; attends s1 (temps, held, 2016-05-01: first day of the
      window, counted), s3 (audace, *cancelled*: not counted) and s5 (audace, 2015-10-31: before
      the prior window). -> treated_temps 1, treated_audace 0, prior_audace 0.
    * p2 answers 2016-11 only: not linked.
    * p3 answers both waves but twice in 2016-05: cannot be linked, left out.
    * p4 answers both; no department at 2016-05 (taken from 2016-11); attends s2 (temps,
      2016-11-01: the cut of the follow-up wave, not counted) and s4 (audace, 2016-04-30: prior).
      -> treated_temps 0, prior_audace 1.
    * an anonymous answer (no person_key) at both waves: never linked.
    """
    baro = pd.DataFrame(
        [
            response(1, "2015-11", "p1", swemwbs=2),
            response(2, "2016-05", "p1", swemwbs=3, temps=(4, 2)),
            response(3, "2016-11", "p1", swemwbs=4, temps=(5, 1)),
            response(4, "2016-11", "p2"),
            response(5, "2016-05", "p3"),
            response(6, "2016-05", "p3"),
            response(7, "2016-11", "p3"),
            response(8, "2016-05", "p4", department=None, category="C"),
            response(9, "2016-11", "p4", department="Sports", category="C"),
            response(10, "2016-05", None),
            response(11, "2016-11", None),
        ]
    )
    sessions = pd.DataFrame(
        {
            "session_id": ["s1", "s2", "s3", "s4", "s5"],
            "date": pd.to_datetime(
                ["2016-05-01", "2016-11-01", "2016-06-15", "2016-04-30", "2015-10-31"]
            ),
            "lever_id": ["temps", "temps", "audace", "audace", "audace"],
            "tool_id": ["time_out", "time_out", "audace_up", "audace_up", "audace_up"],
            "status": ["held", "held", "cancelled", "held", "held"],
        }
    )
    attendance = pd.DataFrame(
        {
            "session_id": ["s1", "s3", "s5", "s2", "s4"],
            "person_key": ["p1", "p1", "p1", "p4", "p4"],
        }
    )
    return Tables(sessions, attendance, pd.DataFrame(), pd.DataFrame(), baro)


def test_link_panel_hand_checked(tables, instruments):
    panel = link_panel(tables, "2016-05", "2016-11", instruments=instruments)
    assert panel["person_key"].tolist() == ["p1", "p4"]
    p1, p4 = panel.iloc[0], panel.iloc[1]
    assert (p1["treated_temps"], p1["treated_audace"], p1["prior_temps"], p1["prior_audace"]) == (
        1, 0, 0, 0,
    )  # fmt: skip
    assert (p4["treated_temps"], p4["treated_audace"], p4["prior_temps"], p4["prior_audace"]) == (
        0, 0, 0, 1,
    )  # fmt: skip
    # scores at both waves: SWEMWBS raw 21 -> 28; clim_temps (4, 2 reversed = 4) -> (5, 5)
    assert (p1["swemwbs_raw_from"], p1["swemwbs_raw_to"]) == (21.0, 28.0)
    assert (p1["swemwbs_score_from"], p1["swemwbs_score_to"]) == (19.25, 25.03)
    assert (p1["clim_temps_score_from"], p1["clim_temps_score_to"]) == (4.0, 5.0)
    # demographics from the baseline, or from the follow-up when the baseline left them blank
    assert (p4["department"], p4["department_to"], p4["category"]) == ("Sports", "Sports", "C")
    assert p1["department"] == "Finances"
    assert {"wave_from", "wave_to", "part_temps", "part_audace", "gender"} <= set(panel.columns)
    assert panel.attrs["window"] == (pd.Timestamp("2016-05-01"), pd.Timestamp("2016-11-01"))
    assert panel.attrs["prior_window"] == (pd.Timestamp("2015-11-01"), pd.Timestamp("2016-05-01"))
    for lever in LEVERS:
        assert panel[f"treated_{lever}"].dtype.kind == "i"


def test_window_on_wave_dates(tables, instruments):
    """With window="wave_date" the cut is the (median) submission date of each wave (the 10th
    here): s1 (2016-05-01) is then before the window and s2 (2016-11-01) inside it."""
    cuts = wave_cuts(tables.barometer, "wave_date")
    assert cuts["2016-05"] == pd.Timestamp("2016-05-10")
    panel = link_panel(tables, "2016-05", "2016-11", instruments=instruments, window="wave_date")
    assert panel.set_index("person_key")["treated_temps"].to_dict() == {"p1": 0, "p4": 1}
    assert panel.set_index("person_key")["prior_temps"].to_dict() == {"p1": 1, "p4": 0}


def test_first_wave_prior_window_starts_with_the_records(tables, instruments):
    panel = link_panel(tables, "2015-11", "2016-05", instruments=instruments)
    # only p1 answered both; s5 (2015-10-31) is before 2015-11-01: prior, from the first record
    assert panel["person_key"].tolist() == ["p1"]
    assert panel.loc[0, "prior_audace"] == 1
    # s1 (temps) is on 2016-05-01, the cut of the follow-up wave: counted for the next interval
    assert panel.loc[0, "treated_temps"] == 0
    assert panel.loc[0, "treated_audace"] == 0


def test_errors_name_the_waves(tables, instruments):
    with pytest.raises(StatsInputError, match="waves present"):
        link_panel(tables, "2016-06", "2016-11", instruments=instruments)
    with pytest.raises(StatsInputError, match="after"):
        link_panel(tables, "2016-11", "2016-05", instruments=instruments)
