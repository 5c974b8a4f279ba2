"""keras_training_flag: a Keras model called in a custom loop without `training=True` trains in inference mode.

`fit` calls the model with `training=True`. A custom `GradientTape` loop that writes
`model(x)` gets Keras 3's default, `training=False`, and nothing says so: Dropout passes
every unit through, and BatchNormalization normalises with its moving statistics (0 and 1
at the start) instead of the batch's, and never updates them. The model still trains, as
another network: the losses differ from the first step, and the moving mean and variance
stay at their initial values, so the evaluation that later uses them is wrong too. Writing
`model(x, training=True)` in the loop gives fit's numbers, bitwise. (A subclassed model's
`call(x, training=None)` passes the flag on to its layers.)
"""

import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, OutsideFix, max_difference
from ._mlp import batch, data, keras_model, outcome

STEPS = 8


def custom_loop(training) -> tuple:
    """STEPS SGD steps of _mlp's model in a GradientTape loop calling model(x, training=training).

    The step is a tf.function, as fit's is: an eager step rounds BatchNorm's arithmetic
    otherwise (see batchnorm_gradient_sum_order), and this entry is about the flag alone.
    """
    import tensorflow as tf

    x, labels, _ = data()
    model = keras_model()

    @tf.function
    def train_step(x_batch, y_batch):
        with tf.GradientTape() as tape:
            logits = model(x_batch) if training is None else model(x_batch, training=training)
            loss = model.loss(y_batch, logits)
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    losses = [float(train_step(*batch(x, labels, step))) for step in range(STEPS)]
    return outcome(losses, model), model


def fitted() -> tuple:
    """The same STEPS steps by fit, over the batches in the same order."""
    import tensorflow as tf

    x, labels, _ = data()
    model = keras_model()
    dataset = tf.data.Dataset.from_tensor_slices((x, labels)).batch(len(x) // 4).repeat()
    # shuffle=False: fit never shuffles a Dataset, but warns unless told so.
    history = model.fit(dataset, epochs=STEPS, steps_per_epoch=1, shuffle=False, verbose=0)
    return outcome(history.history["loss"], model), model


def moving_statistics(model) -> tuple:
    batch_norm = model.layers[1]
    return batch_norm.moving_mean.numpy(), batch_norm.moving_variance.numpy()


def probe_training_flag() -> Measured:
    by_fit, fit_model = fitted()
    unflagged, unflagged_model = custom_loop(None)
    flagged, _ = custom_loop(True)
    mean, variance = moving_statistics(unflagged_model)
    fit_mean, _ = moving_statistics(fit_model)
    return Measured(
        default=max_difference(unflagged, by_fit), aligned=max_difference(flagged, by_fit),
        details=f"first loss: model(x) {unflagged[0]:.4f}, fit {by_fit[0]:.4f}; after {STEPS} steps the "
                f"moving mean: model(x) max |m| {np.abs(mean).max():g} (variance still {np.unique(variance)}), "
                f"fit max |m| {np.abs(fit_mean).max():.3g}")


# A file that calls a model with Dropout or BatchNormalization in its own loop passes the flag;
# a subclassed model's call() takes it and passes it on.
def passes_the_training_flag(path: Path, source: str) -> list[str]:
    found = []
    if re.search(r"\bGradientTape\(", source) and not re.search(r"\btraining=(?:True|training\b)", source):
        found.append(f"{path}: a custom training loop that never passes training=True: Dropout and "
                     "BatchNormalization would run in inference mode")
    for signature in re.findall(r"\bdef call\(([^)]*)\)", source):
        if "training" not in signature:
            found.append(f"{path}: call({signature}) takes no training flag")
    return found


ENTRY = Divergence(
    name="keras_training_flag",
    lesson=__doc__,
    quantity="max |Δ| of losses and weights (moving statistics included), Dense-BatchNorm-ReLU-Dropout-Dense, "
             "8 SGD steps: custom loop with model(x) vs fit",
    setting="`model(x, training=True)`",
    aligned_by="`model(x, training=True)` in every custom training step (`training=False` to evaluate); "
               "`call(self, x, training=None)` passing it on in a subclassed model",
    recorded=Measured(default=1.3576803, aligned=0.0,
                      details="first loss: model(x) 2.6614, fit 1.3038; after 8 steps the moving mean: model(x) "
                              "max |m| 0 (variance still [1.]), fit max |m| 0.184"),
    default_at_least=0.1, aligned_at_most=0.0,
    why="with the flag, the loop runs the same ops as fit's step with the same dropout seeds: bitwise equal",
    probe=probe_training_flag,
    applies_to=r"\b(?:Dropout|BatchNormalization)\(",
    alignment_problems=passes_the_training_flag,
    evidence="forward",
    # Every call of a Keras model with training=True: what fit does. (A script that also calls its
    # model to evaluate gets training=True there too; diff compares the training updates only.)
    outside_fix=OutsideFix("argument", "training", True, target="keras.Model.__call__",
                           says="`model(x, training=True)`"),
)
