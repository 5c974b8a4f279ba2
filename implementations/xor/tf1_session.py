"""
Title: XOR with two sigmoid layers, TF1 Session
Description: A TF1 graph of placeholders and variables, run one example per Session.run.
"""

# Setup
# TensorFlow 1's API lives on in tf.compat.v1: build a graph first, then run parts of it
# in a Session. The graph gets a tf.Graph of its own; the rest of the process stays eager.
import os

import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.xor.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC, save_to=None, resume_from=None):
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders stand for the data in the graph; each Session.run feeds them arrays,
        # here one example at a time. The batch dimension is None, so any count fits.
        x = v1.placeholder(tf.float32, shape=[None, 2], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        # Two layers of variables with their starting values, which the initializer op assigns
        # once. minimize adds the gradient and update ops: running train_op is one step. The
        # accuracy is ops too: the output rounded at 0.5, compared with the target, averaged.
        W1 = v1.get_variable("W1", initializer=spec.initial_weights["W1"])
        b1 = v1.get_variable("b1", initializer=spec.initial_weights["b1"])
        W2 = v1.get_variable("W2", initializer=spec.initial_weights["W2"])
        b2 = v1.get_variable("b2", initializer=spec.initial_weights["b2"])
        hidden = tf.sigmoid(tf.matmul(x, W1) + b1)
        hypothesis = tf.sigmoid(tf.matmul(hidden, W2) + b2)

        loss = tf.reduce_mean(tf.square(hypothesis - y))
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.GradientDescentOptimizer(spec.learning_rate).minimize(loss, global_step=global_step)
        predicted = tf.cast(hypothesis > 0.5, tf.float32)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, y), tf.float32))
        init = v1.global_variables_initializer()
        # A Saver saves and restores the graph's variables by name: the weights and the global
        # step (plain gradient descent keeps no state of its own).
        saver = v1.train.Saver()

    # Train
    # Each Session.run of [loss, train_op] is one update on one example, in the given order.
    # Resuming restores every variable from a checkpoint instead of running the initializer,
    # and goes on from the epoch its global step ends (one update an example).
    with v1.Session(graph=graph) as session:
        if resume_from:
            saver.restore(session, resume_from)
        else:
            session.run(init)
        losses = []
        for epoch in range(session.run(global_step) // len(spec.x_train), spec.epochs):
            epoch_loss = np.float32(0)
            for example in range(len(spec.x_train)):
                feed = {x: spec.x_train[example:example + 1], y: spec.y_train[example:example + 1]}
                loss_value, _ = session.run([loss, train_op], feed_dict=feed)
                epoch_loss += loss_value
            losses.append(epoch_loss / len(spec.x_train))  # each epoch's mean loss, as Keras's history

        # Evaluate
        # Evaluating is running other ops of the same graph: the accuracy fed the four points,
        # the hypothesis fed the probe inputs, and the variables for their values.
        accuracy_value = session.run(accuracy, feed_dict={x: spec.x_train, y: spec.y_train})
        predictions = session.run(hypothesis, feed_dict={x: spec.probe_inputs})
        weights = session.run({"W1": W1, "b1": b1, "W2": W2, "b2": b2})

        # Then save. Saver.save writes a name-based checkpoint: model.ckpt.index and .data files.
        if save_to:
            saver.save(session, os.path.join(save_to, "model.ckpt"))
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=predictions,
                          metrics={"accuracy": float(accuracy_value)})


if __name__ == "__main__":
    SPEC.report(train())
