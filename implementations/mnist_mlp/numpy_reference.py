"""
Title: MNIST MLP with BatchNorm and Dropout, NumPy reference
Description: The oracle: the network in float32 NumPy, BatchNorm, dropout, cross-entropy and Adam written by hand.
"""

# Setup
# No layers, no autodiff: the forward pass, every gradient and Adam in TensorFlow's order; the masks from the spec.
import numpy as np

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.mnist_mlp.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # The images and labels as arrays; batch i is the rows spec.batch_indices[i].
    x_train, y_train = spec.x_train, spec.y_train

    # Build the model
    # The weights, copied from the spec; the forward pass returns what the backward pass needs.
    weights = {name: value.copy() for name, value in spec.initial_weights.items()}
    trained = ["W1", "gamma", "beta", "W2", "b2"]
    momentum, batchnorm_epsilon = np.float32(spec.batchnorm_momentum), np.float32(spec.batchnorm_epsilon)
    keep_scale = np.float32(1 / (1 - spec.dropout_rate))  # as TensorFlow: 1 / (1 - rate) in float64, then float32

    def forward(images, training, keep=None):
        x = images.reshape(len(images), -1)  # flatten: 784 pixels a row
        hidden = x @ weights["W1"]
        if training:
            mean = np.mean(hidden, axis=0)
            variance = np.mean(np.square(hidden - mean), axis=0)  # biased, as tf.nn.moments
            weights["moving_mean"] = weights["moving_mean"] * momentum + mean * np.float32(1 - spec.batchnorm_momentum)
            weights["moving_variance"] = (weights["moving_variance"] * momentum
                                          + variance * np.float32(1 - spec.batchnorm_momentum))
        else:
            mean, variance = weights["moving_mean"], weights["moving_variance"]
        # tf.nn.batch_normalization: x * inv + (beta - mean * inv), inv = gamma / sqrt(variance + epsilon).
        rsqrt = np.float32(1) / np.sqrt(variance + batchnorm_epsilon)
        inv = rsqrt * weights["gamma"]
        normalized = hidden * inv + (weights["beta"] - mean * inv)
        activated = np.maximum(normalized, 0)
        dropped = np.where(keep, activated * keep_scale, np.float32(0)) if training else activated
        logits = dropped @ weights["W2"] + weights["b2"]
        return logits, (x, hidden, mean, rsqrt, inv, normalized, dropped)

    learning_rate, beta_1, beta_2, epsilon = np.float32([spec.learning_rate, spec.beta_1, spec.beta_2, spec.epsilon])
    one = np.float32(1)
    m = {name: np.zeros_like(weights[name]) for name in trained}
    v = {name: np.zeros_like(weights[name]) for name in trained}

    # Train
    # Each step: the forward pass with the step's mask, the gradients backwards, one Adam update.
    losses = []
    batch_size = np.float32(spec.batch_size)
    for step, batch in enumerate(spec.batch_indices):
        keep = spec.keep_mask(step)
        logits, (x, hidden, mean, rsqrt, inv, normalized, dropped) = forward(x_train[batch], training=True, keep=keep)
        y = y_train[batch]
        # Cross-entropy as TensorFlow's kernel computes it: log-sum-exp of the shifted logits.
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp_sum = np.exp(shifted).sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = np.mean(np.log(exp_sum[:, 0]) - shifted[rows, y])
        d_logits = np.exp(shifted) / exp_sum  # d loss / d logits = (softmax - one_hot) / batch size
        d_logits[rows, y] -= one
        d_logits *= one / batch_size
        d_dropped = d_logits @ weights["W2"].T
        d_activated = np.where(keep, d_dropped, np.float32(0)) * keep_scale
        d_normalized = d_activated * (normalized > 0)  # ReLU's slope is 0 at 0, as in TensorFlow
        d_beta = d_normalized.sum(axis=0)
        d_inv = (d_normalized * hidden).sum(axis=0) + (-d_beta) * mean
        d_mean = (-d_beta) * inv
        d_gamma = d_inv * rsqrt
        # rsqrt's gradient as TensorFlow writes it: -0.5 * (grad * y) * (y * y).
        d_variance = np.float32(-0.5) * ((d_inv * weights["gamma"]) * rsqrt) * (rsqrt * rsqrt)
        # variance = mean((hidden - stop_gradient(mean))^2); mean = mean(hidden): each / batch size.
        d_hidden = (d_normalized * inv
                    + (np.float32(2) * (d_variance / batch_size)) * (hidden - mean)
                    + d_mean / batch_size)
        gradients = {"W1": x.T @ d_hidden, "gamma": d_gamma, "beta": d_beta,
                     "W2": dropped.T @ d_logits, "b2": d_logits.sum(axis=0)}
        # Adam as Keras computes it, beta**t as a power (TF1 keeps a running product instead).
        t = np.float32(step + 1)
        alpha = learning_rate * np.sqrt(one - beta_2 ** t) / (one - beta_1 ** t)
        for name in trained:
            m[name] += (gradients[name] - m[name]) * (one - beta_1)
            v[name] += (np.square(gradients[name]) - v[name]) * (one - beta_2)
            weights[name] -= (m[name] * alpha) / (np.sqrt(v[name]) + epsilon)
        losses.append(loss)

    # Evaluate
    # Inference mode: the moving statistics, no dropout; the accuracy in float32, as TensorFlow's.
    predictions, _ = forward(spec.probe_inputs, training=False)
    accuracy = np.mean(np.argmax(predictions, axis=1) == spec.y_test, dtype=np.float32)
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=predictions,
                          metrics={"accuracy": float(accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
