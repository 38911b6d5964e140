"""The indicator engine: per-lever, per-period RE-AIM indicators in one tidy frame.

The engine (:mod:`eco_eval.indicators.engine`) is pure: tables in, tidy frame out, before any
suppression; this package's namespace holds only the light names (the catalogue, the tables). Anonymity is
applied once, by the release (:mod:`eco_eval.release.disclosure`); analysts call
:func:`eco_eval.release.compute.compute` (``eco_eval.compute``) for anonymised figures.
"""

from __future__ import annotations

from eco_eval.indicators.catalogue import Catalogue, Indicator, load_catalogue
from eco_eval.indicators.core import COLUMNS, Tables

__all__ = ["COLUMNS", "Catalogue", "Indicator", "Tables", "load_catalogue"]
