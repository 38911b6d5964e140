"""``eco-eval compare``: the benchmark page and CSV between cities (:mod:`eco_eval.compare.run`),
and fictional cities' packages to try it on (:mod:`eco_eval.compare.fictional`)."""
