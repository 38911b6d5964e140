# The names of eco_eval.results: read by type checkers, and by lazy_loader.attach_stub in
# __init__.py to load each submodule on first use.

from .exposure import (
    EXPOSURES as EXPOSURES,
    OUTCOMES as OUTCOMES,
    RELATION_COLUMNS as RELATION_COLUMNS,
    department_exposure as department_exposure,
    department_outcomes as department_outcomes,
    exposure_analysis as exposure_analysis,
    exposure_panel as exposure_panel,
    exposure_relations as exposure_relations,
)
from .panel import (
    PANEL_COLUMNS as PANEL_COLUMNS,
    department_means as department_means,
)
