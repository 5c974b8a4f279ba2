"""Read, map and rewrite the three checkpoint formats, by key, as a migration does by hand.

A checkpoint is read into {key: array} (TensorFlow's `tf.train.load_checkpoint` for both
name-based and object-based checkpoints, h5py for Keras's .weights.h5), mapped to the
canonical training state through a style's Layout, and written into another style's format
by replacing the values in that style's own checkpoint of the same model (its skeleton):
the keys, the object graph and every unmapped value (the learning rate) stay that style's.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS, OBJECT_VALUE, TF1_SAVER, TF_CHECKPOINT, Key, Layout
from tf_rosetta.implementations.contract import DataError


@dataclass(frozen=True)
class SlotRule:
    """Where a format keeps the optimizer's step and the i-th trainable tensor's Adam moments."""

    step: str
    moment: object  # (key, i, which) -> the slot's key; which is "m" or "v"


def _tf1_moment(key: str, index: int, which: str) -> str:
    return f"{key}/Adam" if which == "m" else f"{key}/Adam_1"  # AdamOptimizer's slot names


def _object_moment(key: str, index: int, which: str) -> str:
    # Keras 3's optimizer variables: iterations, learning_rate, then m and v of each variable.
    return f"optimizer/_variables/{2 + 2 * index + (which == 'v')}{OBJECT_VALUE}"


def _keras_moment(key: str, index: int, which: str) -> str:
    return f"optimizer/vars/{2 + 2 * index + (which == 'v')}"


SLOT_RULES = {
    TF1_SAVER: SlotRule("global_step", _tf1_moment),
    TF_CHECKPOINT: SlotRule(f"optimizer/_iterations{OBJECT_VALUE}", _object_moment),
    KERAS_WEIGHTS: SlotRule("optimizer/vars/0", _keras_moment),
}
# TF1's AdamOptimizer also keeps beta1**(t+1) and beta2**(t+1), by repeated float32 products.
TF1_BETA_POWERS = {"beta1_power": "beta_1", "beta2_power": "beta_2"}


@dataclass(frozen=True, eq=False)
class TrainingState:
    """What a checkpoint carries, in canonical names: the step, the weights, Adam's moments."""

    step: int
    weights: dict[str, np.ndarray]
    moments: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # "m"/"v" -> name -> array


def format_of(path: str | os.PathLike) -> str:
    """The format of a checkpoint path: a .weights.h5 file, or the prefix of a TensorFlow checkpoint."""
    path = str(path)
    if path.endswith(".h5"):
        return KERAS_WEIGHTS
    return TF1_SAVER if "global_step" in _read_tf(path, names_only=True) else TF_CHECKPOINT


def _read_tf(prefix: str, names_only: bool = False) -> dict:
    import tensorflow as tf

    if not Path(prefix + ".index").is_file():
        raise DataError(f"{prefix}: no TensorFlow checkpoint there ({prefix}.index is missing); "
                        f"give a checkpoint prefix (model.ckpt, ckpt) or a .weights.h5 file")
    try:
        reader = tf.train.load_checkpoint(prefix)
        names = reader.get_variable_to_shape_map()
        if names_only:
            return dict.fromkeys(names)
        return {name: np.asarray(reader.get_tensor(name)) for name in names}
    except (tf.errors.OpError, ValueError) as error:
        message = getattr(error, "message", str(error)).splitlines()[0]
        raise DataError(f"{prefix}: not a readable TensorFlow checkpoint: {message}") from None


def _read_h5(path: str) -> dict:
    import h5py

    if not Path(path).is_file():
        raise DataError(f"{path}: no such file; give a checkpoint prefix (model.ckpt, ckpt) or a .weights.h5 file")
    tensors = {}
    try:
        with h5py.File(path, "r") as file:
            file.visititems(lambda name, item: tensors.__setitem__(name, item[()])
                            if isinstance(item, h5py.Dataset) else None)
    except (OSError, KeyError) as error:
        raise DataError(f"{path}: not a readable .weights.h5 file: {str(error).splitlines()[0]}") from None
    return {name: np.asarray(value) for name, value in tensors.items()}


