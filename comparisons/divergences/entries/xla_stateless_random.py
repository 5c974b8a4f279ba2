"""xla_stateless_random: under XLA, the stateless ops draw other numbers for the same seed.

`tf.nn.experimental.stateless_dropout(x, rate, seed=[s, t])` is a pure function of the
seed in eager code, a `tf.function` and a TF1 session: they all run TensorFlow's kernel.
XLA (`jit_compile=True`, and Keras 3's `compile` on a GPU by default, see
keras_jit_compile) compiles its own random number generator instead, and for a seed known
only at run time (a step counter, Keras's seed generator state) it draws other numbers:
another mask in about a third of the entries, with the default algorithm or with
`rng_alg="philox"` named. So a model with Dropout trains on other masks, not just other
roundings, once XLA compiles it. (A seed that is a constant is folded while compiling, by
the kernel, and with `rng_alg="philox"` agrees: the probe's details.) Without XLA the masks
agree everywhere.
"""

import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured

RATE, SEED, STEPS = 0.2, 1, 4
SHAPE = (128, 128)


def masks_by_mode() -> dict:
    """(STEPS, *SHAPE) masks of stateless_dropout(seed=[SEED, step]), step a run-time tensor, in each mode."""
    import keras
    import tensorflow as tf

    x = tf.ones(SHAPE)

    def dropout(step, **options):
        return tf.nn.experimental.stateless_dropout(x, RATE, seed=tf.stack([tf.constant(SEED, tf.int64), step]),
                                                    **options)

    steps = [tf.constant(step, tf.int64) for step in range(STEPS)]
    compiled = {"eager": dropout, "tf.function": tf.function(dropout),
                "XLA": tf.function(dropout, jit_compile=True),
                "XLA, rng_alg='philox'": tf.function(lambda step: dropout(step, rng_alg="philox"), jit_compile=True)}
    found = {mode: np.stack([function(step).numpy() != 0 for step in steps]) for mode, function in compiled.items()}
    layer = keras.layers.Dropout(RATE, seed=SEED)  # its seed state is a variable: a run-time seed
    keras_step = tf.function(lambda: layer(x, training=True), jit_compile=True)
    found["Keras Dropout, XLA"] = np.stack([keras_step().numpy() != 0 for _ in steps])
    constant = tf.function(lambda: tf.nn.experimental.stateless_dropout(x, RATE, seed=[SEED, 0], rng_alg="philox"),
                           jit_compile=True)
    found["XLA, constant seed, philox"] = (constant().numpy() != 0)[None]
    return found


def probe_xla_random() -> Measured:
    found = masks_by_mode()
    eager = found["eager"]
    unlike = {mode: float(np.mean(masks != eager[:len(masks)])) for mode, masks in found.items() if mode != "eager"}
    return Measured(default=unlike["XLA"], aligned=unlike["tf.function"],
                    details="fraction of mask entries unlike eager's: "
                            + ", ".join(f"{mode} {value:.3f}" for mode, value in unlike.items()))


# A program that draws masks runs without XLA.
def runs_without_xla(path: Path, source: str) -> list[str]:
    if re.search(r"\bjit_compile=True\b", source):
        return [f"{path}: random masks under jit_compile=True: XLA draws other masks than TensorFlow's kernel"]
    return []


ENTRY = Divergence(
    name="xla_stateless_random",
    lesson=__doc__,
    quantity="fraction of mask entries unlike eager's, stateless_dropout(rate=0.2, seed=[1, step]), "
             "4 steps: tf.function(jit_compile=True) vs eager",
    setting="no XLA (or masks as data)",
    aligned_by="no `jit_compile=True` where masks are drawn (Keras: `jit_compile=False`); where XLA must run, "
               "the kernel's masks passed in as data",
    recorded=Measured(default=0.3196106, aligned=0.0,
                      details="fraction of mask entries unlike eager's: tf.function 0.000, XLA 0.320, XLA, "
                              "rng_alg='philox' 0.320, Keras Dropout, XLA 0.320, XLA, constant seed, philox 0.000"),
    default_at_least=0.2, aligned_at_most=0.0,
    why="XLA's masks are independent draws, unlike in 2 x 0.2 x 0.8 = 32% of entries; without XLA every "
        "mode runs the same kernel",
    probe=probe_xla_random,
    applies_to=r"\bstateless_dropout\(|\bDropout\(",
    alignment_problems=runs_without_xla,
    not_measured="XLA on a GPU (none here): measured with XLA's CPU compiler",
)
