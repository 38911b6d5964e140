"""Organisational results tied to programme exposure, department by department.

Pure functions over the store's tables (:class:`eco_eval.indicators.core.Tables`)::

    from eco_eval import results
    panel = results.exposure_panel(tables, until="2017-Q4")
    relations = results.exposure_relations(panel)  # slopes, intervals, n departments, design

The per-period indicators of the same sources (ideas funnel, absence, turnover, citizen
satisfaction) are in :mod:`eco_eval.indicators.results`.
"""

from __future__ import annotations

import lazy_loader

# Names resolve on first use, as in :mod:`eco_eval.stats`: the bilan reads
# :mod:`eco_eval.results.panel` without loading statsmodels for the slopes.
# The names and their submodules are declared once, in __init__.pyi.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
