"""XOR: where each style's checkpoint keeps W1, b1, W2 and b2 (keys listed from the files)."""

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS, TF1_SAVER, Layout, attribute_layout

# The checkpoint runs: STEPS steps in all, stopped and saved after RESUME_AT of them. A step is
# one update on one example, as spec.steps counts them: four an epoch, so 10 epochs in all, saved
# after 5 (a run sets both: steps=STEPS, epochs=STEPS // 4). The programs resume at epoch boundaries.
STEPS, RESUME_AT = 40, 20

_NAMES = ("W1", "b1", "W2", "b2")
_KERAS = {"W1": "layers/dense/vars/0", "b1": "layers/dense/vars/1",
          "W2": "layers/dense_1/vars/0", "b2": "layers/dense_1/vars/1"}

LAYOUTS = {
    "tf1_session": Layout(TF1_SAVER, "model.ckpt", {name: name for name in _NAMES}, trainable=_NAMES),
    "eager_tape": attribute_layout(_NAMES),
    "keras_sequential": Layout(KERAS_WEIGHTS, "model.weights.h5", _KERAS, trainable=tuple(_KERAS.values())),
}
LAYOUTS["tf_function"] = LAYOUTS["eager_tape"]
LAYOUTS["keras_functional"] = LAYOUTS["keras_sequential"]
# A subclassed model keeps its layers under its attribute names, walked in alphabetical order:
# self.hidden_layer comes before the model's `layers` list and is saved under its name;
# self.output_layer comes after, so it is already saved in `layers`, named by its class (the
# second Dense: dense_1).
_SUBCLASSED = {"W1": "hidden_layer/vars/0", "b1": "hidden_layer/vars/1",
               "W2": "layers/dense_1/vars/0", "b2": "layers/dense_1/vars/1"}
LAYOUTS["keras_subclassed"] = Layout(KERAS_WEIGHTS, "model.weights.h5", _SUBCLASSED,
                                     trainable=tuple(_SUBCLASSED.values()))
