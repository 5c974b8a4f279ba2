"""
Title: Linear regression y = 2x, eager GradientTape
Description: Every op runs as Python reaches it; the tape records them for the gradient.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.linear_regression.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)

    # Build the model
    W = tf.Variable(spec.initial_weights["W"])
    b = tf.Variable(spec.initial_weights["b"])

    def linear_model(x):
        return tf.matmul(x, W) + b

    optimizer = tf.keras.optimizers.SGD(spec.learning_rate)

    # Train
    losses = []
    for step in range(spec.steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(linear_model(x_train) - y_train))
        gradients = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(gradients, [W, b]))
        losses.append(loss.numpy())

    # Evaluate
    predictions = linear_model(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), weights={"W": W.numpy(), "b": b.numpy()},
                          predictions=predictions.numpy())


if __name__ == "__main__":
    SPEC.report(train())
