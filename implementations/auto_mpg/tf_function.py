"""
Title: Auto MPG regression with validation, early stopping and a learning-rate schedule, tf.function
Description: The eager program with its training and evaluation steps traced by @tf.function; the epoch loop, with the callbacks' work, stays Python.
"""

# Setup
# The eager program with @tf.function on its steps, each traced once; the epoch loop writes the callbacks.
import math
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.auto_mpg.spec import SPEC
from tf_rosetta.implementations.contract import TrainingResult


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
    weights = {name: tf.Variable(value, name=name) for name, value in spec.initial_weights.items()}
    variables = list(weights.values())
    optimizer = keras.optimizers.RMSprop(spec.learning_rate, rho=spec.rho, epsilon=spec.epsilon)
    checkpoint = tf.train.Checkpoint(**weights)
    loss_mean, mae, mse = keras.metrics.Mean(), keras.metrics.MeanAbsoluteError(), keras.metrics.MeanSquaredError()

    def model(x):
        hidden1 = tf.nn.relu(x @ weights["W1"] + weights["b1"])
        hidden2 = tf.nn.relu(hidden1 @ weights["W2"] + weights["b2"])
        return hidden2 @ weights["W3"] + weights["b3"]

    @tf.function
    def evaluate_step(x, y):
        outputs = model(x)
        loss_mean.update_state(tf.reduce_mean(tf.square(outputs - y)), sample_weight=tf.shape(x)[0])
        mae.update_state(y, outputs)
        mse.update_state(y, outputs)

    def run_batches(step, dataset):
        for metric in (loss_mean, mae, mse):
            metric.reset_state()
        for x, y in dataset:
            step(x, y)
        return {"loss": float(loss_mean.result()), "mae": float(mae.result()), "mse": float(mse.result())}

    # Train
    # Each epoch: the scheduled rate, a traced step per batch, validation, summaries, best checkpoint, patience.
    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        # tf-rosetta divergences fit_epoch_loss_weighted
        loss_mean.update_state(loss, sample_weight=tf.shape(x)[0])

    train_writer = tf.summary.create_file_writer(os.path.join(run_folder, "logs", "train"))
    validation_writer = tf.summary.create_file_writer(os.path.join(run_folder, "logs", "validation"))
    history = []  # a row an epoch: loss, val_loss, val_mae, val_mse, learning_rate
    best, wait = math.inf, 0
    for epoch in range(spec.epochs):
        if epoch >= spec.schedule_keep:  # the scheduler: the rate as given, then times exp(-0.1) each epoch
            optimizer.learning_rate = float(optimizer.learning_rate) * math.exp(spec.schedule_exponent)
        epoch_loss = run_batches(train_step, train_data)["loss"]
        scores = run_batches(evaluate_step, val_data)
        history.append([epoch_loss, *scores.values(), float(optimizer.learning_rate)])
        with train_writer.as_default(step=epoch):  # as_default flushes the summaries on leaving
            tf.summary.scalar("loss", epoch_loss)
            tf.summary.scalar("learning_rate", optimizer.learning_rate)
        with validation_writer.as_default(step=epoch):
            tf.summary.scalar("loss", scores["loss"])
        wait = 0 if scores["loss"] < best else wait + 1
        best = min(best, scores["loss"])
        if wait == 0 or epoch == 0:  # with no better epoch (a NaN loss), EarlyStopping keeps the first
            best_path = checkpoint.write(os.path.join(run_folder, "best"))
        elif wait >= spec.patience:
            break
    checkpoint.read(best_path).assert_consumed()  # restore the best weights

    # Evaluate
    # The best epoch's weights on the test rows, by the evaluation step the validation pass runs.
    losses, *series = np.array(history, dtype=np.float32).T
    return TrainingResult(losses=losses, weights={name: variable.numpy() for name, variable in weights.items()},
                          metrics=run_batches(evaluate_step, test_data), predictions=model(spec.probe_inputs).numpy(),
                          history=dict(zip(("val_loss", "val_mae", "val_mse", "learning_rate"), series)),
                          stopped_epoch=len(history), run_folder=run_folder)


if __name__ == "__main__":
    SPEC.report(train())
