"""
Title: Polynomial fit y = a x^2 + b x + c, eager GradientTape
Description: Three scalar tf.Variables; every op runs as Python reaches it, the tape records them for Adam.
"""

# Setup
# TensorFlow 2 runs eagerly: each op computes its value at once, like NumPy, and a
# GradientTape records the ops it sees so that it can differentiate them afterwards.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.polynomial_fit.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # The 50 training points as constant tensors of shape (50, 1).
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)

    # Build the model
    # The coefficients are scalar tf.Variables, the tensors training may change; the model
    # is a plain Python function of them. Keras's Adam optimizer applies the updates.
    a = tf.Variable(spec.initial_weights["a"])
    b = tf.Variable(spec.initial_weights["b"])
    c = tf.Variable(spec.initial_weights["c"])

    def quadratic_model(x):
        return a * tf.square(x) + b * x + c  # tf.square: x ** 2 is tf.pow, which rounds unlike x * x

    # tf-rosetta divergences adam_epsilon
    # tf-rosetta divergences adam_one_minus_beta
    optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                      epsilon=spec.epsilon)
    # A tf.train.Checkpoint saves the objects it is given, and what they track (the
    # optimizer's moments and step count), under the attribute names: a, b, c, optimizer.
    checkpoint = tf.train.Checkpoint(a=a, b=b, c=c, optimizer=optimizer)
    if resume_from:
        optimizer.build([a, b, c])  # create the moments, so that read fills them at once
        checkpoint.read(resume_from).assert_consumed()

    # Train
    # One step: compute the loss under the tape, ask the tape for the gradient of the loss
    # with respect to each variable, and let the optimizer apply them.
    losses = []
    for step in range(int(optimizer.iterations), spec.steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(quadratic_model(x_train) - y_train))
        gradients = tape.gradient(loss, [a, b, c])
        optimizer.apply_gradients(zip(gradients, [a, b, c]))
        losses.append(loss.numpy())

    # Evaluate
    # keras.metrics objects accumulate batches with update_state and report with result;
    # here one batch, the training points. Then the fitted curve at the probe inputs.
    mse, mae = keras.metrics.MeanSquaredError(), keras.metrics.MeanAbsoluteError()

    def evaluate(x, y):
        outputs = quadratic_model(x)
        mse.update_state(y, outputs)
        mae.update_state(y, outputs)

    evaluate(x_train, y_train)
    predictions = quadratic_model(spec.probe_inputs)

    # Then save. Checkpoint.write saves the variables' values (ckpt.index and .data files); it is
    # read back into objects of the same structure, whatever their Python names.
    if save_to:
        checkpoint.write(os.path.join(save_to, "ckpt"))
    return TrainingResult(losses=np.array(losses), weights={"a": a.numpy(), "b": b.numpy(), "c": c.numpy()},
                          predictions=predictions.numpy(),
                          metrics={"mse": float(mse.result()), "mae": float(mae.result())})


if __name__ == "__main__":
    SPEC.report(train())
