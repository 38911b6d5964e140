"""The person-level covariates of the impact models (:mod:`eco_eval.wellbeing.impact`), adjusted for
when the barometer gives them; the bilan's methods text names the ones a model could not use."""

COVARIATES = ("category", "department")
