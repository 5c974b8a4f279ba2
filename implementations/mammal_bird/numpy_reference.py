"""
Title: Mammal or bird, NumPy reference
Description: The oracle: the same network in float32 NumPy, softmax cross-entropy and Adam written by hand.
"""

# Setup
# NumPy computes no gradients: every derivative, and Adam, is written out, in float32 as TensorFlow's.
import numpy as np

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.mammal_bird.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # The six animals as float32 arrays: [fur, wings] in, one-hot [other, mammal, bird] out.
    x_train, y_train = spec.x_train, spec.y_train
    n = np.float32(len(x_train))

    # Build the model
    # Copies of the weights, since training updates them in place; Adam's two moments for each.
    weights = {name: value.copy() for name, value in spec.initial_weights.items()}

    def forward(x):
        hidden_input = x @ weights["W1"] + weights["b1"]
        hidden = np.maximum(hidden_input, 0)
        return hidden_input, hidden, hidden @ weights["W2"] + weights["b2"]

    learning_rate, beta_1, beta_2, epsilon = (np.float32(value) for value in
                                              [spec.learning_rate, spec.beta_1, spec.beta_2, spec.epsilon])
    one = np.float32(1)
    m = {name: np.zeros_like(value) for name, value in weights.items()}
    v = {name: np.zeros_like(value) for name, value in weights.items()}

    # Train
    # Full-batch Adam: the gradient through both layers by the chain rule, then the moments and the step.
    losses = []
    for step in range(spec.steps):
        hidden_input, hidden, logits = forward(x_train)
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp_sum = np.exp(shifted).sum(axis=1, keepdims=True)
        loss = np.mean(np.sum(y_train * (np.log(exp_sum) - shifted), axis=1))
        # d loss / d logits; times 1/n like TF's mean gradient (dividing by n rounds differently).
        d_logits = (np.exp(shifted) / exp_sum - y_train) * (one / n)
        # ReLU's slope at exactly 0 is 0, as in TF: the [0, 0] rows start at 0 (b1 is zero), and
        # taking it as 1 there moves the loss by 0.19.
        d_hidden_input = (d_logits @ weights["W2"].T) * (hidden_input > 0)
        gradients = {"W1": x_train.T @ d_hidden_input, "b1": d_hidden_input.sum(axis=0),
                     "W2": hidden.T @ d_logits, "b2": d_logits.sum(axis=0)}
        # Adam as Keras computes it, beta**t as a power (TF1 keeps a running product instead).
        t = np.float32(step + 1)
        alpha = learning_rate * np.sqrt(one - beta_2 ** t) / (one - beta_1 ** t)
        for name, gradient in gradients.items():
            m[name] += (gradient - m[name]) * (one - beta_1)
            v[name] += (np.square(gradient) - v[name]) * (one - beta_2)
            weights[name] -= (m[name] * alpha) / (np.sqrt(v[name]) + epsilon)
        losses.append(loss)

    # Evaluate
    # The course's accuracy: the share of the six animals whose largest logit is at the label's one.
    _, _, logits = forward(x_train)
    accuracy = np.mean(np.argmax(logits, axis=1) == np.argmax(y_train, axis=1), dtype=np.float32)
    _, _, predictions = forward(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=predictions,
                          metrics={"accuracy": float(accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
