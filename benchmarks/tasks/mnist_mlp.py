"""The course's MNIST MLP: 784 -> 128 (no bias) -> BatchNorm -> ReLU -> Dropout 0.2 -> 10, Adam, batches of 128.

Seed 002's eager-vs-graph model, now trained. A training step does more than update the
weights: BatchNorm's moving statistics are assigned (NON_TRAINABLE: the optimizer never
sees them; in a TF1 graph the assignments go into UPDATE_OPS, which the tf1_session
variant runs with its train op), and step t's dropout mask is
`stateless_dropout(seed=[dropout_seed, t])`, as Keras's Dropout(seed=...) draws it, so
train_model takes the step. The first STEPS batches of the spec's order (all 500 stacked
would be 200 MB), so a round is STEPS steps.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

STEPS = 50
NON_TRAINABLE = ("moving_mean", "moving_variance")


def batches(spec):
    return [(spec.x_train[rows], spec.y_train[rows]) for rows in spec.batch_indices[:STEPS]]


def spec_for_steps(spec, steps):
    # The oracle trains on every row of batch_indices: keep as many as steps.
    return dataclasses.replace(spec, steps=steps, batch_indices=spec.batch_indices[:steps])


def train_model(spec, weights, x, step, jit_compile=False):
    """Training mode, as the implementations: batch statistics, moving-average updates, the step's dropout."""
    hidden = tf.matmul(tf.reshape(x, [-1, 784]), weights["W1"])
    mean, variance = tf.nn.moments(hidden, axes=[0])
    momentum = spec.batchnorm_momentum
    for name, value in [("moving_mean", mean), ("moving_variance", variance)]:
        update = weights[name].assign(weights[name] * momentum + value * (1.0 - momentum))
        if not tf.executing_eagerly():  # a TF1 graph runs it only if asked (tf.function runs it anyway)
            tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.UPDATE_OPS, update)
    hidden = tf.nn.batch_normalization(hidden, mean, variance, offset=weights["beta"], scale=weights["gamma"],
                                       variance_epsilon=spec.batchnorm_epsilon)
    hidden = tf.nn.relu(hidden)
    if jit_compile:
        # XLA's stateless generator draws other masks than TensorFlow's kernel: the kernel's
        # masks come in as data, applied as stateless_dropout applies them.
        # tf-rosetta divergences xla_stateless_random
        scale = tf.constant(1 / (1 - spec.dropout_rate), tf.float32)
        hidden = tf.where(tf.gather(keep_masks(spec), step), hidden * scale, tf.constant(0, tf.float32))
    else:
        hidden = tf.nn.experimental.stateless_dropout(hidden, rate=spec.dropout_rate,
                                                      seed=tf.stack([tf.constant(spec.dropout_seed, tf.int64), step]))
    return tf.nn.bias_add(tf.matmul(hidden, weights["W2"]), weights["b2"])  # logits


_masks = {}


def keep_masks(spec):
    """(STEPS, batch, hidden) bool: the units each step keeps, drawn by TensorFlow's kernel, seed [s, t]."""
    key = (spec.dropout_seed, spec.dropout_rate, spec.batch_size, spec.hidden_units)
    if key not in _masks:
        with tf.init_scope():  # eagerly, by the kernel, even while a step is being traced
            ones = tf.ones((spec.batch_size, spec.hidden_units))
            _masks[key] = np.stack([tf.nn.experimental.stateless_dropout(ones, spec.dropout_rate,
                                                                         seed=[spec.dropout_seed, t]).numpy() != 0
                                    for t in range(STEPS)])
    return tf.constant(_masks[key])


def model(weights, x, epsilon=1e-3):
    """Inference mode: the moving statistics, no dropout (the benchmarks time training only)."""
    hidden = tf.matmul(tf.reshape(x, [-1, 784]), weights["W1"])
    hidden = tf.nn.batch_normalization(hidden, weights["moving_mean"], weights["moving_variance"],
                                       offset=weights["beta"], scale=weights["gamma"], variance_epsilon=epsilon)
    return tf.nn.bias_add(tf.matmul(tf.nn.relu(hidden), weights["W2"]), weights["b2"])


def loss(y, prediction):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=prediction))


def optimizer(spec):
    return keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)


def tf1_optimizer(spec):
    return tf.compat.v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                            epsilon=spec.epsilon)


def keras_model(spec, steps_per_execution=1):
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(spec.hidden_units, use_bias=False),
        keras.layers.BatchNormalization(momentum=spec.batchnorm_momentum, epsilon=spec.batchnorm_epsilon),
        keras.layers.Activation("relu"),
        keras.layers.Dropout(spec.dropout_rate, seed=spec.dropout_seed),
        keras.layers.Dense(10),
    ])
    weights = spec.initial_weights
    model.set_weights([weights[name] for name in ("W1", "gamma", "beta", "moving_mean", "moving_variance", "W2", "b2")])
    model.compile(optimizer=optimizer(spec), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  steps_per_execution=steps_per_execution, jit_compile=False)
    return model
