"""
Title: Mammal or bird, eager GradientTape
Description: Every op runs as Python reaches it; the tape records them for the gradient.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mammal_bird.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)

    # Build the model
    W1 = tf.Variable(spec.initial_weights["W1"])
    b1 = tf.Variable(spec.initial_weights["b1"])
    W2 = tf.Variable(spec.initial_weights["W2"])
    b2 = tf.Variable(spec.initial_weights["b2"])
    variables = [W1, b1, W2, b2]

    def model(x):
        hidden = tf.nn.relu(tf.matmul(x, W1) + b1)
        return tf.matmul(hidden, W2) + b2  # logits

    # beta and epsilon from the spec: Keras's defaults differ from TF1's.
    optimizer = tf.keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                         epsilon=spec.epsilon)

    # Train
    losses = []
    for step in range(spec.steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_train, logits=model(x_train)))
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        losses.append(loss.numpy())

    # Evaluate
    predictions = model(spec.probe_inputs)
    weights = {"W1": W1.numpy(), "b1": b1.numpy(), "W2": W2.numpy(), "b2": b2.numpy()}
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=predictions.numpy())


if __name__ == "__main__":
    SPEC.report(train())
