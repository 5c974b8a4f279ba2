"""
Title: XOR with two sigmoid layers, TF1 Session
Description: A TF1 graph of placeholders and variables, run one example per Session.run.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.xor.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC):
    # Build the graph in its own tf.Graph: the rest of the process stays eager.
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        x = v1.placeholder(tf.float32, shape=[None, 2], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        W1 = v1.get_variable("W1", initializer=spec.initial_weights["W1"])
        b1 = v1.get_variable("b1", initializer=spec.initial_weights["b1"])
        W2 = v1.get_variable("W2", initializer=spec.initial_weights["W2"])
        b2 = v1.get_variable("b2", initializer=spec.initial_weights["b2"])
        hidden = tf.sigmoid(tf.matmul(x, W1) + b1)
        hypothesis = tf.sigmoid(tf.matmul(hidden, W2) + b2)

        loss = tf.reduce_mean(tf.square(hypothesis - y))
        train_op = v1.train.GradientDescentOptimizer(spec.learning_rate).minimize(loss)
        init = v1.global_variables_initializer()

    # Train
    with v1.Session(graph=graph) as session:
        session.run(init)
        losses = []
        for epoch in range(spec.epochs):
            epoch_loss = np.float32(0)
            # One example per update, in the given order (fit with batch_size=1, no shuffling).
            for example in range(len(spec.x_train)):
                feed = {x: spec.x_train[example:example + 1], y: spec.y_train[example:example + 1]}
                loss_value, _ = session.run([loss, train_op], feed_dict=feed)
                epoch_loss += loss_value
            losses.append(epoch_loss / len(spec.x_train))  # each epoch's mean loss, as Keras's history

        # Evaluate
        predictions = session.run(hypothesis, feed_dict={x: spec.probe_inputs})
        weights = session.run({"W1": W1, "b1": b1, "W2": W2, "b2": b2})
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
