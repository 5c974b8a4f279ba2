"""The experiment both Adam entries measure: Keras `Adam` against TF1 `AdamOptimizer`.

A least-squares fit with gradients near 1e-6, trained 200 steps by each optimizer from
zeros; the difference is the largest gap between the weights they reach.
"""

import re
from pathlib import Path

import numpy as np

from ..programs import Check
from ..record import max_difference

ADAM_STEPS = 200
ADAM_LEARNING_RATE = 0.01
# Keras's defaults as written; TF1's are the same decimals rounded to float32.
FLOAT32_BETAS = {"beta_1": float(np.float32(0.9)), "beta_2": float(np.float32(0.999))}


def adam_problem(scale: float):
    """A least-squares fit whose gradients are about `scale` (1e-6: where epsilon matters)."""
    generator = np.random.RandomState(0)
    x = generator.normal(size=(20, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 + 0.1 * generator.normal(size=(20, 1))).astype(np.float32)
    return x * np.float32(np.sqrt(scale)), y * np.float32(np.sqrt(scale))


def tf1_adam(x, y) -> np.ndarray:
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        W = v1.get_variable("W", initializer=np.zeros((3, 1), np.float32))
        b = v1.get_variable("b", initializer=np.zeros(1, np.float32))
        loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
        train_op = v1.train.AdamOptimizer(ADAM_LEARNING_RATE).minimize(loss)  # TF1's defaults
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            for _ in range(ADAM_STEPS):
                session.run(train_op)
            return np.concatenate([session.run(W).ravel(), session.run(b)])


def keras_adam(x, y, **settings) -> np.ndarray:
    import keras
    import tensorflow as tf

    W, b = tf.Variable(np.zeros((3, 1), np.float32)), tf.Variable(np.zeros(1, np.float32))
    optimizer = keras.optimizers.Adam(ADAM_LEARNING_RATE, **settings)
    for _ in range(ADAM_STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [W, b]), [W, b]))
    return np.concatenate([W.numpy().ravel(), b.numpy()])


_runs = {}  # shared by both entries: TF1 trains once, each Keras setting once


def adam_versus_tf1(**settings) -> float:
    """max |Δweight| of Keras Adam with these settings vs TF1 AdamOptimizer's defaults."""
    key = tuple(sorted(settings.items()))
    if key not in _runs:
        x, y = adam_problem(1e-6)
        if "tf1" not in _runs:
            _runs["tf1"] = tf1_adam(x, y)
        _runs[key] = max_difference(keras_adam(x, y, **settings), _runs["tf1"])
    return _runs[key]


def adam_calls_pass(*arguments) -> Check:
    """Aligned when every Adam(...) / AdamOptimizer(...) call passes each argument (a regex)."""
    def problems(path: Path, source: str) -> list[str]:
        found = []
        for name, call in re.findall(r"\b(Adam(?:Optimizer)?)\(((?:[^()]|\([^()]*\))*)\)", source):
            for argument in arguments:
                if not re.search(argument, call):
                    api = "TF1's AdamOptimizer" if name == "AdamOptimizer" else "Keras's Adam"
                    found.append(f"{path}: {api} without {argument.replace(chr(92), '')} (its default)")
        return found

    return problems
