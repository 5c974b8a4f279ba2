"""Auto MPG: where each style's best checkpoint keeps W1..b3 (keys listed from the files).

Not in the checkpoint matrix (comparisons/checkpoints/matrix.py, NOT_IN_THE_MATRIX): its
checkpoint is the best epoch's, written during training and read back by `compare`."""

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS, TF1_SAVER, TF_CHECKPOINT, OBJECT_VALUE, Layout

_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
# A Keras 3 .weights.h5 names a model's layers by class and position, whatever their names.
_KERAS = {f"{kind}{n}": f"layers/{layer}/vars/{var}" for n, layer in zip("123", ("dense", "dense_1", "dense_2"))
          for kind, var in (("W", 0), ("b", 1))}
# The subclassed model keeps its layers under its attribute names; the file lists the output
# layer (self.output_layer) under layers/dense_2, as read from a saved file.
_SUBCLASSED = {**{f"{kind}{n}": f"dense{n}/vars/{var}" for n in "12" for kind, var in (("W", 0), ("b", 1))},
               "W3": "layers/dense_2/vars/0", "b3": "layers/dense_2/vars/1"}

LAYOUTS = {
    "tf1_session": Layout(TF1_SAVER, "best.ckpt", {name: name for name in _NAMES}, trainable=_NAMES),
    "eager_tape": Layout(TF_CHECKPOINT, "best", {name: name + OBJECT_VALUE for name in _NAMES},
                         trainable=tuple(name + OBJECT_VALUE for name in _NAMES)),
    "keras_sequential": Layout(KERAS_WEIGHTS, "best.weights.h5", _KERAS, trainable=tuple(_KERAS[n] for n in _NAMES)),
    "keras_subclassed": Layout(KERAS_WEIGHTS, "best.weights.h5", _SUBCLASSED,
                               trainable=tuple(_SUBCLASSED[n] for n in _NAMES)),
}
LAYOUTS["tf_function"] = LAYOUTS["eager_tape"]
LAYOUTS["keras_functional"] = LAYOUTS["keras_sequential"]
