"""
Title: Linear regression y = 2x, tf.function
Description: The eager step traced once by @tf.function and then run as a graph.
"""

# Setup
# The eager program with @tf.function on its functions: TensorFlow traces each once into a
# graph and then runs the graph, as TF1 did, while the code stays eager-style Python.
import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.linear_regression.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # The four training points as constant tensors of shape (4, 1).
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)

    # Build the model
    # The weights are tf.Variables, created outside the traced functions, which read and
    # update them. Keras's SGD optimizer applies the updates.
    W = tf.Variable(spec.initial_weights["W"])
    b = tf.Variable(spec.initial_weights["b"])

    @tf.function
    def linear_model(x):
        return tf.matmul(x, W) + b

    optimizer = keras.optimizers.SGD(spec.learning_rate)

    # Train
    # The whole step, tape, gradient and update, is one traced graph: each call after the
    # first runs it without going back through Python op by op.
    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(linear_model(x) - y))
        gradients = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(gradients, [W, b]))
        return loss

    losses = []
    for step in range(spec.steps):
        loss = train_step(x_train, y_train)
        losses.append(loss.numpy())

    # Evaluate
    # keras.metrics objects accumulate batches with update_state and report with result;
    # here one batch, the training points. Then the model's answer for the probe inputs.
    mse, mae = keras.metrics.MeanSquaredError(), keras.metrics.MeanAbsoluteError()

    @tf.function
    def evaluate(x, y):
        outputs = linear_model(x)
        mse.update_state(y, outputs)
        mae.update_state(y, outputs)

    evaluate(x_train, y_train)
    predictions = linear_model(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), weights={"W": W.numpy(), "b": b.numpy()},
                          predictions=predictions.numpy(),
                          metrics={"mse": float(mse.result()), "mae": float(mae.result())})


if __name__ == "__main__":
    SPEC.report(train())
