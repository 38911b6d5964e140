"""YAML of the package's own data files, parsed with libyaml when PyYAML has it.

The catalogue, the ecosystem, the schema, the instruments and the labels are trusted files the
package ships; PyYAML's pure-Python parser takes most of a second for them at each start of a
report kernel, its C parser (``CSafeLoader``, the same safe constructors) a tenth of that. A
city's own files (``eco_eval.yaml``, ``actions.yaml``) go through :mod:`eco_eval.user_yaml`,
which checks their aliases and duplicate keys as it parses.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["read_yaml"]

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Any:
    """The data of one YAML document, as ``yaml.safe_load`` gives it."""
    return yaml.load(text, Loader=_LOADER)
