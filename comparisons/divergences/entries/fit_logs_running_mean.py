"""fit_logs_running_mean: Keras logs the mean of the epoch's losses so far, not the step's.

With several batches an epoch, `history.history['loss']` and the batch-end `logs['loss']`
are the running mean over the epoch's batches, while a TF1 or GradientTape loop records
each step's own loss. With one batch an epoch the mean of one loss is that loss:
`history.history['loss'][i]` is then the loss before update i.
"""

import re
from pathlib import Path

import numpy as np

from tf_rosetta.implementations import registry

from ..programs import program_task
from ..record import Divergence, Measured, max_difference
from ._keras_fit import FIT_X, FIT_Y, small_model


def fit_logs() -> dict:
    """The losses Keras logs, and the loss of each step, with two batches an epoch and with one."""
    import keras
    import tensorflow as tf

    class StepLosses(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batch_logs.append(logs["loss"])

    found = {}
    for batch_size in (2, 4):
        model, batch_logs = small_model(), []
        dataset = tf.data.Dataset.from_tensor_slices((FIT_X, FIT_Y)).batch(batch_size)
        history = model.fit(dataset, epochs=3, shuffle=False, verbose=0, callbacks=[StepLosses()])
        # Each step's own loss, before its update: the same SGD written out eagerly.
        W, b = tf.Variable([[0.5]]), tf.Variable([0.0])
        optimizer, step_losses = keras.optimizers.SGD(0.01), []
        for _ in range(3):
            for start in range(0, len(FIT_X), batch_size):
                x, y = FIT_X[start:start + batch_size], FIT_Y[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
                optimizer.apply_gradients(zip(tape.gradient(loss, [W, b]), [W, b]))
                step_losses.append(float(loss))
        found[batch_size] = {"history": np.array(history.history["loss"]), "batch_logs": np.array(batch_logs),
                             "step_losses": np.array(step_losses)}
    return found


def probe_fit_logs() -> Measured:
    found = fit_logs()
    two, one = found[2], found[4]
    return Measured(default=max_difference(two["history"], two["step_losses"][1::2]),
                    aligned=max_difference(one["history"], one["step_losses"]),
                    details=f"2 batches an epoch: history {np.round(two['history'], 4).tolist()}, "
                            f"step losses {np.round(two['step_losses'], 4).tolist()}")


def one_step_an_epoch_or_epoch_means(path: Path, source: str) -> list[str]:
    if re.search(r"steps_per_epoch=1\b", source):
        return []
    task = program_task(path)
    spec = registry.load_spec(task) if task else None
    if spec is not None and spec.loss_count != spec.steps:
        return []  # the task records a mean per epoch in every style (its spec's loss_record)
    return [f"{path}: calls fit without steps_per_epoch=1, and its task records step losses"]


ENTRY = Divergence(
    name="fit_logs_running_mean",
    lesson=__doc__,
    quantity="max |Δloss|, Keras history vs each epoch's last step loss, 2 batches an epoch",
    setting="`steps_per_epoch=1`, or epoch means everywhere",
    aligned_by="one batch an epoch (`steps_per_epoch=1`); or every style records each epoch's mean loss, as "
               "the history does (a spec whose `loss_count` is its epochs, like xor's)",
    recorded=Measured(default=9.655378341674805, aligned=0.0,
                      details="2 batches an epoch: history [15.2805, 7.1465, 3.351], step losses "
                              "[5.625, 24.936, 2.4305, 11.8626, 1.0118, 5.6903]"),
    default_at_least=1.0, aligned_at_most=0.0,
    why="one step an epoch: the mean of one loss is that loss",
    probe=probe_fit_logs,
    applies_to=r"\.fit\(",
    alignment_problems=one_step_an_epoch_or_epoch_means,
)
