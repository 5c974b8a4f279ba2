"""Polynomial fit y = a x^2 + b x + c: three scalars on 50 points, full batch, Adam, MSE."""

import keras
import numpy as np
import tensorflow as tf


def batches(spec):
    return [(spec.x_train, spec.y_train)]


def model(weights, x):
    # tf.square, not x ** 2, as the implementations: pow rounds unlike x * x.
    return weights["a"] * tf.square(x) + weights["b"] * x + weights["c"]


def loss(y, prediction):
    return tf.reduce_mean(tf.square(prediction - y))


def optimizer(spec):
    return keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)


def tf1_optimizer(spec):
    return tf.compat.v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                            epsilon=spec.epsilon)


def keras_model(spec, steps_per_execution=1):
    weights = spec.initial_weights
    # As the implementations: Dense on [x^2, x], kernel (a, b), bias c.
    kernel = np.array([[weights["a"]], [weights["b"]]])
    model = keras.Sequential([
        keras.Input(shape=(1,)),
        keras.layers.Lambda(lambda x: keras.layers.concatenate([x * x, x])),  # Keras 2 has no keras.ops
        keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(kernel),
                           bias_initializer=keras.initializers.Constant(weights["c"])),
    ])
    model.compile(optimizer=optimizer(spec), loss="mse", steps_per_execution=steps_per_execution,
                  jit_compile=False)
    return model
