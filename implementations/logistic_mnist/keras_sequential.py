"""
Title: Logistic regression on MNIST, Keras Sequential
Description: One Dense(10) layer of logits in a keras.Sequential, trained with compile and fit on tf.data batches.
"""

# Setup
# Keras holds the model, the loss, the optimizer and the training loop: compile says what
# to minimise and how, fit runs the loop, evaluate and predict use the trained model.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # tf.data streams the batches: a Dataset of the spec's batch order (one row of indices
    # a batch), each batch gathered from the training tensors when fit asks for it. The
    # Dataset is not shuffled, so fit sees the batches in this order.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()

    # Build the model
    # A Sequential of one Dense(10): ten logits per flattened image. set_weights gives it
    # the shared starting values in place of its random ones; summary prints the layer
    # and its 7,850 parameters. compile adds the accuracy to the metrics.
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(10),
    ])
    model.set_weights([spec.initial_weights["W"], spec.initial_weights["b"]])
    model.summary()
    # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    # A .weights.h5 file holds the layer's weights and, once built, the optimizer's
    # variables (its step count): load_weights restores both, to train on.
    if resume_from:
        model.optimizer.build(model.trainable_variables)
        model.load_weights(resume_from)

    # Train
    # fit draws steps_per_epoch batches an epoch from the repeated Dataset; one batch an
    # epoch makes the history's loss the loss of each batch before its update. A resumed
    # run starts at the optimizer's restored step: initial_epoch counts on from it, and
    # skip drops the batches of the steps before it.
    # tf-rosetta divergences fit_logs_running_mean
    start = int(model.optimizer.iterations)
    history = model.fit(train_data.skip(start), epochs=spec.steps, initial_epoch=start, steps_per_epoch=1, verbose=0)
    losses = history.history.get("loss", [])  # none if resumed at the last epoch

    # Evaluate
    # evaluate returns the loss and the compiled accuracy on the test images; predict the
    # logits, which a softmax turns into probabilities. One batch of all test images.
    test_size = len(spec.probe_inputs)
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=test_size, verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=test_size, verbose=0)
    predictions = np.asarray(keras.layers.Softmax()(logits))  # a layer: Keras 2 and 3, any backend

    # Then save. save_weights writes the weights and the optimizer's state (.weights.h5), to train on;
    # save writes the whole model, its configuration too (.keras); export writes a
    # TensorFlow SavedModel for inference (the logits), without Python.
    if save_to:
        model.save_weights(os.path.join(save_to, "model.weights.h5"))
        model.save(os.path.join(save_to, "model.keras"))
        model.export(os.path.join(save_to, "saved_model"), verbose=False)
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"accuracy": float(scores["accuracy"])})


if __name__ == "__main__":
    SPEC.report(train())
