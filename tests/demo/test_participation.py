"""Self-selection is visible: who takes part is not a random draw of the staff."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import read_attendance, read_session_log


@pytest.fixture(scope="module")
def cumulative_reach(city):
    p = city.truth_csv("participants_by_quarter.csv")
    a = read_attendance(city.raw)
    log = read_session_log(city.raw)
    a = a[a["N° séance"].isin(log.loc[log.tool_id.notna() & log.date.notna(), "N° séance"])]
    last = p[p.quarter == "2017-Q4"]
    return a, last


def test_category_a_takes_part_more_than_c(city):
    p = city.truth_csv("participants_by_quarter.csv")
    cat = p[p.dimension == "category"].groupby("group")[["unique_participants", "headcount"]].sum()
    rate = cat["unique_participants"] / cat["headcount"]
    assert rate["A"] > 1.5 * rate["C"] and rate["A"] > rate["B"] > rate["C"]


def test_departments_differ(city):
    p = city.truth_csv("participants_by_quarter.csv")
    dept = (
        p[p.dimension == "department"].groupby("group")[["unique_participants", "headcount"]].sum()
    )
    rate = dept["unique_participants"] / dept["headcount"]
    assert len(rate) >= 20
    assert rate.max() > 3 * rate.min()
    sizes = p[(p.dimension == "department") & (p.quarter == "2015-Q3")].set_index("group")[
        "headcount"
    ]
    assert (
        sizes.between(15, 40).sum() >= 4 and sizes.max() > 10 * sizes.min()
    )  # small ones make suppression matter


def test_repeat_participation_is_heavy_tailed(cumulative_reach):
    a, _ = cumulative_reach
    per_person = a.groupby("Matricule").size()
    assert per_person.median() <= 8
    assert per_person.max() >= 8 * per_person.median()
    assert per_person.quantile(0.9) >= 3 * per_person.median()


def test_reach_grows_then_saturates(city):
    c = city.truth_csv("cumulative_participants.csv")
    overall = c[c.tool_id == "*"]["cumulative_unique_participants"].to_numpy()
    hc = city.truth_csv("headcount_by_quarter.csv")["headcount"].to_numpy()
    reach = overall / hc
    assert 0.1 < reach[0] < 0.35 and 0.45 < reach[-1] < 0.8
    gains = np.diff(overall)
    assert gains[0] > gains[-1] > 0


def test_tools_follow_their_trends(city):
    s = city.truth_csv("sessions_by_quarter_tool.csv")
    total = s.assign(n=s.planned + s.held + s.cancelled).pivot(
        index="quarter", columns="tool_id", values="n"
    )
    assert total["dans_la_peau_de_walt"].iloc[-1] <= 1  # fading out
    assert total["colle_ton_avis"].iloc[-4:].sum() < total["colle_ton_avis"].iloc[1:5].sum() / 2
    assert (total.loc[["2016-Q3", "2017-Q3"], "cadran_total"] == 0).all()  # idle lever
    popular = total.sum().sort_values(ascending=False).index[:3]
    assert set(popular) <= {"point_silence", "apprenons_nous", "time_out", "la_balade"}
    status = s[["planned", "held", "cancelled"]].sum()
    share = status / status.sum()
    assert (
        0.8 < share["held"] < 0.9
        and 0.05 < share["cancelled"] < 0.11
        and 0.04 < share["planned"] < 0.1
    )
