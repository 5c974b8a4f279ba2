"""dropout_masks_by_runtime: `Dropout(rate, seed=s)` drops other units in Keras 2 and on JAX.

Keras 3 on TensorFlow draws the t-th training mask with `stateless_dropout(seed=[s, t])`
(keras_dropout_seed_stream), and mnist_mlp's other styles and its oracle draw the same
masks. Keras 2 (`tf_keras`) seeds a stateful generator instead (`tf.nn.dropout` with an op
seed made from s), and Keras 3 on JAX draws from `jax.random` with a key made from s:
the same program, seed and rate drop other units, and the trainings part at the first
step. Keras 2 still runs TensorFlow's ops, so a program that calls
`tf.nn.experimental.stateless_dropout(seed=[s, t])` itself gets Keras 3's masks there; on
JAX nothing does, and mnist_mlp's Keras programs are not applicable under those runtimes
(implementations/runtimes.py). Each runtime runs in a child process of its own.
"""

import numpy as np

from ..record import Divergence, Measured
from . import _runtimes

RATE, SEED, CALLS = 0.2, 7, 5
SHAPE = (50, 40)


def layer_and_stateless_masks() -> dict:
    """This process's Keras: the kept units (1.0) of CALLS training calls of Dropout(RATE, seed=SEED), and
    of TensorFlow's stateless_dropout(seed=[SEED, t]) where the runtime runs TensorFlow ops."""
    import keras

    from tf_rosetta.implementations import runtimes

    ones = np.ones(SHAPE, np.float32)
    layer = keras.layers.Dropout(RATE, seed=SEED)
    found = {"layer": _runtimes.floats([np.asarray(layer(ones, training=True)) != 0 for _ in range(CALLS)])}
    if runtimes.current() != "jax":
        import tensorflow as tf

        found["stateless"] = _runtimes.floats([
            tf.nn.experimental.stateless_dropout(ones, RATE, seed=[SEED, step]).numpy() != 0 for step in range(CALLS)])
    return found


def share_differing(a, b) -> float:
    return float(np.mean(np.asarray(a) != np.asarray(b)))


def probe_dropout_masks_by_runtime() -> Measured:
    found = _runtimes.in_runtimes(("tensorflow", "tf_keras", "jax"), __name__, "layer_and_stateless_masks")
    keras3 = found["tensorflow"]["layer"]
    return Measured(default=share_differing(found["tf_keras"]["layer"], keras3),
                    aligned=share_differing(found["tf_keras"]["stateless"], keras3),
                    details=f"Keras 3 on JAX vs on TensorFlow: {share_differing(found['jax']['layer'], keras3):.3f} "
                            f"of the units; kept share: Keras 3 {np.mean(keras3):.3f}, Keras 2 "
                            f"{np.mean(found['tf_keras']['layer']):.3f}, JAX {np.mean(found['jax']['layer']):.3f}")


def platform_problem() -> str:
    return _runtimes.missing("tf_keras", "jax")


def not_applicable_where_masks_differ(path, source) -> list[str]:
    """A Keras program with a seeded Dropout is marked not applicable under tf_keras and jax."""
    from tf_rosetta.implementations import runtimes

    task = path.parent.name
    return [f"{path}: its seeded Dropout draws other masks under {runtime}, and runtimes.not_applicable "
            f"does not say so" for runtime in ("tf_keras", "jax")
            if path.stem.startswith("keras_") and not runtimes.not_applicable(runtime, path.stem, task)]


ENTRY = Divergence(
    name="dropout_masks_by_runtime",
    lesson=__doc__,
    quantity=f"share of units whose keep/drop differs, Dropout({RATE}, seed={SEED}), its first {CALLS} training "
             "calls: Keras 2 vs Keras 3 on TensorFlow",
    setting="`stateless_dropout(seed=[s, t])`; else not applicable",
    aligned_by="under Keras 2, `tf.nn.experimental.stateless_dropout(seed=[s, step])` called by the program; "
               "on JAX none (`runtimes.not_applicable`)",
    recorded=Measured(default=0.3179, aligned=0.0,
                      details="Keras 3 on JAX vs on TensorFlow: 0.325 of the units; kept share: Keras 3 0.798, "
                              "Keras 2 0.804, JAX 0.798"),
    default_at_least=0.1, aligned_at_most=0.0,
    why="both draw from TensorFlow's stateless generator with the same seed: the same masks",
    probe=probe_dropout_masks_by_runtime,
    applies_to=r"\bDropout\([^)]*\bseed=",
    alignment_problems=not_applicable_where_masks_differ,
    platform_problem=platform_problem,
)
