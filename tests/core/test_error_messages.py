"""Mistakes that used to end in "internal error ... a bug": each is now one line naming the
file or the value, the place and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from eco_eval.bilan.sections import _check_action
from eco_eval.config import load_project
from eco_eval.errors import ConfigError, StoreError
from eco_eval.periods import parse_period
from eco_eval.store import open_store


@pytest.mark.parametrize("label", ["9999", "9999-Q4", "0000", "cumul:9999-Q1"])
def test_periods_out_of_the_calendar_are_refused(label: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_period(label, launch=parse_period("2015-Q2").start)
    assert f"period {label!r}: year " in str(err.value) and "outside 1900–2999" in str(err.value)


def test_a_quoted_threshold_is_refused(tmp_path: Path) -> None:
    (tmp_path / "eco_eval.yaml").write_text('privacy:\n  k: "5"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"privacy.k = '5': expected a whole number of people"):
        load_project(tmp_path)


def test_a_windows_1252_configuration_names_its_line(tmp_path: Path) -> None:
    text = "# Ville — configuration\norganisation:\n  name: Mairie\n"
    (tmp_path / "eco_eval.yaml").write_bytes(text.encode("cp1252"))
    with pytest.raises(ConfigError) as err:
        load_project(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'eco_eval.yaml'}: line 1: not UTF-8 text (byte 0x97); save the file as "
        "UTF-8 (in Notepad or LibreOffice: Save as, encoding UTF-8)"
    )


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ({"due": "2018-13-45"}, "actions.yaml: actions[2].due = '2018-13-45' is not a date"),
        ({"target": "beaucoup"}, "actions.yaml: actions[2].target = 'beaucoup' is not a number"),
        ("relancer", "actions.yaml: actions[2]: expected a mapping"),
    ],
)
def test_a_bad_action_names_the_file_and_the_action(action: object, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        _check_action(action, 2, "actions.yaml")
    _check_action({"due": "2018-06-30", "target": 40}, 0, "actions.yaml")


def test_a_damaged_store_says_how_to_rebuild_it(tmp_path: Path) -> None:
    path = tmp_path / "eco_eval.duckdb"
    path.write_bytes(b"not a database" * 1000)
    with pytest.raises(StoreError) as err:
        open_store(path).table("sessions")
    message = str(err.value)
    assert "rename it (e.g. to eco_eval.duckdb.damaged) and run 'eco-eval ingest'" in message
    assert "\n" not in message
