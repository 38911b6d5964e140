"""On the demo city, reach and session counts equal the generator's ground truth exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from eco_eval.config import load_project
from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.core import Tables
from eco_eval.indicators.engine import compute_raw
from eco_eval.periods import parse_period
from eco_eval.store import open_store

ECO = load_ecosystem()


@pytest.fixture(scope="module")
def tables(demo_project):
    return Tables.from_store(open_store(demo_project / "data" / "processed" / "eco_eval.duckdb"))


@pytest.fixture(scope="module")
def eco(demo_project):
    """The demo city's ecosystem: the packaged one and its second generation of 2017."""
    return load_project(demo_project).ecosystem()


@pytest.fixture(scope="module")
def truth(demo_project):
    t = demo_project / "data" / "ground_truth"
    return {
        "sessions": pd.read_csv(t / "sessions_by_quarter_tool.csv"),
        "participants": pd.read_csv(t / "participants_by_quarter.csv"),
        "cumulative": pd.read_csv(t / "cumulative_participants.csv"),
        "headcount": pd.read_csv(t / "headcount_by_quarter.csv"),
    }


def _val(frame, indicator, lever="*", dimension="*", group="*", tool=None):
    sel = frame[
        (frame.indicator == indicator)
        & (frame.lever == lever)
        & (frame.dimension == dimension)
        & (frame.group == group)
        & ((frame.tool == tool) if tool is not None else True)
    ]
    return float(sel["value"].iloc[0]) if len(sel) else 0.0


@pytest.mark.parametrize("quarter", ["2015-Q3", "2016-Q2", "2017-Q2", "2017-Q4"])
def test_session_counts_and_reach_equal_the_truth(tables, truth, eco, quarter):
    """Per tool: a tool of the second generation, or one retired, has its own row while live
    (none, so zero, after its retirement)."""
    frame = compute_raw(tables, parse_period(quarter), eco)
    s = truth["sessions"][truth["sessions"]["quarter"] == quarter]
    checked = 0
    for _, r in s.iterrows():
        lever, tool = r["lever_id"], r["tool_id"]
        assert _val(frame, "sessions_held", lever, tool=tool) == r["held"], (quarter, lever)
        assert _val(frame, "sessions_cancelled", lever, tool=tool) == r["cancelled"], (
            quarter,
            lever,
        )
        assert (
            _val(frame, "sessions_planned", lever, tool=tool)
            == r["planned"] + r["held"] + r["cancelled"]
        ), (quarter, lever)
        assert _val(frame, "participations", lever, tool=tool) == r["participations"], (
            quarter,
            lever,
        )
        assert _val(frame, "unique_participants", lever, tool=tool) == r["unique_participants"], (
            quarter,
            lever,
        )
        assert _val(frame, "facilitator_hours", lever, tool=tool) == pytest.approx(
            r["facilitator_hours"]
        ), (
            quarter,
            lever,
        )
        assert _val(frame, "participant_hours", lever, tool=tool) == pytest.approx(
            r["participant_hours"]
        ), (
            quarter,
            lever,
        )
        checked += 1
    assert checked >= 10
    p = truth["participants"][truth["participants"]["quarter"] == quarter]
    for _, r in p.iterrows():
        assert (
            _val(frame, "unique_participants", "*", r["dimension"], str(r["group"]))
            == r["unique_participants"]
        ), (quarter, r["dimension"], r["group"])
    hc = truth["headcount"].set_index("quarter").loc[quarter, "headcount"]
    overall = p[p["dimension"] == "*"].iloc[0]
    assert _val(frame, "reach_rate") == pytest.approx(overall["unique_participants"] / hc)
    cum = truth["cumulative"]
    cum = cum[(cum["quarter"] == quarter) & (cum["lever_id"] == "*")].iloc[0]
    assert _val(frame, "cumulative_reach_rate") == pytest.approx(
        cum["cumulative_unique_participants"] / hc
    )


@pytest.mark.slow
def test_published_frames_hide_the_same_people_and_resist_differencing(demo_project):
    """What the bilan publishes for three periods: a hidden participant count is never given back
    by the reach rate of the same group, and no subtraction between published cells (across
    breakdowns, levers and periods) isolates fewer than k people."""
    from eco_eval.privacy.suppression import check_differencing
    from eco_eval.release.compute import compute

    store = open_store(demo_project / "data" / "processed" / "eco_eval.duckdb")
    tables = Tables.from_store(store)
    frames = [compute(tables, q, k=5, compare=False) for q in ("2017-Q2", "2017-Q3", "2017-Q4")]
    keys = ["period", "lever", "dimension", "group"]
    for f in frames:
        people = f[f.indicator == "unique_participants"].set_index(keys)["suppressed"]
        rate = f[f.indicator == "reach_rate"].set_index(keys)["suppressed"]
        joined = people.to_frame("people").join(rate.rename("rate"), how="inner")
        assert len(joined) > 100
        assert (joined["people"] == joined["rate"]).all()
    people_frames = [f[f.indicator == "unique_participants"] for f in frames]
    offences = check_differencing(people_frames, k=5)
    print(
        f"{sum(len(f) for f in people_frames)} published participant cells over 3 periods; {len(offences)} differencing offences"
    )
    assert offences.empty, offences.head()


