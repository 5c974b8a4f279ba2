"""
Title: Auto MPG regression with validation, early stopping and a learning-rate schedule, NumPy reference
Description: The oracle: the MLP, RMSprop and every callback's rule in float32 NumPy, the gradients by hand.
"""

# Setup
# NumPy has no gradients, optimizers or callbacks: each is written out, in float32, with the
# rules Keras's fit and callbacks follow (README). TensorBoard's scalars are its own series.
import math

import numpy as np

from tf_rosetta.implementations.auto_mpg.spec import SPEC
from tf_rosetta.implementations.contract import TrainingResult

f32 = np.float32
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def batches(count, size):
    return [slice(start, min(start + size, count)) for start in range(0, count, size)]


def train(spec=SPEC):
    # Prepare the data
    # fit's validation_split: the last fifth of the training rows validates, never trained on.
    split = spec.validation_start
    x_fit, y_fit = spec.x_train[:split], spec.y_train[:split]
    x_val, y_val = spec.x_train[split:], spec.y_train[split:]

    # Build the model
    # The weights (copied: training updates them in place) and RMSprop's mean squares, zeros.
    # The forward pass, the backward pass by the chain rule, and Keras's evaluation rules.
    weights = {name: spec.initial_weights[name].copy() for name in NAMES}

    def forward(x):
        """The output and the two hidden layers' activations."""
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
        """Keras's evaluate: the loss is the mean of the batch means weighted by the batches' sizes;
        mae and mse accumulate every row's error, then divide by the rows."""
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

    def scheduler(epoch, learning_rate):
        return learning_rate if epoch < spec.schedule_keep else learning_rate * math.exp(spec.schedule_exponent)

    # Train
    # Each epoch: the scheduled rate (rounded as the float32 variable), an RMSprop step per
    # batch in order, the validation pass; then the best weights and the patience count.
    history = {name: [] for name in ("loss", "val_loss", "val_mae", "val_mse", "learning_rate")}
    best, best_weights, wait = f32(np.inf), None, 0
    for epoch in range(spec.epochs):
        learning_rate = f32(scheduler(epoch, float(learning_rate)))
        total = count = f32(0)
        for rows in batches(split, spec.batch_size):
            loss, gradients = loss_and_gradients(x_fit[rows], y_fit[rows])
            for name, gradient in gradients.items():
                mean_squares[name] = rho * mean_squares[name] + (f32(1) - rho) * np.square(gradient)
                weights[name] -= learning_rate * gradient / np.sqrt(mean_squares[name] + epsilon)
            total += loss * f32(rows.stop - rows.start)
            count += f32(rows.stop - rows.start)
        history["loss"].append(total / count)
        scores = evaluate(x_val, y_val)
        for name in ("loss", "mae", "mse"):
            history["val_" + name].append(scores[name])
        history["learning_rate"].append(learning_rate)
        # ModelCheckpoint(save_best_only) and EarlyStopping: strictly lower than the best so far.
        # EarlyStopping counts every epoch, resets at an improvement, stops at `patience`.
        wait += 1
        if scores["loss"] < best or best_weights is None:  # EarlyStopping keeps the first epoch's if none is better
            best_weights = {name: value.copy() for name, value in weights.items()}
        if scores["loss"] < best:
            best, wait = scores["loss"], 0
        elif wait >= spec.patience:
            break
    stopped_epoch = epoch + 1
    weights.update(best_weights)  # restore_best_weights

    # Evaluate
    # The best epoch's weights on the test rows, then the probe rows' predictions.
    metrics = {name: float(value) for name, value in evaluate(spec.x_test, spec.y_test).items()}
    predictions = forward(spec.probe_inputs)[0]
    return TrainingResult(losses=np.array(history.pop("loss")), weights=weights, predictions=predictions,
                          metrics=metrics, history={name: np.array(values) for name, values in history.items()},
                          stopped_epoch=stopped_epoch)


if __name__ == "__main__":
    SPEC.report(train())
