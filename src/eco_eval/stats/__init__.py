"""Pure statistical functions: intervals, scale scoring, reliability, effects, impact, design, drivers.

Frames and arrays in, frames and frozen dataclasses out; no I/O, no plotting, no configuration
reads (the instrument definitions come from :func:`eco_eval.instruments.load_instruments`).
"""

from __future__ import annotations

import lazy_loader

# Names resolve on first use: importing one submodule (the indicators need only ``intervals``)
# does not load pingouin, matplotlib and statsmodels.api with the others.
# The names and their submodules are declared once, in __init__.pyi.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
