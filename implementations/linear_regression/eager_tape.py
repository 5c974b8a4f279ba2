"""
Title: Linear regression y = 2x, eager GradientTape
Description: Every op runs as Python reaches it; the tape records them for the gradient.
"""

# Setup
# TensorFlow 2 runs eagerly: each op computes its value at once, like NumPy, and a
# GradientTape records the ops it sees so that it can differentiate them afterwards.
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
    # The weights are tf.Variables, the tensors training may change; the model is a plain
    # Python function of them. Keras's SGD optimizer applies the updates.
    W = tf.Variable(spec.initial_weights["W"])
    b = tf.Variable(spec.initial_weights["b"])

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
    # One step: compute the loss under the tape, ask the tape for the gradient of the loss
    # with respect to each variable, and let the optimizer apply them.
    losses = []
    for step in range(int(optimizer.iterations), spec.steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(linear_model(x_train) - y_train))
        gradients = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(gradients, [W, b]))
        losses.append(loss.numpy())

    # Evaluate
    # keras.metrics objects accumulate batches with update_state and report with result;
    # here one batch, the training points. Then the model's answer for the probe inputs.
    mse, mae = keras.metrics.MeanSquaredError(), keras.metrics.MeanAbsoluteError()

    def evaluate(x, y):
        outputs = linear_model(x)
        mse.update_state(y, outputs)
        mae.update_state(y, outputs)

    evaluate(x_train, y_train)
    predictions = linear_model(spec.probe_inputs)

    # Then save. Checkpoint.write saves the variables' values (ckpt.index and .data files); it is
    # read back into objects of the same structure, whatever their Python names.
    if save_to:
        checkpoint.write(os.path.join(save_to, "ckpt"))
    return TrainingResult(losses=np.array(losses), weights={"W": W.numpy(), "b": b.numpy()},
                          predictions=predictions.numpy(),
                          metrics={"mse": float(mse.result()), "mae": float(mae.result())})


if __name__ == "__main__":
    SPEC.report(train())
