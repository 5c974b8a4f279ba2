"""
Title: Linear regression y = 2x, NumPy reference
Description: The oracle: the same model in float32 NumPy, with the gradients written by hand.
"""

# Setup
# NumPy computes no gradients: every derivative is written out, in float32 as TensorFlow's.
import numpy as np

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.linear_regression.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # The four training points as float32 columns of shape (4, 1), as TensorFlow holds them.
    x_train, y_train = spec.x_train, spec.y_train
    n = np.float32(len(x_train))

    # Build the model
    # Copies of the weights, since training updates them in place.
    W = spec.initial_weights["W"].copy()
    b = spec.initial_weights["b"].copy()

    def linear_model(x):
        return x @ W + b

    learning_rate = np.float32(spec.learning_rate)

    # Train
    # Full-batch gradient descent: the mean squared error's gradient, 2 (prediction - y) / n,
    # carried back through x @ W + b by the chain rule, then one step against it.
    losses = []
    for step in range(spec.steps):
        error = linear_model(x_train) - y_train
        loss = np.mean(np.square(error))
        d_prediction = 2 * error / n  # d loss / d prediction
        gradients = [x_train.T @ d_prediction, d_prediction.sum(axis=0)]
        for variable, gradient in zip([W, b], gradients):
            variable -= learning_rate * gradient
        losses.append(loss)

    # Evaluate
    # The course's regression metrics, mean squared and mean absolute error, on the
    # training points; then the model's answer for the probe inputs.
    error = linear_model(x_train) - y_train
    metrics = {"mse": float(np.mean(np.square(error))), "mae": float(np.mean(np.abs(error)))}
    predictions = linear_model(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), weights={"W": W, "b": b}, predictions=predictions,
                          metrics=metrics)


if __name__ == "__main__":
    SPEC.report(train())
