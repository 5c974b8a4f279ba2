"""
Title: Polynomial fit y = a x^2 + b x + c, TF1 Session
Description: A TF1 graph of placeholders and three scalar variables, trained by AdamOptimizer with Session.run.
"""

# Setup
# TensorFlow 1's API, in tf.compat.v1: build a graph first, then run parts of it in a Session.
from types import SimpleNamespace

import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.polynomial_fit.spec import SPEC

v1 = tf.compat.v1


def build_model(spec):
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders stand for the data; each Session.run feeds them arrays.
        x = v1.placeholder(tf.float32, shape=[None, 1], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        # minimize adds the gradient and update ops: running train_op is one step.
        a, b, c = (v1.get_variable(name, initializer=spec.initial_weights[name]) for name in "abc")
        hypothesis = a * tf.square(x) + b * x + c  # tf.square: x ** 2 is tf.pow, which rounds unlike x * x
        loss = tf.reduce_mean(tf.square(hypothesis - y))
        # tf-rosetta divergences adam_epsilon adam_one_minus_beta
        optimizer = v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                           epsilon=spec.epsilon)
        train_op = optimizer.minimize(loss, global_step=v1.train.get_or_create_global_step())
        mean_absolute_error = tf.reduce_mean(tf.abs(hypothesis - y))
        saver = v1.train.Saver()
        session = v1.Session(graph=graph)
        session.run(v1.global_variables_initializer())
    return SimpleNamespace(session=session, saver=saver, x=x, y=y, weights={"a": a, "b": b, "c": c},
                           hypothesis=hypothesis, loss=loss, train_op=train_op, mean_absolute_error=mean_absolute_error)


def fit(model, spec):
    # Train
    # Each Session.run of [loss, train_op] returns the loss and applies one update.
    feed = {model.x: spec.x_train, model.y: spec.y_train}
    return [model.session.run([model.loss, model.train_op], feed_dict=feed)[0] for step in range(spec.steps)]


def evaluate(model, spec, losses):
    # Evaluate
    # Evaluating is running other ops of the same graph, fed other data.
    mse, mae = model.session.run([model.loss, model.mean_absolute_error],
                                 feed_dict={model.x: spec.x_train, model.y: spec.y_train})
    predictions = model.session.run(model.hypothesis, feed_dict={model.x: spec.probe_inputs})
    return TrainingResult(losses=np.array(losses), weights=model.session.run(model.weights), predictions=predictions,
                          metrics={"mse": float(mse), "mae": float(mae)})


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
