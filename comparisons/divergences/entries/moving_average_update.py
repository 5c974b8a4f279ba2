"""moving_average_update: TF1's moving-average tools are not Keras's BatchNorm update.

Keras 3's BatchNormalization starts the moving mean at 0 and the moving variance at 1 and
updates each as `moving * momentum + batch * (1 - momentum)`, with `1 - momentum` formed
in Python (float64) and cast. TF1 programs reached for other tools. The classic recipe,
`tf.train.ExponentialMovingAverage(0.99).apply([mean, variance])`, keeps a shadow of each
tensor that starts at 0, the variance's too, so the moving variance begins near 0 (a
hundredth of the first batch's) where Keras's is near 1, and takes hundreds of steps to
forget it. TF1's own layers updated by
subtraction, `moving -= (moving - batch) * (1 - momentum)` (`assign_moving_average`), and a
graph that holds the momentum as a float32 tensor forms `1 - momentum` in float32: both are
the same average, rounded another way (about 1e-6 after a few steps). A hand-written update
in Keras's form, with the momentum a Python number and the variance starting at 1, gives
Keras's numbers bitwise.
"""

import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference
from ._mlp import FEATURES, batch, data

STEPS, MOMENTUM = 8, 0.99


def tf1_moving_statistics(update: str) -> np.ndarray:
    """[moving_mean, moving_variance] after STEPS batches, updated the way `update` names."""
    import tensorflow as tf

    v1 = tf.compat.v1
    x, labels, _ = data()
    graph = tf.Graph()
    with graph.as_default():
        inputs = v1.placeholder(tf.float32, (None, FEATURES))
        mean, variance = tf.nn.moments(inputs, axes=[0])
        if update == "ExponentialMovingAverage":
            average = v1.train.ExponentialMovingAverage(decay=MOMENTUM)
            step = average.apply([mean, variance])
            statistics = [average.average(mean), average.average(variance)]
        else:
            statistics = [v1.get_variable("moving_mean", initializer=np.zeros(FEATURES, np.float32), trainable=False),
                          v1.get_variable("moving_variance", initializer=np.ones(FEATURES, np.float32),
                                          trainable=False)]
            momentum = tf.constant(MOMENTUM) if update == "float32 momentum" else MOMENTUM
            updates = []
            for moving, value in zip(statistics, [mean, variance]):
                if update == "subtraction":  # as assign_moving_average
                    updates.append(v1.assign_sub(moving, (moving - value) * (1 - momentum)))
                else:  # Keras's form ("keras form", or with a float32 momentum)
                    updates.append(v1.assign(moving, moving * momentum + value * (1 - momentum)))
            step = tf.group(*updates)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            for index in range(STEPS):
                session.run(step, {inputs: batch(x, labels, index)[0]})
            return np.concatenate(session.run(statistics))


def keras_moving_statistics() -> np.ndarray:
    import keras

    x, labels, _ = data()
    layer = keras.layers.BatchNormalization(momentum=MOMENTUM)
    for index in range(STEPS):
        layer(batch(x, labels, index)[0], training=True)
    return np.concatenate([layer.moving_mean.numpy(), layer.moving_variance.numpy()])


def probe_moving_average() -> Measured:
    keras_statistics = keras_moving_statistics()
    unlike = {update: max_difference(tf1_moving_statistics(update), keras_statistics)
              for update in ("ExponentialMovingAverage", "subtraction", "float32 momentum", "keras form")}
    return Measured(default=unlike["ExponentialMovingAverage"], aligned=unlike["keras form"],
                    details=f"max |Δ| from Keras's moving statistics after {STEPS} steps: "
                            + ", ".join(f"{update} {value:.3g}" for update, value in unlike.items()))


# A hand-written BatchNorm updates its moving statistics in Keras's form, not with TF1's tools.
def updates_as_keras_does(path: Path, source: str) -> list[str]:
    found = []
    if re.search(r"\b(?:ExponentialMovingAverage|assign_moving_average)\b", source):
        found.append(f"{path}: TF1's moving-average tools start a tensor's average at 0 or subtract; "
                     "write Keras's moving * momentum + batch * (1 - momentum)")
    if re.search(r"\bassign_sub\([^\n]*moving", source):
        found.append(f"{path}: updates a moving statistic by subtraction, which rounds unlike Keras")
    return found


ENTRY = Divergence(
    name="moving_average_update",
    lesson=__doc__,
    quantity="max |Δ| of moving mean and variance, 8 batches: TF1 ExponentialMovingAverage(0.99) of "
             "tf.nn.moments vs Keras BatchNormalization",
    setting="Keras's update, by hand",
    aligned_by="the moving variance created at 1 and both statistics assigned "
               "`moving * momentum + batch * (1 - momentum)` with the momentum a Python number",
    recorded=Measured(default=0.92274532, aligned=0.0,
                      details="max |Δ| from Keras's moving statistics after 8 steps: ExponentialMovingAverage 0.923, "
                              "subtraction 4.77e-07, float32 momentum 5.96e-07, keras form 0"),
    default_at_least=0.5, aligned_at_most=0.0,
    why="the variance's shadow starts 1 lower and keeps 0.99^8 = 0.92 of that gap; Keras's form with the "
        "same constants is the same arithmetic",
    probe=probe_moving_average,
    applies_to=r"\bnn\.moments\(",
    alignment_problems=updates_as_keras_does,
)
