"""
Title: Linear regression y = 2x, tf.function
Description: The eager step traced once by @tf.function and then run as a graph.
"""

# Setup
# TensorFlow 2 with @tf.function: traced once into a graph, then run as one (README: How the programs read).
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

    @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.float32)])
    def __call__(self, x):
        return tf.matmul(x, self.W) + self.b


def build_model(spec):
    return LinearModel(spec.initial_weights["W"], spec.initial_weights["b"], spec.learning_rate)


def fit(model, spec):
    # Train
    # One step: the loss under a GradientTape, its gradient for each variable, the optimizer's update.
    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    x_train, y_train = training_data(spec)
    return [train_step(x_train, y_train).numpy() for step in range(spec.steps)]


def evaluate(model, spec, losses):
    # Evaluate
    # keras.metrics objects accumulate batches with update_state and report with result.
    mse, mae = keras.metrics.MeanSquaredError(), keras.metrics.MeanAbsoluteError()
    @tf.function
    def update_metrics(x, y):
        outputs = model(x)
        mse.update_state(y, outputs)
        mae.update_state(y, outputs)

    update_metrics(*training_data(spec))
    return TrainingResult(losses=np.array(losses), weights={"W": model.W.numpy(), "b": model.b.numpy()},
                          predictions=model(spec.probe_inputs).numpy(),
                          metrics={"mse": float(mse.result()), "mae": float(mae.result())})


# Save and resume
def save(model, folder):
    tf.train.Checkpoint(W=model.W, b=model.b, optimizer=model.optimizer).write(f"{folder}/ckpt")
    tf.saved_model.save(model, f"{folder}/saved_model")


def restore(model, path):
    model.optimizer.build(model.trainable_variables)
    tf.train.Checkpoint(W=model.W, b=model.b, optimizer=model.optimizer).read(path).assert_consumed()


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
