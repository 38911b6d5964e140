from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from eco_eval.ecosystem import load_ecosystem, normalise_name
from eco_eval.errors import ConfigError

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed"


def test_twelve_levers_and_tools_as_in_the_seed():
    eco = load_ecosystem()
    assert len(eco.levers) == 12 and len(eco.tools) == 12
    assert {t.lever for t in eco.tools} == set(eco.lever_ids)
    if SEED.exists():
        text = next(SEED.glob("*.txt")).read_text(encoding="utf-8")
        for tool in eco.tools:
            # the seed writes each tool as « name » autour de <lever>
            assert f"« {tool.fr} »" in text, tool.fr
            lever = eco.lever(tool.lever).fr
            # French contraction: de + le = du, de + les = des
            phrase = ("autour de " + lever).replace("de le ", "du ").replace("de les ", "des ")
            assert f"« {tool.fr} » {phrase}" in text, (tool.fr, phrase)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Point Silence", "point_silence"),
        ("pt silence", "point_silence"),
        ("time-out", "time_out"),
        ("Echecs & mates", "echecs_and_mates"),
        ("apprenons nous", "apprenons_nous"),
        ("AUDACE UP!", "audace_up"),
        ("  la Ballade ", "la_balade"),
        ("Dans la peau de Walt", "dans_la_peau_de_walt"),
        ("pont silence", "point_silence"),  # a typo close enough
    ],
)
def test_tool_names_as_staff_type_them(typed, expected):
    assert load_ecosystem().resolve_tool(typed) == expected


@pytest.mark.parametrize("typed", ["atelier zen", "", None, "silence", float("nan")])
def test_unresolvable_names_return_none(typed):
    assert load_ecosystem().resolve_tool(typed) is None


def test_extend_with_a_second_generation_tool_is_a_data_change():
    eco = load_ecosystem(
        {
            "tools": [
                {
                    "id": "cafe_idees",
                    "fr": "café des idées",
                    "lever": "echanges",
                    "generation": 2,
                    "aliases": ["cafe idees"],
                }
            ]
        }
    )
    assert len(eco.tools) == 13
    assert eco.resolve_tool("Café idées") == "cafe_idees"
    assert [t.id for t in eco.tools_of("echanges")] == ["la_balade", "cafe_idees"]


def test_replace_and_bad_definitions():
    eco = load_ecosystem(
        {
            "replace": True,
            "levers": [{"id": "x", "fr": "le x", "en": "x"}],
            "tools": [{"id": "t", "fr": "outil t", "lever": "x"}],
        }
    )
    assert eco.lever_ids == ("x",)
    with pytest.raises(ConfigError, match="unknown lever"):
        load_ecosystem({"tools": [{"id": "t", "fr": "t", "lever": "nope"}]})
    with pytest.raises(ConfigError, match="alias"):
        load_ecosystem({"tools": [{"id": "t2", "fr": "point silence", "lever": "temps"}]})
    with pytest.raises(ConfigError, match="did you mean"):
        load_ecosystem().lever("bien_etr")


def test_normalise_name():
    assert normalise_name("« Échecs & Mates »") == "echecs and mates"


def test_a_city_sets_its_own_launch():
    assert load_ecosystem({"launch": "2016-01-04"}).launch == date(2016, 1, 4)
    assert load_ecosystem({"launch": date(2016, 1, 4)}).launch == date(2016, 1, 4)  # unquoted YAML
    with pytest.raises(
        ConfigError, match=r"ecosystem.launch 'juin 2015' is not a date.*YYYY-MM-DD"
    ):
        load_ecosystem({"launch": "juin 2015"})
    with pytest.raises(
        ConfigError, match=r"unknown key ecosystem.'lauch'.*did you mean \"launch\""
    ):
        load_ecosystem({"lauch": "2016-01-04"})


def test_the_launch_is_defined_once_in_the_data():
    """No module hard-codes the launch: the packaged date lives in _data/ecosystem.yaml only."""
    import re

    import eco_eval

    src = Path(eco_eval.__file__).parent
    packaged = str(load_ecosystem().launch)
    y, m, d = (int(x) for x in packaged.split("-"))
    spelled = re.compile(rf"[\"']{packaged}[\"']|date\({y},\s*{m},\s*{d}\)")
    hits = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if "demo" not in p.relative_to(src).parts and spelled.search(p.read_text(encoding="utf-8"))
    ]
    assert hits == [], hits


def test_a_replacing_ecosystem_names_itself_an_extending_one_cannot():
    """With ``replace: true`` the section is a whole definition (name, milestones); without it a
    name would silently rename the packaged ecosystem, so it is refused."""
    base = load_ecosystem()
    levers = [{"id": "x", "fr": "X", "en": "X"}]
    tools = [{"id": "t", "lever": "x", "fr": "T", "en": "T"}]
    replaced = load_ecosystem(
        {"replace": True, "name": {"fr": "Démarche B", "en": "B"}, "levers": levers, "tools": tools}
    )
    assert list(replaced.lever_ids) == ["x"]
    assert base.lever_ids != replaced.lever_ids
    with pytest.raises(ConfigError, match=r"unknown key ecosystem.'name'"):
        load_ecosystem({"name": {"fr": "Démarche B", "en": "B"}})


@pytest.mark.parametrize(
    ("kind", "bad", "suggested"),
    [
        ("lever", "../../etc/x", "etc_x"),  # would name a deep dive outside reports/
        ("lever", "javascript:alert(1)", "javascript_alert_1"),  # would become a script link
        ("tool", "Point Silence", "point_silence"),
        ("tool", "", "tool"),
    ],
)
def test_lever_and_tool_ids_are_slugs(kind, bad, suggested):
    """Ids name files and links: anything but lower-case letters, digits and '_' is refused at
    load, naming the id and a usable one."""
    lever = bad if kind == "lever" else "x"
    tool = bad if kind == "tool" else "t"
    with pytest.raises(ConfigError) as err:
        load_ecosystem(
            {
                "replace": True,
                "levers": [{"id": lever, "fr": "X", "en": "X"}],
                "tools": [{"id": tool, "fr": "T", "lever": lever}],
            }
        )
    message = str(err.value)
    assert f"{kind} id {bad!r} is not allowed" in message, message
    assert f"e.g. '{suggested}'" in message and "\n" not in message
