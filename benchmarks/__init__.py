"""Benchmarks of tf-rosetta: how long one training step takes in each TensorFlow API.

Run with ``tf-rosetta bench`` (or ``python -m pytest benchmarks``); kept out of the default
``pytest`` run. Not installed: the command imports it from the source checkout
(comparisons/bench.py), for the report code as for the suite.
"""

# The two names that are not tasks (seed 002's experiment; the harness's own schedule) are
# declared with the command's arguments, which name them without importing this suite.
from tf_rosetta.comparisons.arguments import HARNESS_SCHEDULE, SEED_EXPERIMENT  # noqa: F401
