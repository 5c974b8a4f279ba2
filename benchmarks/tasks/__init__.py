"""One small module per task: the task's model, loss and optimizers, written once for the benchmarks.

The implementations wrap their whole training loop in train(), so a single step cannot be
timed from them. Each module here restates the task's model and loss compactly, with the
data, initial weights and hyperparameters taken from the task's spec, and every benchmark
checks that the losses it timed are the oracle's losses. A module provides:

- ``batches(spec)``: the (x, y) NumPy batches of the first training steps, in the spec's
  order; step i trains on ``batches[i % len(batches)]``, so a full-batch task returns one;
- ``model(weights, x)``: the forward pass in TensorFlow ops, ``weights`` a dict keyed like
  ``spec.initial_weights`` (tf.Variables in TF2, TF1 variables in a graph);
- ``loss(y, prediction)``: the training loss, the same ops as the implementations;
- ``optimizer(spec)`` (Keras, for the TF2 variants) and ``tf1_optimizer(spec)``;
- ``keras_model(spec, steps_per_execution=1)``: the implementations' Keras model, compiled
  as they compile it;
- optionally ``STEPS``: steps in a timed round (default: the spec's steps), a multiple of
  ``len(batches(spec))``; ``spec_for_steps(spec, steps)``: the spec of a run that short,
  for the NumPy oracle's own train() (default: ``dataclasses.replace(spec, steps=steps)``);
  ``KERAS_STEPS_PER_EPOCH``: the implementations' fit(steps_per_epoch=..., and as many
  steps_per_execution; default 1); and ``XLA_TOLERANCE`` (default in benchmarks/variants.py);
- for a model that trains differently from how it predicts (mnist_mlp): ``train_model(spec,
  weights, x, step, jit_compile=False)``, the forward pass of training step ``step`` (a
  tensor), used instead of ``model`` (it may assign non-trainable weights, and in a TF1
  graph puts those assignments in ``UPDATE_OPS``, which the TF1 variant runs with its train
  op); and ``NON_TRAINABLE``, the names of weights the optimizer must not see.
"""

import importlib
from types import ModuleType

from tf_rosetta.implementations import registry


def load(task: str) -> ModuleType:
    registry.check_task(task)
    try:
        return importlib.import_module(f"benchmarks.tasks.{task}")
    except ModuleNotFoundError as error:
        if error.name != f"benchmarks.tasks.{task}":
            raise
        raise LookupError(f"task {task!r} has no benchmarks/tasks/{task}.py: add one "
                          f"(benchmarks/tasks/linear_regression.py is the model)") from None
