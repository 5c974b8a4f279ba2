"""
Title: XOR with two sigmoid layers, eager GradientTape
Description: Every op runs as Python reaches it; the tape records them for the gradient. One example per update.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.xor.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # One example per update, in the given order (fit with batch_size=1, no shuffling).
    examples = [(tf.constant(spec.x_train[i:i + 1]), tf.constant(spec.y_train[i:i + 1]))
                for i in range(len(spec.x_train))]

    # Build the model
    W1, b1 = tf.Variable(spec.initial_weights["W1"]), tf.Variable(spec.initial_weights["b1"])
    W2, b2 = tf.Variable(spec.initial_weights["W2"]), tf.Variable(spec.initial_weights["b2"])

    def xor_model(x):
        hidden = tf.sigmoid(tf.matmul(x, W1) + b1)
        return tf.sigmoid(tf.matmul(hidden, W2) + b2)

    learning_rate = tf.constant(spec.learning_rate)

    # Train
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(xor_model(x) - y))
        gradients = tape.gradient(loss, [W1, b1, W2, b2])
        # Plain SGD written out, as Keras's SGD computes it: w -= learning_rate * gradient.
        for variable, gradient in zip([W1, b1, W2, b2], gradients):
            variable.assign_sub(learning_rate * gradient)
        return loss

    losses = []
    for epoch in range(spec.epochs):
        epoch_loss = np.float32(0)
        for x, y in examples:
            epoch_loss += train_step(x, y).numpy()
        losses.append(epoch_loss / len(examples))  # each epoch's mean loss, as Keras's history

    # Evaluate
    predictions = xor_model(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), predictions=predictions.numpy(),
                          weights={"W1": W1.numpy(), "b1": b1.numpy(), "W2": W2.numpy(), "b2": b2.numpy()})


if __name__ == "__main__":
    SPEC.report(train())
