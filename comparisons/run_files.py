"""What a program wrote to files, read back for `compare`: auto_mpg's TensorBoard scalars and best checkpoint.

A program of a task with a `tensorboard_tags.py` returns the folder it wrote in
(TrainingResult.run_folder); the harness reads it back as soon as the program has trained:

- its TensorBoard scalars, through the task's tags (style -> canonical name -> (folder, tag)),
  with TensorFlow's own reader: one value an epoch at steps 0, 1, ..., added to its history as
  "tensorboard NAME" and so judged against the oracle's like the rest of the history (the
  learning rate exactly, the losses within their floor). The oracle writes no logs: its
  scalars are its own series;
- its best checkpoint, through the task's checkpoint_layout.py: the file must hold the
  weights the program ended with, bit for bit. Keras's EarlyStopping restores the best
  weights from memory, ModelCheckpoint writes them to the file; the loops read theirs back.

A scalar missing or out of step, or a checkpoint of other weights, is the program's failure,
in one line (FileProblem).
"""

import dataclasses
import importlib
from pathlib import Path

import numpy as np

from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import DataError, TrainingResult

PREFIX = "tensorboard "  # a history series read from the event files: PREFIX + the series it must reproduce


class FileProblem(DataError):
    """A program's files do not hold what it reported: one clear line."""


def _task_module(task: str, name: str):
    module = f"tf_rosetta.implementations.{task}.{name}"
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name == module:
            return None
        raise


def read_scalars(folder) -> dict[tuple[str, str], list[tuple[int, np.float32]]]:
    """(folder relative to `folder`, tag) -> [(step, value)] in the order written, for every
    scalar of every event file under it: TF1's simple_value or TF2's scalar tensor."""
    import tensorflow as tf

    found = {}
    for path in sorted(Path(folder).rglob("events.out.tfevents.*")):
        where = path.parent.relative_to(folder).as_posix()
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.WhichOneof("value") == "simple_value":
                    number = np.float32(value.simple_value)
                elif value.WhichOneof("value") == "tensor":
                    array = tf.make_ndarray(value.tensor)
                    if array.shape != () or array.dtype.kind not in "fiu":
                        continue  # a model's description, a graph: not a scalar
                    number = np.float32(array)
                else:
                    continue
                found.setdefault((where, value.tag), []).append((int(event.step), number))
    return found


def tensorboard_series(tags, program: str, result: TrainingResult) -> dict[str, np.ndarray]:
    """The history series of the program's TensorBoard scalars ("tensorboard NAME")."""
    if program == registry.ORACLE:
        return {PREFIX + name: np.asarray(result.losses if name == "loss" else result.history[name], np.float32)
                for name in tags.ORACLE}
    if result.run_folder is None:
        raise FileProblem("it returned no run_folder, so its TensorBoard logs cannot be read back")
    scalars = read_scalars(result.run_folder)
    series = {}
    for name, (folder, tag) in tags.TAGS[program].items():
        points = scalars.get((folder, tag))
        if not points:
            raise FileProblem(f"no TensorBoard scalar {tag!r} in {folder}/ under {result.run_folder} "
                              f"(found: {', '.join(sorted(f'{f}/{t}' for f, t in scalars)) or 'none'})")
        steps = [step for step, _ in points]
        if steps != list(range(len(points))):
            raise FileProblem(f"TensorBoard scalar {folder}/{tag} at steps {steps[:4]}..., expected one an epoch "
                              f"at 0, 1, 2, ...")
        series[PREFIX + name] = np.array([value for _, value in points], np.float32)
    return series


def check_best_checkpoint(layout, result: TrainingResult) -> None:
    """The best checkpoint's file holds the weights the program ended with, bit for bit."""
    from tf_rosetta.comparisons.checkpoints import formats

    path = Path(result.run_folder) / layout.file
    tensors = formats.read_tensors(path)  # (a best-only checkpoint has no step: not read_state)
    saved = {}
    for name in result.weights:
        key = layout.key(name)
        if key.name not in tensors:
            raise FileProblem(f"its best checkpoint {layout.file} has no {key.name!r} (weight {name})")
        saved[name] = tensors[key.name] if key.index is None else tensors[key.name][key.index]
    differing = [name for name, value in result.weights.items()
                 if np.asarray(value).dtype != saved[name].dtype or np.shape(value) != saved[name].shape
                 or np.asarray(value).tobytes() != saved[name].tobytes()]
    if differing:
        largest = max(float(np.max(np.abs(np.asarray(saved[name], np.float64) - result.weights[name]), initial=0))
                      for name in differing)
        raise FileProblem(f"its best checkpoint {layout.file} holds other weights than those it restored: "
                          f"{', '.join(differing)} (up to {largest:.3g} apart)")


def read_back(task: str, program: str, result: TrainingResult) -> TrainingResult:
    """The result with its files read back: its TensorBoard series added to its history, its best
    checkpoint checked; unchanged for a task without tensorboard_tags.py."""
    tags = _task_module(task, "tensorboard_tags")
    if tags is None:
        return result
    history = {**result.history, **tensorboard_series(tags, program, result)}
    layouts = _task_module(task, "checkpoint_layout")
    if program != registry.ORACLE and layouts is not None and program in layouts.LAYOUTS:
        check_best_checkpoint(layouts.LAYOUTS[program], result)
    return dataclasses.replace(result, history=history)
