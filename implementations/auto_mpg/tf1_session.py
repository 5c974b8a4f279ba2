"""
Title: Auto MPG regression with validation, early stopping and a learning-rate schedule, TF1 Session
Description: A TF1 graph trained by RMSPropOptimizer in a Session; the epoch loop writes the schedule, validation, patience, a Saver of the best epoch and summaries.
"""

# Setup
# TensorFlow 1's API in tf.compat.v1: build a graph, then run parts of it in a Session. TF1
# had no fit: each callback is written out (what every program here does: the README).
import math
import os
import tempfile

import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.auto_mpg.spec import SPEC
from tf_rosetta.implementations.contract import TrainingResult

v1 = tf.compat.v1
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def batches(x, y, size):
    for start in range(0, len(x), size):
        yield x[start:start + size], y[start:start + size]


def train(spec=SPEC):
    run_folder = tempfile.mkdtemp(prefix="auto_mpg_tf1_session_")
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders for a batch of any number of rows, fed by each Session.run.
        x = v1.placeholder(tf.float32, shape=[None, 9], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        # The learning rate is a variable too, which the schedule assigns through a placeholder.
        weights = {name: v1.get_variable(name, initializer=spec.initial_weights[name]) for name in NAMES}
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
        # TF1's RMSProp starts its mean squares at ones, Keras's at zeros: zero them, as the course's.
        zero_mean_squares = tf.group(*[optimizer.get_slot(weights[name], "rms").assign(tf.zeros_like(weights[name]))
                                       for name in NAMES])
        # Streaming metrics, local variables that their initializer resets.
        batch_size = tf.cast(tf.shape(x)[0], tf.float32)
        # tf-rosetta divergences fit_epoch_loss_weighted
        loss_mean, update_loss_mean = v1.metrics.mean(loss, weights=batch_size)
        mae, update_mae = v1.metrics.mean_absolute_error(y, outputs)
        mse, update_mse = v1.metrics.mean_squared_error(y, outputs)
        init, reset_metrics = v1.global_variables_initializer(), v1.local_variables_initializer()
        saver = v1.train.Saver(var_list=weights, max_to_keep=1)  # the weights alone
        best_path = os.path.join(run_folder, "best.ckpt")
        # A summary's tag is its op's name: outside a scope, "learning_rate" would be "learning_rate_1".
        # tf-rosetta divergences tensorboard_tags_by_api
        with tf.name_scope("summaries"):
            loss_summary = v1.summary.scalar("loss", loss_mean)
            train_summaries = v1.summary.merge([loss_summary, v1.summary.scalar("learning_rate", learning_rate)])

    split = spec.validation_start
    x_fit, y_fit, x_val, y_val = spec.x_train[:split], spec.y_train[:split], spec.x_train[split:], spec.y_train[split:]
    logs = os.path.join(run_folder, "logs")
    with v1.Session(graph=graph) as session, \
            v1.summary.FileWriter(os.path.join(logs, "train"), graph) as train_writer, \
            v1.summary.FileWriter(os.path.join(logs, "validation")) as validation_writer:
        session.run(init)
        session.run(zero_mean_squares)

        # Evaluate (defined here, used each epoch on the validation rows and at the end on the test rows)
        def evaluate(x_rows, y_rows):
            session.run(reset_metrics)
            for x_batch, y_batch in batches(x_rows, y_rows, spec.batch_size):
                session.run([update_loss_mean, update_mae, update_mse], feed_dict={x: x_batch, y: y_batch})
            return dict(zip(("loss", "mae", "mse"), map(float, session.run([loss_mean, mae, mse]))))

        def scheduler(epoch, learning_rate):
            return learning_rate if epoch < spec.schedule_keep else learning_rate * math.exp(spec.schedule_exponent)

        # Train
        # Each epoch: the scheduled rate, train_op on each batch, the validation pass, the
        # summaries; then the best checkpoint and the patience count. The Saver restores the best.
        history = {name: [] for name in ("loss", "val_loss", "val_mae", "val_mse", "learning_rate")}
        best, wait = math.inf, 0
        for epoch in range(spec.epochs):
            session.run(set_rate, feed_dict={new_rate: scheduler(epoch, float(session.run(learning_rate)))})
            session.run(reset_metrics)
            for x_batch, y_batch in batches(x_fit, y_fit, spec.batch_size):
                session.run([train_op, update_loss_mean], feed_dict={x: x_batch, y: y_batch})
            epoch_loss, summaries = session.run([loss_mean, train_summaries])
            history["loss"].append(epoch_loss)
            train_writer.add_summary(summaries, epoch)
            scores = evaluate(x_val, y_val)
            validation_writer.add_summary(session.run(loss_summary), epoch)
            for name in ("loss", "mae", "mse"):
                history["val_" + name].append(scores[name])
            history["learning_rate"].append(session.run(learning_rate))
            wait += 1
            if scores["loss"] < best:
                best, wait = scores["loss"], 0
                saver.save(session, best_path)
            elif epoch == 0:  # no better epoch yet (a NaN loss): EarlyStopping keeps the first
                saver.save(session, best_path)
            elif wait >= spec.patience:
                break
        saver.restore(session, best_path)

        # Evaluate
        # The best epoch's weights on the test rows, by the metric ops the validation pass runs.
        metrics = evaluate(spec.x_test, spec.y_test)
        predictions = session.run(outputs, feed_dict={x: spec.probe_inputs})
        final_weights = session.run(weights)
    return TrainingResult(losses=np.array(history.pop("loss"), dtype=np.float32), weights=final_weights,
                          predictions=predictions, metrics=metrics,
                          history={name: np.array(values, dtype=np.float32) for name, values in history.items()},
                          stopped_epoch=epoch + 1, run_folder=run_folder)


if __name__ == "__main__":
    SPEC.report(train())
