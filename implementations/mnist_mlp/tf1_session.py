"""
Title: MNIST MLP with BatchNorm and Dropout, TF1 Session
Description: A TF1 graph: a training placeholder, BatchNorm by hand with UPDATE_OPS, dropout seeded by the global step.
"""

# Setup
# TensorFlow 1: a graph first, then parts of it run in a Session (README: How the programs read).
from types import SimpleNamespace

import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.mnist_mlp.spec import SPEC

v1 = tf.compat.v1


def build_model(spec):
    with tf.Graph().as_default() as graph:
        # Prepare the data
        # Placeholders for a batch; `training` (False unless fed) switches BatchNorm and dropout.
        x, y = v1.placeholder(tf.float32, [None, 28, 28], name="x"), v1.placeholder(tf.int32, [None], name="y")
        training = v1.placeholder_with_default(False, shape=[], name="training")

        # Build the model
        # BatchNorm by hand (README); the global step, which train_op counts, numbers the masks.
        weights, momentum = spec.initial_weights, spec.batchnorm_momentum
        W1, gamma, beta = (v1.get_variable(name, initializer=weights[name]) for name in ("W1", "gamma", "beta"))
        moving_mean, moving_variance = (v1.get_variable(name, initializer=weights[name], trainable=False)
                                        for name in ("moving_mean", "moving_variance"))
        W2, b2 = (v1.get_variable(name, initializer=weights[name]) for name in ("W2", "b2"))
        global_step = v1.train.get_or_create_global_step()
        hidden = tf.matmul(tf.reshape(x, [-1, 784]), W1)
        batch_mean, batch_variance = tf.nn.moments(hidden, axes=[0])
        # tf-rosetta divergences moving_average_update: Keras's formula
        for moving, batch in ((moving_mean, batch_mean), (moving_variance, batch_variance)):
            v1.add_to_collection(v1.GraphKeys.UPDATE_OPS, moving.assign(moving * momentum + batch * (1.0 - momentum)))
        mean, variance = tf.cond(training, lambda: (batch_mean, batch_variance), lambda: (moving_mean, moving_variance))
        hidden = tf.nn.relu(tf.nn.batch_normalization(hidden, mean, variance, offset=beta, scale=gamma,
                                                      variance_epsilon=spec.batchnorm_epsilon))
        # tf-rosetta divergences stateful_dropout_seed: Keras's masks, seed [s, step]
        hidden = tf.cond(training, lambda: tf.nn.experimental.stateless_dropout(
            hidden, spec.dropout_rate, seed=[spec.dropout_seed, global_step]), lambda: hidden)
        logits = tf.nn.bias_add(tf.matmul(hidden, W2), b2)

        # tf-rosetta divergences cross_entropy_on_probabilities
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        optimizer = v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                           epsilon=spec.epsilon)
        # tf-rosetta divergences tf1_update_ops
        with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
            train_op = optimizer.minimize(loss, global_step=global_step)
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(y, tf.int64))
        accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
        saver = v1.train.Saver()  # every variable of the graph, by name
        session = v1.Session(graph=graph)
        session.run(v1.global_variables_initializer())
    variables = {variable.op.name: variable for variable in (W1, gamma, beta, moving_mean, moving_variance, W2, b2)}
    return SimpleNamespace(session=session, saver=saver, x=x, y=y, training=training, loss=loss, train_op=train_op,
                           logits=logits, accuracy=accuracy, weights=variables)


def fit(model, spec):
    # Train
    # Each Session.run of [loss, train_op], training fed True: the batch's loss, UPDATE_OPS, one Adam update.
    feeds = ({model.x: spec.x_train[batch], model.y: spec.y_train[batch], model.training: True}
             for batch in spec.batch_indices[:spec.steps])
    return [model.session.run([model.loss, model.train_op], feed_dict=feed)[0] for feed in feeds]


def evaluate(model, spec, losses):
    # Evaluate
    # Other ops of the same graph, `training` left False: the accuracy and the test logits.
    fetches = [model.accuracy, model.logits, model.weights]
    test_accuracy, test_logits, weights = model.session.run(fetches, {model.x: spec.probe_inputs, model.y: spec.y_test})
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=test_logits,
                          metrics={"accuracy": float(test_accuracy)})


def train(spec=SPEC):
    model = build_model(spec)
    with model.session:
        return evaluate(model, spec, fit(model, spec))


# Save and resume
# Saver.save writes a name-based checkpoint; restore assigns every variable from one, Adam's state and step too.
def save(model, folder):
    with model.session.graph.as_default():
        model.saver.save(model.session, f"{folder}/model.ckpt")


def restore(model, path):
    with model.session.graph.as_default():
        model.saver.restore(model.session, path)


if __name__ == "__main__":
    SPEC.report(train())
