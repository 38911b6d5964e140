"""The indicator catalogue (``_data/indicators.yaml``) as frozen objects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from eco_eval.errors import ConfigError, did_you_mean

REAIM = ("reach", "effectiveness", "adoption", "implementation", "maintenance")
PRIVACY = ("people", "answers", "activity")


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
            )
        except KeyError as exc:
            raise ConfigError(
                f"indicator catalogue: entry {raw.get('id', '?')!r} lacks {exc}"
            ) from exc
        if ind.reaim not in REAIM:
            raise ConfigError(f"indicator {ind.id}: reaim {ind.reaim!r} not one of {REAIM}")
        if ind.privacy not in PRIVACY:
            raise ConfigError(f"indicator {ind.id}: privacy {ind.privacy!r} not one of {PRIVACY}")
        items.append(ind)
    ids = [i.id for i in items]
    if len(ids) != len(set(ids)):
        raise ConfigError("indicator catalogue: duplicate ids")
    return Catalogue(indicators=tuple(items), parameters=dict(doc.get("parameters", {})))


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    text = resources.files("eco_eval").joinpath("_data/indicators.yaml").read_text(encoding="utf-8")
    return parse_catalogue(yaml.safe_load(text))
