"""
Title: Auto MPG regression with validation, early stopping and a learning-rate schedule, TF1 Session
Description: A TF1 graph trained by RMSPropOptimizer in a Session; the epoch loop writes the schedule, validation, patience, a Saver of the best epoch and summaries.
"""

# Setup
# TensorFlow 1's API in tf.compat.v1: build a graph, then run parts of it in a Session; TF1 had no fit or callbacks.
import math
import os
import tempfile

import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.auto_mpg.spec import SPEC
from tf_rosetta.implementations.contract import TrainingResult

v1 = tf.compat.v1


def train(spec=SPEC):
    run_folder = tempfile.mkdtemp(prefix="auto_mpg_tf1_session_")
    with tf.Graph().as_default() as graph:
        # Prepare the data
        # Placeholders for a batch of any number of rows, fed by each Session.run.
        x = v1.placeholder(tf.float32, shape=[None, 9], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        # The learning rate is a variable too, which the schedule assigns through a placeholder.
        weights = {name: v1.get_variable(name, initializer=value) for name, value in spec.initial_weights.items()}
        hidden1 = tf.nn.relu(tf.matmul(x, weights["W1"]) + weights["b1"])
        hidden2 = tf.nn.relu(tf.matmul(hidden1, weights["W2"]) + weights["b2"])
        outputs = tf.matmul(hidden2, weights["W3"]) + weights["b3"]
        loss = tf.reduce_mean(tf.square(outputs - y))
        learning_rate = v1.get_variable("learning_rate", initializer=np.float32(spec.learning_rate), trainable=False)
        new_rate = v1.placeholder(tf.float32, shape=[])
        set_rate = learning_rate.assign(new_rate)
        # tf-rosetta divergences tf1_rmsprop_defaults
        optimizer = v1.train.RMSPropOptimizer(learning_rate, decay=spec.rho, epsilon=spec.epsilon)
        train_op = optimizer.minimize(loss)
        zero_slots = [optimizer.get_slot(weight, "rms").assign(tf.zeros_like(weight)) for weight in weights.values()]
        # tf-rosetta divergences fit_epoch_loss_weighted
        loss_mean, update_loss_mean = v1.metrics.mean(loss, weights=tf.cast(tf.shape(x)[0], tf.float32))
        mae, update_mae = v1.metrics.mean_absolute_error(y, outputs)
        mse, update_mse = v1.metrics.mean_squared_error(y, outputs)
        evaluate_ops = [update_loss_mean, update_mae, update_mse]
        init, reset_metrics = v1.global_variables_initializer(), v1.local_variables_initializer()  # metrics are local
        saver = v1.train.Saver(var_list=weights, max_to_keep=1)  # the weights alone
        # tf-rosetta divergences tensorboard_tags_by_api
        with tf.name_scope("summaries"):
            loss_summary = v1.summary.scalar("loss", loss_mean)
            train_summaries = v1.summary.merge([loss_summary, v1.summary.scalar("learning_rate", learning_rate)])

    split = spec.validation_start
    with v1.Session(graph=graph) as session, \
            v1.summary.FileWriter(os.path.join(run_folder, "logs", "train"), graph) as train_writer, \
            v1.summary.FileWriter(os.path.join(run_folder, "logs", "validation")) as validation_writer:
        session.run(init)
        session.run(zero_slots)

        def run_batches(ops, x_rows, y_rows):
            session.run(reset_metrics)
            for start in range(0, len(x_rows), spec.batch_size):
                rows = slice(start, start + spec.batch_size)
                session.run(ops, feed_dict={x: x_rows[rows], y: y_rows[rows]})
            return dict(zip(("loss", "mae", "mse"), map(float, session.run([loss_mean, mae, mse]))))

        # Train
        # Each epoch: the scheduled rate, train_op on each batch, validation, summaries, best checkpoint, patience.
        history = []  # a row an epoch: loss, val_loss, val_mae, val_mse, learning_rate
        best, wait = math.inf, 0
        for epoch in range(spec.epochs):
            if epoch >= spec.schedule_keep:  # the scheduler: the rate as given, then times exp(-0.1) each epoch
                rate = float(session.run(learning_rate)) * math.exp(spec.schedule_exponent)
                session.run(set_rate, feed_dict={new_rate: rate})
            epoch_loss = run_batches([train_op, update_loss_mean], spec.x_train[:split], spec.y_train[:split])["loss"]
            train_writer.add_summary(session.run(train_summaries), epoch)
            scores = run_batches(evaluate_ops, spec.x_train[split:], spec.y_train[split:])
            validation_writer.add_summary(session.run(loss_summary), epoch)
            history.append([epoch_loss, *scores.values(), session.run(learning_rate)])
            wait = 0 if scores["loss"] < best else wait + 1
            best = min(best, scores["loss"])
            if wait == 0 or epoch == 0:  # with no better epoch (a NaN loss), EarlyStopping keeps the first
                best_path = saver.save(session, os.path.join(run_folder, "best.ckpt"))
            elif wait >= spec.patience:
                break
        saver.restore(session, best_path)

        # Evaluate
        # The best epoch's weights on the test rows, by the metric ops the validation pass runs.
        losses, *series = np.array(history, dtype=np.float32).T
        return TrainingResult(losses=losses, weights=session.run(weights), run_folder=run_folder,
                              metrics=run_batches(evaluate_ops, spec.x_test, spec.y_test), stopped_epoch=len(history),
                              predictions=session.run(outputs, feed_dict={x: spec.probe_inputs}),
                              history=dict(zip(("val_loss", "val_mae", "val_mse", "learning_rate"), series)))


if __name__ == "__main__":
    SPEC.report(train())
