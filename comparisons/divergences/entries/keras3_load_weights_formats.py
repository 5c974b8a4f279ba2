"""keras3_load_weights_formats: Keras 3's load_weights reads Keras files only, not TensorFlow checkpoints.

Keras 2 (`tf_keras`) `model.save_weights("w.ckpt")` wrote a TensorFlow checkpoint and
`load_weights` read one back by object path (and tried a TF1 checkpoint by global names).
Keras 3 reads `.weights.h5`, `.keras`, legacy `.h5` and Orbax checkpoints only: given a
TensorFlow checkpoint prefix, `load_weights` raises ValueError ("File format not
supported"), and `save_weights` refuses any name not ending in `.weights.h5`. A TF1 or
`tf.train.Checkpoint` file reaches a Keras 3 model by key instead: `tf.train.load_checkpoint`,
then `set_weights` and the optimizer's variables assigned, bitwise.
"""

import re
import tempfile
from pathlib import Path

import numpy as np

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS

from ..record import Divergence, Measured
from ._checkpoints import KERAS_ADAM, LEARNING_RATE, layout_of, names_file, state_keys, tf1_run, tf1_state


def _model():
    """polynomial_fit's Keras model on its features [x^2, x]: Dense(1), kernel (a, b), bias c; Adam built."""
    import keras

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE, **KERAS_ADAM), loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


def _state(model) -> dict:
    """The model's training state by TF1 key: kernel (a, b), bias c; the optimizer's m and v alike."""
    kernel, bias = (variable.numpy() for variable in model.trainable_variables)
    optimizer = model.optimizer.variables  # iterations, learning_rate, m and v of the kernel, of the bias
    found = {"a": kernel[0, 0], "b": kernel[1, 0], "c": bias[0], "global_step": int(model.optimizer.iterations)}
    for slot, (kernel_slot, bias_slot) in (("Adam", (2, 4)), ("Adam_1", (3, 5))):
        kernel_value, bias_value = optimizer[kernel_slot].numpy(), optimizer[bias_slot].numpy()
        found.update({f"a/{slot}": kernel_value[0, 0], f"b/{slot}": kernel_value[1, 0], f"c/{slot}": bias_value[0]})
    return found


def _set_from_tf1(model, saved: dict) -> None:
    """The mapping written out: a and b into the kernel, c into the bias, their slots alike, the step."""
    def kernel_and_bias(key_of):
        return (np.array([[saved[key_of("a")]], [saved[key_of("b")]]]), np.array([saved[key_of("c")]]))

    model.set_weights(kernel_and_bias(lambda name: name))
    optimizer = model.optimizer.variables
    for slot, (kernel_slot, bias_slot) in (("Adam", (2, 4)), ("Adam_1", (3, 5))):
        kernel, bias = kernel_and_bias(lambda name: f"{name}/{slot}")
        optimizer[kernel_slot].assign(kernel)
        optimizer[bias_slot].assign(bias)
    model.optimizer.iterations.assign(int(saved["global_step"]))


def probe_load_weights_formats() -> Measured:
    with tempfile.TemporaryDirectory() as folder:
        _, prefix = tf1_run(folder)
        saved = tf1_state(prefix)
        model = _model()
        try:
            model.load_weights(prefix)
            raised = "no error"
        except ValueError as error:
            raised = f"ValueError: {str(error).split(':')[0]}"
        by_load_weights = [key for key in state_keys() if not np.array_equal(_state(model)[key], saved[key])]
        try:
            model.save_weights(f"{folder}/w.ckpt")
            refused = "no error"
        except ValueError as error:
            refused = f"ValueError: {str(error).split('. ')[0]}"
        model = _model()
        _set_from_tf1(model, saved)
        by_key = [key for key in state_keys() if not np.array_equal(_state(model)[key], saved[key])]
    total = len(state_keys())
    return Measured(default=len(by_load_weights) / total, aligned=len(by_key) / total,
                    details=f"load_weights(TF1 prefix): {raised}; save_weights('w.ckpt'): {refused}")


# A Keras program's own checkpoint is a .weights.h5 file (its layout's), the only one load_weights reads.
def loads_a_weights_h5(path: Path, source: str) -> list[str]:
    layout = layout_of(path)
    if layout is None:
        return [f"{path}: load_weights, but its task's checkpoint_layout.py has no layout of this style's"]
    if layout.format != KERAS_WEIGHTS or not layout.file.endswith(".weights.h5"):
        return [f"{path}: load_weights reads {layout.file!r} ({layout.format}): Keras 3 reads .weights.h5 only"]
    if not (names_file(source, layout.file) and re.search(r"\.save_weights\(", source)):
        return [f"{path}: load_weights, but the program does not save_weights its {layout.file!r}"]
    return []


ENTRY = Divergence(
    name="keras3_load_weights_formats",
    lesson=__doc__,
    quantity="share of a TF1 Adam checkpoint's training state (3 weights, m and v of each, the step) not restored "
             "bitwise into a Keras 3 Dense(1) and its Adam: load_weights(prefix) (raises) vs by key",
    setting="`tf.train.load_checkpoint` + `set_weights`",
    aligned_by="read a TensorFlow checkpoint by key (`tf.train.load_checkpoint`) and assign it (`set_weights`, the "
               "optimizer's variables); a Keras program resumes from its own `.weights.h5` "
               "(`tf-rosetta checkpoints` converts the others into it)",
    recorded=Measured(default=1.0, aligned=0.0,
                      details="load_weights(TF1 prefix): ValueError: File format not supported; "
                              "save_weights('w.ckpt'): ValueError: The filename must end in `.weights.h5`"),
    default_at_least=1.0, aligned_at_most=0.0,
    why="assigned by key, each value is the saved tensor itself: bitwise",
    probe=probe_load_weights_formats,
    applies_to=r"\.load_weights\(",
    alignment_problems=loads_a_weights_h5,
)
