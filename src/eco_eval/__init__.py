"""eco_eval."""
