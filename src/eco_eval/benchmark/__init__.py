"""The benchmark between cities from their open-data packages: reading and validating the
packages (:mod:`eco_eval.benchmark.packages`) and setting each city against the others
(:mod:`eco_eval.benchmark.compute`). Pure: packages in, frames out."""
