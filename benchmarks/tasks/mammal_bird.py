"""Mammal or bird: 2 -> 10 ReLU -> 3 on six examples, full batch, Adam, softmax cross-entropy."""

import keras
import tensorflow as tf


def batches(spec):
    return [(spec.x_train, spec.y_train)]


def model(weights, x):
    hidden = tf.nn.relu(tf.matmul(x, weights["W1"]) + weights["b1"])
    return tf.matmul(hidden, weights["W2"]) + weights["b2"]  # logits


def loss(y, prediction):
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=prediction))


def optimizer(spec):
    return keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)


def tf1_optimizer(spec):
    return tf.compat.v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                            epsilon=spec.epsilon)


def keras_model(spec, steps_per_execution=1):
    weights = spec.initial_weights
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(10, activation="relu", kernel_initializer=keras.initializers.Constant(weights["W1"]),
                           bias_initializer=keras.initializers.Constant(weights["b1"])),
        keras.layers.Dense(3, kernel_initializer=keras.initializers.Constant(weights["W2"]),
                           bias_initializer=keras.initializers.Constant(weights["b2"])),
    ])
    model.compile(optimizer=optimizer(spec), loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  steps_per_execution=steps_per_execution, jit_compile=False)
    return model
