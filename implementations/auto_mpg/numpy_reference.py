"""
Title: Auto MPG regression with validation, early stopping and a learning-rate schedule, NumPy reference
Description: The oracle: the MLP, RMSprop and every callback's rule in float32 NumPy, the gradients by hand.
"""

# Setup
# NumPy has no gradients, optimizers or callbacks: each is written out in float32, with Keras's rules (README).
import math

import numpy as np

from tf_rosetta.implementations.auto_mpg.spec import SPEC
from tf_rosetta.implementations.contract import TrainingResult

f32 = np.float32


def batches(count, size):
    return [slice(start, min(start + size, count)) for start in range(0, count, size)]


def train(spec=SPEC):
    # Prepare the data
    # fit's validation_split: the last fifth of the training rows validates, never trained on.
    split = spec.validation_start
    x_fit, y_fit = spec.x_train[:split], spec.y_train[:split]
    x_val, y_val = spec.x_train[split:], spec.y_train[split:]

    # Build the model
    # The weights (copied: training updates them in place), the forward and backward passes, Keras's evaluation.
    weights = {name: value.copy() for name, value in spec.initial_weights.items()}

    def forward(x):
        h1 = np.maximum(x @ weights["W1"] + weights["b1"], f32(0))
        h2 = np.maximum(h1 @ weights["W2"] + weights["b2"], f32(0))
        return h2 @ weights["W3"] + weights["b3"], h1, h2

    def loss_and_gradients(x, y):
        output, h1, h2 = forward(x)
        error = output - y
        loss = np.mean(np.square(error))
        d_output = f32(2) * error / f32(len(x))
        d_h2 = (d_output @ weights["W3"].T) * (h2 > 0)
        d_h1 = (d_h2 @ weights["W2"].T) * (h1 > 0)
        return loss, {"W3": h2.T @ d_output, "b3": d_output.sum(axis=0), "W2": h1.T @ d_h2,
                      "b2": d_h2.sum(axis=0), "W1": x.T @ d_h1, "b1": d_h1.sum(axis=0)}

    def evaluate(x, y):
        loss_total = mae_total = mse_total = count = f32(0)
        for rows in batches(len(x), spec.batch_size):
            error = forward(x[rows])[0] - y[rows]
            size = f32(len(error))
            loss_total += np.mean(np.square(error)) * size
            mae_total += np.sum(np.abs(error))
            mse_total += np.sum(np.square(error))
            count += size
        return {"loss": loss_total / count, "mae": mae_total / count, "mse": mse_total / count}

    mean_squares = {name: np.zeros_like(value) for name, value in weights.items()}
    rho, epsilon = f32(spec.rho), f32(spec.epsilon)
    learning_rate = f32(spec.learning_rate)  # the optimizer's float32 variable

    # Train
    # Each epoch: the scheduled rate, an RMSprop step per batch in order, validation, best weights, patience.
    history = []  # a row an epoch: loss, val_loss, val_mae, val_mse, learning_rate
    best, wait = f32(np.inf), 0
    for epoch in range(spec.epochs):
        if epoch >= spec.schedule_keep:  # the scheduler: the rate as given, then times exp(-0.1) each epoch
            learning_rate = f32(float(learning_rate) * math.exp(spec.schedule_exponent))
        total = count = f32(0)
        for rows in batches(split, spec.batch_size):
            loss, gradients = loss_and_gradients(x_fit[rows], y_fit[rows])
            for name, gradient in gradients.items():
                mean_squares[name] = rho * mean_squares[name] + (f32(1) - rho) * np.square(gradient)
                weights[name] -= learning_rate * gradient / np.sqrt(mean_squares[name] + epsilon)
            total += loss * f32(rows.stop - rows.start)
            count += f32(rows.stop - rows.start)
        scores = evaluate(x_val, y_val)
        history.append([total / count, *scores.values(), learning_rate])
        wait = 0 if scores["loss"] < best else wait + 1
        best = min(best, scores["loss"])
        if wait == 0 or epoch == 0:  # with no better epoch (a NaN loss), EarlyStopping keeps the first
            best_weights = {name: value.copy() for name, value in weights.items()}
        elif wait >= spec.patience:
            break
    weights.update(best_weights)  # restore_best_weights

    # Evaluate
    # The best epoch's weights on the test rows, then the probe rows' predictions.
    losses, *series = np.array(history, dtype=np.float32).T
    return TrainingResult(losses=losses, weights=weights, predictions=forward(spec.probe_inputs)[0],
                          metrics={name: float(value) for name, value in evaluate(spec.x_test, spec.y_test).items()},
                          history=dict(zip(("val_loss", "val_mae", "val_mse", "learning_rate"), series)),
                          stopped_epoch=len(history))


if __name__ == "__main__":
    SPEC.report(train())
