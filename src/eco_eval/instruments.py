"""Declared instruments (WEMWBS, SWEMWBS, WHO-5, per-lever climate scales), read from data.

The definitions live in ``eco_eval/_data/instruments.yaml``: item codes, answer range, reverse-keyed
items, aggregation, missing-item rule, conversion table and flags; a project adds or overrides some
under ``instruments:`` of its configuration. This module reads and checks them; scoring them is
:mod:`eco_eval.stats.scales`. Item wording is never shipped (licences: see ``docs/instruments.md``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from eco_eval.data_yaml import read_yaml
from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError, did_you_mean

__all__ = ["COMPARISONS", "MEASURES", "SOURCES", "Flag", "Instrument", "load_instruments"]

#: comparisons a flag may use: ``le`` (<=), ``lt`` (<), ``ge`` (>=), ``gt`` (>)
COMPARISONS = ("le", "lt", "ge", "gt")
#: the score a flag's threshold applies to
FLAG_SCALES = ("score", "raw")
_KEYS = {
    "label",
    "items",
    "item_range",
    "reverse",
    "aggregate",
    "multiplier",
    "max_missing",
    "conversion",
    "flags",
    "reference",
    "licence",
    "lever",
    "id",
    "source",
    "measures",
}
#: where an instrument's items are answered
SOURCES = ("barometer", "feedback")
#: the feedback field a feedback battery stands for when the survey has no single question
MEASURES = ("satisfaction", "usefulness")


@dataclass(frozen=True)
class Flag:
    """A threshold on an instrument's raw or reported score (e.g. WHO-5 raw <= 12: poor well-being).

    ``on`` (``applies_to`` in the YAML) is ``"raw"`` (the sum or mean of the keyed items, as the instruments' guides state
    their cut-offs) or ``"score"`` (the reported score, after conversion or multiplier).
    """

    id: str
    op: str
    threshold: float
    label_fr: str = ""
    label_en: str = ""
    source: str = ""
    on: str = "score"

    def __post_init__(self) -> None:
        if self.on not in FLAG_SCALES:
            raise ConfigError(
                f"flag {self.id!r}: applies_to must be one of {list(FLAG_SCALES)}, got {self.on!r}"
            )
        if self.op not in COMPARISONS:
            raise ConfigError(
                f"flag {self.id!r}: comparison must be one of {sorted(COMPARISONS)}, got {self.op!r}"
            )


@dataclass(frozen=True)
class Instrument:
    """One declared scale. Build it with :func:`load_instruments`; it checks itself when built."""

    id: str
    items: tuple[str, ...]
    item_min: int
    item_max: int
    aggregate: str = "sum"
    max_missing: int = 0
    multiplier: float = 1.0
    reverse: tuple[str, ...] = ()
    conversion: tuple[tuple[int, float], ...] = ()
    conversion_source: str = ""
    flags: tuple[Flag, ...] = ()
    label_fr: str = ""
    label_en: str = ""
    lever: str | None = None
    source: str = "barometer"  # the survey whose items it scores: barometer | feedback
    measures: str | None = None  # feedback only: satisfaction | usefulness
    reference: str = ""
    licence: str = ""
    _table: dict[int, float] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"instrument {self.id!r}"
        if len(self.items) < 1 or len(set(self.items)) != len(self.items):
            raise ConfigError(f"{where}: items must be a non-empty list of distinct codes")
        if self.item_min >= self.item_max:
            raise ConfigError(f"{where}: item_range must be [min, max] with min < max")
        if self.source not in SOURCES:
            raise ConfigError(
                f"{where}: source must be one of {', '.join(SOURCES)}, got {self.source!r}"
                f"{did_you_mean(self.source, SOURCES)}"
            )
        if self.measures is not None and (
            self.source != "feedback" or self.measures not in MEASURES
        ):
            raise ConfigError(
                f"{where}: measures is for a feedback battery (source: feedback) and is one of "
                f"{', '.join(MEASURES)}, got {self.measures!r}{did_you_mean(str(self.measures), MEASURES)}"
            )
        if self.aggregate not in {"sum", "mean"}:
            raise ConfigError(f'{where}: aggregate must be "sum" or "mean", got {self.aggregate!r}')
        if not 0 <= self.max_missing < len(self.items):
            raise ConfigError(
                f"{where}: max_missing must be between 0 and {len(self.items) - 1}, "
                f"got {self.max_missing}"
            )
        for code in self.reverse:
            if code not in self.items:
                raise ConfigError(
                    f"{where}: reverse-keyed item {code!r} is not one of its items"
                    f"{did_you_mean(code, self.items)}"
                )
        if self.conversion:
            if self.aggregate != "sum":
                raise ConfigError(f"{where}: a conversion table needs aggregate: sum")
            table = dict(self.conversion)
            lo, hi = self.raw_range
            expected = set(range(int(lo), int(hi) + 1))
            if set(table) != expected:
                missing = sorted(expected - set(table))
                extra = sorted(set(table) - expected)
                raise ConfigError(
                    f"{where}: conversion table must have one entry per raw score {lo:g}..{hi:g}"
                    f" (missing {missing}, unexpected {extra})"
                )
            values = [table[k] for k in sorted(table)]
            if any(b <= a for a, b in itertools.pairwise(values)):
                raise ConfigError(f"{where}: conversion table must increase with the raw score")
            object.__setattr__(self, "_table", table)

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.items)

    @property
    def raw_range(self) -> tuple[float, float]:
        """Smallest and largest raw score (sum or mean of the items)."""
        if self.aggregate == "sum":
            return float(self.item_min * self.n_items), float(self.item_max * self.n_items)
        return float(self.item_min), float(self.item_max)

    @property
    def score_range(self) -> tuple[float, float]:
        """Smallest and largest reported score."""
        if self._table:
            return float(min(self._table.values())), float(max(self._table.values()))
        lo, hi = self.raw_range
        return lo * self.multiplier, hi * self.multiplier

    @property
    def conversion_table(self) -> dict[int, float]:
        """Raw score -> reported score lookup (empty when there is none)."""
        return dict(self._table)


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _items_from(spec: Any, where: str) -> tuple[str, ...]:
    if isinstance(spec, Mapping):
        prefix, count = spec.get("prefix"), spec.get("count")
        if not isinstance(prefix, str) or not isinstance(count, int) or count < 1:
            raise _fail(where, "items must be {prefix: <text>, count: <int >= 1>} or a list")
        return tuple(f"{prefix}{i}" for i in range(1, count + 1))
    if isinstance(spec, list | tuple) and all(isinstance(c, str) for c in spec):
        return tuple(spec)
    raise _fail(where, f"items must be {{prefix, count}} or a list of codes, got {spec!r}")


def _flags_from(spec: Any, where: str) -> tuple[Flag, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, list):
        raise _fail(where, "flags must be a list")
    flags = []
    for entry in spec:
        ops = [op for op in COMPARISONS if op in entry] if isinstance(entry, Mapping) else []
        if not isinstance(entry, Mapping) or "id" not in entry or len(ops) != 1:
            raise _fail(where, f"each flag needs an id and one of le/lt/ge/gt, got {entry!r}")
        op = ops[0]
        flags.append(
            Flag(
                id=str(entry["id"]),
                op=op,
                threshold=float(entry[op]),
                label_fr=str(entry.get("fr", "")),
                label_en=str(entry.get("en", "")),
                source=str(entry.get("source", "")).strip(),
                on=str(entry.get("applies_to", "score")),
            )
        )
    return tuple(flags)


def _instrument_from(iid: str, spec: Mapping[str, Any], origin: str) -> Instrument:
    where = f"{origin}: instrument {iid!r}"
    if not isinstance(spec, Mapping):
        raise _fail(where, f"definition must be a mapping, got {type(spec).__name__}")
    for key in spec:
        if key not in _KEYS:
            raise _fail(where, f"unknown key {key!r}{did_you_mean(key, _KEYS)}")
    for key in ("items", "item_range"):
        if key not in spec:
            raise _fail(where, f"missing required key {key!r}")
    rng = spec["item_range"]
    if not (
        isinstance(rng, list | tuple) and len(rng) == 2 and all(isinstance(v, int) for v in rng)
    ):
        raise _fail(where, f"item_range must be two integers [min, max], got {rng!r}")
    conversion = spec.get("conversion") or {}
    table = conversion.get("table", {}) if isinstance(conversion, Mapping) else None
    if table is None or not isinstance(table, Mapping):
        raise _fail(where, "conversion must be {source: <text>, table: {raw: score}}")
    label = spec.get("label") or {}
    try:
        pairs = tuple(sorted((int(k), float(v)) for k, v in table.items()))
        return Instrument(
            id=iid,
            items=_items_from(spec["items"], where),
            item_min=int(rng[0]),
            item_max=int(rng[1]),
            aggregate=str(spec.get("aggregate", "sum")),
            max_missing=int(spec.get("max_missing", 0)),
            multiplier=float(spec.get("multiplier", 1.0)),
            reverse=tuple(spec.get("reverse") or ()),
            conversion=pairs,
            conversion_source=str(conversion.get("source", "")).strip(),
            flags=_flags_from(spec.get("flags"), where),
            label_fr=str(label.get("fr", iid)),
            label_en=str(label.get("en", iid)),
            lever=spec.get("lever"),
            source=str(spec.get("source", "barometer")),
            measures=None if spec.get("measures") is None else str(spec["measures"]),
            reference=str(spec.get("reference", "")).strip(),
            licence=str(spec.get("licence", "")).strip(),
        )
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise _fail(where, f"bad value ({exc})") from exc


def _expand(template: Any, lever_id: str) -> Any:
    if isinstance(template, str):
        return template.replace("{lever_id}", lever_id)
    if isinstance(template, Mapping):
        return {k: _expand(v, lever_id) for k, v in template.items()}
    if isinstance(template, list):
        return [_expand(v, lever_id) for v in template]
    return template


def _read_package_yaml(name: str) -> dict[str, Any]:
    text = resources.files("eco_eval").joinpath("_data", name).read_text(encoding="utf-8")
    data = read_yaml(text)
    if not isinstance(data, dict):
        raise ConfigError(f"eco_eval/_data/{name} must hold a mapping")
    return data


def load_instruments(
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    levers: Iterable[str] | None = None,
) -> dict[str, Instrument]:
    """Read the declared instruments, add one climate scale per lever, apply project overrides.

    Parameters
    ----------
    extra : mapping or None
        Project additions, ``{instrument_id: definition}`` (a mapping with the single key
        ``"instruments"`` is unwrapped, so the project configuration section can be passed as is).
        For an existing id the given keys replace the declared ones (e.g.
        ``{"clim_audace": {"reverse": ["clim_audace_2"]}}``); a new id needs a full definition.
    levers : iterable of str or None
        Lever ids for which a climate scale ``clim_<lever_id>`` is generated from the
        ``templates.climate`` entry. None: the 12 levers of the package's ``ecosystem.yaml``.
        Pass the project's lever ids when its ecosystem differs.

    Returns
    -------
    dict[str, Instrument]
        Frozen instrument definitions by id, in declaration order.

    Raises
    ------
    ConfigError
        A definition is incomplete or inconsistent; the message names the instrument and key.
    """
    data = _read_package_yaml("instruments.yaml")
    specs: dict[str, dict[str, Any]] = {k: dict(v) for k, v in data.get("instruments", {}).items()}
    origin = dict.fromkeys(specs, "eco_eval/_data/instruments.yaml")
    if levers is None:
        levers = [lever.id for lever in load_ecosystem().levers]
    template = data.get("templates", {}).get("climate")
    for lever_id in levers:
        if template is None:
            raise ConfigError("eco_eval/_data/instruments.yaml: templates.climate is missing")
        spec = _expand(template, str(lever_id))
        iid = spec.pop("id")
        spec["lever"] = str(lever_id)
        specs[iid] = spec
        origin[iid] = "eco_eval/_data/instruments.yaml (templates.climate)"
    if extra:
        if set(extra) == {"instruments"}:
            extra = extra["instruments"]
        for iid, override in extra.items():
            if not isinstance(override, Mapping):
                raise ConfigError(f"project instruments.{iid}: definition must be a mapping")
            specs[iid] = {**specs.get(iid, {}), **override}
            origin[iid] = f"project configuration (instruments.{iid})"
    return {iid: _instrument_from(iid, spec, origin[iid]) for iid, spec in specs.items()}
