"""
Title: Linear regression y = 2x, TF1 Session
Description: A TF1 graph of placeholders and variables, run step by step with Session.run.
"""

# Setup
# TensorFlow 1's API, in tf.compat.v1: build a graph first, then run parts of it in a Session.
from types import SimpleNamespace

import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.linear_regression.spec import SPEC

v1 = tf.compat.v1


def build_model(spec):
    with tf.Graph().as_default() as graph:
        # Prepare the data
        # Placeholders stand for the data; each Session.run feeds them arrays.
        x = v1.placeholder(tf.float32, shape=[None, 1], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        # minimize adds the gradient and update ops: running train_op is one step.
        W = v1.get_variable("W", initializer=spec.initial_weights["W"])
        b = v1.get_variable("b", initializer=spec.initial_weights["b"])
        hypothesis = tf.matmul(x, W) + b
        loss = tf.reduce_mean(tf.square(hypothesis - y))
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.GradientDescentOptimizer(spec.learning_rate).minimize(loss, global_step=global_step)
        mean_absolute_error = tf.reduce_mean(tf.abs(hypothesis - y))
        saver = v1.train.Saver()
        session = v1.Session(graph=graph)
        session.run(v1.global_variables_initializer())
    return SimpleNamespace(session=session, saver=saver, x=x, y=y, W=W, b=b, hypothesis=hypothesis, loss=loss,
                           train_op=train_op, mean_absolute_error=mean_absolute_error)


def fit(model, spec):
    # Train
    # Each Session.run of [loss, train_op] returns the loss and applies one update.
    losses = []
    for step in range(spec.steps):
        loss_value, _ = model.session.run([model.loss, model.train_op],
                                          feed_dict={model.x: spec.x_train, model.y: spec.y_train})
        losses.append(loss_value)
    return losses


def evaluate(model, spec, losses):
    # Evaluate
    # Evaluating is running other ops of the same graph, fed other data.
    mse, mae = model.session.run([model.loss, model.mean_absolute_error],
                                 feed_dict={model.x: spec.x_train, model.y: spec.y_train})
    predictions = model.session.run(model.hypothesis, feed_dict={model.x: spec.probe_inputs})
    return TrainingResult(losses=np.array(losses), weights=model.session.run({"W": model.W, "b": model.b}),
                          predictions=predictions, metrics={"mse": float(mse), "mae": float(mae)})


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
