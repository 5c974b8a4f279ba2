"""
Title: Logistic regression on MNIST, TF1 Session
Description: A TF1 graph of placeholders and variables; each batch is fed through feed_dict to Session.run.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC

v1 = tf.compat.v1


def train(spec=SPEC):
    # Build the graph in its own tf.Graph: the rest of the process stays eager.
    graph = tf.Graph()
    with graph.as_default():
        # Prepare the data
        x = v1.placeholder(tf.float32, shape=[None, 784], name="x")
        y = v1.placeholder(tf.int32, shape=[None], name="y")

        # Build the model
        W = v1.get_variable("weight", initializer=spec.initial_weights["W"])
        b = v1.get_variable("bias", initializer=spec.initial_weights["b"])
        # bias_add, as Keras Dense does: its gradient sums the batch in another order than + b.
        logits = tf.nn.bias_add(tf.matmul(x, W), b)  # the loss applies the softmax
        hypothesis = tf.nn.softmax(logits)

        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train_op = v1.train.GradientDescentOptimizer(spec.learning_rate).minimize(loss)
        init = v1.global_variables_initializer()

    # Train
    with v1.Session(graph=graph) as session:
        session.run(init)
        losses = []
        for batch in spec.batch_indices:
            feed = {x: spec.x_train[batch], y: spec.y_train[batch]}
            loss_value, _ = session.run([loss, train_op], feed_dict=feed)
            losses.append(loss_value)

        # Evaluate
        predictions = session.run(hypothesis, feed_dict={x: spec.probe_inputs})
        W_value, b_value = session.run([W, b])
    return TrainingResult(losses=np.array(losses), weights={"W": W_value, "b": b_value},
                          predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
