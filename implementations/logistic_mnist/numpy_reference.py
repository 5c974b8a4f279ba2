"""
Title: Logistic regression on MNIST, NumPy reference
Description: The oracle: 784 -> 10 softmax regression in float32 NumPy, gradients by hand.
"""

# Setup
# NumPy computes no gradients: every derivative is written out, in float32 as TensorFlow's.
import numpy as np

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.logistic_mnist.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # Batch i is the rows spec.batch_indices[i], the same shuffled order in every program.
    x_train, y_train = spec.x_train, spec.y_train
    batch_size = np.float32(spec.batch_size)

    # Build the model
    # Copies of the weights, since training updates them in place.
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
    # One SGD step a batch: the cross-entropy as a log-sum-exp of the shifted logits, and its gradient.
    losses = []
    for step in range(spec.steps):
        batch = spec.batch_indices[step]
        batch_x, batch_y = x_train[batch], y_train[batch]
        logits = logistic_regression(batch_x)
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
    # Accuracy on the test images, in float32 as TensorFlow counts it; the predictions are probabilities.
    test_logits = logistic_regression(spec.probe_inputs)
    accuracy = np.mean(np.argmax(test_logits, axis=1) == spec.y_test, dtype=np.float32)
    predictions = softmax(test_logits)
    return TrainingResult(losses=np.array(losses), weights={"W": W, "b": b}, predictions=predictions,
                          metrics={"accuracy": float(accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
