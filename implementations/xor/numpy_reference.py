"""
Title: XOR with two sigmoid layers, NumPy reference
Description: The oracle: Dense(2, sigmoid) -> Dense(1, sigmoid) in float32 NumPy, backpropagation by hand.
"""

# Setup
# NumPy computes no gradients: every derivative is written out, in float32 as TensorFlow's.
import ctypes
import ctypes.util

import numpy as np

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.xor.spec import SPEC

# TensorFlow's CPU sigmoid, on tensors shorter than one SIMD packet (here 1 or 2 values), is
# e / (1 + e) with e = expf(min(z, 16.6355324)) from the C library. With NumPy's float32 exp
# instead, 21% of sigmoids round differently; with float64 exp, 0.04%: so call that expf.
# The C library's: libm on Linux and macOS, the Universal C Runtime on Windows (no libm there).
expf = ctypes.CDLL(ctypes.util.find_library("m") or ctypes.util.find_library("ucrtbase")).expf
expf.restype, expf.argtypes = ctypes.c_float, [ctypes.c_float]


def sigmoid(z):
    e = np.array([expf(value) for value in np.minimum(z, np.float32(16.6355324)).flat], np.float32)
    e = e.reshape(z.shape)
    return e / (1 + e)


def train(spec=SPEC):
    # Prepare the data
    # The four XOR points, (4, 2) inputs and (4, 1) targets, in float32.
    x_train, y_train = spec.x_train, spec.y_train

    # Build the model
    # Copies of the weights, since training updates them in place.
    W1, b1 = spec.initial_weights["W1"].copy(), spec.initial_weights["b1"].copy()
    W2, b2 = spec.initial_weights["W2"].copy(), spec.initial_weights["b2"].copy()

    def xor_model(x):
        hidden = sigmoid(x @ W1 + b1)
        return hidden, sigmoid(hidden @ W2 + b2)

    learning_rate = np.float32(spec.learning_rate)

    # Train
    # One example per update, in the given order: the gradient through both layers by the chain rule.
    losses = []
    for epoch in range(spec.epochs):
        epoch_loss = np.float32(0)
        for example in range(len(x_train)):
            x, y = x_train[example:example + 1], y_train[example:example + 1]
            hidden, output = xor_model(x)
            error = output - y
            loss = np.mean(np.square(error))
            d_output = 2 * error / len(x)  # d loss / d output
            # d loss / d each layer's weighted sum. Sigmoid's derivative is y (1 - y), multiplied
            # in TensorFlow's order: (dy * y) * (1 - y).
            d_output_sum = d_output * output * (1 - output)
            d_hidden_sum = (d_output_sum @ W2.T) * hidden * (1 - hidden)
            gradients = [x.T @ d_hidden_sum, d_hidden_sum.sum(axis=0),
                         hidden.T @ d_output_sum, d_output_sum.sum(axis=0)]
            for variable, gradient in zip([W1, b1, W2, b2], gradients):
                variable -= learning_rate * gradient
            epoch_loss += loss
        losses.append(epoch_loss / len(x_train))  # each epoch's mean loss, as Keras's history

    # Evaluate
    # Accuracy: the share of the four points whose output falls on the right side of 0.5.
    _, outputs = xor_model(x_train)
    metrics = {"accuracy": float(np.mean((outputs > 0.5) == (y_train == 1)))}
    _, predictions = xor_model(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), weights={"W1": W1, "b1": b1, "W2": W2, "b2": b2},
                          predictions=predictions, metrics=metrics)


if __name__ == "__main__":
    SPEC.report(train())
