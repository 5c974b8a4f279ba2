"""
Title: MNIST MLP with BatchNorm and Dropout, TF1 Session
Description: A TF1 graph with a training placeholder, BatchNorm by hand with UPDATE_OPS, and dropout fed its step.
"""

# Setup
# TensorFlow 1's API lives on in tf.compat.v1: build a graph first, then run parts of it
# in a Session. The graph gets a tf.Graph of its own; the rest of the process stays eager.
import os

import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mnist_mlp.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC, save_to=None, resume_from=None):
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders stand for a batch of images and their labels; each Session.run feeds
        # them arrays. `training` switches BatchNorm and dropout (False unless fed), and
        # `step`, fed with each training batch, picks the step's dropout mask (tf.cond
        # needs a value for it even when it takes the branch without dropout).
        x = v1.placeholder(tf.float32, shape=[None, 28, 28], name="x")
        y = v1.placeholder(tf.int32, shape=[None], name="y")
        training = v1.placeholder_with_default(False, shape=[], name="training")
        step = v1.placeholder_with_default(0, shape=[], name="step")

        # Build the model
        # tf.compat.v1.layers.batch_normalization needs Keras 2, so BatchNorm is written as
        # TF1 programs wrote it by hand: tf.nn.moments for the batch's statistics, tf.cond to
        # use them in training and the moving averages otherwise, and assign ops for the
        # moving averages in the UPDATE_OPS collection, which train_op depends on.
        W1 = v1.get_variable("W1", initializer=spec.initial_weights["W1"])
        gamma = v1.get_variable("gamma", initializer=spec.initial_weights["gamma"])
        beta = v1.get_variable("beta", initializer=spec.initial_weights["beta"])
        moving_mean = v1.get_variable("moving_mean", initializer=spec.initial_weights["moving_mean"], trainable=False)
        moving_variance = v1.get_variable("moving_variance", initializer=spec.initial_weights["moving_variance"],
                                          trainable=False)
        W2 = v1.get_variable("W2", initializer=spec.initial_weights["W2"])
        b2 = v1.get_variable("b2", initializer=spec.initial_weights["b2"])
        momentum = spec.batchnorm_momentum

        hidden = tf.matmul(tf.reshape(x, [-1, 784]), W1)
        batch_mean, batch_variance = tf.nn.moments(hidden, axes=[0])
        # tf-rosetta divergences moving_average_update: Keras's formula
        v1.add_to_collection(v1.GraphKeys.UPDATE_OPS,
                             v1.assign(moving_mean, moving_mean * momentum + batch_mean * (1.0 - momentum)))
        v1.add_to_collection(v1.GraphKeys.UPDATE_OPS,
                             v1.assign(moving_variance, moving_variance * momentum + batch_variance * (1.0 - momentum)))
        mean, variance = tf.cond(training, lambda: (batch_mean, batch_variance),
                                 lambda: (moving_mean, moving_variance))
        hidden = tf.nn.batch_normalization(hidden, mean, variance, offset=beta, scale=gamma,
                                           variance_epsilon=spec.batchnorm_epsilon)
        hidden = tf.nn.relu(hidden)
        # tf-rosetta divergences stateful_dropout_seed: Keras's masks, seed [s, step]
        hidden = tf.cond(training,
                         lambda: tf.nn.experimental.stateless_dropout(hidden, rate=spec.dropout_rate,
                                                                      seed=[spec.dropout_seed, step]),
                         lambda: hidden)
        logits = tf.nn.bias_add(tf.matmul(hidden, W2), b2)

        # tf-rosetta divergences cross_entropy_on_probabilities
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        optimizer = v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                           epsilon=spec.epsilon)
        global_step = v1.train.get_or_create_global_step()
        # tf-rosetta divergences tf1_update_ops
        with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
            train_op = optimizer.minimize(loss, global_step=global_step)
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(y, tf.int64))
        accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
        init = v1.global_variables_initializer()
        # A Saver saves and restores the graph's variables by name: the weights, the moving
        # statistics, Adam's moments (W1/Adam, W1/Adam_1), its beta powers and the global step.
        saver = v1.train.Saver()

    # Train
    # Each Session.run of [loss, train_op] in training mode computes the batch's loss with
    # the step's dropout mask and batch statistics, moves the moving averages (UPDATE_OPS)
    # and applies one Adam update. Resuming restores every variable from a checkpoint instead
    # of running the initializer, and goes on from its global step: that step's batch and mask.
    with v1.Session(graph=graph) as session:
        if resume_from:
            saver.restore(session, resume_from)
        else:
            session.run(init)
        losses = []
        for step_number in range(session.run(global_step), spec.steps):
            batch = spec.batch_indices[step_number]
            feed = {x: spec.x_train[batch], y: spec.y_train[batch], training: True, step: step_number}
            loss_value, _ = session.run([loss, train_op], feed_dict=feed)
            losses.append(loss_value)

        # Evaluate
        # Evaluating is running other ops of the same graph with `training` left False: the
        # moving statistics, no dropout. The accuracy and the logits of the test images.
        test_accuracy, test_logits = session.run([accuracy, logits], feed_dict={x: spec.probe_inputs, y: spec.y_test})
        names = ["W1", "gamma", "beta", "moving_mean", "moving_variance", "W2", "b2"]
        weights = dict(zip(names, session.run([W1, gamma, beta, moving_mean, moving_variance, W2, b2])))

        # Then save. Saver.save writes a name-based checkpoint: model.ckpt.index and .data files.
        if save_to:
            saver.save(session, os.path.join(save_to, "model.ckpt"))
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=test_logits,
                          metrics={"accuracy": float(test_accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
