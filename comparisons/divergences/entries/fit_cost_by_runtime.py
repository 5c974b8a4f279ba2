"""fit_cost_by_runtime: Keras 3's fit on NumPy arrays costs many times Keras 2's per epoch.

The same `fit(x, y, epochs=N)` of one full batch an epoch gives bitwise the same losses and
weights in Keras 2 (`tf_keras`), Keras 3 on TensorFlow and Keras 3 on JAX, at very
different costs. Keras 3 sets up its data handling for NumPy input again at every epoch
(fit_numpy_input), where Keras 2's costs a few milliseconds; on JAX each step also runs
op by op unless compiled with XLA (jit_compile_by_backend). A repeated `tf.data.Dataset`
with `steps_per_epoch` makes Keras 3 on TensorFlow as cheap as Keras 2. A cost, not a
difference in numbers: the tests assert the numbers are equal and time nothing. Each
runtime runs in a child process of its own.
"""

import os
import time

import numpy as np

from ..programs import contains
from ..record import Divergence, Measured, max_difference
from . import _runtimes
from ._keras_fit import FIT_X, FIT_Y, small_model

RUNTIMES = ("tensorflow", "tf_keras", "jax")


def fit_costs(epochs: int) -> dict:
    """This process's Keras: {source: {"numbers": losses and weights, "ms_per_epoch": after a first epoch}}
    for fit on NumPy arrays and on a repeated tf.data.Dataset, one full batch an epoch."""
    import tensorflow as tf

    found = {}
    for source in ("numpy", "dataset"):
        model = small_model()
        if source == "numpy":
            def fit(count):
                return model.fit(FIT_X, FIT_Y, batch_size=len(FIT_X), epochs=count, shuffle=False, verbose=0)
        else:
            dataset = tf.data.Dataset.from_tensor_slices((FIT_X, FIT_Y)).batch(len(FIT_X)).repeat()

            def fit(count):
                return model.fit(dataset, epochs=count, steps_per_epoch=1, verbose=0)
        first = fit(1)  # traces the step: not part of the cost per epoch
        start = time.perf_counter()
        rest = fit(epochs - 1)
        seconds = time.perf_counter() - start
        losses = np.array(first.history["loss"] + rest.history["loss"], np.float32)
        found[source] = {"numbers": _runtimes.floats([losses, *model.get_weights()]),
                         "ms_per_epoch": 1000 * seconds / (epochs - 1)}
    return found


def costs_by_runtime(epochs: int) -> dict:
    """fit_costs in each runtime, one child process after another (side by side they would slow each other)."""
    return {runtime: _runtimes.in_runtime(runtime, __name__, "fit_costs", epochs) for runtime in RUNTIMES}


def probe_fit_cost_by_runtime(epochs: int = 100) -> Measured:
    found = costs_by_runtime(epochs)
    reference = found["tensorflow"]["dataset"]["numbers"]
    numbers = max(max_difference(found[name][source]["numbers"], reference)
                  for name in RUNTIMES for source in ("numpy", "dataset"))
    cost = {(name, source): found[name][source]["ms_per_epoch"] for name in RUNTIMES for source in ("numpy", "dataset")}
    return Measured(default=cost["tensorflow", "numpy"], aligned=cost["tensorflow", "dataset"],
                    details=f"Keras 2 on NumPy {cost['tf_keras', 'numpy']:.3g} ms, on tf.data "
                            f"{cost['tf_keras', 'dataset']:.3g} ms; Keras 3 on JAX (no XLA) on NumPy "
                            f"{cost['jax', 'numpy']:.3g} ms, on tf.data {cost['jax', 'dataset']:.3g} ms; losses and "
                            f"weights of all six differ by {numbers:g}; {epochs} epochs each, load average "
                            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def platform_problem() -> str:
    return _runtimes.missing("tf_keras", "jax")


ENTRY = Divergence(
    name="fit_cost_by_runtime",
    title="fit on NumPy arrays: the same numbers in Keras 2 and 3, many times the cost in Keras 3",
    differs="`fit(x, y, epochs=N)` with one full batch an epoch gives bitwise the same losses and weights in "
            "Keras 2, Keras 3 on TensorFlow and Keras 3 on JAX; Keras 3 sets up its NumPy input again every "
            "epoch where Keras 2 costs a few milliseconds. A repeated `tf.data.Dataset` makes Keras 3 cheap.",
    quantity="time of fit per epoch, one full-batch step an epoch, Keras 3 on TensorFlow: NumPy input vs "
             "repeated tf.data (Keras 2 and JAX in the details)",
    unit=" ms",
    setting="a repeated `tf.data.Dataset`",
    aligned_by="feed `fit` a repeated `tf.data.Dataset` with `steps_per_epoch=1` (as fit_numpy_input)",
    recorded=Measured(default=47.0, aligned=2.34,
                      details="Keras 2 on NumPy 3.81 ms, on tf.data 1.61 ms; Keras 3 on JAX (no XLA) on NumPy "
                              "7.55 ms, on tf.data 7.97 ms; losses and weights of all six differ by 0; 100 epochs "
                              "each, load average 2.9 on 2 cores (not a benchmark)"),
    default_at_least=0.0, aligned_at_most=float("inf"),
    why="a cost, not a difference in numbers: tests assert the numbers are equal across runtimes and time "
        "nothing (timings belong to benchmarks/)",
    probe=probe_fit_cost_by_runtime,
    applies_to=r"\.fit\(",
    alignment_problems=contains(r"tf\.data\.Dataset", "calls fit without a tf.data.Dataset"),
    platform_problem=platform_problem,
)
