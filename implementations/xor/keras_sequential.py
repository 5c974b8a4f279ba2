"""
Title: XOR with two sigmoid layers, Keras Sequential
Description: Dense(2, sigmoid) and Dense(1, sigmoid) in a keras.Sequential, trained with compile and fit.
"""

# Setup
# Keras holds the model, the loss, the optimizer and the training loop: compile says what
# to minimise and how, fit runs the loop, evaluate and predict use the trained model.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.xor.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # A tf.data.Dataset of single examples, repeated without end. fit shuffles NumPy arrays
    # each epoch but takes a Dataset in its own order, and this one is not shuffled: every
    # epoch is the four points in the given order, one update each.
    dataset = tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(1).repeat()

    # Build the model
    # A Sequential stacks layers: a hidden Dense(2, sigmoid) on inputs of two features and
    # a Dense(1, sigmoid) output. set_weights gives them the shared starting values in place
    # of their random ones; summary prints the layers and their parameter counts.
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(2, activation="sigmoid"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    weights = spec.initial_weights
    model.set_weights([weights["W1"], weights["b1"], weights["W2"], weights["b2"]])
    model.summary()
    # binary_accuracy: the share of outputs on the right side of 0.5, as the course used.
    # steps_per_execution runs an epoch's four updates in one call instead of four.
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate), loss="mse", metrics=["binary_accuracy"],
                  steps_per_execution=len(spec.x_train))
    # A .weights.h5 file holds the layers' weights and, once built, the optimizer's
    # variables (its step count; plain SGD has no moments): load_weights restores both, to train on.
    if resume_from:
        model.optimizer.build(model.trainable_variables)
        model.load_weights(resume_from)

    # Train
    # fit takes steps_per_epoch batches from the Dataset each epoch, here the four examples,
    # one update each, and returns a History: history["loss"] holds each epoch's mean loss.
    # initial_epoch: a resumed run counts on from the epoch the optimizer's restored step
    # ends; its Dataset starts again at the first example, as each epoch does.
    # tf-rosetta divergences fit_logs_running_mean
    history = model.fit(dataset, epochs=spec.epochs, initial_epoch=int(model.optimizer.iterations) // len(spec.x_train),
                        steps_per_epoch=len(spec.x_train), verbose=0)
    losses = history.history.get("loss", [])  # none if resumed at the last epoch

    # Evaluate
    # evaluate returns the loss and the compiled metrics on the given data (the four
    # points); predict returns the model's outputs for the probe inputs.
    scores = model.evaluate(spec.x_train, spec.y_train, verbose=0, return_dict=True)
    predictions = model.predict(spec.probe_inputs, verbose=0)

    # Then save. save_weights writes the weights and the optimizer's state (.weights.h5), to train on;
    # save writes the whole model, its configuration too (.keras); export writes a
    # TensorFlow SavedModel for inference, without Python.
    if save_to:
        model.save_weights(os.path.join(save_to, "model.weights.h5"))
        model.save(os.path.join(save_to, "model.keras"))
        model.export(os.path.join(save_to, "saved_model"), verbose=False)
    (W1, b1), (W2, b2) = model.layers[0].get_weights(), model.layers[1].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), predictions=predictions,
                          weights={"W1": W1, "b1": b1, "W2": W2, "b2": b2},
                          metrics={"accuracy": scores["binary_accuracy"]})


if __name__ == "__main__":
    SPEC.report(train())
