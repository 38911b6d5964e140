"""Privacy at the output boundary: small-cell suppression, open-data rules, free-text hygiene.

- :mod:`eco_eval.privacy.suppression`: :func:`suppress_small_cells` (primary, complementary,
  differencing and earlier-release suppression of the tidy indicator frame) and
  :func:`check_differencing` (the report's final gate);
- :mod:`eco_eval.privacy.open_data`: the stricter open-data rule (:func:`prepare_open_data`) and
  spreadsheet-formula neutralisation;
- :mod:`eco_eval.privacy.text`: identity masking, comment cleaning, comment themes, HTML escaping
  (every rendering of free text goes through :func:`escape_html`).
"""

from eco_eval.privacy.open_data import neutralise_formula, neutralise_formulas, prepare_open_data
from eco_eval.privacy.suppression import (
    SuppressionResult,
    check_differencing,
    suppress_small_cells,
    thresholds_for_kinds,
)
from eco_eval.privacy.text import (
    clean_comment,
    comment_themes,
    escape_html,
    mask_identities,
    theme_quotes,
)

__all__ = [
    "SuppressionResult",
    "check_differencing",
    "clean_comment",
    "comment_themes",
    "escape_html",
    "mask_identities",
    "neutralise_formula",
    "neutralise_formulas",
    "prepare_open_data",
    "suppress_small_cells",
    "theme_quotes",
    "thresholds_for_kinds",
]
