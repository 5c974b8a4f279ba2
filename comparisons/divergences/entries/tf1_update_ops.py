"""tf1_update_ops: TF1's moving statistics move only if the train op depends on UPDATE_OPS.

A TF1 graph computes what is fetched and what that depends on, nothing else. BatchNorm's
moving-average assignments are not on the path from the loss to the train op, so TF1
collected them in `tf.GraphKeys.UPDATE_OPS` and each program had to run them: fetch them
with the train op, or build the train op under
`tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS))`. Forget that and
training runs as usual, the losses are right, and the moving mean and variance stay at 0
and 1 for ever: evaluation, which normalises with them, is wrong. Keras updates them inside
the layer's training call, and eager code runs every line, so TF2 code cannot forget.
"""

import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference
from ._mlp import BATCH, FEATURES, batch, data

STEPS, MOMENTUM, EPSILON = 8, 0.99, 1e-3


def tf1_moving_statistics(run_update_ops: bool) -> np.ndarray:
    """BatchNorm by hand on the inputs, gamma and beta trained by SGD; [moving_mean, moving_variance] after STEPS."""
    import tensorflow as tf

    v1 = tf.compat.v1
    x, labels, _ = data()
    graph = tf.Graph()
    with graph.as_default():
        inputs = v1.placeholder(tf.float32, (None, FEATURES))
        gamma = v1.get_variable("gamma", initializer=np.ones(FEATURES, np.float32))
        beta = v1.get_variable("beta", initializer=np.zeros(FEATURES, np.float32))
        moving_mean = v1.get_variable("moving_mean", initializer=np.zeros(FEATURES, np.float32), trainable=False)
        moving_variance = v1.get_variable("moving_variance", initializer=np.ones(FEATURES, np.float32),
                                          trainable=False)
        mean, variance = tf.nn.moments(inputs, axes=[0])
        for statistic, value in [(moving_mean, mean), (moving_variance, variance)]:
            v1.add_to_collection(v1.GraphKeys.UPDATE_OPS,
                                 v1.assign(statistic, statistic * MOMENTUM + value * (1 - MOMENTUM)))
        normalized = tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, EPSILON)
        loss = tf.reduce_mean(tf.square(normalized - 1))
        optimizer = v1.train.GradientDescentOptimizer(0.1)
        if run_update_ops:
            with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
                train = optimizer.minimize(loss)
        else:
            train = optimizer.minimize(loss)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            for step in range(STEPS):
                session.run(train, {inputs: batch(x, labels, step)[0]})
            return np.concatenate(session.run([moving_mean, moving_variance]))


def keras_moving_statistics() -> np.ndarray:
    """A Keras BatchNormalization layer called with training=True on the same batches."""
    import keras

    x, labels, _ = data()
    layer = keras.layers.BatchNormalization(momentum=MOMENTUM, epsilon=EPSILON)
    for step in range(STEPS):
        layer(batch(x, labels, step)[0], training=True)
    return np.concatenate([layer.moving_mean.numpy(), layer.moving_variance.numpy()])


def probe_update_ops() -> Measured:
    keras_statistics = keras_moving_statistics()
    forgotten, run = tf1_moving_statistics(False), tf1_moving_statistics(True)
    return Measured(default=max_difference(forgotten, keras_statistics), aligned=max_difference(run, keras_statistics),
                    details=f"after {STEPS} steps of batch {BATCH}, UPDATE_OPS not run: moving mean all "
                            f"{np.unique(forgotten[:FEATURES])}, variance all {np.unique(forgotten[FEATURES:])}; "
                            f"run: moving mean up to {np.abs(run[:FEATURES]).max():.3g}")


# A TF1 program with moving statistics runs their updates with its train op.
def runs_the_update_ops(path: Path, source: str) -> list[str]:
    if re.search(r"\bcontrol_dependencies\(|\bUPDATE_OPS\b", source):
        return []
    return [f"{path}: a TF1 graph with moving statistics whose train op neither depends on UPDATE_OPS "
            "nor runs the updates under control_dependencies: they would never move"]


ENTRY = Divergence(
    name="tf1_update_ops",
    lesson=__doc__,
    quantity="max |Δ| of moving mean and variance, BatchNorm on 20 features, 8 steps: TF1 train op without "
             "UPDATE_OPS vs a Keras BatchNormalization layer",
    setting="`control_dependencies(UPDATE_OPS)`",
    aligned_by="build the train op under `tf.control_dependencies(tf.compat.v1.get_collection("
               "tf.compat.v1.GraphKeys.UPDATE_OPS))` (or fetch the updates with it), the update written as "
               "Keras's `moving * momentum + batch * (1 - momentum)`",
    recorded=Measured(default=0.26456189, aligned=0.0,
                      details="after 8 steps of batch 32, UPDATE_OPS not run: moving mean all [0.], variance all "
                              "[1.]; run: moving mean up to 0.104"),
    default_at_least=0.1, aligned_at_most=0.0,
    why="with the updates run, TF1 assigns Keras's formula to the moments of the same batches: bitwise equal",
    probe=probe_update_ops,
    # TF1 programs that compute batch moments (eager code runs every line: it cannot forget).
    applies_to=r"(?s)\bnn\.moments\(.*\bSession\(|\bSession\(.*\bnn\.moments\(",
    alignment_problems=runs_the_update_ops,
)
