"""Polynomial fit: where each style's checkpoint keeps a, b and c (keys listed from the files)."""

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS, TF1_SAVER, Key, Layout, attribute_layout

# The checkpoint runs: STEPS steps in all, stopped and saved after RESUME_AT of them.
STEPS, RESUME_AT = 40, 20

_KERAS = {"a": Key("layers/dense/vars/0", (0, 0)), "b": Key("layers/dense/vars/0", (1, 0)),
          "c": Key("layers/dense/vars/1", (0,))}

LAYOUTS = {
    "tf1_session": Layout(TF1_SAVER, "model.ckpt", {"a": "a", "b": "b", "c": "c"}, trainable=("a", "b", "c")),
    "eager_tape": attribute_layout(tuple("abc")),
    "keras_sequential": Layout(KERAS_WEIGHTS, "model.weights.h5", _KERAS,
                               trainable=("layers/dense/vars/0", "layers/dense/vars/1")),
}
LAYOUTS["tf_function"] = LAYOUTS["eager_tape"]
LAYOUTS["keras_functional"] = LAYOUTS["keras_sequential"]
# A subclassed model keeps its layers under its attribute names (self.dense).
LAYOUTS["keras_subclassed"] = Layout(KERAS_WEIGHTS, "model.weights.h5",
                                     {name: Key(key.name.removeprefix("layers/"), key.index) for name, key in _KERAS.items()},
                                     trainable=("dense/vars/0", "dense/vars/1"))
