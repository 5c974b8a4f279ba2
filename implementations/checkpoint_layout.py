"""Where each style's checkpoint keeps each canonical weight: the name mapping a migration writes out.

A task's `checkpoint_layout.py` gives, for each style, the file its program's `save(model, folder)`
writes and the key of every canonical weight in it, as the migration guide maps TF1 names
to TF2 variables by hand. The optimizer's keys follow from the format (see SLOT_RULES in
comparisons/checkpoints/formats.py), so a layout lists only the model's.
"""

from dataclasses import dataclass
from typing import Mapping

# The three checkpoint formats the styles write.
TF1_SAVER = "tf1_saver"  # tf.compat.v1.train.Saver: name-based keys, the variables' graph names
TF_CHECKPOINT = "tf_checkpoint"  # tf.train.Checkpoint: object-based keys, attribute paths
KERAS_WEIGHTS = "keras_weights"  # Keras 3 model.save_weights: an HDF5 file of layer and optimizer variables
FORMATS = (TF1_SAVER, TF_CHECKPOINT, KERAS_WEIGHTS)
# tf.train.Checkpoint's key of a variable's value is its object path and this suffix.
OBJECT_VALUE = "/.ATTRIBUTES/VARIABLE_VALUE"


@dataclass(frozen=True)
class Key:
    """A canonical weight's place in a checkpoint: a whole tensor, or one element of it."""

    name: str
    index: tuple[int, ...] | None = None

    def __str__(self):
        return self.name if self.index is None else f"{self.name}{list(self.index)}"


@dataclass(frozen=True)
class Layout:
    """One style's checkpoint: its format, its file (in the folder given to save) and its keys."""

    format: str
    file: str
    # canonical weight -> its key; a str is a whole tensor
    weights: Mapping[str, Key | str]
    # the trainable tensors' keys in the order the optimizer holds their slots (its variables'
    # order); the other keys (BatchNorm's moving statistics) have no slots
    trainable: tuple[str, ...]

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"unknown checkpoint format {self.format!r}; accepted: {', '.join(FORMATS)}")
        keys = {self.key(name).name for name in self.weights}
        if not set(self.trainable) <= keys:
            raise ValueError(f"trainable keys {sorted(set(self.trainable) - keys)} hold no canonical weight")

    def key(self, canonical: str) -> Key:
        key = self.weights[canonical]
        return Key(key) if isinstance(key, str) else key


def attribute_layout(names, trainable=None) -> Layout:
    """The eager and tf.function programs' checkpoint, tf.train.Checkpoint(W=W, ..., optimizer=...):
    each variable under its canonical name; trainable: the optimizer's order (default: names)."""
    return Layout(TF_CHECKPOINT, "ckpt", {name: name + OBJECT_VALUE for name in names},
                  trainable=tuple(name + OBJECT_VALUE for name in (names if trainable is None else trainable)))
