"""
Title: Polynomial fit y = a x^2 + b x + c, TF1 Session
Description: A TF1 graph of placeholders and three scalar variables, trained by AdamOptimizer with Session.run.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.polynomial_fit.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC):
    # Build the graph in its own tf.Graph: the rest of the process stays eager.
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        x = v1.placeholder(tf.float32, shape=[None, 1], name="x")
        y = v1.placeholder(tf.float32, shape=[None, 1], name="y")

        # Build the model
        a = v1.get_variable("a", initializer=spec.initial_weights["a"])
        b = v1.get_variable("b", initializer=spec.initial_weights["b"])
        c = v1.get_variable("c", initializer=spec.initial_weights["c"])
        # tf.square, not x ** 2: TensorFlow's pow rounds x ** 2 unlike x * x.
        hypothesis = a * tf.square(x) + b * x + c

        loss = tf.reduce_mean(tf.square(hypothesis - y))
        # Explicit settings: the default epsilon here is 1e-8, Keras's 1e-7.
        optimizer = v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                           epsilon=spec.epsilon)
        train_op = optimizer.minimize(loss)
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
        a_value, b_value, c_value = session.run([a, b, c])
    return TrainingResult(losses=np.array(losses), weights={"a": a_value, "b": b_value, "c": c_value},
                          predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
