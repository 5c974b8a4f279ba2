"""
Title: Logistic regression on MNIST, NumPy reference
Description: The oracle: 784 -> 10 softmax regression in float32 NumPy, gradients by hand.
"""

# Setup
import numpy as np

from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    x_train, y_train = spec.x_train, spec.y_train
    batch_size = np.float32(spec.batch_size)

    # Build the model
    W = spec.initial_weights["W"].copy()
    b = spec.initial_weights["b"].copy()

    def logistic_regression(x):
        return x @ W + b  # logits; the loss applies the softmax

    def softmax(logits):
        # Shifted by the row max, as TensorFlow's kernels do: exp never overflows.
        exp_shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return exp_shifted / exp_shifted.sum(axis=1, keepdims=True)

    learning_rate = np.float32(spec.learning_rate)

    # Train
    losses = []
    for step in range(spec.steps):
        batch = spec.batch_indices[step]
        batch_x, batch_y = x_train[batch], y_train[batch]
        logits = logistic_regression(batch_x)
        # Cross-entropy as TensorFlow's kernel computes it: log-sum-exp of the shifted logits.
        shifted = logits - logits.max(axis=1, keepdims=True)
        rows = np.arange(len(batch_y))
        loss = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[rows, batch_y])
        d_logits = softmax(logits)  # d loss / d logits = (softmax - one_hot) / batch size
        d_logits[rows, batch_y] -= 1
        d_logits /= batch_size
        gradients = [batch_x.T @ d_logits, d_logits.sum(axis=0)]
        for variable, gradient in zip([W, b], gradients):
            variable -= learning_rate * gradient
        losses.append(loss)

    # Evaluate
    predictions = softmax(logistic_regression(spec.probe_inputs))
    return TrainingResult(losses=np.array(losses), weights={"W": W, "b": b}, predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
