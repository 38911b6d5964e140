"""The indicator catalogue (``_data/indicators.yaml``) as frozen objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from eco_eval.data_yaml import read_yaml
from eco_eval.errors import ConfigError, did_you_mean

REAIM = ("reach", "effectiveness", "adoption", "implementation", "maintenance")
PRIVACY = ("people", "answers", "activity")
DISPLAY_KEYS = ("percent", "digits")
NUMERATORS = ("count", "share")


@dataclass(frozen=True)
class Display:
    """How a figure is written: a proportion as a percentage (``percent``), ``digits`` decimals."""

    percent: bool = False
    digits: int = 1


@dataclass(frozen=True)
class Indicator:
    id: str
    fr: str
    en: str
    definition_fr: str
    definition_en: str
    formula: str
    unit: str
    sources: tuple[str, ...]
    reaim: str
    direction: str
    privacy: str
    caveats_fr: str = ""
    caveats_en: str = ""
    kirkpatrick: int | None = None
    #: None: the catalogue's ``display_default``
    display: Display | None = None
    #: the suppression family (indicators on the same people hidden together); None: by privacy
    family: str | None = None
    #: what ``value`` counts of people, protected like ``n`` (``count`` or ``share``); None: nothing
    numerator: str | None = None

    def name(self, lang: str = "fr") -> str:
        return self.fr if lang == "fr" else self.en

    def definition(self, lang: str = "fr") -> str:
        return self.definition_fr if lang == "fr" else self.definition_en

    def caveats(self, lang: str = "fr") -> str:
        return self.caveats_fr if lang == "fr" else self.caveats_en


@dataclass(frozen=True)
class Catalogue:
    indicators: tuple[Indicator, ...]
    parameters: dict[str, Any]
    #: how an indicator without ``display`` (or not in the catalogue) is written
    display_default: Display = field(default_factory=Display)
    #: the key figures of the bilan's summary and of the publication index, in order
    key_figures: tuple[str, ...] = ()

    def __getitem__(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise ConfigError(
            f"unknown indicator {indicator_id!r}{did_you_mean(indicator_id, self.ids)}"
        )

    def __contains__(self, indicator_id: object) -> bool:
        return any(ind.id == indicator_id for ind in self.indicators)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(ind.id for ind in self.indicators)

    def display(self, indicator_id: str) -> Display:
        """How ``indicator_id`` is written; the default for an id without one or not listed (the
        well-being and climate scores of the bilan)."""
        for ind in self.indicators:
            if ind.id == indicator_id and ind.display is not None:
                return ind.display
        return self.display_default

    def is_percent(self, indicator_id: str) -> bool:
        """True when the figure is a proportion written as a percentage."""
        return self.display(indicator_id).percent

    def digits(self, indicator_id: str) -> int:
        """Decimals the figure is written with."""
        return self.display(indicator_id).digits

    def to_frame(self, lang: str = "fr") -> pd.DataFrame:
        """One row per indicator: what the methods appendix and the exports show."""
        return pd.DataFrame(
            [
                {
                    "id": i.id,
                    "name": i.name(lang),
                    "definition": i.definition(lang),
                    "formula": i.formula,
                    "unit": i.unit,
                    "reaim": i.reaim,
                    "kirkpatrick": i.kirkpatrick,
                    "direction": i.direction,
                    "privacy": i.privacy,
                    "caveats": i.caveats(lang),
                }
                for i in self.indicators
            ]
        )


def _display(raw: Any, where: str) -> Display:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: display must be a mapping, e.g. {{percent: true, digits: 1}}")
    for key in raw:
        if key not in DISPLAY_KEYS:
            raise ConfigError(
                f"{where}: unknown display key {key!r}{did_you_mean(str(key), DISPLAY_KEYS)}"
            )
    digits = raw.get("digits", 1)
    if not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 6:
        raise ConfigError(f"{where}: display digits must be an integer from 0 to 6, not {digits!r}")
    return Display(percent=bool(raw.get("percent", False)), digits=digits)


def parse_catalogue(doc: dict[str, Any]) -> Catalogue:
    items = []
    for raw in doc.get("indicators", []):
        try:
            ind = Indicator(
                id=str(raw["id"]),
                fr=str(raw["fr"]),
                en=str(raw["en"]),
                definition_fr=str(raw["definition_fr"]),
                definition_en=str(raw["definition_en"]),
                formula=str(raw["formula"]),
                unit=str(raw["unit"]),
                sources=tuple(raw.get("sources", ())),
                reaim=str(raw["reaim"]),
                direction=str(raw["direction"]),
                privacy=str(raw["privacy"]),
                caveats_fr=str(raw.get("caveats_fr") or ""),
                caveats_en=str(raw.get("caveats_en") or ""),
                kirkpatrick=raw.get("kirkpatrick"),
                display=(
                    None
                    if raw.get("display") is None
                    else _display(raw["display"], f"indicator {raw['id']}")
                ),
                family=None if raw.get("family") is None else str(raw["family"]),
                numerator=None if raw.get("numerator") is None else str(raw["numerator"]),
            )
        except KeyError as exc:
            raise ConfigError(
                f"indicator catalogue: entry {raw.get('id', '?')!r} lacks {exc}"
            ) from exc
        if ind.reaim not in REAIM:
            raise ConfigError(f"indicator {ind.id}: reaim {ind.reaim!r} not one of {REAIM}")
        if ind.numerator not in (None, *NUMERATORS):
            raise ConfigError(
                f"indicator {ind.id}: numerator {ind.numerator!r} not one of {NUMERATORS}"
            )
        if ind.privacy not in PRIVACY:
            raise ConfigError(f"indicator {ind.id}: privacy {ind.privacy!r} not one of {PRIVACY}")
        items.append(ind)
    ids = [i.id for i in items]
    if len(ids) != len(set(ids)):
        raise ConfigError("indicator catalogue: duplicate ids")
    key_figures = tuple(str(i) for i in doc.get("key_figures") or ())
    for ind_id in key_figures:
        if ind_id not in ids:
            raise ConfigError(
                f"indicator catalogue: key figure {ind_id!r} is not an indicator"
                f"{did_you_mean(ind_id, ids)}"
            )
    default = doc.get("display_default")
    return Catalogue(
        indicators=tuple(items),
        parameters=dict(doc.get("parameters", {})),
        display_default=Display() if default is None else _display(default, "display_default"),
        key_figures=key_figures,
    )


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    text = resources.files("eco_eval").joinpath("_data/indicators.yaml").read_text(encoding="utf-8")
    return parse_catalogue(read_yaml(text))
