"""
Title: Linear regression y = 2x, TF1 Session
Description: A TF1 graph of placeholders and variables, run step by step with Session.run.
"""

# Setup
# TensorFlow 1's API lives on in tf.compat.v1: build a graph first, then run parts of it
# in a Session. The graph gets a tf.Graph of its own; the rest of the process stays eager.
import os

import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.linear_regression.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC, save_to=None, resume_from=None):
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders stand for the data in the graph; each Session.run feeds them arrays.
        # The batch dimension is None, so one graph serves the training and the probe inputs.
        x = v1.placeholder(tf.float32, shape=[None, 1], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        # get_variable declares the weights with their starting values, which the initializer
        # op assigns once. minimize adds the gradient and update ops to the graph: running
        # train_op is one step. A metric is one more op, here the mean absolute error.
        W = v1.get_variable("W", initializer=spec.initial_weights["W"])
        b = v1.get_variable("b", initializer=spec.initial_weights["b"])
        hypothesis = tf.matmul(x, W) + b

        loss = tf.reduce_mean(tf.square(hypothesis - y))
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.GradientDescentOptimizer(spec.learning_rate).minimize(loss, global_step=global_step)
        mean_absolute_error = tf.reduce_mean(tf.abs(hypothesis - y))
        init = v1.global_variables_initializer()
        # A Saver saves and restores the graph's variables by name: the weights and the global
        # step (plain gradient descent keeps no state of its own).
        saver = v1.train.Saver()

    # Train
    # Each Session.run of [loss, train_op] computes the loss and applies one update, fed the
    # four training points. Resuming restores every variable from a checkpoint instead of
    # running the initializer, and goes on from its global step.
    with v1.Session(graph=graph) as session:
        if resume_from:
            saver.restore(session, resume_from)
        else:
            session.run(init)
        losses = []
        for step in range(session.run(global_step), spec.steps):
            loss_value, _ = session.run([loss, train_op], feed_dict={x: spec.x_train, y: spec.y_train})
            losses.append(loss_value)

        # Evaluate
        # Evaluating is running other ops of the same graph: the loss (the mean squared error)
        # and the mean absolute error fed the training points, the hypothesis fed the probes.
        mse, mae = session.run([loss, mean_absolute_error],
                               feed_dict={x: spec.x_train, y: spec.y_train})
        predictions = session.run(hypothesis, feed_dict={x: spec.probe_inputs})
        W_value, b_value = session.run([W, b])

        # Then save. Saver.save writes a name-based checkpoint: model.ckpt.index and .data files.
        if save_to:
            saver.save(session, os.path.join(save_to, "model.ckpt"))
    return TrainingResult(losses=np.array(losses), weights={"W": W_value, "b": b_value}, predictions=predictions,
                          metrics={"mse": float(mse), "mae": float(mae)})


if __name__ == "__main__":
    SPEC.report(train())
