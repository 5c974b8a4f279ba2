"""
Title: Polynomial fit y = a x^2 + b x + c, NumPy reference
Description: The oracle: the same model and Adam in float32 NumPy, with the gradients written by hand.
"""

# Setup
# NumPy computes no gradients: every derivative, and Adam, is written out, in float32 as TensorFlow's.
import numpy as np

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.polynomial_fit.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # The 50 noisy points as float32 columns of shape (50, 1), as TensorFlow holds them.
    x_train, y_train = spec.x_train, spec.y_train
    n = np.float32(len(x_train))

    # Build the model
    # Copies of the weights, since training updates them in place; Adam's two moments for each.
    a, b, c = (spec.initial_weights[name].copy() for name in "abc")

    def quadratic_model(x):
        return a * np.square(x) + b * x + c

    learning_rate = np.float32(spec.learning_rate)
    beta_1, beta_2, epsilon = np.float32(spec.beta_1), np.float32(spec.beta_2), np.float32(spec.epsilon)
    # Adam as Keras writes it (TF1's AdamOptimizer differs only in how it forms beta**t).
    first_moments = [np.zeros_like(a) for _ in range(3)]
    second_moments = [np.zeros_like(a) for _ in range(3)]

    # Train
    # Full-batch Adam: each coefficient's gradient by the chain rule, then the moments and the step.
    losses = []
    for step in range(spec.steps):
        error = quadratic_model(x_train) - y_train
        loss = np.mean(np.square(error))
        d_prediction = 2 * error / n  # d loss / d prediction
        gradients = [np.sum(d_prediction * np.square(x_train)), np.sum(d_prediction * x_train), np.sum(d_prediction)]
        t = np.float32(step + 1)
        step_size = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        for variable, gradient, m, v in zip([a, b, c], gradients, first_moments, second_moments):
            m += (gradient - m) * (1 - beta_1)
            v += (np.square(gradient) - v) * (1 - beta_2)
            variable -= m * step_size / (np.sqrt(v) + epsilon)
        losses.append(loss)

    # Evaluate
    # Mean squared and mean absolute error on the training points; the curve at the probe inputs.
    error = quadratic_model(x_train) - y_train
    metrics = {"mse": float(np.mean(np.square(error))), "mae": float(np.mean(np.abs(error)))}
    predictions = quadratic_model(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), weights={"a": a, "b": b, "c": c}, predictions=predictions,
                          metrics=metrics)


if __name__ == "__main__":
    SPEC.report(train())
