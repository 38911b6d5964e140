"""``report.breakdowns`` in eco_eval.yaml: validated with did-you-mean, defaulting to every
breakdown (the bilan keeps those present in both the headcount and the attendance)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eco_eval.config import parse_config
from eco_eval.errors import ConfigError
from eco_eval.indicators.core import DIMENSIONS


def _report(**report: object):
    return parse_config({"report": report}, Path("."), origin="eco_eval.yaml")


def test_default_is_every_breakdown():
    project = _report(lang="fr")
    assert project.breakdowns is None and project.report_breakdowns == DIMENSIONS


def test_configured_breakdowns_keep_their_order():
    project = _report(breakdowns=["gender", "department"])
    assert project.report_breakdowns == ("gender", "department")
    assert _report(breakdowns=[]).report_breakdowns == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["departement"], r"report.breakdowns: unknown breakdown 'departement' \(did you mean "
         r'"department"\?\); known breakdowns: department, category, gender, filiere'),
        ("gender", r"report.breakdowns must be a list, e.g. \[department, category\]"),
        (["gender", "gender"], r"report.breakdowns lists 'gender' twice"),
    ],
)  # fmt: skip
def test_bad_values_are_one_line_errors(value, message):
    with pytest.raises(ConfigError, match=message) as err:
        _report(breakdowns=value)
    assert "\n" not in str(err.value) and str(err.value).startswith("eco_eval.yaml: ")


def test_a_misspelt_key_is_named():
    with pytest.raises(ConfigError, match=r"unknown key report.'breakdown' \(did you mean"):
        _report(breakdown=["gender"])
