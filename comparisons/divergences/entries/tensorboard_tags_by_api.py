"""tensorboard_tags_by_api: each API tags the same epoch scalars differently, so a dashboard is rebuilt after a port.

`keras.callbacks.TensorBoard` writes each of fit's logs as `epoch_` + its name, training's
to `train/` and validation's to `validation/` (the `val_` dropped), at step = the 0-based
epoch, and adds `evaluation_loss_vs_iterations` at the optimizer's step count. TF1's
`tf.compat.v1.summary.scalar` tags a value with its op's name: name scopes prefix it, and a
name the graph already has (a `learning_rate` variable) becomes `learning_rate_1`. A TF2
loop's `tf.summary.scalar` writes the name it is given, in the folder of its writer. A
dashboard or a script that reads one API's tags finds none of another's: it reads them
through a mapping written out (auto_mpg's `tensorboard_tags.py`, its README's table).
(`tf.summary.scalar` and the Keras callback need the `tensorboard` package, which
TensorFlow 2.21 no longer installs: the project depends on it.)
"""

import re
import tempfile
from pathlib import Path

from ..record import Divergence, Measured

EPOCHS = 2
# The Keras dashboard's three curves: (folder, tag).
KERAS_TAGS = {"loss": ("train", "epoch_loss"), "val_loss": ("validation", "epoch_loss"),
              "learning_rate": ("train", "epoch_learning_rate")}


def keras_tags(folder: str) -> set:
    import keras
    import numpy as np

    from tf_rosetta.comparisons import run_files

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(0.001), loss="mse")
    model.fit(np.ones((10, 2), np.float32), np.ones((10, 1), np.float32), epochs=EPOCHS, validation_split=0.2,
              verbose=0, callbacks=[keras.callbacks.TensorBoard(log_dir=folder)])
    return set(run_files.read_scalars(folder))


def tf1_tags(folder: str) -> set:
    """A TF1 graph that logs its running loss and its learning-rate variable, each by its own name."""
    import tensorflow as tf

    from tf_rosetta.comparisons import run_files

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        loss = v1.placeholder(tf.float32, [])
        learning_rate = v1.get_variable("learning_rate", initializer=0.001, trainable=False)
        loss_summary = v1.summary.scalar("loss", loss)
        train_summaries = v1.summary.merge([loss_summary, v1.summary.scalar("learning_rate", learning_rate)])
        with v1.Session() as session, v1.summary.FileWriter(f"{folder}/train") as train, \
                v1.summary.FileWriter(f"{folder}/validation") as validation:
            session.run(v1.global_variables_initializer())
            for epoch in range(EPOCHS):
                train.add_summary(session.run(train_summaries, {loss: 2.0}), epoch)
                validation.add_summary(session.run(loss_summary, {loss: 3.0}), epoch)
    return set(run_files.read_scalars(folder))


def probe_tensorboard_tags() -> Measured:
    with tempfile.TemporaryDirectory() as folder:
        keras, tf1 = keras_tags(f"{folder}/keras"), tf1_tags(f"{folder}/tf1")
    # The mapping written out for these two programs: TF1's tag of each of the Keras dashboard's curves.
    mapping = {"loss": ("train", "loss"), "val_loss": ("validation", "loss"),
               "learning_rate": ("train", "learning_rate_1")}
    missing = [name for name, where in KERAS_TAGS.items() if where not in tf1]
    unmapped = [name for name, where in mapping.items() if where not in tf1 or KERAS_TAGS[name] not in keras]
    return Measured(default=len(missing), aligned=len(unmapped),
                    details=f"Keras's callback: {', '.join(sorted(f'{f}/{t}' for f, t in keras))}; TF1's FileWriters: "
                            f"{', '.join(sorted(f'{f}/{t}' for f, t in tf1))}")


def has_mapped_tags(path: Path, source: str) -> list[str]:
    """Aligned: the program's task maps its tags (implementations/<task>/tensorboard_tags.py), and the
    program writes to the folders the mapping reads."""
    from tf_rosetta.comparisons import run_files

    tags = run_files._task_module(path.parent.name, "tensorboard_tags") if path.parent.name else None
    mapped = getattr(tags, "TAGS", {}).get(path.stem) if tags is not None else None
    if mapped is None:
        return [f"{path}: writes TensorBoard scalars, but its task's tensorboard_tags.py maps none of this style's"]
    folders = {folder.split("/")[-1] for folder, _ in mapped.values()}
    if "TensorBoard(" not in source and not all(re.search(rf"[\"']{folder}[\"']", source) for folder in folders):
        return [f"{path}: its tags are mapped in folders {sorted(folders)}, which the program does not name"]
    return []


ENTRY = Divergence(
    name="tensorboard_tags_by_api",
    lesson=__doc__,
    quantity=f"of the 3 curves of a dashboard on Keras's TensorBoard callback (train and validation loss, learning "
             f"rate, {EPOCHS} epochs), how many TF1 FileWriters' logs lack under Keras's tags; aligned, through a "
             f"mapping written out",
    unit=" curves",
    setting="a tag mapping, written out",
    aligned_by="read each API's logs through a mapping of (folder, tag) written out (auto_mpg's "
               "`tensorboard_tags.py`), or write Keras's tags from the loops",
    recorded=Measured(default=3, aligned=0,
                      details="Keras's callback: train/epoch_learning_rate, train/epoch_loss, validation/epoch_loss, "
                              "validation/evaluation_loss_vs_iterations; TF1's FileWriters: train/learning_rate_1, "
                              "train/loss, validation/loss"),
    default_at_least=3, aligned_at_most=0,
    why="tags are names: a curve is found under its name or not at all",
    probe=probe_tensorboard_tags,
    applies_to=r"\bsummary\.scalar\(|\bscalar\(|\bTensorBoard\(",
    alignment_problems=has_mapped_tags,
)
