"""The bilan sections' requirements (``_data/requirements.yaml``) as frozen objects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from eco_eval.data_yaml import read_yaml
from eco_eval.errors import ConfigError, did_you_mean

#: Check kinds, each the key that names it in requirements.yaml.
KINDS = ("rows", "fields", "instruments", "waves", "linked", "file")
_KEYS = {*KINDS, "table", "min", "where", "any", "why"}


@dataclass(frozen=True)
class Check:
    """One thing a section needs; ``value`` is the kind's argument (a table, fields, a count)."""

    kind: str
    value: Any
    why: str
    table: str | None = None
    #: a count, or the name of a privacy threshold (``k``, ``k_comments``, ``k_drivers``)
    min: int | str = 1
    where: str | None = None
    any: bool = False


@dataclass(frozen=True)
class SectionSpec:
    id: str
    title: str
    required: tuple[Check, ...]
    optional: tuple[Check, ...]


def _check(doc: dict[str, Any], where: str) -> Check:
    unknown = set(doc) - _KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(
            f"requirements.yaml: {where}: unknown key {key!r}{did_you_mean(key, _KEYS)}"
        )
    kinds = [k for k in KINDS if k in doc]
    if len(kinds) != 1:
        raise ConfigError(f"requirements.yaml: {where}: exactly one of {', '.join(KINDS)} expected")
    kind = kinds[0]
    value = doc[kind]
    if kind in {"fields", "instruments"}:
        value = tuple(str(v) for v in value)
    if kind == "fields" and not doc.get("table"):
        raise ConfigError(f"requirements.yaml: {where}: 'fields' needs a 'table'")
    return Check(
        kind=kind, value=value, why=str(doc.get("why", "")), table=doc.get("table"),
        min=doc.get("min", 1), where=doc.get("where"), any=bool(doc.get("any", False)),
    )  # fmt: skip


@lru_cache(maxsize=1)
def load_requirements() -> tuple[SectionSpec, ...]:
    """The sections of the bilan with what each needs, in the bilan's order."""
    text = resources.files("eco_eval").joinpath("_data/requirements.yaml").read_text("utf-8")
    doc = read_yaml(text)
    return tuple(
        SectionSpec(
            id=sid,
            title=str(spec["title"]),
            required=tuple(
                _check(c, f"{sid}.required[{i}]") for i, c in enumerate(spec.get("required") or [])
            ),
            optional=tuple(
                _check(c, f"{sid}.optional[{i}]") for i, c in enumerate(spec.get("optional") or [])
            ),
        )
        for sid, spec in doc["sections"].items()
    )
