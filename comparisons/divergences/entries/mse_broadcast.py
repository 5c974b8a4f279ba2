"""mse_broadcast: a raw squared error broadcasts (n,) targets against (n, 1) predictions.

`tf.reduce_mean(tf.square(y - p))` with y of shape (n,) and p of shape (n, 1), as a
Dense(1) model predicts, silently forms the (n, n) table of all differences; Keras's
`'mse'` squeezes the last axis first. No error, a different number.
"""

import dataclasses
from pathlib import Path

import numpy as np

from tf_rosetta.implementations import registry

from ..programs import program_task
from ..record import Divergence, Measured


def squared_errors(targets) -> tuple[float, float]:
    """(raw reduce_mean(square(targets - predictions)), Keras MeanSquaredError) for predictions (4, 1)."""
    import keras
    import tensorflow as tf

    predictions = np.array([[1.5], [2.5], [3.5], [4.5]], np.float32)  # (4, 1), like Dense(1)
    raw = float(tf.reduce_mean(tf.square(targets - predictions)))
    keras_mse = float(keras.losses.MeanSquaredError()(targets, predictions))
    return raw, keras_mse


def probe_mse_broadcast() -> Measured:
    targets = np.array([1, 2, 3, 4], np.float32)
    raw, keras_mse = squared_errors(targets)  # (4,) targets
    raw_2d, keras_2d = squared_errors(targets.reshape(4, 1))
    return Measured(default=abs(raw - keras_mse), aligned=max(abs(raw_2d - keras_2d), abs(raw_2d - keras_mse)),
                    details=f"targets (4,): raw {raw:g}, keras 'mse' {keras_mse:g}; "
                            f"targets (4, 1): raw {raw_2d:g}, keras 'mse' {keras_2d:g}")


def targets_shaped_like_inputs(path: Path, source: str) -> list[str]:
    """Targets of the same rank as the inputs: (n, k) for a Dense model, (n,) for an elementwise one."""
    task = program_task(path)
    if not task:
        return []
    spec = registry.load_spec(task)
    found = []
    for field in dataclasses.fields(spec):
        if field.name.startswith("y_"):
            inputs = getattr(spec, "x_" + field.name[2:], None)
            targets = getattr(spec, field.name)
            if np.issubdtype(np.asarray(targets).dtype, np.integer):
                continue  # class labels: a classifier's loss is a cross-entropy (a squared error here is a variance)
            if isinstance(inputs, np.ndarray) and np.ndim(targets) != np.ndim(inputs):
                found.append(f"{path}: spec {field.name} has shape {np.shape(targets)}, "
                             f"x_{field.name[2:]} {np.shape(inputs)}: a squared error would broadcast")
    return found


ENTRY = Divergence(
    name="mse_broadcast",
    lesson=__doc__,
    quantity="|Δloss|, raw reduce_mean(square(y - p)) vs Keras 'mse', y = [1, 2, 3, 4], p = y + 0.5",
    setting="targets shaped like predictions",
    aligned_by="targets shaped like the predictions ((n, 1) for Dense(1)): the specs hold them so",
    recorded=Measured(default=2.5, aligned=0.0,
                      details="targets (4,): raw 2.75, keras 'mse' 0.25; targets (4, 1): raw 0.25, "
                              "keras 'mse' 0.25"),
    default_at_least=2.5, aligned_at_most=0.0,
    why="with matching shapes both are the mean of four exact squares of 0.5",
    probe=probe_mse_broadcast,
    applies_to=r"reduce_mean\(tf\.square\(|np\.mean\(np\.square\(",
    alignment_problems=targets_shaped_like_inputs,
    evidence="forward",
)
