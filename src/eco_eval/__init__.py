"""eco_eval: measure the impact of an organisational innovation programme, honestly.

The public API is small and imported lazily so that ``eco-eval --help`` starts fast::

    import eco_eval
    store = eco_eval.open_store("data/processed/eco_eval.duckdb")
    sessions = store.table("sessions")
    frame = eco_eval.compute(store, period="2016-Q2", by=("department",))
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
__all__ = [
    "__version__",
    "compute",
    "indicators",
    "load_ecosystem",
    "load_project",
    "open_store",
    "parse_period",
]

_LAZY = {
    "open_store": ("eco_eval.store", "open_store"),
    "compute": ("eco_eval.release.compute", "compute"),
    "load_project": ("eco_eval.config", "load_project"),
    "load_ecosystem": ("eco_eval.ecosystem", "load_ecosystem"),
    "parse_period": ("eco_eval.periods", "parse_period"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    if name in {"indicators", "release", "report", "stats", "privacy", "readers", "demo", "ingest"}:
        return importlib.import_module(f"eco_eval.{name}")
    raise AttributeError(f"module 'eco_eval' has no attribute {name!r}")


def __dir__() -> list[str]:  # tab completion in JupyterLab lists the lazy names too
    return sorted({*(n for n in globals() if n.startswith("__")), *__all__})
