"""
Title: XOR with two sigmoid layers, TF1 Session
Description: A TF1 graph of placeholders and variables, run one example per Session.run.
"""

# Setup
# TensorFlow 1's API, in tf.compat.v1: build a graph first, then run parts of it in a Session.
from types import SimpleNamespace

import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.xor.spec import SPEC

v1 = tf.compat.v1


def build_model(spec):
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders stand for the data; each Session.run feeds them arrays.
        x = v1.placeholder(tf.float32, shape=[None, 2], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        # minimize adds the gradient and update ops: running train_op is one step.
        weights = {name: v1.get_variable(name, initializer=value) for name, value in spec.initial_weights.items()}
        hidden = tf.sigmoid(tf.matmul(x, weights["W1"]) + weights["b1"])
        hypothesis = tf.sigmoid(tf.matmul(hidden, weights["W2"]) + weights["b2"])
        loss = tf.reduce_mean(tf.square(hypothesis - y))
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.GradientDescentOptimizer(spec.learning_rate).minimize(loss, global_step=global_step)
        predicted = tf.cast(hypothesis > 0.5, tf.float32)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, y), tf.float32))
        saver = v1.train.Saver()
        session = v1.Session(graph=graph)
        session.run(v1.global_variables_initializer())
    return SimpleNamespace(session=session, saver=saver, x=x, y=y, weights=weights, hypothesis=hypothesis,
                           loss=loss, train_op=train_op, accuracy=accuracy)


def fit(model, spec):
    # Train
    # Each Session.run of [loss, train_op] is one update on one example, in the given order.
    losses = []
    for epoch in range(spec.epochs):
        epoch_loss = np.float32(0)
        for example in range(len(spec.x_train)):
            feed = {model.x: spec.x_train[example:example + 1], model.y: spec.y_train[example:example + 1]}
            epoch_loss += model.session.run([model.loss, model.train_op], feed_dict=feed)[0]
        losses.append(epoch_loss / len(spec.x_train))  # each epoch's mean loss, as Keras's history
    return losses


def evaluate(model, spec, losses):
    # Evaluate
    # Evaluating is running other ops of the same graph, fed other data.
    accuracy_value = model.session.run(model.accuracy, feed_dict={model.x: spec.x_train, model.y: spec.y_train})
    predictions = model.session.run(model.hypothesis, feed_dict={model.x: spec.probe_inputs})
    return TrainingResult(losses=np.array(losses), weights=model.session.run(model.weights), predictions=predictions,
                          metrics={"accuracy": float(accuracy_value)})


def train(spec=SPEC):
    model = build_model(spec)
    with model.session:
        return evaluate(model, spec, fit(model, spec))


# Save and resume
def save(model, folder):
    with model.session.graph.as_default():
        model.saver.save(model.session, f"{folder}/model.ckpt")


def restore(model, path):
    with model.session.graph.as_default():
        model.saver.restore(model.session, path)


if __name__ == "__main__":
    SPEC.report(train())
