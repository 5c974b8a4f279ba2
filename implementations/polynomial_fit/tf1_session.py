"""
Title: Polynomial fit y = a x^2 + b x + c, TF1 Session
Description: A TF1 graph of placeholders and three scalar variables, trained by AdamOptimizer with Session.run.
"""

# Setup
# TensorFlow 1's API lives on in tf.compat.v1: build a graph first, then run parts of it
# in a Session. The graph gets a tf.Graph of its own; the rest of the process stays eager.
import os

import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.polynomial_fit.spec import SPEC

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
        # Three scalar variables with their starting values, which the initializer op assigns
        # once. AdamOptimizer's minimize adds the gradient, moment and update ops: running
        # train_op is one step. A metric is one more op, here the mean absolute error.
        a = v1.get_variable("a", initializer=spec.initial_weights["a"])
        b = v1.get_variable("b", initializer=spec.initial_weights["b"])
        c = v1.get_variable("c", initializer=spec.initial_weights["c"])
        hypothesis = a * tf.square(x) + b * x + c  # tf.square: x ** 2 is tf.pow, which rounds unlike x * x

        loss = tf.reduce_mean(tf.square(hypothesis - y))
        # tf-rosetta divergences adam_epsilon
        # tf-rosetta divergences adam_one_minus_beta
        optimizer = v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                           epsilon=spec.epsilon)
        global_step = v1.train.get_or_create_global_step()
        train_op = optimizer.minimize(loss, global_step=global_step)
        mean_absolute_error = tf.reduce_mean(tf.abs(hypothesis - y))
        init = v1.global_variables_initializer()
        # A Saver saves and restores the graph's variables by name: the weights, Adam's
        # moments (a/Adam, a/Adam_1), its beta powers and the global step.
        saver = v1.train.Saver()

    # Train
    # Each Session.run of [loss, train_op] computes the loss and applies one update, fed the
    # 50 training points. Resuming restores every variable from a checkpoint instead of
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
        mse, mae = session.run([loss, mean_absolute_error], feed_dict={x: spec.x_train, y: spec.y_train})
        predictions = session.run(hypothesis, feed_dict={x: spec.probe_inputs})
        a_value, b_value, c_value = session.run([a, b, c])

        # Then save. Saver.save writes a name-based checkpoint: model.ckpt.index and .data files.
        if save_to:
            saver.save(session, os.path.join(save_to, "model.ckpt"))
    return TrainingResult(losses=np.array(losses), weights={"a": a_value, "b": b_value, "c": c_value},
                          predictions=predictions, metrics={"mse": float(mse), "mae": float(mae)})


if __name__ == "__main__":
    SPEC.report(train())
