"""tf1_l2_loss_half: TF1's tf.nn.l2_loss is half the sum of squares; Keras's l2(factor) is factor times the sum.

The course's regularisation lesson adds `kernel_regularizer=l2(0.001)` to Dense layers:
Keras adds 0.001 * sum(W^2) to the loss. TF1 code wrote the penalty by hand, most often
`factor * tf.nn.l2_loss(W)`, which is factor * sum(W^2) / 2: the same `factor` penalises
half as much, and its gradient is factor * W, not 2 factor * W. A port keeps the strength
by doubling the factor (or writing `factor * tf.reduce_sum(tf.square(W))`). auto_mpg has no
regulariser (its README says why); the entry measures the two penalties on its start.
"""

import numpy as np

from ..programs import contains
from ..record import Divergence, Measured

FACTOR = 0.001


def penalties(factor_tf1: float) -> tuple[float, float]:
    import keras
    import tensorflow as tf

    from tf_rosetta.implementations.auto_mpg.spec import SPEC

    kernel = SPEC.initial_weights["W2"]
    keras_penalty = float(keras.regularizers.L2(FACTOR)(tf.constant(kernel)))
    tf1_penalty = float(factor_tf1 * tf.nn.l2_loss(tf.constant(kernel)))
    return keras_penalty, tf1_penalty


def probe_l2_loss() -> Measured:
    keras_default, tf1_default = penalties(FACTOR)
    keras_aligned, tf1_aligned = penalties(2 * FACTOR)
    return Measured(default=keras_default / tf1_default, aligned=abs(keras_aligned / tf1_aligned - 1),
                    details=f"auto_mpg's starting W2, factor {FACTOR}: Keras l2 {keras_default:.6g}, "
                            f"{FACTOR} * tf.nn.l2_loss {tf1_default:.6g}")


ENTRY = Divergence(
    name="tf1_l2_loss_half",
    lesson=__doc__,
    quantity="the Keras penalty over the TF1 one, same factor, auto_mpg's starting W2; aligned, |that ratio - 1| "
             "with twice the factor in TF1",
    unit="x",
    setting="twice the factor with `tf.nn.l2_loss`",
    aligned_by="multiply `tf.nn.l2_loss` by twice Keras's factor, or write `f * tf.reduce_sum(tf.square(W))`",
    recorded=Measured(default=2.0, aligned=0.0,
                      details="auto_mpg's starting W2, factor 0.001: Keras l2 0.0622022, 0.001 * tf.nn.l2_loss 0.0311011"),
    default_at_least=1.99, aligned_at_most=1e-6,
    why="the ratio is 2 by definition (sum / 2); float32 sums in two orders may leave a few ulps, 1e-6 allows them",
    probe=probe_l2_loss,
    applies_to=r"\bl2_loss\(",
    alignment_problems=contains(r"2 \* \w+ \* tf\.nn\.l2_loss|reduce_sum\(tf\.square", "halves the penalty"),
)
