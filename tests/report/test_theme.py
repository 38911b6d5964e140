"""The theme file: Okabe–Ito palette, roles resolved, page and CSS variables."""

from __future__ import annotations

import pytest

from eco_eval.errors import ConfigError
from eco_eval.report.theme import load_theme, parse_theme

# Okabe & Ito (2008), "Color Universal Design (CUD)", https://jfly.uni-koeln.de/color/
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


def test_palette_is_okabe_ito_and_series_use_it() -> None:
    theme = load_theme()
    assert set(theme.palette.values()) == OKABE_ITO
    assert set(theme.series) <= OKABE_ITO
    assert "#F0E442" not in theme.series  # yellow is too pale for lines on white
    assert theme.color("accent") in OKABE_ITO and theme.color("overlay") in OKABE_ITO


def test_series_styles_change_dash_after_the_colours() -> None:
    theme = load_theme()
    n = len(theme.series)
    styles = {theme.series_style(i) for i in range(n * len(theme.dashes))}
    assert len(styles) == n * len(theme.dashes)
    assert theme.series_style(0)[1] == "solid" and theme.series_style(n)[1] != "solid"


def test_css_variables_and_page() -> None:
    theme = load_theme()
    css = theme.css_variables()
    assert css["accent"] == theme.color("accent")
    assert css["content-width"] == "180mm"
    assert theme.page["size"] == "A4"


def test_incomplete_theme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="incomplete theme"):
        parse_theme({"palette": {}})
    with pytest.raises(ConfigError, match="no colour role"):
        load_theme().color("nope")
