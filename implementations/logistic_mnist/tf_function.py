"""
Title: Logistic regression on MNIST, tf.function
Description: The seed's eager step traced once by @tf.function and run as a graph on tf.data batches.
"""

# Setup
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    # The spec's batch order, gathered one batch at a time (all 1000 batches would be 800 MB).
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)

    # Build the model
    W = tf.Variable(spec.initial_weights["W"], name="weight")
    b = tf.Variable(spec.initial_weights["b"], name="bias")

    @tf.function
    def logistic_regression(x):
        # bias_add, as Keras Dense does: its gradient sums the batch in another order than + b.
        return tf.nn.bias_add(tf.matmul(x, W), b)  # logits; the loss applies the softmax

    def cross_entropy(logits, true_y):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=true_y, logits=logits))

    optimizer = tf.keras.optimizers.SGD(spec.learning_rate)

    @tf.function
    def run_optimization(x, y):
        with tf.GradientTape() as tape:
            loss = cross_entropy(logistic_regression(x), y)
        gradients = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(gradients, [W, b]))
        return loss

    # Train
    losses = []
    for batch_x, batch_y in train_data:
        losses.append(run_optimization(batch_x, batch_y).numpy())

    # Evaluate
    predictions = tf.nn.softmax(logistic_regression(spec.probe_inputs))
    return TrainingResult(losses=np.array(losses), weights={"W": W.numpy(), "b": b.numpy()},
                          predictions=predictions.numpy())


if __name__ == "__main__":
    SPEC.report(train())
