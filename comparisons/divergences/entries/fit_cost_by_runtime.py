"""fit_cost_by_runtime: Keras 3's fit on NumPy arrays costs many times Keras 2's per epoch.

The same `fit(x, y, epochs=N)` of one full batch an epoch gives bitwise the same losses and
weights in Keras 2 (`tf_keras`), Keras 3 on TensorFlow and Keras 3 on JAX, at very
different costs. Keras 3 sets up its data handling for NumPy input again at every epoch
(fit_numpy_input), where Keras 2's costs a few milliseconds; on JAX each step also runs
op by op unless compiled with XLA (jit_compile_by_backend). A repeated `tf.data.Dataset`
with `steps_per_epoch` makes Keras 3 on TensorFlow as cheap as Keras 2. A cost, not a
difference in numbers: the probe measures ratios of times per epoch (which hold across
machines where milliseconds do not), and a test asserts the numbers are equal. Each
runtime runs in a child process of its own.
"""

import os

from ..programs import contains
from ..record import Divergence, Measured, max_difference
from . import _runtimes
from ._keras_fit import timed_fits

RUNTIMES = ("tensorflow", "tf_keras", "jax")


# Timed: 5 rounds of 40 epochs of each fit, in each runtime (about 40 s here, most of it
# starting the three processes).
EPOCHS, REPEATS = 40, 5


def fit_costs(epochs: int, repeats: int = REPEATS) -> dict:
    """This process's Keras: {source: {"numbers": losses and weights, "ms_per_epoch"}} for fit on
    NumPy arrays and on a repeated tf.data.Dataset, one full batch an epoch (_keras_fit.timed_fits)."""
    timed = timed_fits({"numpy": "numpy", "dataset": "dataset"}, epochs, repeats)
    return {source: {"numbers": _runtimes.floats([found["losses"], *found["weights"]]),
                     "ms_per_epoch": found["ms_per_epoch"]} for source, found in timed.items()}


def costs_by_runtime(epochs: int, repeats: int = REPEATS) -> dict:
    """fit_costs in each runtime, one child process after another (side by side they would slow each other)."""
    return {runtime: _runtimes.in_runtime(runtime, __name__, "fit_costs", epochs, repeats) for runtime in RUNTIMES}


def probe_fit_cost_by_runtime() -> Measured:
    found = costs_by_runtime(EPOCHS)
    reference = found["tensorflow"]["dataset"]["numbers"]
    numbers = max(max_difference(found[name][source]["numbers"], reference)
                  for name in RUNTIMES for source in ("numpy", "dataset"))
    cost = {(name, source): found[name][source]["ms_per_epoch"] for name in RUNTIMES for source in ("numpy", "dataset")}
    return Measured(default=cost["tensorflow", "numpy"] / cost["tf_keras", "numpy"],
                    aligned=cost["tensorflow", "dataset"] / cost["tf_keras", "dataset"],
                    details=f"per epoch, the fastest of {REPEATS} x {EPOCHS} epochs: Keras 3 on TensorFlow on NumPy "
                            f"{cost['tensorflow', 'numpy']:.3g} ms, on tf.data {cost['tensorflow', 'dataset']:.3g} ms; "
                            f"Keras 2 on NumPy {cost['tf_keras', 'numpy']:.3g} ms, on tf.data "
                            f"{cost['tf_keras', 'dataset']:.3g} ms; Keras 3 on JAX (no XLA) on NumPy "
                            f"{cost['jax', 'numpy']:.3g} ms, on tf.data {cost['jax', 'dataset']:.3g} ms; losses and "
                            f"weights of all six differ by {numbers:g}; load average {os.getloadavg()[0]:.1f} on "
                            f"{os.cpu_count()} cores")


def platform_problem() -> str:
    return _runtimes.missing("tf_keras", "jax")


ENTRY = Divergence(
    name="fit_cost_by_runtime",
    lesson=__doc__,
    quantity="time of fit per epoch, one full-batch step an epoch: Keras 3 on TensorFlow over Keras 2, on "
             "NumPy input; aligned, both on repeated tf.data; JAX in the details",
    unit="x",
    setting="a repeated `tf.data.Dataset`",
    aligned_by="feed `fit` a repeated `tf.data.Dataset` with `steps_per_epoch=1` (as fit_numpy_input)",
    recorded=Measured(default=14.44, aligned=1.007,
                      details="per epoch, the fastest of 5 x 40 epochs: Keras 3 on TensorFlow on NumPy 46.3 ms, on "
                              "tf.data 1.6 ms; Keras 2 on NumPy 3.2 ms, on tf.data 1.59 ms; Keras 3 on JAX (no XLA) "
                              "on NumPy 12.2 ms, on tf.data 7.92 ms; losses and weights of all six differ by 0; "
                              "measured 2026-12-05 on this project's 2-core Intel Xeon at load average 7.0, shared "
                              "with other work (not a benchmark); one of four runs"),
    # Four runs of the probe on 2026-12-05 (2-core Intel Xeon, load average 6-9 from other
    # work): Keras 3 on NumPy input cost 10.9, 12.2, 14.4 and 15.8 times Keras 2's; on tf.data
    # 0.34-1.34 times (each runtime in its own process, one after another: the load moves
    # between them). The bounds sit well outside both.
    default_at_least=4.0, aligned_at_most=2.5,
    why="Keras 3 sets up NumPy input every epoch, Keras 2 does not: 11-16x Keras 2's time per epoch in four "
        "runs on a loaded 2-core machine, so at least 4x; on a repeated tf.data Keras 3 costs what Keras 2 "
        "does, at most 2.5x, 0.34-1.34x seen, each runtime timed in its own process under the load of its "
        "moment",
    probe=probe_fit_cost_by_runtime,
    applies_to=r"\.fit\(",
    # validation_split= needs arrays (fit refuses it with a Dataset): auto_mpg's programs pay the cost, as the course.
    alignment_problems=contains(r"tf\.data\.Dataset|validation_split=", "calls fit without a tf.data.Dataset"),
    platform_problem=platform_problem,
)
