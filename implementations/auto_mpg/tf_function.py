"""
Title: Auto MPG regression with validation, early stopping and a learning-rate schedule, tf.function
Description: The eager program with its training and evaluation steps traced by @tf.function; the epoch loop, with the callbacks' work, stays Python.
"""

# Setup
# The eager program with @tf.function on its steps, each traced once into a graph. The epoch
# loop, where the callbacks live, stays Python (what every program here does: the README).
import math
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.auto_mpg.spec import SPEC
from tf_rosetta.implementations.contract import TrainingResult

NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def train(spec=SPEC):
    run_folder = tempfile.mkdtemp(prefix="auto_mpg_tf_function_")

    # Prepare the data
    # Datasets of 32-row batches in order; the last fifth of the training rows validates.
    split = spec.validation_start
    train_data = tf.data.Dataset.from_tensor_slices((spec.x_train[:split], spec.y_train[:split])).batch(spec.batch_size)
    val_data = tf.data.Dataset.from_tensor_slices((spec.x_train[split:], spec.y_train[split:])).batch(spec.batch_size)
    test_data = tf.data.Dataset.from_tensor_slices((spec.x_test, spec.y_test)).batch(spec.batch_size)

    # Build the model
    # The weights are tf.Variables, the model a Python function of them.
    weights = {name: tf.Variable(spec.initial_weights[name], name=name) for name in NAMES}
    variables = [weights[name] for name in NAMES]

    def model(x):
        hidden1 = tf.nn.relu(x @ weights["W1"] + weights["b1"])
        hidden2 = tf.nn.relu(hidden1 @ weights["W2"] + weights["b2"])
        return hidden2 @ weights["W3"] + weights["b3"]

    optimizer = keras.optimizers.RMSprop(spec.learning_rate, rho=spec.rho, epsilon=spec.epsilon)
    checkpoint = tf.train.Checkpoint(**weights)
    best_path = os.path.join(run_folder, "best")

    # Evaluate (defined here, used each epoch on the validation rows and at the end on the test rows)
    loss_mean, mae, mse = keras.metrics.Mean(), keras.metrics.MeanAbsoluteError(), keras.metrics.MeanSquaredError()

    @tf.function
    def evaluate_step(x, y):
        outputs = model(x)
        loss_mean.update_state(tf.reduce_mean(tf.square(outputs - y)), sample_weight=tf.shape(x)[0])
        mae.update_state(y, outputs)
        mse.update_state(y, outputs)

    def evaluate(dataset):
        for metric in (loss_mean, mae, mse):
            metric.reset_state()
        for x, y in dataset:
            evaluate_step(x, y)
        return {"loss": float(loss_mean.result()), "mae": float(mae.result()), "mse": float(mse.result())}

    def scheduler(epoch, learning_rate):
        return learning_rate if epoch < spec.schedule_keep else learning_rate * math.exp(spec.schedule_exponent)

    # Train
    # Each epoch: the scheduled rate, a traced step per batch, the validation pass, the summaries
    # (a writer a folder, flushed on leaving as_default); then the best checkpoint and patience.
    # tf-rosetta divergences fit_epoch_loss_weighted
    epoch_loss = keras.metrics.Mean()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        epoch_loss.update_state(loss, sample_weight=tf.shape(x)[0])

    writers = {folder: tf.summary.create_file_writer(os.path.join(run_folder, "logs", folder))
               for folder in ("train", "validation")}
    history = {name: [] for name in ("loss", "val_loss", "val_mae", "val_mse", "learning_rate")}
    best, wait = math.inf, 0
    for epoch in range(spec.epochs):
        optimizer.learning_rate = scheduler(epoch, float(optimizer.learning_rate))
        epoch_loss.reset_state()
        for x, y in train_data:
            train_step(x, y)
        scores = evaluate(val_data)
        history["loss"].append(float(epoch_loss.result()))
        for name in ("loss", "mae", "mse"):
            history["val_" + name].append(scores[name])
        history["learning_rate"].append(float(optimizer.learning_rate))
        with writers["train"].as_default(step=epoch):
            tf.summary.scalar("loss", epoch_loss.result())
            tf.summary.scalar("learning_rate", optimizer.learning_rate)
        with writers["validation"].as_default(step=epoch):
            tf.summary.scalar("loss", scores["loss"])
        wait += 1
        if scores["loss"] < best:
            best, wait = scores["loss"], 0
            checkpoint.write(best_path)
        elif epoch == 0:  # no better epoch yet (a NaN loss): EarlyStopping keeps the first
            checkpoint.write(best_path)
        elif wait >= spec.patience:
            break
    checkpoint.read(best_path).assert_consumed()  # restore the best weights

    # Evaluate
    # The best epoch's weights on the test rows, by the evaluate function the validation pass uses.
    metrics = evaluate(test_data)
    predictions = model(spec.probe_inputs)
    return TrainingResult(losses=np.array(history.pop("loss"), dtype=np.float32),
                          weights={name: variable.numpy() for name, variable in weights.items()},
                          predictions=predictions.numpy(), metrics=metrics,
                          history={name: np.array(values, dtype=np.float32) for name, values in history.items()},
                          stopped_epoch=epoch + 1, run_folder=run_folder)


if __name__ == "__main__":
    SPEC.report(train())
