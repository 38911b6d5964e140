"""``eco_eval.stats`` resolves its names on first use: one submodule does not load the others."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import eco_eval.stats as stats_package


def test_every_public_name_resolves_to_its_submodule():
    assert set(stats_package._LAZY) == set(stats_package.__all__)
    for name, module in stats_package._LAZY.items():
        expected = getattr(importlib.import_module(f"eco_eval.stats.{module}"), name)
        assert getattr(stats_package, name) is expected
        assert name in dir(stats_package)  # what tab completion offers


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'wilson'"):
        stats_package.wilson  # noqa: B018


def test_the_indicators_intervals_do_not_load_pingouin_or_matplotlib():
    """The indicator engine imports ``eco_eval.stats.intervals`` only; the package used to
    import every submodule with it (pingouin, matplotlib, statsmodels.api: 1.6 s per run)."""
    code = (
        "import sys, eco_eval.stats.intervals, eco_eval.indicators.maintenance\n"
        "print(sorted(m for m in ('pingouin', 'matplotlib', 'statsmodels.api') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_the_top_level_api_resolves_lazily_and_completes():
    import eco_eval

    public = [n for n in dir(eco_eval) if not n.startswith("_")]
    assert public == sorted(n for n in eco_eval.__all__ if not n.startswith("_"))
    for name in public:
        assert getattr(eco_eval, name) is not None
    assert eco_eval.compute.__module__ == "eco_eval.release.compute"
    with pytest.raises(AttributeError, match="no attribute 'computed'"):
        eco_eval.computed  # noqa: B018
