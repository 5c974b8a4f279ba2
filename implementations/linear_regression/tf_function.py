"""
Title: Linear regression y = 2x, tf.function
Description: The eager step traced once by @tf.function and then run as a graph.
"""

# Setup
# The eager program with @tf.function on its functions: TensorFlow traces each once into a
# graph and then runs the graph, as TF1 did, while the code stays eager-style Python.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.linear_regression.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
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
    # A tf.train.Checkpoint saves the objects it is given, and what they track (the
    # optimizer's step count; plain SGD has no moments), under the attribute names: W, b, optimizer.
    checkpoint = tf.train.Checkpoint(W=W, b=b, optimizer=optimizer)
    if resume_from:
        optimizer.build([W, b])  # create the optimizer's variables, so that read fills them at once
        checkpoint.read(resume_from).assert_consumed()

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
    for step in range(int(optimizer.iterations), spec.steps):
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

    # Then save. Checkpoint.write saves the variables' values (ckpt.index and .data files), for
    # training on. tf.saved_model.save writes the traced model for inference, without
    # Python: here linear_model, traced for any batch of (None, 1) inputs.
    if save_to:
        checkpoint.write(os.path.join(save_to, "ckpt"))
        serve = linear_model.get_concrete_function(tf.TensorSpec([None, 1], tf.float32))
        tf.saved_model.save(checkpoint, os.path.join(save_to, "saved_model"), signatures=serve)
    return TrainingResult(losses=np.array(losses), weights={"W": W.numpy(), "b": b.numpy()},
                          predictions=predictions.numpy(),
                          metrics={"mse": float(mse.result()), "mae": float(mae.result())})


if __name__ == "__main__":
    SPEC.report(train())
