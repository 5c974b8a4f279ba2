"""Seed 002's own experiment: a subclassed Keras model called eagerly and under tf.function.

The seed (002, "속도 향상") timed 10,000 calls of SequentialModel (Flatten -> Dense 128 ReLU
-> Dropout 0.2 -> Dense 10) on one 60x28x28 batch: eager 70.3 s, graph 35.5 s (1.98x).
Here each timed round is CALLS_PER_ROUND calls; the report gives the time of one call.
"""

import os
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmarks import SEED_EXPERIMENT

SEED_SECONDS_FOR_10000_CALLS = {"eager": 70.29523700000004, "tf_function": 35.47442840000008}
CALLS_PER_ROUND = 100


class SequentialModel(keras.Model):
    """The seed's model; Flatten() without input_shape, which Keras 3 no longer takes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flatten = keras.layers.Flatten()
        self.dense_1 = keras.layers.Dense(128, activation="relu")
        self.dropout = keras.layers.Dropout(0.2)
        self.dense_2 = keras.layers.Dense(10)

    def call(self, x):
        x = self.flatten(x)
        x = self.dense_1(x)
        x = self.dropout(x)
        x = self.dense_2(x)
        return x


@pytest.mark.parametrize("variant", list(SEED_SECONDS_FOR_10000_CALLS))
@pytest.mark.parametrize("task", [SEED_EXPERIMENT])
def test_model_call(benchmark, rounds, task, variant):
    keras.utils.set_random_seed(2)
    input_data = tf.random.uniform([60, 28, 28])
    eager_model = SequentialModel()
    expected = eager_model(input_data).numpy()  # builds the weights, eagerly
    model = eager_model if variant == "eager" else tf.function(eager_model)

    def calls():
        for _ in range(CALLS_PER_ROUND):
            output = model(input_data)
        return output

    first_round = None
    if benchmark.enabled:
        start = time.perf_counter()
        calls()  # tf.function traces in its first call: timed apart from the rounds
        first_round = time.perf_counter() - start
    output = benchmark.pedantic(calls, rounds=rounds)

    # Dropout is off outside training, so both give the eager model's output.
    np.testing.assert_allclose(output.numpy(), expected, rtol=1e-6, atol=1e-6)
    assert output.shape == (60, 10)
    seed_seconds = SEED_SECONDS_FOR_10000_CALLS[variant]
    benchmark.extra_info.update(
        task=task, variant=variant, steps=CALLS_PER_ROUND, first_round_s=first_round,
        what=f"model(x) on a 60x28x28 batch, {CALLS_PER_ROUND} calls a round",
        seed_seconds_per_call=seed_seconds / 10_000,
        checked="output equals the eager model's (rtol 1e-6)",
        load_average=os.getloadavg()[0],
    )
