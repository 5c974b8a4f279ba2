"""
Title: Mammal or bird, eager GradientTape
Description: Every op runs as Python reaches it; the tape records them for the gradient.
"""

# Setup
# TensorFlow 2, eager: each op runs as Python reaches it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.mammal_bird.spec import SPEC


# Prepare the data
# The six animals as constant tensors: [fur, wings] in, one-hot [other, mammal, bird] out.
def training_data(spec):
    return tf.constant(spec.x_train), tf.constant(spec.y_train)


# Build the model
# A tf.Module holds the weights as tf.Variables; Keras's Adam optimizer applies the updates.
class MammalBirdModel(tf.Module):
    def __init__(self, weights):
        self.weights = {name: tf.Variable(value) for name, value in weights.items()}

    def __call__(self, x):
        hidden = tf.nn.relu(tf.matmul(x, self.weights["W1"]) + self.weights["b1"])
        return tf.matmul(hidden, self.weights["W2"]) + self.weights["b2"]  # logits


def build_model(spec):
    model = MammalBirdModel(spec.initial_weights)
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    model.optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                            epsilon=spec.epsilon)
    return model


def fit(model, spec):
    # Train
    # One step: the loss under a GradientTape, its gradient for each variable, the optimizer's update.
    x_train, y_train = training_data(spec)
    variables = list(model.weights.values())
    losses = []
    for step in range(spec.steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_train, logits=model(x_train)))
        gradients = tape.gradient(loss, variables)
        model.optimizer.apply_gradients(zip(gradients, variables))
        losses.append(loss.numpy())
    return losses


def evaluate(model, spec, losses):
    # Evaluate
    # The course's accuracy: the share of the six animals whose largest logit is at the label's one.
    def accuracy(x, y):
        return tf.reduce_mean(tf.cast(tf.equal(tf.argmax(model(x), 1), tf.argmax(y, 1)), tf.float32))

    weights = {name: variable.numpy() for name, variable in model.weights.items()}
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=model(spec.probe_inputs).numpy(),
                          metrics={"accuracy": float(accuracy(*training_data(spec)))})


# Save and resume
def save(model, folder):
    tf.train.Checkpoint(**model.weights, optimizer=model.optimizer).write(f"{folder}/ckpt")


def restore(model, path):
    model.optimizer.build(list(model.weights.values()))
    tf.train.Checkpoint(**model.weights, optimizer=model.optimizer).read(path).assert_consumed()


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
