"""
Title: Mammal or bird, tf.function
Description: The eager step traced once by @tf.function and then run as a graph.
"""

# Setup
# The eager program with @tf.function on its functions: TensorFlow traces each once into a
# graph and then runs the graph, as TF1 did, while the code stays eager-style Python.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mammal_bird.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # The six animals as constant tensors: [fur, wings] in, one-hot [other, mammal, bird] out.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)

    # Build the model
    # The weights are tf.Variables, created outside the traced functions, which read and
    # update them; the model is 2 -> 10 with ReLU -> 3 logits. Keras's Adam optimizer
    # applies the updates.
    W1 = tf.Variable(spec.initial_weights["W1"])
    b1 = tf.Variable(spec.initial_weights["b1"])
    W2 = tf.Variable(spec.initial_weights["W2"])
    b2 = tf.Variable(spec.initial_weights["b2"])
    variables = [W1, b1, W2, b2]

    @tf.function
    def model(x):
        hidden = tf.nn.relu(tf.matmul(x, W1) + b1)
        return tf.matmul(hidden, W2) + b2  # logits

    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                      epsilon=spec.epsilon)
    # A tf.train.Checkpoint saves the objects it is given, and what they track (the
    # optimizer's moments and step count), under the attribute names: W1, b1, W2, b2, optimizer.
    checkpoint = tf.train.Checkpoint(W1=W1, b1=b1, W2=W2, b2=b2, optimizer=optimizer)
    if resume_from:
        optimizer.build(variables)  # create the moments, so that read fills them at once
        checkpoint.read(resume_from).assert_consumed()

    # Train
    # The whole step, tape, gradient and update, is one traced graph: each call after the
    # first runs it without going back through Python op by op.
    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=model(x)))
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return loss

    losses = []
    for step in range(int(optimizer.iterations), spec.steps):
        loss = train_step(x_train, y_train)
        losses.append(loss.numpy())

    # Evaluate
    # The course's accuracy as a traced function: the share of the six animals whose
    # largest logit is at the label's one. Then the logits for the probe inputs.
    @tf.function
    def accuracy(x, y):
        is_correct = tf.equal(tf.argmax(model(x), 1), tf.argmax(y, 1))
        return tf.reduce_mean(tf.cast(is_correct, tf.float32))

    train_accuracy = accuracy(x_train, y_train)
    predictions = model(spec.probe_inputs)
    weights = {"W1": W1.numpy(), "b1": b1.numpy(), "W2": W2.numpy(), "b2": b2.numpy()}

    # Then save. Checkpoint.write saves the variables' values (ckpt.index and .data files), for
    # training on. tf.saved_model.save writes the traced model for inference, without
    # Python: here model, traced for any batch of (None, 2) inputs.
    if save_to:
        checkpoint.write(os.path.join(save_to, "ckpt"))
        serve = model.get_concrete_function(tf.TensorSpec([None, 2], tf.float32))
        tf.saved_model.save(checkpoint, os.path.join(save_to, "saved_model"), signatures=serve)
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=predictions.numpy(),
                          metrics={"accuracy": float(train_accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
