"""The small Keras model both fit entries train (y = 2x on four points, one Dense(1) unit), and their timing."""

import time

import numpy as np

FIT_X = np.array([[1], [2], [3], [4]], np.float32)
FIT_Y = 2 * FIT_X


def small_model():
    """Dense(1) from kernel 0.5 and bias 0, plain SGD on the mean squared error, no XLA."""
    import keras

    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[0.5]], np.float32), np.zeros(1, np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", jit_compile=False)
    return model


def fitter(source: str):
    """(a fresh small_model, fit(count) -> History) on NumPy arrays ("numpy") or a repeated
    tf.data.Dataset of one full batch ("dataset", steps_per_epoch=1)."""
    import tensorflow as tf

    model = small_model()
    if source == "numpy":
        def fit(count):
            return model.fit(FIT_X, FIT_Y, batch_size=len(FIT_X), epochs=count, shuffle=False, verbose=0)
    else:
        dataset = tf.data.Dataset.from_tensor_slices((FIT_X, FIT_Y)).batch(len(FIT_X)).repeat()

        def fit(count):
            return model.fit(dataset, epochs=count, steps_per_epoch=1, shuffle=False, verbose=0)
    return model, fit


def timed_fits(sources: dict, epochs: int, repeats: int) -> dict:
    """{label: {"ms_per_epoch", "losses", "weights"}} for a model per label fed by its source.

    A time is the fastest of `repeats` calls of fit(epochs), after one untimed epoch (the
    step's tracing). The calls take turns, one of each label in a round, so that a change of
    load on a shared machine reaches every label alike; the fastest call is the one other
    processes slowed least. The losses are every epoch's, untimed epoch included.
    """
    fits = {label: fitter(source) for label, source in sources.items()}
    losses = {label: list(fit(1).history["loss"]) for label, (_, fit) in fits.items()}
    seconds = {label: [] for label in sources}
    for _ in range(repeats):
        for label, (_, fit) in fits.items():
            start = time.perf_counter()
            history = fit(epochs)
            seconds[label].append(time.perf_counter() - start)
            losses[label] += history.history["loss"]
    return {label: {"ms_per_epoch": 1000 * min(seconds[label]) / epochs,
                    "losses": np.array(losses[label], np.float32), "weights": model.get_weights()}
            for label, (model, _) in fits.items()}
