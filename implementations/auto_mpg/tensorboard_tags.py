"""Auto MPG: where each style's TensorBoard logs keep the scalars compared, read from its event files.

The dashboard a user rebuilds after a migration (the task README has the table): each
canonical scalar, named as the history series it must reproduce, at (folder under the run
folder, tag); one value an epoch, at steps 0, 1, ... The oracle writes no logs: its scalars
are its own series (ORACLE)."""

# keras.callbacks.TensorBoard: train/ and validation/ writers, "epoch_" before the logs' names.
_KERAS = {"loss": ("logs/train", "epoch_loss"), "val_loss": ("logs/validation", "epoch_loss"),
          "learning_rate": ("logs/train", "epoch_learning_rate")}
# TF1: a FileWriter a folder; a summary's tag is its op's name, so its name scope's too.
_TF1 = {"loss": ("logs/train", "summaries/loss"), "val_loss": ("logs/validation", "summaries/loss"),
        "learning_rate": ("logs/train", "summaries/learning_rate")}
# TF2 loops: the TensorFlow guides' writer a folder, the metric's own name as the tag.
_TF2 = {"loss": ("logs/train", "loss"), "val_loss": ("logs/validation", "loss"),
        "learning_rate": ("logs/train", "learning_rate")}

TAGS = {"keras_sequential": _KERAS, "keras_functional": _KERAS, "keras_subclassed": _KERAS,
        "tf1_session": _TF1, "eager_tape": _TF2, "tf_function": _TF2}
# The oracle's scalar of each name: TrainingResult.losses for "loss", else its history series.
ORACLE = ("loss", "val_loss", "learning_rate")
