"""
Title: XOR, the course's single neuron (a negative result)
Description: One sigmoid neuron trained by the course's update rule, 2000 epochs at rate 0.1: 2 of the 4 points right.

Run: python -m tf_rosetta.implementations.xor.course_negative_result
"""

from tf_rosetta import implementations  # noqa: F401  (the package's settings first, as every program)
import numpy as np

from tf_rosetta.implementations.xor.spec import SPEC

EPOCHS = 2000
LEARNING_RATE = 0.1
B_X = 1  # the course's constant bias input


def sigmoid(x):
    return 1 / (1 + np.exp(-x))  # the course's own sigmoid


def train_single_neuron(W, b, epochs=EPOCHS):
    """The course's loop, in float32 as its tensors were, for k neurons side by side (W (k, 2), b (k, 1)):
    the trained W, b and the error sums of every 200th epoch, as the course printed them."""
    X, Y = SPEC.x_train, SPEC.y_train  # the course's X3 and Y3, in its order
    error_sums = []
    for epoch in range(epochs):
        error_sum = np.zeros(len(W), np.float32)
        for j in range(len(X)):
            output = sigmoid(np.sum(X[j] * W, axis=-1, keepdims=True) + B_X + b)
            error = Y[j][0] - output
            W = W + X[j] * LEARNING_RATE * error
            b = b + B_X * LEARNING_RATE * error
            error_sum += error[:, 0]
        if epoch % 200 == 0:
            error_sums.append(error_sum)
    return W, b, np.array(error_sums)


def accuracy(outputs) -> float:
    return float(np.mean((outputs > 0.5) == (SPEC.y_train.ravel() == 1)))


def _starts(seeds):
    draws = np.array([np.random.default_rng(seed).standard_normal(3) for seed in seeds], np.float32)
    return draws[:, :2], draws[:, 2:]


def _outputs(W, b, bias_input):
    """(k, 4): each neuron's output on the four points."""
    return sigmoid(np.sum(SPEC.x_train * W[:, None, :], axis=-1) + bias_input + b)


def measure(starts: int = 100) -> dict:
    """The course's neuron from seed 0's start, and the accuracies reached from seeds 0..starts-1."""
    W, b, error_sums = train_single_neuron(*_starts(range(starts)))
    outputs = _outputs(W, b, 0)  # as the course evaluated: without the bias input b_x
    trained_outputs = _outputs(W, b, B_X)  # as it trained, with b_x
    return {
        "W": W[0].tolist(), "b": b[0].tolist(), "error_sums": error_sums[:, 0].tolist(),
        "outputs": outputs[0].tolist(), "accuracy": accuracy(outputs[0]),
        "trained_outputs": trained_outputs[0].tolist(), "trained_accuracy": accuracy(trained_outputs[0]),
        "starts": starts, "accuracies": sorted({accuracy(row) for row in outputs}),
        "trained_accuracies": sorted({accuracy(row) for row in trained_outputs}),
    }


if __name__ == "__main__":
    found = measure()
    for epoch, error_sum in zip(range(0, EPOCHS, 200), found["error_sums"]):
        print("Epoch {:4d}\tError Sum: {}".format(epoch, error_sum))
    print("\nW\t: {}\nb\t: {}".format(found["W"], found["b"]))
    for x, y, output in zip(SPEC.x_train.astype(int), SPEC.y_train.astype(int), found["outputs"]):
        print("X: {}  Y: {}  Output: {}".format(x, y, output))
    print(f"accuracy as the course evaluated (without b_x): {found['accuracy']:.2f}")
    print(f"outputs with b_x, as it trained: {np.round(found['trained_outputs'], 4).tolist()}, "
          f"accuracy {found['trained_accuracy']:.2f}")
    print(f"over {found['starts']} starts, accuracies reached: {found['accuracies']} as the course evaluated, "
          f"{found['trained_accuracies']} with b_x")
