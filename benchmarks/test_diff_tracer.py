"""What `tf-rosetta diff`'s tracer costs per training update, traced against untraced.

The XOR network (2 -> 2 -> 1, sigmoid), one example per update, UPDATES_PER_ROUND updates a
round, in the three ways the tracer hooks: Keras `fit` (its train step traced by tf.function,
the tracer's py_function in it), a `tf.function` step calling `apply_gradients`, and a TF1
`Session.run` of a `minimize` op (the tracer fetches the loss and runs the variables apart).
The report's time of a round divided by UPDATES_PER_ROUND is the time of one update; the
traced row minus the untraced one is the tracer's overhead per update (it keeps every
variable after every update in memory, as a diff does).
"""

import os
import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_rosetta.comparisons.diff import tracer
from tf_rosetta.comparisons.diff.recorder import Recorder
from tf_rosetta.implementations import runtimes
from tf_rosetta.implementations.xor.spec import SPEC

UPDATES_PER_ROUND = 100
X, Y = SPEC.x_train, SPEC.y_train
W = SPEC.initial_weights


@pytest.fixture
def traced(request):
    """Install the tracer for the traced rows, and take it away after: the other benchmarks of the
    session run untraced."""
    if request.node.callspec.params["tracing"] == "untraced":
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="tf-rosetta-bench-trace-") as folder:
        recorder = Recorder(str(Path(folder) / "trace.npz"))
        tracer.install(recorder, runtimes.current())
        try:
            yield recorder
        finally:
            tracer.uninstall()


def _keras_fit():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, activation="sigmoid"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([W["W1"], W["b1"], W["W2"], W["b2"]])
    model.compile(optimizer=keras.optimizers.SGD(SPEC.learning_rate), loss="mse")
    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(1).repeat()
    return lambda: model.fit(dataset, epochs=1, steps_per_epoch=UPDATES_PER_ROUND, verbose=0)


def _tf_function():
    variables = [tf.Variable(W[name]) for name in ("W1", "b1", "W2", "b2")]
    optimizer = keras.optimizers.SGD(SPEC.learning_rate)
    examples = [(tf.constant(X[i:i + 1]), tf.constant(Y[i:i + 1])) for i in range(len(X))]

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            hidden = tf.sigmoid(x @ variables[0] + variables[1])
            loss = tf.reduce_mean(tf.square(tf.sigmoid(hidden @ variables[2] + variables[3]) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    return lambda: [step(*examples[i % 4]) for i in range(UPDATES_PER_ROUND)]


def _tf1_session():
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x, y = v1.placeholder(tf.float32, [None, 2]), v1.placeholder(tf.float32, [None, 1])
        weights = [v1.get_variable(name, initializer=W[name]) for name in ("W1", "b1", "W2", "b2")]
        hidden = tf.sigmoid(tf.matmul(x, weights[0]) + weights[1])
        loss = tf.reduce_mean(tf.square(tf.sigmoid(tf.matmul(hidden, weights[2]) + weights[3]) - y))
        train_op = v1.train.GradientDescentOptimizer(SPEC.learning_rate).minimize(loss)
        init = v1.global_variables_initializer()
    session = v1.Session(graph=graph)
    session.run(init)
    feeds = [{x: X[i:i + 1], y: Y[i:i + 1]} for i in range(len(X))]
    return lambda: [session.run([loss, train_op], feeds[i % 4]) for i in range(UPDATES_PER_ROUND)]


WAYS = {"keras_fit": _keras_fit, "tf_function": _tf_function, "tf1_session": _tf1_session}


@pytest.mark.parametrize("tracing", ["untraced", "traced"])
@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("task", ["xor"])
def test_tracer_overhead_per_update(benchmark, rounds, task, way, tracing, traced):
    if way != "keras_fit" and runtimes.current() == "jax":
        pytest.skip("under jax only Keras fit runs")
    train = WAYS[way]()  # built with the hooks in place, as in a diff child
    train()  # the first call traces: kept out of the timed rounds
    # The fields `tf-rosetta bench` reads (benchmarks/report.py): a row of the task's table per way
    # and tracing, its time per update.
    benchmark.extra_info.update(task=task, variant=f"diff {way} {tracing}", steps=UPDATES_PER_ROUND,
                                what=f"an update of {way}, {tracing} by tf-rosetta diff's tracer",
                                load_average=os.getloadavg()[0])
    calls = [1]

    def counted_round():
        calls[0] += 1
        return train()

    # --benchmark-disable runs the round once, untimed: count the calls rather than assume rounds.
    benchmark.pedantic(counted_round, rounds=rounds)
    if traced is not None:
        # The traced rows did record: every update, the warm-up round's too.
        assert traced.updates == UPDATES_PER_ROUND * calls[0]
