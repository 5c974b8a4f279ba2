"""
Title: Linear regression y = 2x, eager GradientTape
Description: Every op runs as Python reaches it; the tape records them for the gradient.
"""

# Setup
# TensorFlow 2, eager: each op runs as Python reaches it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.linear_regression.spec import SPEC


# Prepare the data
# The four training points as constant tensors of shape (4, 1).
def training_data(spec):
    return tf.constant(spec.x_train), tf.constant(spec.y_train)


# Build the model
# A tf.Module holds the weights as tf.Variables; Keras's SGD optimizer applies the updates.
class LinearModel(tf.Module):
    def __init__(self, W, b, learning_rate):
        self.W, self.b = tf.Variable(W), tf.Variable(b)
        self.optimizer = keras.optimizers.SGD(learning_rate)

    def __call__(self, x):
        return tf.matmul(x, self.W) + self.b


def build_model(spec):
    return LinearModel(spec.initial_weights["W"], spec.initial_weights["b"], spec.learning_rate)


def fit(model, spec):
    # Train
    # One step: the loss under a GradientTape, its gradient for each variable, the optimizer's update.
    x_train, y_train = training_data(spec)
    losses = []
    for step in range(spec.steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x_train) - y_train))
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        losses.append(loss.numpy())
    return losses


def evaluate(model, spec, losses):
    # Evaluate
    # keras.metrics objects accumulate batches with update_state and report with result.
    mse, mae = keras.metrics.MeanSquaredError(), keras.metrics.MeanAbsoluteError()
    outputs = model(tf.constant(spec.x_train))
    mse.update_state(spec.y_train, outputs)
    mae.update_state(spec.y_train, outputs)
    return TrainingResult(losses=np.array(losses), weights={"W": model.W.numpy(), "b": model.b.numpy()},
                          predictions=model(spec.probe_inputs).numpy(),
                          metrics={"mse": float(mse.result()), "mae": float(mae.result())})


# Save and resume
def save(model, folder):
    tf.train.Checkpoint(W=model.W, b=model.b, optimizer=model.optimizer).write(f"{folder}/ckpt")


def restore(model, path):
    model.optimizer.build(model.trainable_variables)
    tf.train.Checkpoint(W=model.W, b=model.b, optimizer=model.optimizer).read(path).assert_consumed()


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
