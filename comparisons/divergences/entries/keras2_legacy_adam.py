"""keras2_legacy_adam: Keras 2's legacy Adam forms 1 - beta in float32, Keras 3 in float64.

Up to TensorFlow 2.10, `tf.keras.optimizers.Adam` was what `tf_keras` now calls
`keras.optimizers.legacy.Adam`: one fused kernel (`ResourceApplyAdam`) that takes the
betas as float32 tensors and forms `1 - beta` in float32. Keras 3's Adam, and Keras 2's
own Adam since 2.11, form `1 - beta` in Python (float64) and cast it, as
adam_one_minus_beta describes for TF1. Epsilon enters all three at the same place: added
to sqrt(v), the bias corrections folded into the step size (`lr * sqrt(1 - beta_2^t) /
(1 - beta_1^t)`), not to the bias-corrected sqrt(v_hat) of the paper's algorithm. So once
the betas are rounded to float32 the three are bitwise equal. Keras 2 runs in a child
process of the `tf_keras` runtime, where `import keras` is Keras 2.
"""

import numpy as np

from ..record import Divergence, Measured, max_difference
from . import _child, _runtimes
from ._adam import ADAM_LEARNING_RATE, ADAM_STEPS, FLOAT32_BETAS, adam_problem
from .adam_one_minus_beta import betas_are_float32


def adam_weights(optimizer: str, float32_betas: bool) -> list:
    """Weights after ADAM_STEPS of this process's Keras Adam ("current": keras.optimizers.Adam;
    "legacy": Keras 2's keras.optimizers.legacy.Adam), from zeros, on _adam's problem (gradients ~1e-6)."""
    import keras
    import tensorflow as tf

    x, y = adam_problem(1e-6)
    W, b = tf.Variable(np.zeros((3, 1), np.float32)), tf.Variable(np.zeros(1, np.float32))
    adam = keras.optimizers.legacy.Adam if optimizer == "legacy" else keras.optimizers.Adam
    optimizer = adam(ADAM_LEARNING_RATE, **(FLOAT32_BETAS if float32_betas else {}))  # epsilon: the default 1e-7
    for _ in range(ADAM_STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [W, b]), [W, b]))
    return _runtimes.floats([W.numpy(), b.numpy()])


def _keras2_and_3() -> dict:
    """{(Keras, optimizer, float32 betas): weights}: Keras 3 here, Keras 2 in a tf_keras process."""
    found = {}
    for float32_betas in (False, True):
        keras2 = {optimizer: _child.start(__name__, "adam_weights", optimizer, float32_betas, runtime="tf_keras")
                  for optimizer in ("legacy", "current")}
        found["keras3", "current", float32_betas] = adam_weights("current", float32_betas)
        for optimizer, process in keras2.items():
            found["keras2", optimizer, float32_betas] = _child.result(process, f"Keras 2 {optimizer} Adam")
    return found


def probe_keras2_legacy_adam() -> Measured:
    found = _keras2_and_3()
    keras3 = found["keras3", "current", False]
    return Measured(default=max_difference(found["keras2", "legacy", False], keras3),
                    aligned=max_difference(found["keras2", "legacy", True], found["keras3", "current", True]),
                    details=f"Keras 2's current Adam vs Keras 3: {max_difference(found['keras2', 'current', False], keras3):g} "
                            f"with the defaults; 1 - beta_2: legacy {float(np.float32(1) - np.float32(0.999)):.8g}, "
                            f"Keras 3 {float(np.float32(1 - 0.999)):.8g}")


def platform_problem() -> str:
    return _runtimes.missing("tf_keras")


ENTRY = Divergence(
    name="keras2_legacy_adam",
    lesson=__doc__,
    quantity="max |Δweight|, Keras 2 legacy Adam vs Keras 3 Adam, default settings, 200 steps",
    setting="betas rounded to float32",
    aligned_by="pass the betas rounded to float32 (`beta_1=float(np.float32(0.9))`, "
               "`beta_2=float(np.float32(0.999))`; the specs carry them)",
    recorded=Measured(default=4.4107437e-06, aligned=0.0,
                      details="Keras 2's current Adam vs Keras 3: 0 with the defaults; 1 - beta_2: legacy "
                              "0.00099998713, Keras 3 0.001"),
    default_at_least=1e-6, aligned_at_most=0.0,
    why="with float32 betas both compute the same float32 constants and the same update: bitwise equal",
    probe=probe_keras2_legacy_adam,
    applies_to=r"\bAdam\(",
    alignment_problems=betas_are_float32,
    not_measured="Keras 2's legacy optimizers on a GPU",
    platform_problem=platform_problem,
)
