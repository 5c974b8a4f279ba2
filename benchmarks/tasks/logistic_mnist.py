"""Softmax regression 784 -> 10 on MNIST batches of 256, plain SGD: per step only.

The first STEPS batches of the spec's order (all 1000 stacked would be 800 MB), so a
round is STEPS steps; the whole run is 1000 steps of the same kind.
"""

import keras
import tensorflow as tf

STEPS = 50


def batches(spec):
    return [(spec.x_train[rows], spec.y_train[rows]) for rows in spec.batch_indices[:STEPS]]


def model(weights, x):
    # bias_add, as the implementations (and Keras Dense): its gradient sums like theirs.
    return tf.nn.bias_add(tf.matmul(x, weights["W"]), weights["b"])  # logits


def loss(y, prediction):
    return tf.reduce_mean(per_example_loss(y, prediction))


# The task has tf.distribute programs: the tf_function+mirrored row times mirrored_tape's step.
DISTRIBUTED = True


def per_example_loss(y, prediction):
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=prediction)


def optimizer(spec):
    return keras.optimizers.SGD(spec.learning_rate)


def tf1_optimizer(spec):
    return tf.compat.v1.train.GradientDescentOptimizer(spec.learning_rate)


def keras_model(spec, steps_per_execution=1):
    weights = spec.initial_weights
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(10, kernel_initializer=keras.initializers.Constant(weights["W"]),
                           bias_initializer=keras.initializers.Constant(weights["b"])),
    ])
    model.compile(optimizer=optimizer(spec), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  steps_per_execution=steps_per_execution, jit_compile=False)
    return model
