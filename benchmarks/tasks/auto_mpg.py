"""Auto MPG: 9 -> 64 ReLU -> 64 ReLU -> 1 on the course's training rows in batches of 32, RMSprop, mse.

The benchmark times the training step alone: the callbacks' work (schedule, validation pass,
early stopping, checkpoint) runs once an epoch and is not part of it."""

import keras
import tensorflow as tf

NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def batches(spec):
    split, size = spec.validation_start, spec.batch_size
    return [(spec.x_train[start:min(start + size, split)], spec.y_train[start:min(start + size, split)])
            for start in range(0, split, size)]


def model(weights, x):
    hidden1 = tf.nn.relu(tf.matmul(x, weights["W1"]) + weights["b1"])
    hidden2 = tf.nn.relu(tf.matmul(hidden1, weights["W2"]) + weights["b2"])
    return tf.matmul(hidden2, weights["W3"]) + weights["b3"]


def loss(y, prediction):
    return tf.reduce_mean(tf.square(prediction - y))


def optimizer(spec):
    return keras.optimizers.RMSprop(spec.learning_rate, rho=spec.rho, epsilon=spec.epsilon)


def tf1_optimizer(spec):
    # TF1's mean squares start at ones (tf-rosetta divergences tf1_rmsprop_defaults): for timing, that does not matter.
    return tf.compat.v1.train.RMSPropOptimizer(spec.learning_rate, decay=spec.rho, epsilon=spec.epsilon)


def keras_model(spec, steps_per_execution=1):
    weights = spec.initial_weights

    def dense(units, n, **options):
        return keras.layers.Dense(units, kernel_initializer=keras.initializers.Constant(weights[f"W{n}"]),
                                  bias_initializer=keras.initializers.Constant(weights[f"b{n}"]), **options)

    model = keras.Sequential([keras.Input(shape=(9,)), dense(64, 1, activation="relu"),
                              dense(64, 2, activation="relu"), dense(1, 3)])
    model.compile(optimizer=optimizer(spec), loss="mse", steps_per_execution=steps_per_execution, jit_compile=False)
    return model
