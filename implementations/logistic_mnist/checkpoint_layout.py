"""Logistic regression on MNIST: where each style's checkpoint keeps W and b (keys listed from the files).

Plain gradient descent keeps no slots: each checkpoint holds the weights and the step count
(Keras also its learning rate), and the step count says which batch of spec.batch_indices comes next.
"""

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS, TF1_SAVER, Layout, attribute_layout

# The checkpoint runs: STEPS steps (batches of spec.batch_indices) in all, stopped and saved after RESUME_AT of them.
STEPS, RESUME_AT = 20, 10
# The saved and exported models output logits; the task's predictions are their softmax.
SERVES_LOGITS = True

_KERAS = {"W": "layers/dense/vars/0", "b": "layers/dense/vars/1"}

LAYOUTS = {
    # The TF1 program names its variables as the course did: get_variable("weight"), get_variable("bias").
    "tf1_session": Layout(TF1_SAVER, "model.ckpt", {"W": "weight", "b": "bias"}, trainable=("weight", "bias")),
    "eager_tape": attribute_layout(("W", "b")),
    "keras_sequential": Layout(KERAS_WEIGHTS, "model.weights.h5", _KERAS,
                               trainable=("layers/dense/vars/0", "layers/dense/vars/1")),
}
LAYOUTS["tf_function"] = LAYOUTS["eager_tape"]
LAYOUTS["keras_functional"] = LAYOUTS["keras_sequential"]
# A subclassed model keeps its layers under its attribute names (self.dense).
LAYOUTS["keras_subclassed"] = Layout(KERAS_WEIGHTS, "model.weights.h5",
                                     {name: key.removeprefix("layers/") for name, key in _KERAS.items()},
                                     trainable=("dense/vars/0", "dense/vars/1"))
