"""
Title: Mammal or bird, TF1 Session
Description: The seed's TF1 graph: placeholders, two layers of variables, AdamOptimizer, Session.run.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mammal_bird.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC):
    # Build the graph in its own tf.Graph: the rest of the process stays eager.
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        X = v1.placeholder(tf.float32, shape=[None, 2], name="X")
        Y = v1.placeholder(tf.float32, shape=[None, 3], name="Y")

        # Build the model
        W1 = v1.get_variable("W1", initializer=spec.initial_weights["W1"])
        b1 = v1.get_variable("b1", initializer=spec.initial_weights["b1"])
        W2 = v1.get_variable("W2", initializer=spec.initial_weights["W2"])
        b2 = v1.get_variable("b2", initializer=spec.initial_weights["b2"])
        L1 = tf.nn.relu(tf.add(tf.matmul(X, W1), b1))
        model = tf.add(tf.matmul(L1, W2), b2)  # logits

        cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=model))
        optimizer = v1.train.AdamOptimizer(spec.learning_rate, beta1=spec.beta_1, beta2=spec.beta_2,
                                           epsilon=spec.epsilon)
        train_op = optimizer.minimize(cost)
        init = v1.global_variables_initializer()

    # Train
    with v1.Session(graph=graph) as session:
        session.run(init)
        losses = []
        for step in range(spec.steps):
            cost_value, _ = session.run([cost, train_op], feed_dict={X: spec.x_train, Y: spec.y_train})
            losses.append(cost_value)

        # Evaluate
        predictions = session.run(model, feed_dict={X: spec.probe_inputs})
        weights = dict(zip(["W1", "b1", "W2", "b2"], session.run([W1, b1, W2, b2])))
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
