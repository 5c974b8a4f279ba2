"""
Title: Logistic regression on MNIST, TF1 Session
Description: A TF1 graph of placeholders and variables; each batch is fed through feed_dict to Session.run.
"""

# Setup
# TensorFlow 1's API lives on in tf.compat.v1: build a graph first, then run parts of it
# in a Session. The graph gets a tf.Graph of its own; the rest of the process stays eager.
import os

import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC, save_to=None, resume_from=None):
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders stand for a batch of flattened images and their labels; each
        # Session.run feeds them arrays. The batch dimension is None: any number of rows.
        x = v1.placeholder(tf.float32, shape=[None, 784], name="x")
        y = v1.placeholder(tf.int32, shape=[None], name="y")

        # Build the model
        # get_variable declares W and b with their starting values; minimize adds the
        # gradient and update ops, so running train_op is one SGD step. The accuracy is
        # more graph ops: argmax, equal, reduce_mean, as the course wrote them.
        W = v1.get_variable("weight", initializer=spec.initial_weights["W"])
        b = v1.get_variable("bias", initializer=spec.initial_weights["b"])
        # bias_add, as Keras Dense does: its gradient sums the batch in another order than + b.
        logits = tf.nn.bias_add(tf.matmul(x, W), b)
        hypothesis = tf.nn.softmax(logits)

        # tf-rosetta divergences cross_entropy_on_probabilities
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.GradientDescentOptimizer(spec.learning_rate).minimize(loss, global_step=global_step)
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(y, tf.int64))
        accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
        init = v1.global_variables_initializer()
        # A Saver saves and restores the graph's variables by name: the weight, the bias and
        # the global step (plain gradient descent keeps no other state).
        saver = v1.train.Saver()

    # Train
    # Each Session.run of [loss, train_op] computes the batch's loss and applies one update;
    # the batches are the spec's rows, fed one by one. Resuming restores every variable from
    # a checkpoint instead of running the initializer, and goes on from its global step's batch.
    with v1.Session(graph=graph) as session:
        if resume_from:
            saver.restore(session, resume_from)
        else:
            session.run(init)
        losses = []
        for batch in spec.batch_indices[session.run(global_step):spec.steps]:
            feed = {x: spec.x_train[batch], y: spec.y_train[batch]}
            loss_value, _ = session.run([loss, train_op], feed_dict=feed)
            losses.append(loss_value)

        # Evaluate
        # Evaluating is running other ops of the same graph, fed the test images and their
        # labels: the softmax probabilities and the accuracy, in one Session.run.
        fetches = [hypothesis, accuracy]
        predictions, test_accuracy = session.run(fetches, feed_dict={x: spec.probe_inputs, y: spec.y_test})
        W_value, b_value = session.run([W, b])

        # Then save. Saver.save writes a name-based checkpoint: model.ckpt.index and .data files.
        if save_to:
            saver.save(session, os.path.join(save_to, "model.ckpt"))
    return TrainingResult(losses=np.array(losses), weights={"W": W_value, "b": b_value},
                          predictions=predictions, metrics={"accuracy": float(test_accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
