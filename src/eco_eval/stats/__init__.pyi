# The names of eco_eval.stats: read by type checkers, and by lazy_loader.attach_stub in
# __init__.py to load each submodule on first use.

from ._checks import (
    StatsInputError as StatsInputError,
)
from .design import (
    stepped_wedge_calendar as stepped_wedge_calendar,
    stepped_wedge_power as stepped_wedge_power,
)
from .drivers import (
    key_drivers as key_drivers,
)
from .effects import (
    benjamini_hochberg as benjamini_hochberg,
    hedges_g as hedges_g,
    minimum_detectable_effect as minimum_detectable_effect,
)
from .impact import (
    IMPACT_COLUMNS as IMPACT_COLUMNS,
    cross_sectional_estimate as cross_sectional_estimate,
    did_estimate as did_estimate,
    impact_by_lever as impact_by_lever,
    wave_change as wave_change,
)
from .intervals import (
    bootstrap_mean_ci as bootstrap_mean_ci,
    mean_ci as mean_ci,
    nps as nps,
    t_half_widths as t_half_widths,
    top_box_share as top_box_share,
    wilson_ci as wilson_ci,
)
from .omega import (
    mcdonald_omega as mcdonald_omega,
)
from .panel_did import (
    twfe_estimate as twfe_estimate,
)
from .reliability import (
    cronbach_alpha as cronbach_alpha,
    item_statistics as item_statistics,
    reliability_table as reliability_table,
)
from .scales import (
    score as score,
    score_all as score_all,
)
from .weights import (
    rake as rake,
    weighted_mean_ci as weighted_mean_ci,
    weighted_moments as weighted_moments,
    weighted_share_ci as weighted_share_ci,
)
