"""The adoption kit another city starts from (``eco-eval kit``): :func:`eco_eval.kit.write.write_kit`."""
