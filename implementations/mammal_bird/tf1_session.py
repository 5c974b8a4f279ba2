"""
Title: Mammal or bird, TF1 Session
Description: The course's TF1 graph: placeholders, two layers of variables, AdamOptimizer, Session.run.
"""

# Setup
# TensorFlow 1's API, in tf.compat.v1: build a graph first, then run parts of it in a Session.
from types import SimpleNamespace

import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.mammal_bird.spec import SPEC

v1 = tf.compat.v1


def build_model(spec):
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        # Placeholders stand for the data; each Session.run feeds them arrays.
        X = v1.placeholder(tf.float32, shape=[None, 2], name="X")
        Y = v1.placeholder(tf.float32, shape=[None, 3], name="Y")

        # Build the model
        # minimize adds the gradient and update ops: running train_op is one step.
        weights = {name: v1.get_variable(name, initializer=value) for name, value in spec.initial_weights.items()}
        L1 = tf.nn.relu(tf.add(tf.matmul(X, weights["W1"]), weights["b1"]))
        logits = tf.add(tf.matmul(L1, weights["W2"]), weights["b2"])
        cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=logits))
        optimizer = v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                           epsilon=spec.epsilon)
        train_op = optimizer.minimize(cost, global_step=v1.train.get_or_create_global_step())
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(Y, 1)), tf.float32))
        saver = v1.train.Saver()
        session = v1.Session(graph=graph)
        session.run(v1.global_variables_initializer())
    return SimpleNamespace(session=session, saver=saver, X=X, Y=Y, weights=weights, logits=logits,
                           cost=cost, train_op=train_op, accuracy=accuracy)


def fit(model, spec):
    # Train
    # Each Session.run of [cost, train_op] returns the loss and applies one update.
    feed = {model.X: spec.x_train, model.Y: spec.y_train}
    return [model.session.run([model.cost, model.train_op], feed_dict=feed)[0] for step in range(spec.steps)]


def evaluate(model, spec, losses):
    # Evaluate
    # Evaluating is running other ops of the same graph, fed other data.
    train_accuracy = model.session.run(model.accuracy, feed_dict={model.X: spec.x_train, model.Y: spec.y_train})
    predictions = model.session.run(model.logits, feed_dict={model.X: spec.probe_inputs})
    return TrainingResult(losses=np.array(losses), weights=model.session.run(model.weights), predictions=predictions,
                          metrics={"accuracy": float(train_accuracy)})


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
