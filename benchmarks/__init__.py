"""Benchmarks of tf-rosetta: how long one training step takes in each TensorFlow API.

Run with ``tf-rosetta bench`` (or ``python -m pytest benchmarks``); kept out of the default
``pytest`` run. A package so that the command can import the report code.
"""

# Not a task: seed 002's experiment, a Keras model called eagerly and under tf.function.
SEED_EXPERIMENT = "eager_vs_graph"
# Not a task either: the harness's own schedule, `compare` of every task against its ideal.
HARNESS_SCHEDULE = "harness_schedule"