@pytest.fixture(scope="module")
def programme_truth(demo_project):
    t = demo_project / "data" / "ground_truth"
    return {
        "partage": pd.read_csv(t / "partage_by_quarter.csv"),
        "facilitators": pd.read_csv(t / "facilitators_by_quarter.csv").set_index("quarter"),
        "generations": pd.read_csv(t / "generations.csv"),
    }


@pytest.mark.parametrize("quarter", ["2015-Q4", "2016-Q2", "2017-Q2", "2017-Q4"])
def test_planted_mixing_and_facilitators_recovered(tables, programme_truth, eco, quarter):
    """The mixing share of each lever, the facilitator pool, its overloaded pillar and the
    recruits who took part before leading equal the generator's tallies exactly."""
    frame = compute_raw(tables, parse_period(quarter), eco)
    mix = programme_truth["partage"]
    mix = mix[mix["quarter"] == quarter]
    assert len(mix) >= 10
    for lever, share in zip(mix["lever_id"], mix["mixing_department_share"], strict=True):
        got = frame[(frame.indicator == "mixing_department_share") & (frame.lever == lever)][
            "value"
        ]
        assert got.iloc[0] == pytest.approx(share, abs=1e-9), (quarter, lever)
    fac = programme_truth["facilitators"].loc[quarter]
    assert _val(frame, "facilitators") == fac["facilitators"]
    assert _val(frame, "facilitators_since_launch") == fac["facilitators_since_launch"]
    assert _val(frame, "overloaded_facilitators") == fac["overloaded"] == 1  # the pillar
    assert fac["pillar_hours"] > 40
    assert _val(frame, "participants_turned_facilitators") == fac["turned"]
    assert _val(frame, "progression_rate") == pytest.approx(
        fac["turned"] / fac["participants_since_launch"]
    )


def test_planted_patterns_are_what_the_generator_says(programme_truth):
    """The planted patterns themselves: « la balade » mixes departments far more than « point
    silence » every quarter; the five recruits all took part before they led a session."""
    mix = programme_truth["partage"].pivot(
        index="quarter", columns="lever_id", values="mixing_department_share"
    )
    assert (mix["echanges"] - mix["bien_etre"] > 0.25).all()
    fac = programme_truth["facilitators"]
    # one overloaded facilitator, the pillar: over the threshold in every quarter but the summer
    # ones (and the launch quarter), and nobody else ever is
    assert (fac["overloaded"] <= 1).all()
    assert ((fac["pillar_hours"] > 40) == (fac["overloaded"] == 1)).all()
    assert (fac["overloaded"] == 1).sum() >= 7
    assert (fac.loc["2016-Q2":, "recruits_turned"] == 5).all()
    assert (fac.loc[:"2016-Q1", "recruits_turned"] == 0).all()


def test_the_second_generation_in_the_demo(tables, programme_truth, eco):
    """« boîte à avis » replaces « colle ton avis » on 1 April 2017, « café des idées » joins
    « la balade » on 1 January 2017, « dans la peau de Walt » is retired on 1 October 2017."""
    gen = programme_truth["generations"].pivot(index="quarter", columns="tool_id", values="held")
    assert (gen.loc[:"2017-Q1", "boite_a_avis"] == 0).all() and (
        gen.loc["2017-Q2":, "boite_a_avis"] > 0
    ).all()
    assert (gen.loc["2017-Q2":, "colle_ton_avis"] == 0).all()
    assert (gen.loc[:"2016-Q4", "cafe_des_idees"] == 0).all() and (
        gen.loc["2017-Q1":, "cafe_des_idees"] > 0
    ).all()
    assert gen.loc["2017-Q4", "dans_la_peau_de_walt"] == 0
    q1, q2, q4 = (
        compute_raw(tables, parse_period(q), eco) for q in ("2017-Q1", "2017-Q2", "2017-Q4")
    )
    assert "colle_ton_avis" in set(q1.tool) and "boite_a_avis" not in set(q1.tool)
    assert "boite_a_avis" in set(q2.tool) and "colle_ton_avis" not in set(q2.tool)
    # the retired tool's lever has no figure once it has no tool
    assert "dans_la_peau_de_walt" not in set(q4.tool) and "reve" not in set(q4.lever)
    # the replaced tool's lever is one series: its row counts both generations
    held = gen["colle_ton_avis"] + gen["boite_a_avis"]
    for q, frame in (("2017-Q1", q1), ("2017-Q2", q2)):
        assert _val(frame, "sessions_held", "remise_en_question", tool="*") == held[q]
