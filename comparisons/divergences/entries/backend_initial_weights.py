"""backend_initial_weights: the same seed gives the same weights in Keras 2 and 3, not on JAX.

After `keras.utils.set_random_seed(1)`, Keras 2 (`tf_keras`) and Keras 3 on TensorFlow
draw bitwise the same Glorot-uniform and He-normal kernels: both derive a stateless
TensorFlow draw from the seed the same way. Keras 3 on JAX draws from `jax.random` with
its own key, so the same program with the same seed starts from other weights and trains
to other numbers. Values passed in (`set_weights` of the spec's NumPy arrays) are stored
unchanged by every runtime. Each runtime runs in a child process of its own.
"""

import numpy as np

from ..record import Divergence, Measured, max_difference
from . import _runtimes
from .default_initializers import INITIALIZER_SEED, weights_from_the_spec

RUNTIMES = ("tensorflow", "tf_keras", "jax")
LAYERS = {"glorot_uniform": ((2, 3), "glorot_uniform"),  # Dense's default
          "he_normal": ((784, 10), "he_normal")}


def seeded_and_explicit_weights() -> dict:
    """This process's Keras: {initializer: kernel} drawn after set_random_seed, and "explicit":
    a kernel and bias given with set_weights and read back."""
    import keras

    found = {}
    for name, ((inputs, units), initializer) in LAYERS.items():
        keras.utils.set_random_seed(INITIALIZER_SEED)
        dense = keras.layers.Dense(units, kernel_initializer=initializer)
        dense.build((None, inputs))
        found[name] = _runtimes.floats(np.asarray(dense.kernel))
    kernel = (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / np.float32(3)
    dense = keras.layers.Dense(3)
    dense.build((None, 2))
    dense.set_weights([kernel, np.array([0.1, -0.2, 0.3], np.float32)])
    found["explicit"] = _runtimes.floats([np.asarray(weight) for weight in dense.get_weights()])
    return found


def probe_backend_initial_weights() -> Measured:
    found = _runtimes.in_runtimes(RUNTIMES, __name__, "seeded_and_explicit_weights")
    tensorflow, keras2, jax = (found[name] for name in RUNTIMES)
    seeded = [name for name in LAYERS]
    return Measured(default=max(max_difference(jax[name], tensorflow[name]) for name in seeded),
                    aligned=max(max_difference(found[a]["explicit"], found[b]["explicit"])
                                for a in RUNTIMES for b in RUNTIMES),
                    details="Keras 2 vs Keras 3 on TensorFlow, same seed: "
                            + ", ".join(f"{name} {max_difference(keras2[name], tensorflow[name]):g}" for name in seeded)
                            + "; Keras 3 on JAX vs on TensorFlow: "
                            + ", ".join(f"{name} {max_difference(jax[name], tensorflow[name]):.3g}" for name in seeded))


def platform_problem() -> str:
    return _runtimes.missing("tf_keras", "jax")


ENTRY = Divergence(
    name="backend_initial_weights",
    lesson=__doc__,
    quantity="max |Δkernel| after set_random_seed(1), Dense glorot_uniform (2, 3) and he_normal (784, 10): "
             "Keras 3 on JAX vs on TensorFlow",
    setting="explicit NumPy initial weights",
    aligned_by="`model.set_weights(...)` of the spec's NumPy arrays once the model is built, in every "
               "Keras program (as default_initializers)",
    recorded=Measured(default=1.891261100769043, aligned=0.0,
                      details="Keras 2 vs Keras 3 on TensorFlow, same seed: glorot_uniform 0, he_normal 0; "
                              "Keras 3 on JAX vs on TensorFlow: glorot_uniform 1.89, he_normal 0.225"),
    default_at_least=1e-3, aligned_at_most=0.0,
    why="a float32 value passed in is stored unchanged by every runtime",
    probe=probe_backend_initial_weights,
    applies_to=r"\bkeras\.layers\.Dense\(",
    alignment_problems=weights_from_the_spec,
    platform_problem=platform_problem,
)
