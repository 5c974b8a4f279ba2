"""
Title: Mammal or bird, TF1 Session
Description: The course's TF1 graph: placeholders, two layers of variables, AdamOptimizer, Session.run.
"""

# Setup
# TensorFlow 1's API lives on in tf.compat.v1: build a graph first, then run parts of it
# in a Session. The graph gets a tf.Graph of its own; the rest of the process stays eager.
import os

import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mammal_bird.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC, save_to=None, resume_from=None):
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders stand for the features and the one-hot labels; each Session.run
        # feeds them arrays. The batch dimension is None: any number of animals.
        X = v1.placeholder(tf.float32, shape=[None, 2], name="X")
        Y = v1.placeholder(tf.float32, shape=[None, 3], name="Y")

        # Build the model
        # Two layers of variables, 2 -> 10 with ReLU -> 3 logits. minimize adds the gradient
        # and Adam update ops, so running train_op is one step. The accuracy is more graph
        # ops: argmax, equal, reduce_mean, as the course wrote them.
        W1 = v1.get_variable("W1", initializer=spec.initial_weights["W1"])
        b1 = v1.get_variable("b1", initializer=spec.initial_weights["b1"])
        W2 = v1.get_variable("W2", initializer=spec.initial_weights["W2"])
        b2 = v1.get_variable("b2", initializer=spec.initial_weights["b2"])
        L1 = tf.nn.relu(tf.add(tf.matmul(X, W1), b1))
        model = tf.add(tf.matmul(L1, W2), b2)  # logits

        cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=model))
        # beta1, beta2 and epsilon are TF1's defaults, written out as every program passes them.
        optimizer = v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                           epsilon=spec.epsilon)
        global_step = v1.train.get_or_create_global_step()
        train_op = optimizer.minimize(cost, global_step=global_step)
        prediction = tf.argmax(model, 1)
        target = tf.argmax(Y, 1)
        is_correct = tf.equal(prediction, target)
        accuracy = tf.reduce_mean(tf.cast(is_correct, tf.float32))
        init = v1.global_variables_initializer()
        # A Saver saves and restores the graph's variables by name: the weights, Adam's
        # moments (W1/Adam, W1/Adam_1, ...), its beta powers and the global step.
        saver = v1.train.Saver()

    # Train
    # Each Session.run of [cost, train_op] computes the loss and applies one update, fed
    # all six animals. Resuming restores every variable from a checkpoint instead of
    # running the initializer, and goes on from its global step.
    with v1.Session(graph=graph) as session:
        if resume_from:
            saver.restore(session, resume_from)
        else:
            session.run(init)
        losses = []
        for step in range(session.run(global_step), spec.steps):
            cost_value, _ = session.run([cost, train_op], feed_dict={X: spec.x_train, Y: spec.y_train})
            losses.append(cost_value)

        # Evaluate
        # Evaluating is running other ops of the same graph: the accuracy fed the six
        # animals and their labels, the logits fed the probe inputs.
        train_accuracy = session.run(accuracy, feed_dict={X: spec.x_train, Y: spec.y_train})
        predictions = session.run(model, feed_dict={X: spec.probe_inputs})
        weights = dict(zip(["W1", "b1", "W2", "b2"], session.run([W1, b1, W2, b2])))

        # Then save. Saver.save writes a name-based checkpoint: model.ckpt.index and .data files.
        if save_to:
            saver.save(session, os.path.join(save_to, "model.ckpt"))
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=predictions,
                          metrics={"accuracy": float(train_accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
