"""
Title: Logistic regression on MNIST, eager GradientTape
Description: The course's program: tf.data batches, tf.Variable W and b, a GradientTape step per batch.
"""

# Setup
# TensorFlow 2 runs eagerly: each op computes its value at once, like NumPy, and a
# GradientTape records the ops it sees so that it can differentiate them afterwards.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # tf.data streams the batches: a Dataset of the spec's batch order (one row of indices
    # a batch, spec.steps of them), each batch gathered from the training tensors when the
    # loop asks for it and the next one prepared meanwhile (prefetch).
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices[:spec.steps])
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)

    # Build the model
    # W and b are tf.Variables; the model and the loss are plain Python functions of them.
    # Keras's SGD optimizer applies the updates.
    W = tf.Variable(spec.initial_weights["W"], name="weight")
    b = tf.Variable(spec.initial_weights["b"], name="bias")

    def logistic_regression(x):
        # bias_add, as Keras Dense does: its gradient sums the batch in another order than + b.
        return tf.nn.bias_add(tf.matmul(x, W), b)  # logits

    def cross_entropy(logits, true_y):
        # tf-rosetta divergences cross_entropy_on_probabilities
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=true_y, logits=logits))

    optimizer = keras.optimizers.SGD(spec.learning_rate)
    # A tf.train.Checkpoint saves the objects it is given, and what they track (the
    # optimizer's step count), under the attribute names: W, b, optimizer.
    checkpoint = tf.train.Checkpoint(W=W, b=b, optimizer=optimizer)
    if resume_from:
        optimizer.build([W, b])  # create its variables, so that read fills them at once
        checkpoint.read(resume_from).assert_consumed()

    def run_optimization(x, y):
        with tf.GradientTape() as tape:
            loss = cross_entropy(logistic_regression(x), y)
        gradients = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(gradients, [W, b]))
        return loss

    # Train
    # Iterating over the Dataset yields one (images, labels) batch at a time; each runs
    # one optimization step. A resumed run skips the batches of the steps it restored.
    losses = []
    for batch_x, batch_y in train_data.skip(int(optimizer.iterations)):
        losses.append(run_optimization(batch_x, batch_y).numpy())

    # Evaluate
    # The course's accuracy function with eager ops, on the test images: the share whose
    # largest logit is at the label. Then the softmax probabilities.
    def accuracy(logits, true_y):
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(true_y, tf.int64))
        return tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    test_logits = logistic_regression(spec.probe_inputs)
    test_accuracy = accuracy(test_logits, spec.y_test)
    predictions = tf.nn.softmax(test_logits)

    # Then save. Checkpoint.write saves the variables' values (ckpt.index and .data files); it is
    # read back into objects of the same structure, whatever their Python names.
    if save_to:
        checkpoint.write(os.path.join(save_to, "ckpt"))
    return TrainingResult(losses=np.array(losses), weights={"W": W.numpy(), "b": b.numpy()},
                          predictions=predictions.numpy(), metrics={"accuracy": float(test_accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
