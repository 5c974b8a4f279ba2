"""The experiment the checkpoint entries share: a TF1 Adam run saved midway, read back elsewhere.

polynomial_fit in small: y = a x^2 + b x + c, three scalar variables from zero, TF1's
`AdamOptimizer` (its defaults) for STEPS steps, saved by a `tf.compat.v1.train.Saver`
after SAVED_AT of them. The saved training state is 10 values: the 3 weights, Adam's m and
v of each (6), and the step; TF1 also saves beta1_power and beta2_power. The Keras side
uses Keras 3's `Adam` aligned with TF1's (epsilon 1e-8, float32 betas: see adam_epsilon
and adam_one_minus_beta), so that the checkpoint is the only difference.
"""

import os
import re
from pathlib import Path

import numpy as np

from tf_rosetta.implementations.checkpoint_layout import KERAS_WEIGHTS, TF1_SAVER, TF_CHECKPOINT

from ..programs import program_task
from ._adam import FLOAT32_BETAS

STEPS, SAVED_AT = 20, 10
LEARNING_RATE = 0.1
NAMES = ("a", "b", "c")
X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(-1, 1)
Y = (2 * X * X - X + 0.5).astype(np.float32)
KERAS_ADAM = {"epsilon": 1e-8, **FLOAT32_BETAS}  # TF1's Adam, in Keras 3


def tf1_run(folder: str) -> tuple[np.ndarray, str]:
    """(the STEPS losses of the uninterrupted TF1 run, the prefix of its checkpoint after SAVED_AT steps)."""
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        a, b, c = (v1.get_variable(name, initializer=np.float32(0)) for name in NAMES)
        loss = tf.reduce_mean(tf.square(a * X * X + b * X + c - Y))
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.AdamOptimizer(LEARNING_RATE).minimize(loss, global_step=global_step)
        saver = v1.train.Saver()
        prefix = os.path.join(folder, "model.ckpt")
        losses = []
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            for step in range(STEPS):
                if step == SAVED_AT:
                    saver.save(session, prefix)
                losses.append(session.run([loss, train_op])[0])
    return np.array(losses), prefix


def tf1_state(prefix: str) -> dict:
    """The training state in a TF1 checkpoint, by TF1 key: weights, slots, step (beta powers too)."""
    import tensorflow as tf

    reader = tf.train.load_checkpoint(prefix)
    return {name: np.asarray(reader.get_tensor(name)) for name in reader.get_variable_to_shape_map()}


def state_keys() -> list[str]:
    """The 10 values of the training state, by their TF1 keys."""
    return [*NAMES, *(f"{name}/{slot}" for name in NAMES for slot in ("Adam", "Adam_1")), "global_step"]


def unrestored(saved: dict, restored: dict) -> list[str]:
    """The TF1 keys whose restored value is not the saved one, bit for bit."""
    return [key for key in state_keys() if not np.array_equal(restored[key], saved[key])]


def keras_adam_state(variables, optimizer) -> dict:
    """A Keras 3 Adam's state over scalar variables a, b, c, by the TF1 keys it maps to.

    optimizer.variables: iterations, learning_rate, then m and v of each variable in order.
    """
    found = {"global_step": int(optimizer.iterations.numpy())}
    for index, (name, variable) in enumerate(zip(NAMES, variables)):
        found[name] = variable.numpy()
        found[f"{name}/Adam"] = optimizer.variables[2 + 2 * index].numpy()
        found[f"{name}/Adam_1"] = optimizer.variables[3 + 2 * index].numpy()
    return found


def assign_from_tf1(saved: dict, variables, optimizer, moments: bool = True, step: bool = True) -> None:
    """The migration guide's way: read the TF1 keys and assign each to its TF2 variable, by hand."""
    for index, (name, variable) in enumerate(zip(NAMES, variables)):
        variable.assign(saved[name])
        if moments:
            optimizer.variables[2 + 2 * index].assign(saved[f"{name}/Adam"])
            optimizer.variables[3 + 2 * index].assign(saved[f"{name}/Adam_1"])
    if step:
        optimizer.iterations.assign(int(saved["global_step"]))


def keras_variables(named: bool = False):
    """a, b, c as tf.Variables from zero (named as in the TF1 graph, or TensorFlow's default names), and
    a built Keras 3 Adam aligned with TF1's."""
    import keras
    import tensorflow as tf

    variables = [tf.Variable(np.float32(0), name=name if named else None) for name in NAMES]
    optimizer = keras.optimizers.Adam(LEARNING_RATE, **KERAS_ADAM)
    optimizer.build(variables)
    return variables, optimizer


def keras_steps(variables, optimizer, steps: int) -> np.ndarray:
    """The losses of `steps` Keras 3 Adam steps on the same loss, from the variables' values."""
    import tensorflow as tf

    a, b, c = variables
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(a * X * X + b * X + c - Y))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        losses.append(float(loss))
    return np.array(losses)


# What a program's checkpoint layout must say (implementations/<task>/checkpoint_layout.py).

SAVES = {TF1_SAVER: r"\bSaver\(", TF_CHECKPOINT: r"\bCheckpoint\(", KERAS_WEIGHTS: r"\.save_weights\("}


def layout_of(path: Path):
    """The Layout of a program's checkpoint, or None when its task has no layout for its style."""
    import importlib

    task = program_task(path)
    if task is None:
        return None
    try:
        module = importlib.import_module(f"tf_rosetta.implementations.{task}.checkpoint_layout")
    except ModuleNotFoundError:
        return None
    return getattr(module, "LAYOUTS", {}).get(path.stem)


def names_file(source: str, file: str) -> bool:
    """Whether the code names the file as a string, alone or at the end of a path (f"{folder}/model.ckpt";
    ast.unparse quotes with ' where the source had ")."""
    return re.search(rf"""["'/]{re.escape(file)}["']""", source) is not None