def read_tensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every tensor of a checkpoint, by key (the object graph's proto left out)."""
    path = str(path)
    tensors = _read_h5(path) if format_of(path) == KERAS_WEIGHTS else _read_tf(path)
    tensors.pop("_CHECKPOINTABLE_OBJECT_GRAPH", None)
    return tensors


def _get(tensors: dict, key: Key, path, what: str) -> np.ndarray:
    if key.name not in tensors:
        raise DataError(f"{path}: no variable {key.name!r} ({what}); is it a checkpoint of this task and style?")
    value = tensors[key.name]
    if key.index is not None:
        if value.ndim != len(key.index) or any(i >= n for i, n in zip(key.index, value.shape)):
            raise DataError(f"{path}: variable {key.name!r} has shape {list(value.shape)}, "
                            f"expected one with element {list(key.index)} ({what})")
        return value[key.index]
    return value


def _check_shape(value: np.ndarray, expected: np.ndarray, path, key: Key, what: str) -> None:
    if np.shape(value) != np.shape(expected):
        raise DataError(f"{path}: variable {str(key)!r} ({what}) has shape {list(np.shape(value))}, "
                        f"expected {list(np.shape(expected))}")


def read_state(path, layout: Layout, initial_weights: dict, moments: tuple[str, ...]) -> TrainingState:
    """The canonical state in a checkpoint, through the style's layout; shapes checked."""
    tensors = read_tensors(path)
    rule = SLOT_RULES[layout.format]
    weights, slots = {}, {which: {} for which in moments}
    for name, expected in initial_weights.items():
        key = layout.key(name)
        weights[name] = _get(tensors, key, path, f"weight {name}")
        _check_shape(weights[name], expected, path, key, f"weight {name}")
        if key.name in layout.trainable:
            for which in moments:
                slot = Key(rule.moment(key.name, layout.trainable.index(key.name), which), key.index)
                slots[which][name] = _get(tensors, slot, path, f"Adam's {which} of {name}")
                _check_shape(slots[which][name], expected, path, slot, f"Adam's {which} of {name}")
    step = int(_get(tensors, Key(rule.step), path, "the step count"))
    return TrainingState(step, weights, slots)


def _beta_power(beta: float, step: int) -> np.float32:
    """TF1's beta power after `step` updates: beta, multiplied by beta once an update, in float32."""
    power = np.float32(beta)
    for _ in range(step):
        power = np.float32(power * np.float32(beta))
    return power


def _replacements(state: TrainingState, layout: Layout, skeleton: dict, betas: dict) -> dict:
    rule = SLOT_RULES[layout.format]
    values = {name: np.array(value) for name, value in skeleton.items()}  # writable copies

    def put(key: Key, value):
        if key.index is None:
            values[key.name] = np.asarray(value, dtype=values[key.name].dtype).reshape(values[key.name].shape)
        else:
            values[key.name][key.index] = value

    for name, value in state.weights.items():
        key = layout.key(name)
        put(key, value)
        for which, slots in state.moments.items():
            if name in slots:
                put(Key(rule.moment(key.name, layout.trainable.index(key.name), which), key.index), slots[name])
    put(Key(rule.step), state.step)
    if layout.format == TF1_SAVER and state.moments:
        for power, beta in TF1_BETA_POWERS.items():
            put(Key(power), _beta_power(betas[beta], state.step))
    return values


def write_state(state: TrainingState, layout: Layout, skeleton_path, out_folder, betas: dict) -> Path:
    """The state written in the layout's format, as out_folder/<layout.file>, from a checkpoint
    of the same style (the skeleton); atomically: a failure leaves no out_folder behind."""
    out_folder = Path(out_folder)
    skeleton = read_tensors(skeleton_path)
    values = _replacements(state, layout, skeleton, betas)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_folder.name}-", dir=out_folder.parent))
    try:
        target = staging / layout.file
        if layout.format == KERAS_WEIGHTS:
            _save_h5(skeleton_path, target, values)
        else:
            _save_tf(skeleton_path, target, values)
        os.replace(staging, out_folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_folder / layout.file


def _save_h5(skeleton_path, target: Path, values: dict) -> None:
    """The skeleton's file with the values replaced: its layout and attributes stay Keras's."""
    import h5py

    shutil.copyfile(skeleton_path, target)
    with h5py.File(target, "r+") as file:
        for key, value in values.items():
            file[key][...] = value


def _save_tf(skeleton_path, target: Path, values: dict) -> None:
    """A TensorFlow checkpoint of the values; an object-based skeleton's object graph is kept."""
    import tensorflow as tf

    names, values = sorted(values), dict(values)
    if "_CHECKPOINTABLE_OBJECT_GRAPH" in _read_tf(str(skeleton_path), names_only=True):
        names.append("_CHECKPOINTABLE_OBJECT_GRAPH")
        values[names[-1]] = tf.train.load_checkpoint(str(skeleton_path)).get_tensor(names[-1])
    tf.raw_ops.SaveV2(prefix=str(target), tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(values[name]) for name in names])
