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
    def __init__(self, W1, b1, W2, b2):
        self.W1, self.b1, self.W2, self.b2 = tf.Variable(W1), tf.Variable(b1), tf.Variable(W2), tf.Variable(b2)

    def __call__(self, x):
        hidden = tf.nn.relu(tf.matmul(x, self.W1) + self.b1)
        return tf.matmul(hidden, self.W2) + self.b2  # logits


def build_model(spec):
    model = MammalBirdModel(**spec.initial_weights)
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    model.optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                            epsilon=spec.epsilon)
    return model


def fit(model, spec):
    # Train
    # One step: the loss under a GradientTape, its gradient for each variable, the optimizer's update.
    x_train, y_train = training_data(spec)
    variables = [model.W1, model.b1, model.W2, model.b2]
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
        is_correct = tf.equal(tf.argmax(model(x), 1), tf.argmax(y, 1))
        return tf.reduce_mean(tf.cast(is_correct, tf.float32))

    train_accuracy = accuracy(*training_data(spec))
    weights = {"W1": model.W1.numpy(), "b1": model.b1.numpy(), "W2": model.W2.numpy(), "b2": model.b2.numpy()}
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=model(spec.probe_inputs).numpy(),
                          metrics={"accuracy": float(train_accuracy)})


def train(spec=SPEC):
    model = build_model(spec)
    return evaluate(model, spec, fit(model, spec))


# Save and resume
def checkpoint(model):
    return tf.train.Checkpoint(W1=model.W1, b1=model.b1, W2=model.W2, b2=model.b2, optimizer=model.optimizer)


def save(model, folder):
    checkpoint(model).write(f"{folder}/ckpt")


# read fills Adam's moments only once they exist: build them first.
def restore(model, path):
    model.optimizer.build([model.W1, model.b1, model.W2, model.b2])
    checkpoint(model).read(path).assert_consumed()


if __name__ == "__main__":
    SPEC.report(train())
