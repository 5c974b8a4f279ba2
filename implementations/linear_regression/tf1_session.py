"""
Title: Linear regression y = 2x, TF1 Session
Description: A TF1 graph of placeholders and variables, run step by step with Session.run.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.linear_regression.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC):
    # Build the graph in its own tf.Graph: the rest of the process stays eager.
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        x = v1.placeholder(tf.float32, shape=[None, 1], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        W = v1.get_variable("W", initializer=spec.initial_weights["W"])
        b = v1.get_variable("b", initializer=spec.initial_weights["b"])
        hypothesis = tf.matmul(x, W) + b

        loss = tf.reduce_mean(tf.square(hypothesis - y))
        train_op = v1.train.GradientDescentOptimizer(spec.learning_rate).minimize(loss)
        init = v1.global_variables_initializer()

    # Train
    with v1.Session(graph=graph) as session:
        session.run(init)
        losses = []
        for step in range(spec.steps):
            loss_value, _ = session.run([loss, train_op], feed_dict={x: spec.x_train, y: spec.y_train})
            losses.append(loss_value)

        # Evaluate
        predictions = session.run(hypothesis, feed_dict={x: spec.probe_inputs})
        W_value, b_value = session.run([W, b])
    return TrainingResult(losses=np.array(losses), weights={"W": W_value, "b": b_value},
                          predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
