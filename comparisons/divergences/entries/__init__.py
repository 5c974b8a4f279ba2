"""One module per divergence entry, named after it; the catalog's order is catalog.ORDER.

Modules whose names start with an underscore are not entries: they hold an experiment
that several entries measure (_adam: Keras Adam against TF1's; _keras_fit: a small Keras
model trained by fit).
"""
