"""User-written YAML read within bounds: alias bombs and duplicate keys are one-line errors."""

from __future__ import annotations

import pytest

from eco_eval.config import load_project
from eco_eval.errors import ConfigError
from eco_eval.user_yaml import MAX_VALUES, load_user_yaml


def alias_bomb(levels: int) -> str:
    """Each level lists the previous one ten times: 10**levels values from a few hundred bytes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_built():
    text = alias_bomb(9)  # a billion values
    assert len(text) < 1000
    with pytest.raises(ConfigError) as err:
        load_user_yaml(text, "eco_eval.yaml")
    message = str(err.value)
    assert message.startswith("eco_eval.yaml: the document stands for more than")
    assert f"{MAX_VALUES:,}" in message and "aliases" in message and "\n" not in message


def test_ordinary_aliases_still_work():
    doc = load_user_yaml(alias_bomb(3), "x.yaml")  # 1,111 lists, 10,000 values
    assert len(doc["a3"]) == 10 and doc["a3"][0][0][0][0] == "x"
    base = "defaults: &d {sep: ';', encoding: utf-8}\nsource: {<<: *d, sep: ','}\n"
    assert load_user_yaml(base, "x.yaml")["source"] == {"sep": ",", "encoding": "utf-8"}


def test_a_key_written_twice_is_refused_with_its_line():
    text = "privacy:\n  k: 5\nsources: {}\nprivacy:\n  k: 11\n"
    with pytest.raises(ConfigError) as err:
        load_user_yaml(text, "eco_eval.yaml")
    assert str(err.value) == (
        "eco_eval.yaml: line 4, column 1: the key 'privacy' is written twice in the same "
        "mapping; keep one (YAML would silently use the last)"
    )


def test_invalid_yaml_names_the_place():
    with pytest.raises(ConfigError, match=r"^x.yaml: line 2, column \d+: invalid YAML"):
        load_user_yaml("a: [1, 2\nb: 3\n", "x.yaml")
    assert load_user_yaml("", "x.yaml") is None


def test_a_project_configuration_with_an_alias_bomb_is_refused(tmp_path):
    (tmp_path / "eco_eval.yaml").write_text(alias_bomb(8), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"eco_eval\.yaml: the document stands for more than"):
        load_project(tmp_path)
