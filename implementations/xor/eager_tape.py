"""
Title: XOR with two sigmoid layers, eager GradientTape
Description: Every op runs as Python reaches it; the tape records them for the gradient. One example per update.
"""

# Setup
# TensorFlow 2 runs eagerly: each op computes its value at once, like NumPy, and a
# GradientTape records the ops it sees so that it can differentiate them afterwards.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.xor.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # The four XOR points as single-example batches of shape (1, 2) and (1, 1), in the
    # given order: one update each.
    examples = [(tf.constant(spec.x_train[i:i + 1]), tf.constant(spec.y_train[i:i + 1]))
                for i in range(len(spec.x_train))]

    # Build the model
    # The weights are tf.Variables, the tensors training may change; the model is a plain
    # Python function of them. Keras's SGD optimizer applies the updates.
    W1, b1 = tf.Variable(spec.initial_weights["W1"]), tf.Variable(spec.initial_weights["b1"])
    W2, b2 = tf.Variable(spec.initial_weights["W2"]), tf.Variable(spec.initial_weights["b2"])

    def xor_model(x):
        hidden = tf.sigmoid(tf.matmul(x, W1) + b1)
        return tf.sigmoid(tf.matmul(hidden, W2) + b2)

    optimizer = keras.optimizers.SGD(spec.learning_rate)
    # A tf.train.Checkpoint saves the objects it is given, and what they track (the
    # optimizer's step count; plain SGD has no moments), under the attribute names: W1, ..., optimizer.
    checkpoint = tf.train.Checkpoint(W1=W1, b1=b1, W2=W2, b2=b2, optimizer=optimizer)
    if resume_from:
        optimizer.build([W1, b1, W2, b2])  # create the optimizer's variables, so that read fills them at once
        checkpoint.read(resume_from).assert_consumed()

    # Train
    # One step: compute the loss under the tape, ask the tape for the gradient of the loss
    # with respect to each variable, and let the optimizer apply them.
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(xor_model(x) - y))
        gradients = tape.gradient(loss, [W1, b1, W2, b2])
        optimizer.apply_gradients(zip(gradients, [W1, b1, W2, b2]))
        return loss

    # A resumed run goes on from the epoch the optimizer's restored step ends (one update an example).
    losses = []
    for epoch in range(int(optimizer.iterations) // len(examples), spec.epochs):
        epoch_loss = np.float32(0)
        for x, y in examples:
            epoch_loss += train_step(x, y).numpy()
        losses.append(epoch_loss / len(examples))  # each epoch's mean loss, as Keras's history

    # Evaluate
    # A keras.metrics object accumulates batches with update_state and reports with result:
    # BinaryAccuracy counts the outputs on the right side of 0.5. Then the probe outputs.
    accuracy = keras.metrics.BinaryAccuracy()

    def evaluate(x, y):
        accuracy.update_state(y, xor_model(x))

    evaluate(tf.constant(spec.x_train), tf.constant(spec.y_train))
    predictions = xor_model(spec.probe_inputs)

    # Then save. Checkpoint.write saves the variables' values (ckpt.index and .data files); it is
    # read back into objects of the same structure, whatever their Python names.
    if save_to:
        checkpoint.write(os.path.join(save_to, "ckpt"))
    return TrainingResult(losses=np.array(losses), predictions=predictions.numpy(),
                          weights={"W1": W1.numpy(), "b1": b1.numpy(), "W2": W2.numpy(), "b2": b2.numpy()},
                          metrics={"accuracy": float(accuracy.result())})


if __name__ == "__main__":
    SPEC.report(train())
