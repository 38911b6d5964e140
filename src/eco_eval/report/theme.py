"""The report theme, read from ``_data/report/theme.yaml``: colours, fonts, figure sizes, page.

The theme is data (like gptables' themes): changing the palette or the page size is an edit of the
YAML file, not of the code. Figures (:mod:`eco_eval.report.figures`) and the page template
(:mod:`eco_eval.report.html`) both read it from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from eco_eval.data_yaml import read_yaml
from eco_eval.errors import ConfigError


def data_path(*parts: str) -> Path:
    """Path of a packaged data file under ``eco_eval/_data``."""
    return Path(str(resources.files("eco_eval").joinpath("_data", *parts)))


@dataclass(frozen=True)
class Theme:
    """The theme file, with colour names resolved to ``#RRGGBB``."""

    palette: Mapping[str, str]
    series: tuple[str, ...]
    dashes: tuple[str, ...]
    roles: Mapping[str, str]
    sequential: tuple[tuple[float, str], ...]
    suppressed_pattern: str
    ci_band_opacity: float
    font: Mapping[str, Any]
    figure: Mapping[str, Any]
    page: Mapping[str, str]

    def color(self, role: str) -> str:
        """Colour of a role (``accent``, ``suppressed``...) or of a palette name."""
        if role in self.roles:
            return self.roles[role]
        if role in self.palette:
            return self.palette[role]
        raise ConfigError(f"theme.yaml: no colour role or palette entry {role!r}")

    def series_style(self, index: int) -> tuple[str, str]:
        """(colour, dash) of the ``index``-th series: colours first, then dashes change."""
        colour = self.series[index % len(self.series)]
        dash = self.dashes[(index // len(self.series)) % len(self.dashes)]
        return colour, dash

    def css_variables(self) -> dict[str, str]:
        """CSS custom properties for the page template (``--accent`` and so on)."""
        out = {name.replace("_", "-"): value for name, value in self.roles.items()}
        out["font-family"] = str(self.font["family"])
        out["base-size"] = f"{self.font['base_size']}pt"
        out["table-size"] = f"{self.font['table_size']}pt"
        out["content-width"] = str(self.page["content_width"])
        return out


def _resolve(value: str, palette: Mapping[str, str]) -> str:
    return palette.get(value, value)


def parse_theme(doc: Mapping[str, Any], origin: str = "theme.yaml") -> Theme:
    """Build a :class:`Theme` from the parsed YAML document."""
    try:
        palette = {str(k): str(v) for k, v in doc["palette"].items()}
        roles = {str(k): _resolve(str(v), palette) for k, v in doc["roles"].items()}
        theme = Theme(
            palette=MappingProxyType(palette),
            series=tuple(_resolve(str(c), palette) for c in doc["series"]),
            dashes=tuple(str(d) for d in doc["dashes"]),
            roles=MappingProxyType(roles),
            sequential=tuple((float(s), _resolve(str(c), palette)) for s, c in doc["sequential"]),
            suppressed_pattern=str(doc.get("suppressed_pattern", "/")),
            ci_band_opacity=float(doc.get("ci_band_opacity", 0.18)),
            font=MappingProxyType(dict(doc["font"])),
            figure=MappingProxyType(dict(doc["figure"])),
            page=MappingProxyType({str(k): str(v) for k, v in doc["page"].items()}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{origin}: incomplete theme ({exc!r}); see the packaged theme.yaml"
        ) from exc
    for role in ("accent", "overlay", "suppressed", "text", "grid"):
        if role not in theme.roles:
            raise ConfigError(f"{origin}: roles.{role} is missing")
    if not theme.series:
        raise ConfigError(f"{origin}: 'series' lists no colour")
    return theme


@lru_cache(maxsize=1)
def load_theme() -> Theme:
    """The packaged theme (read once, on first use)."""
    path = data_path("report", "theme.yaml")
    return parse_theme(read_yaml(path.read_text(encoding="utf-8")), origin=str(path))
