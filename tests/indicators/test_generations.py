"""Ecosystem generations: tools and levers with ``launched``, ``retired`` and ``replaces``.

A tool has figures only while it is live, its lever's series runs on across the change (one row
per lever, whatever tool serves it), and a lever launched later has no figure before its launch.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError
from eco_eval.indicators.core import Tables
from eco_eval.indicators.engine import compute_raw
from eco_eval.periods import parse_period
from eco_eval.release.disclosure import history

SECOND = {
    "levers": [
        {"id": "cooperation", "fr": "la coopération", "en": "cooperation", "launched": "2016-07-01"}
    ],
    "tools": [
        {"id": "la_balade", "retired": "2016-06-01"},  # dates the packaged tool's retirement
        {
            "id": "balade_v2",
            "fr": "balade 2",
            "lever": "echanges",
            "generation": 2,
            "launched": "2016-06-01",
            "replaces": "la_balade",
        },
        {
            "id": "coop",
            "fr": "coop",
            "lever": "cooperation",
            "generation": 2,
            "launched": "2016-07-01",
        },
        {"id": "time_out", "retired": "2016-04-01"},
    ],
}


@pytest.fixture
def eco():
    return load_ecosystem(SECOND)


def test_dates_are_read_and_an_entry_of_a_packaged_tool_updates_it(eco):
    balade = eco.tool("la_balade")
    assert balade.retired == date(2016, 6, 1) and balade.fr == "la balade"  # the rest kept
    assert eco.tool("balade_v2").replaces == "la_balade"
    assert len(eco.tools) == 14 and eco.lever("cooperation").launched == date(2016, 7, 1)


def test_live_tools_and_levers_of_a_span(eco):
    q1, q2, q3 = (parse_period(f"2016-Q{i}") for i in (1, 2, 3))
    assert [t.id for t in eco.during(q1.start, q1.end).live_tools_of("echanges")] == ["la_balade"]
    # la balade is retired on 1 June, its successor launched that day: both live in Q2
    both = eco.during(q2.start, q2.end).live_tools_of("echanges")
    assert [t.id for t in both] == ["la_balade", "balade_v2"]
    assert [t.id for t in eco.during(q3.start, q3.end).live_tools_of("echanges")] == ["balade_v2"]
    assert "cooperation" not in eco.during(q2.start, q2.end).lever_ids
    assert "cooperation" in eco.during(q3.start, q3.end).lever_ids
    # every generation stays listed for the lever: one series
    assert [t.id for t in eco.during(q3.start, q3.end).tools_of("echanges")] == [
        "la_balade",
        "balade_v2",
    ]


def test_changes_are_dated(eco):
    changes = eco.changes(date(2016, 1, 1), date(2016, 12, 31))
    assert [(c.date, c.kind, c.what, c.id) for c in changes] == [
        (date(2016, 4, 1), "retired", "tool", "time_out"),
        (date(2016, 6, 1), "launched", "tool", "balade_v2"),
        (date(2016, 6, 1), "retired", "tool", "la_balade"),
        (date(2016, 7, 1), "launched", "lever", "cooperation"),
        (date(2016, 7, 1), "launched", "tool", "coop"),
    ]
    assert changes[1].replaces == "la_balade"
    assert load_ecosystem().changes() == ()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"tools": [{"id": "x", "fr": "x", "lever": "temps", "launched": "avril 2017"}]},
            r"ecosystem.tools.x.launched 'avril 2017' is not a date; write it as YYYY-MM-DD",
        ),
        (
            {"tools": [{"id": "x", "fr": "x", "lever": "temps", "replaces": "la_balad"}]},
            r"ecosystem.tools.x.replaces: unknown tool 'la_balad'.*la_balade",
        ),
        (
            {"tools": [{"id": "la_balade", "launched": "2016-01-01", "retired": "2015-12-01"}]},
            r"ecosystem.tools.la_balade.retired \(2015-12-01\) is not after its launch",
        ),
        (
            {"levers": [{"id": "x", "fr": "x", "en": "x", "retierd": "2017-01-01"}]},
            r"unknown key ecosystem.levers.x.retierd.*retired",
        ),
        (
            {"tools": [{"id": "x", "fr": "x", "lever": "temps", "replaces": "x"}]},
            r"ecosystem.tools.x.replaces: a tool cannot replace itself",
        ),
    ],
)
def test_bad_generations_are_refused_naming_the_key(override, message):
    with pytest.raises(ConfigError, match=message) as err:
        load_ecosystem(override, origin="eco_eval.yaml")
    assert str(err.value).startswith("eco_eval.yaml: ") and "\n" not in str(err.value)


@pytest.fixture
def second(tables) -> Tables:
    """The fixture's Q1 and Q2 sessions, and in Q3 la balade's successor and a new lever."""
    sessions = tables.sessions.copy()
    extra = sessions.iloc[[2, 2]].copy()
    extra["session_id"] = ["S6", "S7"]
    extra["date"] = [date(2016, 8, 1), date(2016, 8, 2)]
    extra["quarter"] = "2016-Q3"
    extra["tool_id"] = ["balade_v2", "coop"]
    extra["lever_id"] = ["echanges", "cooperation"]
    att = tables.attendance.copy()
    more = att.iloc[[4, 5]].copy()
    more["session_id"] = ["S6", "S7"]
    return Tables(
        sessions=pd.concat([sessions, extra], ignore_index=True),
        attendance=pd.concat([att, more], ignore_index=True),
        headcount=tables.headcount,
        feedback=tables.feedback,
    )


def _rows(frame, indicator, lever):
    sel = frame[(frame.indicator == indicator) & (frame.lever == lever)]
    return dict(zip(sel["tool"], sel["value"], strict=True))


def test_a_tool_has_figures_only_while_live(second, eco):
    q1 = compute_raw(second, parse_period("2016-Q1"), eco)
    q3 = compute_raw(second, parse_period("2016-Q3"), eco)
    # the lever's row is one series ("*": several generations), the tools' rows follow their life
    assert _rows(q1, "sessions_held", "echanges") == {"*": 1.0, "la_balade": 1.0}
    assert _rows(q3, "sessions_held", "echanges") == {"*": 1.0, "balade_v2": 1.0}
    # time out, the only tool of its lever, is retired on 1 April: nothing after it
    q2 = compute_raw(second, parse_period("2016-Q2"), eco)
    assert "time_out" in set(q1["tool"])
    assert "time_out" not in set(q2["tool"]) and "temps" not in set(q2["lever"])
    assert "la_balade" not in set(q3["tool"])


def test_a_new_lever_has_no_figure_before_its_launch(second, eco):
    q2 = compute_raw(second, parse_period("2016-Q2"), eco)
    q3 = compute_raw(second, parse_period("2016-Q3"), eco)
    assert "cooperation" not in set(q2["lever"])
    assert _rows(q3, "sessions_held", "cooperation") == {"coop": 1.0}


def test_the_lever_series_continues_across_the_replacement(second, eco):
    trend = history(second, eco, parse_period("2016-Q3"), k=3)
    held = trend[(trend.indicator == "sessions_held") & (trend.lever == "echanges")]
    lever_row = held[held.tool == "*"].set_index("period")["value"]
    # one row per quarter from launch, whatever tool served the lever
    assert list(lever_row.index) == [
        "2015-Q2",
        "2015-Q3",
        "2015-Q4",
        "2016-Q1",
        "2016-Q2",
        "2016-Q3",
    ]
    assert list(lever_row.loc["2016-Q1":]) == [1.0, 1.0, 1.0]
    tools = held.groupby("period")["tool"].apply(set)
    assert tools["2016-Q1"] == {"*", "la_balade"} and tools["2016-Q3"] == {"*", "balade_v2"}
    assert "balade_v2" not in set(held.loc[held.period < "2016-Q2", "tool"])
