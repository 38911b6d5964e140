"""``eco_eval.stats`` and ``eco_eval.results`` resolve their names on first use (the names and
their submodules declared in each package's ``__init__.pyi``): one submodule does not load the
others, and the bilan's kernel loads no statistics library."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import eco_eval.results as results_package
import eco_eval.stats as stats_package


def _declared(package) -> dict[str, str]:
    """name -> submodule, as the package's stub declares them."""
    stub = ast.parse(Path(package.__file__).with_suffix(".pyi").read_text(encoding="utf-8"))
    return {
        alias.name: str(node.module)
        for node in stub.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


@pytest.mark.parametrize("package", [stats_package, results_package], ids=["stats", "results"])
def test_every_public_name_resolves_to_its_submodule(package):
    declared = _declared(package)
    assert len(declared) > 5 and set(declared) == set(package.__all__)
    for name, module in declared.items():
        expected = getattr(importlib.import_module(f"{package.__name__}.{module}"), name)
        assert getattr(package, name) is expected
        assert name in dir(package)  # what tab completion offers


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="wilson"):
        stats_package.wilson  # noqa: B018


def _loaded(imports: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter holds after ``import <imports>``."""
    code = f"import sys, {imports}\nprint(sorted(m for m in {modules!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return ast.literal_eval(done.stdout)


def test_the_bilan_kernel_loads_no_statistics_library():
    """The bilan and the deep dives render a release: its figures are computed already."""
    heavy = ("scipy.stats", "statsmodels", "pingouin", "linearmodels", "duckdb")
    assert _loaded("eco_eval.bilan", heavy) == []


def test_the_orchestrating_process_loads_no_statistics_library():
    """``eco-eval run`` and ``bilan`` only orchestrate: the release is built in a child process
    (ARCHITECTURE.md), so the publication commands' imports leave the statistics out."""
    heavy = ("scipy.stats", "statsmodels", "pingouin", "linearmodels", "rfc3987_syntax")
    assert _loaded("eco_eval.pipeline, eco_eval.publish.run", heavy) == []


def test_the_indicators_intervals_do_not_load_pingouin_or_matplotlib():
    """The indicator engine imports ``eco_eval.stats.intervals`` only, not every submodule of
    the package with it (pingouin, matplotlib, statsmodels.api)."""
    imports = "eco_eval.stats.intervals, eco_eval.indicators.maintenance"
    assert _loaded(imports, ("pingouin", "matplotlib", "statsmodels.api")) == []


def test_the_top_level_api_resolves_lazily_and_completes():
    import eco_eval

    public = [n for n in dir(eco_eval) if not n.startswith("_")]
    assert public == sorted(n for n in eco_eval.__all__ if not n.startswith("_"))
    for name in public:
        assert getattr(eco_eval, name) is not None
    assert eco_eval.compute.__module__ == "eco_eval.release.compute"
    with pytest.raises(AttributeError, match="no attribute 'computed'"):
        eco_eval.computed  # noqa: B018
