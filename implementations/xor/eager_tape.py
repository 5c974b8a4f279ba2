"""
Title: XOR with two sigmoid layers, eager GradientTape
Description: Every op runs as Python reaches it; the tape records them for the gradient. One example per update.
"""

# Setup
# TensorFlow 2, eager: each op runs as Python reaches it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.xor.spec import SPEC


# Prepare the data
# The four XOR points as single-example batches, in the given order: one update each.
def training_data(spec):
    return [(tf.constant(spec.x_train[i:i + 1]), tf.constant(spec.y_train[i:i + 1])) for i in range(len(spec.x_train))]


# Build the model
# A tf.Module holds the weights as tf.Variables; Keras's SGD optimizer applies the updates.
class XorModel(tf.Module):
    def __init__(self, weights):
        self.weights = {name: tf.Variable(value) for name, value in weights.items()}

    def __call__(self, x):
        hidden = tf.sigmoid(tf.matmul(x, self.weights["W1"]) + self.weights["b1"])
        return tf.sigmoid(tf.matmul(hidden, self.weights["W2"]) + self.weights["b2"])


def build_model(spec):
    model = XorModel(spec.initial_weights)
    model.optimizer = keras.optimizers.SGD(spec.learning_rate)
    return model


def fit(model, spec):
    # Train
    # One step an example: the loss under a GradientTape, its gradient, the optimizer's update.
    examples = training_data(spec)
    variables = list(model.weights.values())
    losses = []
    for epoch in range(spec.epochs):
        epoch_loss = np.float32(0)
        for x, y in examples:
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            gradients = tape.gradient(loss, variables)
            model.optimizer.apply_gradients(zip(gradients, variables))
            epoch_loss += loss.numpy()
        losses.append(epoch_loss / len(examples))  # each epoch's mean loss, as Keras's history
    return losses


def evaluate(model, spec, losses):
    # Evaluate
    # A keras.metrics object accumulates batches with update_state and reports with result.
    accuracy = keras.metrics.BinaryAccuracy()
    accuracy.update_state(tf.constant(spec.y_train), model(tf.constant(spec.x_train)))
    weights = {name: variable.numpy() for name, variable in model.weights.items()}
    return TrainingResult(losses=np.array(losses), predictions=model(spec.probe_inputs).numpy(), weights=weights,
                          metrics={"accuracy": float(accuracy.result())})


# Save and resume
def save(model, folder):
    tf.train.Checkpoint(**model.weights, optimizer=model.optimizer).write(f"{folder}/ckpt")


def restore(model, path):
    model.optimizer.build(list(model.weights.values()))
    tf.train.Checkpoint(**model.weights, optimizer=model.optimizer).read(path).assert_consumed()


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
