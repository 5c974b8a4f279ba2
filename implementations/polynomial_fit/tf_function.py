"""
Title: Polynomial fit y = a x^2 + b x + c, tf.function
Description: The eager GradientTape and Adam step traced once by @tf.function and then run as a graph.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.polynomial_fit.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)

    # Build the model
    a = tf.Variable(spec.initial_weights["a"])
    b = tf.Variable(spec.initial_weights["b"])
    c = tf.Variable(spec.initial_weights["c"])

    @tf.function
    def quadratic_model(x):
        # tf.square, not x ** 2: TensorFlow's pow rounds x ** 2 unlike x * x.
        return a * tf.square(x) + b * x + c

    optimizer = tf.keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                         epsilon=spec.epsilon)

    # Train
    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(quadratic_model(x) - y))
        gradients = tape.gradient(loss, [a, b, c])
        optimizer.apply_gradients(zip(gradients, [a, b, c]))
        return loss

    losses = []
    for step in range(spec.steps):
        loss = train_step(x_train, y_train)
        losses.append(loss.numpy())

    # Evaluate
    predictions = quadratic_model(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), weights={"a": a.numpy(), "b": b.numpy(), "c": c.numpy()},
                          predictions=predictions.numpy())


if __name__ == "__main__":
    SPEC.report(train())
