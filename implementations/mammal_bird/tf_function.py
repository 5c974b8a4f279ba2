"""
Title: Mammal or bird, tf.function
Description: The eager step traced once by @tf.function and then run as a graph.
"""

# Setup
# TensorFlow 2 with @tf.function: traced once into a graph, then run as one (README: How the programs read).
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

    @tf.function
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

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=model(x)))
        gradients = tape.gradient(loss, variables)
        model.optimizer.apply_gradients(zip(gradients, variables))
        return loss

    return [train_step(x_train, y_train).numpy() for step in range(spec.steps)]


def evaluate(model, spec, losses):
    # Evaluate
    # The course's accuracy: the share of the six animals whose largest logit is at the label's one.
    @tf.function
    def accuracy(x, y):
        return tf.reduce_mean(tf.cast(tf.equal(tf.argmax(model(x), 1), tf.argmax(y, 1)), tf.float32))

    weights = {name: variable.numpy() for name, variable in model.weights.items()}
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=model(spec.probe_inputs).numpy(),
                          metrics={"accuracy": float(accuracy(*training_data(spec)))})


# Save and resume
def save(model, folder):
    tf.train.Checkpoint(**model.weights, optimizer=model.optimizer).write(f"{folder}/ckpt")
    serve = model.__call__.get_concrete_function(tf.TensorSpec([None, 2], tf.float32))
    tf.saved_model.save(model, f"{folder}/saved_model", signatures=serve)


def restore(model, path):
    model.optimizer.build(list(model.weights.values()))
    tf.train.Checkpoint(**model.weights, optimizer=model.optimizer).read(path).assert_consumed()


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
