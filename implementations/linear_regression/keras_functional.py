"""
Title: Linear regression y = 2x, Keras functional API
Description: keras.Input through one Dense(1) into keras.Model(inputs, outputs), trained with fit.
"""

# Setup
# Keras holds the model, the loss, the optimizer and the training loop: compile says what
# to minimise and how, fit runs the loop, evaluate and predict use the trained model.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.linear_regression.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # A tf.data.Dataset of the four training points as one batch, repeated without end:
    # fit takes one batch per epoch from the same iterator.
    # tf-rosetta divergences fit_numpy_input
    dataset = tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()

    # Build the model
    # The functional API calls layers on symbolic tensors, from keras.Input to the output,
    # and keras.Model ties the two ends together. set_weights gives the Dense layer the
    # shared starting values; summary prints the layers and their parameter counts.
    inputs = keras.Input(shape=(1,))
    dense = keras.layers.Dense(1)
    outputs = dense(inputs)
    model = keras.Model(inputs, outputs)
    model.set_weights([spec.initial_weights["W"], spec.initial_weights["b"]])
    model.summary()
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate), loss="mse", metrics=["mse", "mae"])
    # A .weights.h5 file holds the layers' weights and, once built, the optimizer's
    # variables (its step count; plain SGD has no moments): load_weights restores both, to train on.
    if resume_from:
        model.optimizer.build(model.trainable_variables)
        model.load_weights(resume_from)

    # Train
    # fit takes steps_per_epoch batches from the Dataset each epoch and returns a History:
    # history["loss"] holds each epoch's mean loss, here the loss of its one full-batch step.
    # initial_epoch: a resumed run counts on from the optimizer's restored step.
    history = model.fit(dataset, epochs=spec.steps, initial_epoch=int(model.optimizer.iterations),
                        steps_per_epoch=1, verbose=0)
    losses = history.history.get("loss", [])  # none if resumed at the last epoch

    # Evaluate
    # evaluate returns the loss and the compiled metrics on the given data (the training
    # points); predict returns the model's outputs for new inputs.
    scores = model.evaluate(spec.x_train, spec.y_train, verbose=0, return_dict=True)
    predictions = model.predict(spec.probe_inputs, verbose=0)

    # Then save. save_weights writes the weights and the optimizer's state (.weights.h5), to train on;
    # save writes the whole model, its configuration too (.keras); export writes a
    # TensorFlow SavedModel for inference, without Python.
    if save_to:
        model.save_weights(os.path.join(save_to, "model.weights.h5"))
        model.save(os.path.join(save_to, "model.keras"))
        model.export(os.path.join(save_to, "saved_model"), verbose=False)
    kernel, bias = dense.get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"mse": scores["mse"], "mae": scores["mae"]})


if __name__ == "__main__":
    SPEC.report(train())
