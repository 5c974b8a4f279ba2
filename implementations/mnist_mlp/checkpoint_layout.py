"""MNIST MLP: where each style's checkpoint keeps W1, BatchNorm's four vectors, W2 and b2 (keys listed from the files).

No checkpoint holds the dropout masks' state: they are a function of (dropout_seed, step), and the
step is the checkpoint's step count. Keras's .weights.h5 leaves out Dropout's seed generator (its
state [seed, t] counts the training calls); the Keras programs set it from the restored step.
"""

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS, TF1_SAVER, Layout, attribute_layout

# The checkpoint runs: STEPS steps (batches of spec.batch_indices) in all, stopped and saved after RESUME_AT of them.
STEPS, RESUME_AT = 20, 10

_NAMES = ("W1", "gamma", "beta", "moving_mean", "moving_variance", "W2", "b2")
_TRAINABLE = ("W1", "gamma", "beta", "W2", "b2")  # the moving statistics have no slots
# Keras's BatchNormalization keeps gamma, beta, moving_mean, moving_variance as vars/0..3.
_KERAS = {"W1": "layers/dense/vars/0",
          "gamma": "layers/batch_normalization/vars/0", "beta": "layers/batch_normalization/vars/1",
          "moving_mean": "layers/batch_normalization/vars/2", "moving_variance": "layers/batch_normalization/vars/3",
          "W2": "layers/dense_1/vars/0", "b2": "layers/dense_1/vars/1"}
# A subclassed model keeps its layers under its attribute names (self.dense_1, self.batch_norm, self.dense_2).
_SUBCLASSED = {"W1": "dense_1/vars/0",
               "gamma": "batch_norm/vars/0", "beta": "batch_norm/vars/1",
               "moving_mean": "batch_norm/vars/2", "moving_variance": "batch_norm/vars/3",
               "W2": "dense_2/vars/0", "b2": "dense_2/vars/1"}

LAYOUTS = {
    "tf1_session": Layout(TF1_SAVER, "model.ckpt", {name: name for name in _NAMES}, trainable=_TRAINABLE),
    "eager_tape": attribute_layout(_NAMES, _TRAINABLE),
    "keras_sequential": Layout(KERAS_WEIGHTS, "model.weights.h5", _KERAS,
                               trainable=tuple(_KERAS[name] for name in _TRAINABLE)),
    "keras_subclassed": Layout(KERAS_WEIGHTS, "model.weights.h5", _SUBCLASSED,
                               trainable=tuple(_SUBCLASSED[name] for name in _TRAINABLE)),
}
LAYOUTS["tf_function"] = LAYOUTS["eager_tape"]
LAYOUTS["keras_functional"] = LAYOUTS["keras_sequential"]
