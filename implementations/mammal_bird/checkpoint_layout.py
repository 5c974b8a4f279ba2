"""Mammal or bird: where each style's checkpoint keeps W1, b1, W2 and b2 (keys listed from the files)."""

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS, TF1_SAVER, Layout, attribute_layout

# The checkpoint runs: STEPS steps in all, stopped and saved after RESUME_AT of them.
STEPS, RESUME_AT = 40, 20

_NAMES = ("W1", "b1", "W2", "b2")  # also the optimizer's variable order in every style
_KERAS = {"W1": "layers/dense/vars/0", "b1": "layers/dense/vars/1",
          "W2": "layers/dense_1/vars/0", "b2": "layers/dense_1/vars/1"}
# A subclassed model keeps its layers under its attribute names (self.layer_1, self.layer_2).
_SUBCLASSED = {"W1": "layer_1/vars/0", "b1": "layer_1/vars/1", "W2": "layer_2/vars/0", "b2": "layer_2/vars/1"}

LAYOUTS = {
    "tf1_session": Layout(TF1_SAVER, "model.ckpt", {name: name for name in _NAMES}, trainable=_NAMES),
    "eager_tape": attribute_layout(_NAMES),
    "keras_sequential": Layout(KERAS_WEIGHTS, "model.weights.h5", _KERAS,
                               trainable=tuple(_KERAS[name] for name in _NAMES)),
    "keras_subclassed": Layout(KERAS_WEIGHTS, "model.weights.h5", _SUBCLASSED,
                               trainable=tuple(_SUBCLASSED[name] for name in _NAMES)),
}
LAYOUTS["tf_function"] = LAYOUTS["eager_tape"]
LAYOUTS["keras_functional"] = LAYOUTS["keras_sequential"]
