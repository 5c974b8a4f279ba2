"""checkpoint_keys_by_api: each API keys its checkpoint differently, and none reads another's by itself.

A TF1 `Saver` keys each variable by its graph name ("a", "a/Adam", "a/Adam_1",
"beta1_power", "global_step"); `tf.train.Checkpoint` by the object path from the root
("a/.ATTRIBUTES/VARIABLE_VALUE", "optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE");
Keras 3's `.weights.h5` by layer path ("layers/dense/vars/0", "optimizer/vars/2").
`tf.train.Checkpoint.read` of a TF1 checkpoint falls back to matching global names: a
`tf.Variable` left with its default name ("Variable") matches nothing, one named as in the
graph gets its weight, and Keras's optimizer state ("adam/a_0_momentum", "iteration")
never matches. No error unless asked (`assert_consumed`): the model trains on from its
initial values. Read by key (`tf.train.load_checkpoint`) and assigned through a mapping
written out, every value arrives bitwise.
"""

import re
import tempfile
from pathlib import Path

from ..record import Divergence, Measured
from ._checkpoints import (SAVES, assign_from_tf1, keras_adam_state, keras_variables, layout_of, names_file, state_keys,
                           tf1_run, tf1_state, unrestored)


def probe_checkpoint_keys() -> Measured:
    import h5py
    import keras
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        _, prefix = tf1_run(folder)
        saved = tf1_state(prefix)
        by_read = {}
        for named in (False, True):
            variables, optimizer = keras_variables(named=named)
            checkpoint = tf.train.Checkpoint(a=variables[0], b=variables[1], c=variables[2], optimizer=optimizer)
            status = checkpoint.read(prefix)
            try:
                status.assert_consumed()
                consumed = "consumed"
            except AssertionError:
                consumed = "assert_consumed fails"
            by_read[named] = unrestored(saved, keras_adam_state(variables, optimizer)), consumed
        variables, optimizer = keras_variables()
        assign_from_tf1(saved, variables, optimizer)
        mapped = unrestored(saved, keras_adam_state(variables, optimizer))
        # The other two formats' keys, from files of the same state.
        checkpoint = tf.train.Checkpoint(a=variables[0], b=variables[1], c=variables[2], optimizer=optimizer)
        object_keys = [name for name, _ in tf.train.list_variables(checkpoint.write(f"{folder}/ckpt"))]
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(), loss="mse")
        model.optimizer.build(model.trainable_variables)
        model.save_weights(f"{folder}/model.weights.h5")
        with h5py.File(f"{folder}/model.weights.h5", "r") as file:
            h5_keys = []
            file.visititems(lambda name, item: h5_keys.append(name) if isinstance(item, h5py.Dataset) else None)
    total = len(state_keys())
    (unnamed, unnamed_status), (named, _) = by_read[False], by_read[True]
    examples = [*(key for key in object_keys if key.startswith(("a/", "optimizer/_variables/2/"))),
                *(key for key in h5_keys if key in ("layers/dense/vars/0", "optimizer/vars/2"))]
    return Measured(
        default=len(unnamed) / total, aligned=len(mapped) / total,
        details=f"Checkpoint.read restores {total - len(unnamed)}/{total} with TensorFlow's variable names "
                f"({unnamed_status}), {total - len(named)}/{total} with the graph's (not {', '.join(named)}); "
                f"TF1 keys {', '.join(sorted(saved))}; the others' {', '.join(examples)}")


# The aligning setting is the task's checkpoint layout: for each style, the checkpoint's file
# and the key of every canonical weight, written out (implementations/<task>/checkpoint_layout.py).
def has_a_layout_of_its_format(path: Path, source: str) -> list[str]:
    layout = layout_of(path)
    if layout is None:
        return [f"{path}: saves a checkpoint, but its task's checkpoint_layout.py maps no key of this style's"]
    found = []
    if not re.search(SAVES[layout.format], source):
        found.append(f"{path}: its layout says {layout.format}, but the program does not save with that API")
    if not names_file(source, layout.file):
        found.append(f"{path}: its layout's file {layout.file!r} is not the one the program writes")
    return found


ENTRY = Divergence(
    name="checkpoint_keys_by_api",
    lesson=__doc__,
    quantity="share of a TF1 Adam checkpoint's training state (3 weights, m and v of each, the step) not restored "
             "bitwise into tf.Variables and Keras 3 Adam: tf.train.Checkpoint(...).read vs a key mapping",
    setting="a key mapping, written out",
    aligned_by="read the checkpoint by key (`tf.train.load_checkpoint(prefix).get_tensor(key)`) and assign each "
               "value to its variable through a mapping written out: each task's `checkpoint_layout.py` "
               "(weights) and `comparisons/checkpoints/formats.py` (optimizer slots, step)",
    recorded=Measured(default=1.0, aligned=0.0,
                      details="Checkpoint.read restores 0/10 with TensorFlow's variable names (assert_consumed "
                              "fails), 3/10 with the graph's (not a/Adam, a/Adam_1, b/Adam, b/Adam_1, c/Adam, "
                              "c/Adam_1, global_step); TF1 keys a, a/Adam, a/Adam_1, b, b/Adam, b/Adam_1, beta1_power, "
                              "beta2_power, c, c/Adam, c/Adam_1, global_step; the others' "
                              "a/.ATTRIBUTES/VARIABLE_VALUE, optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE, "
                              "layers/dense/vars/0, optimizer/vars/2"),
    default_at_least=1.0, aligned_at_most=0.0,
    why="assigned by key, each value is the saved tensor itself: bitwise",
    probe=probe_checkpoint_keys,
    applies_to=r"\bSaver\(|\bCheckpoint\(|\.save_weights\(",
    alignment_problems=has_a_layout_of_its_format,
)
