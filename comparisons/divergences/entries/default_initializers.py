"""default_initializers: TF1, tf.keras and Keras 3 draw different initial weights.

For the same shape and seed, TF1's `get_variable` (Glorot uniform from the graph seed)
and Keras's `Dense` (Glorot uniform from `keras.utils.set_random_seed`) draw different
kernels, and TF1 draws a bias too where Keras starts it at zero. (Since TensorFlow 2.16
`tf.keras` is Keras 3 itself, so those two agree.) Initial values given as NumPy arrays
are stored unchanged by every API.
"""

import random
import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference

INITIALIZER_SEED = 1
KERNEL_SHAPE = (2, 3)


def default_initial_weights() -> dict:
    """A (2, 3) kernel and a (3,) bias from each API's default initialiser, seed 1."""
    import keras
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(INITIALIZER_SEED)
        W = v1.get_variable("W", shape=KERNEL_SHAPE)  # default: glorot_uniform_initializer
        b = v1.get_variable("b", shape=KERNEL_SHAPE[1:])  # a bias too: TF1 has no zero default
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            tf1_kernel, tf1_bias = session.run([W, b])
    found = {"tf1_get_variable": (tf1_kernel, tf1_bias)}
    # set_random_seed seeds Python's and NumPy's global generators too: put them back after.
    python_state, numpy_state = random.getstate(), np.random.get_state()
    for name, layers in [("tf_keras", tf.keras.layers), ("keras", keras.layers)]:
        keras.utils.set_random_seed(INITIALIZER_SEED)
        dense = layers.Dense(KERNEL_SHAPE[1])
        dense.build((None, KERNEL_SHAPE[0]))
        found[name] = (dense.kernel.numpy(), dense.bias.numpy())
    random.setstate(python_state)
    np.random.set_state(numpy_state)
    return found


def explicit_initial_weights() -> dict:
    """The same kernel and bias given as NumPy values to each API, as the programs do."""
    import keras
    import tensorflow as tf

    v1 = tf.compat.v1
    kernel = (np.arange(6, dtype=np.float32).reshape(KERNEL_SHAPE) - 2.5) / np.float32(3)
    bias = np.array([0.1, -0.2, 0.3], np.float32)
    graph = tf.Graph()
    with graph.as_default():
        W, b = v1.get_variable("W", initializer=kernel), v1.get_variable("b", initializer=bias)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            found = {"tf1_get_variable": tuple(session.run([W, b]))}
    found["tf_variable"] = (tf.Variable(kernel).numpy(), tf.Variable(bias).numpy())
    dense = keras.layers.Dense(KERNEL_SHAPE[1])
    dense.build((None, KERNEL_SHAPE[0]))
    dense.set_weights([kernel, bias])  # Keras: build, then set the weights
    found["keras"] = (dense.kernel.numpy(), dense.bias.numpy())
    found["numpy"] = (kernel, bias)
    return found


def largest_pairwise_difference(weights: dict) -> float:
    values = [np.concatenate([kernel.ravel(), bias.ravel()]) for kernel, bias in weights.values()]
    return max(max_difference(a, b) for a in values for b in values)


def probe_initializers() -> Measured:
    defaults = default_initial_weights()
    tf1_kernel, tf1_bias = defaults["tf1_get_variable"]
    keras_kernel, keras_bias = defaults["keras"]
    return Measured(default=max_difference(tf1_kernel, keras_kernel),
                    aligned=largest_pairwise_difference(explicit_initial_weights()),
                    details=f"kernel TF1 vs Keras 3 {max_difference(tf1_kernel, keras_kernel):.3g} "
                            f"(Glorot limit {np.sqrt(6 / sum(KERNEL_SHAPE)):.3g}); "
                            f"tf.keras vs Keras 3 {max_difference(defaults['tf_keras'][0], keras_kernel):.3g}; "
                            f"bias: TF1 max |b| {np.abs(tf1_bias).max():.3g}, Keras max |b| {np.abs(keras_bias).max():.3g}")


# A program's weights start from the spec: passed in where they are created (`initializer=`,
# `tf.Variable(...)`), or set once the model is built (`model.set_weights(...)`, `.assign(...)`).
FROM_THE_SPEC = r"\binitial_weights\b|\.(?:set_weights|assign)\((?:[^()]|\([^()]*\))*\bspec\b"


def weights_from_the_spec(path: Path, source: str) -> list[str]:
    return [] if re.search(FROM_THE_SPEC, source) else [f"{path}: creates weights without spec.initial_weights"]


ENTRY = Divergence(
    name="default_initializers",
    lesson=__doc__,
    quantity="max |Δkernel|, (2, 3) kernel, seed 1: TF1 get_variable vs Keras 3 Dense",
    setting="explicit NumPy initial weights",
    aligned_by="the spec's NumPy initial values (`spec.initial_weights`) in every style: `initializer=`, "
               "`tf.Variable(...)`, or `model.set_weights(...)` once the Keras model is built",
    recorded=Measured(default=1.7173781, aligned=0.0,
                      details="tf.keras vs Keras 3: 0; TF1 bias nonzero, Keras bias 0"),
    default_at_least=1e-3, aligned_at_most=0.0,
    why="a float32 value passed in is stored unchanged by every API",
    probe=probe_initializers,
    applies_to=r"\b(?:Variable|get_variable|Dense|add_weight)\(",
    alignment_problems=weights_from_the_spec,
)
