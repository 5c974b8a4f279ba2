"""
Title: MNIST MLP with BatchNorm and Dropout, eager GradientTape
Description: tf.Variables and tf.nn ops: BatchNorm from tf.nn.moments, stateless dropout, a tape step per batch.
"""

# Setup
# TensorFlow 2 runs eagerly: each op computes its value at once, like NumPy, and a
# GradientTape records the ops it sees so that it can differentiate them afterwards.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mnist_mlp.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # tf.data streams the batches: a Dataset of the spec's batch order (one row of indices
    # a batch, spec.steps of them), each batch gathered from the training tensors when the
    # loop asks for it; enumerate numbers them, and the number picks the step's dropout mask.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices[:spec.steps])
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)

    # Build the model
    # The weights are tf.Variables; the moving mean and variance are variables too, but not
    # trainable: the model assigns them, the optimizer never sees them. `training` picks the
    # batch's statistics and dropout, or the moving statistics and no dropout. The dropout
    # is stateless: its mask is a pure function of the seed [dropout_seed, step].
    W1 = tf.Variable(spec.initial_weights["W1"], name="W1")
    gamma = tf.Variable(spec.initial_weights["gamma"], name="gamma")
    beta = tf.Variable(spec.initial_weights["beta"], name="beta")
    moving_mean = tf.Variable(spec.initial_weights["moving_mean"], trainable=False, name="moving_mean")
    moving_variance = tf.Variable(spec.initial_weights["moving_variance"], trainable=False, name="moving_variance")
    W2 = tf.Variable(spec.initial_weights["W2"], name="W2")
    b2 = tf.Variable(spec.initial_weights["b2"], name="b2")
    variables = [W1, gamma, beta, W2, b2]
    momentum = spec.batchnorm_momentum

    def mlp(x, training, step=None):
        hidden = tf.matmul(tf.reshape(x, [-1, 784]), W1)
        if training:
            mean, variance = tf.nn.moments(hidden, axes=[0])
            # tf-rosetta divergences moving_average_update: Keras's formula
            moving_mean.assign(moving_mean * momentum + mean * (1.0 - momentum))
            moving_variance.assign(moving_variance * momentum + variance * (1.0 - momentum))
        else:
            mean, variance = moving_mean, moving_variance
        hidden = tf.nn.batch_normalization(hidden, mean, variance, offset=beta, scale=gamma,
                                           variance_epsilon=spec.batchnorm_epsilon)
        hidden = tf.nn.relu(hidden)
        if training:
            # tf-rosetta divergences stateful_dropout_seed: Keras's masks, seed [s, step]
            hidden = tf.nn.experimental.stateless_dropout(hidden, rate=spec.dropout_rate,
                                                          seed=[spec.dropout_seed, step])
        return tf.nn.bias_add(tf.matmul(hidden, W2), b2)  # logits

    def cross_entropy(logits, true_y):
        # tf-rosetta divergences cross_entropy_on_probabilities
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=true_y, logits=logits))

    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                      epsilon=spec.epsilon)
    # A tf.train.Checkpoint saves the objects it is given, and what they track (the
    # optimizer's moments and step count), under the attribute names: W1, ..., optimizer.
    # The moving statistics are in it too; the dropout masks need only the step.
    checkpoint = tf.train.Checkpoint(W1=W1, gamma=gamma, beta=beta, moving_mean=moving_mean,
                                     moving_variance=moving_variance, W2=W2, b2=b2, optimizer=optimizer)
    if resume_from:
        optimizer.build(variables)  # create the moments, so that read fills them at once
        checkpoint.read(resume_from).assert_consumed()

    def run_optimization(x, y, step):
        with tf.GradientTape() as tape:
            loss = cross_entropy(mlp(x, training=True, step=step), y)
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return loss

    # Train
    # One step: the loss in training mode under the tape (dropout on, batch statistics),
    # the gradients of the trainable variables, and one Adam update. A resumed run skips the
    # batches of the optimizer's restored steps and numbers the rest from there.
    start = int(optimizer.iterations)
    losses = []
    for step, (batch_x, batch_y) in train_data.skip(start).enumerate(start):
        losses.append(run_optimization(batch_x, batch_y, step).numpy())

    # Evaluate
    # Inference mode on the test images: the moving statistics, no dropout. The accuracy
    # with eager ops: the share of images whose largest logit is at the label.
    def accuracy(logits, true_y):
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(true_y, tf.int64))
        return tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    test_logits = mlp(spec.probe_inputs, training=False)
    test_accuracy = accuracy(test_logits, spec.y_test)
    weights = {"W1": W1.numpy(), "gamma": gamma.numpy(), "beta": beta.numpy(), "moving_mean": moving_mean.numpy(),
               "moving_variance": moving_variance.numpy(), "W2": W2.numpy(), "b2": b2.numpy()}

    # Then save. Checkpoint.write saves the variables' values (ckpt.index and .data files); it is
    # read back into objects of the same structure, whatever their Python names.
    if save_to:
        checkpoint.write(os.path.join(save_to, "ckpt"))
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=test_logits.numpy(),
                          metrics={"accuracy": float(test_accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
