"""Linear regression y = 2x: one Dense(1) on four points, full batch, plain SGD, MSE."""

import keras
import tensorflow as tf


def batches(spec):
    return [(spec.x_train, spec.y_train)]


def model(weights, x):
    return tf.matmul(x, weights["W"]) + weights["b"]


def loss(y, prediction):
    return tf.reduce_mean(tf.square(prediction - y))


def optimizer(spec):
    return keras.optimizers.SGD(spec.learning_rate)


def tf1_optimizer(spec):
    return tf.compat.v1.train.GradientDescentOptimizer(spec.learning_rate)


def keras_model(spec, steps_per_execution=1):
    weights = spec.initial_weights
    model = keras.Sequential([
        keras.Input(shape=(1,)),
        keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(weights["W"]),
                           bias_initializer=keras.initializers.Constant(weights["b"])),
    ])
    model.compile(optimizer=optimizer(spec), loss="mse", steps_per_execution=steps_per_execution,
                  jit_compile=False)
    return model
