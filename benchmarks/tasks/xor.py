"""XOR: 2 -> 2 sigmoid -> 1 sigmoid, one example per step in the given order, plain SGD, MSE.

The whole run is 8000 steps (2000 epochs of four); a round is its first STEPS, so that
Keras fit (about a millisecond a step) keeps a round to seconds.
"""

import dataclasses

import keras
import tensorflow as tf

STEPS = 1000  # a multiple of the four examples
# As the implementations: an epoch of the four examples, run in one call.
KERAS_STEPS_PER_EPOCH = 4


def spec_for_steps(spec, steps):
    return dataclasses.replace(spec, steps=steps, epochs=steps // len(spec.x_train))


def batches(spec):
    return [(spec.x_train[i:i + 1], spec.y_train[i:i + 1]) for i in range(len(spec.x_train))]


def model(weights, x):
    hidden = tf.sigmoid(tf.matmul(x, weights["W1"]) + weights["b1"])
    return tf.sigmoid(tf.matmul(hidden, weights["W2"]) + weights["b2"])


def loss(y, prediction):
    return tf.reduce_mean(tf.square(prediction - y))


def optimizer(spec):
    return keras.optimizers.SGD(spec.learning_rate)


def tf1_optimizer(spec):
    return tf.compat.v1.train.GradientDescentOptimizer(spec.learning_rate)


def keras_model(spec, steps_per_execution=1):
    weights, Constant = spec.initial_weights, keras.initializers.Constant
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(2, activation="sigmoid", kernel_initializer=Constant(weights["W1"]),
                           bias_initializer=Constant(weights["b1"])),
        keras.layers.Dense(1, activation="sigmoid", kernel_initializer=Constant(weights["W2"]),
                           bias_initializer=Constant(weights["b2"])),
    ])
    model.compile(optimizer=optimizer(spec), loss="mse", steps_per_execution=steps_per_execution,
                  jit_compile=False)
    return model
