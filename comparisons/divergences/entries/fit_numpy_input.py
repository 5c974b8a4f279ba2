"""fit_numpy_input: Keras fit on NumPy arrays gives the same numbers as on a Dataset, slower.

`fit(x, y)` on NumPy arrays rebuilds its data iterator at every epoch. The programs run
one full-batch step an epoch (so that the history holds the loss of every step), and then
that rebuilding dominates the run. A repeated `tf.data.Dataset` with `steps_per_epoch=1`
keeps one iterator. The losses and weights are bitwise equal: this entry is a cost, so
its test asserts the equality and counts the iterators instead of timing them.
"""

import os
import time

import numpy as np

from ..programs import contains
from ..record import Divergence, Measured, max_difference
from ._keras_fit import FIT_X, FIT_Y, small_model


def fit_numpy_versus_dataset(epochs: int) -> dict:
    """Keras fit, one full batch an epoch, from NumPy arrays and from a repeated tf.data.Dataset.

    Counts how often fit builds a fresh iterator over its data: the cost NumPy input pays
    every epoch.
    """
    import tensorflow as tf
    from keras.src.trainers import epoch_iterator

    found = {}
    real_enumerate = epoch_iterator.EpochIterator._enumerate_iterator
    for source in ("numpy", "dataset"):
        model, builds = small_model(), []

        def counting(self):
            # Wrap this iterator's own _get_iterator (TF backend: its tf.data pipeline) once.
            if "_get_iterator" not in vars(self):
                get_iterator = self._get_iterator
                self._get_iterator = lambda: builds.append(1) or get_iterator()
            return real_enumerate(self)

        epoch_iterator.EpochIterator._enumerate_iterator = counting
        try:
            start = time.perf_counter()
            if source == "numpy":
                history = model.fit(FIT_X, FIT_Y, batch_size=len(FIT_X), epochs=epochs, shuffle=False, verbose=0)
            else:
                dataset = tf.data.Dataset.from_tensor_slices((FIT_X, FIT_Y)).batch(len(FIT_X)).repeat()
                history = model.fit(dataset, epochs=epochs, steps_per_epoch=1, shuffle=False, verbose=0)
            seconds = time.perf_counter() - start
        finally:
            epoch_iterator.EpochIterator._enumerate_iterator = real_enumerate
        found[source] = {"losses": np.array(history.history["loss"], np.float32),
                         "weights": np.concatenate([w.ravel() for w in model.get_weights()]),
                         "iterators": len(builds), "seconds_per_epoch": seconds / epochs}
    return found


def probe_fit_numpy() -> Measured:
    found = fit_numpy_versus_dataset(epochs=200)
    numbers = max(max_difference(found["numpy"][key], found["dataset"][key]) for key in ("losses", "weights"))
    return Measured(default=1000 * found["numpy"]["seconds_per_epoch"],
                    aligned=1000 * found["dataset"]["seconds_per_epoch"],
                    details=f"losses and weights differ by {numbers:g}; iterators built over 200 epochs: "
                            f"NumPy {found['numpy']['iterators']}, tf.data {found['dataset']['iterators']}; "
                            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


ENTRY = Divergence(
    name="fit_numpy_input",
    title="Keras fit on NumPy arrays vs a tf.data.Dataset: same numbers, very different cost",
    differs="`fit(x, y)` on NumPy arrays rebuilds its data iterator at every epoch; with one step an epoch "
            "(to read the loss of every step) that dominates the run. A repeated `tf.data.Dataset` with "
            "`steps_per_epoch=1` keeps one iterator. The losses and weights are bitwise equal.",
    quantity="time of fit per epoch, one full-batch step an epoch: NumPy input vs repeated tf.data",
    unit=" ms",
    setting="a repeated `tf.data.Dataset`",
    aligned_by="feed `fit` a repeated `tf.data.Dataset` with `steps_per_epoch=1`",
    recorded=Measured(default=19.3, aligned=1.47,
                      details="measured 2026-11-25 at load average 0.5 on 2 cores (not a benchmark); "
                              "losses and weights differ by 0; iterators built over 200 epochs: NumPy 400, "
                              "tf.data 1"),
    default_at_least=0.0, aligned_at_most=float("inf"),
    why="a cost, not a difference in numbers: tests assert the numbers are equal and count the iterators "
        "(timings belong to benchmarks/)",
    probe=probe_fit_numpy,
    applies_to=r"\.fit\(",
    alignment_problems=contains(r"tf\.data\.Dataset", "calls fit without a tf.data.Dataset"),
)
