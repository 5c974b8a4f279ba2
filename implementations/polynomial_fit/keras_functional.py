"""
Title: Polynomial fit y = a x^2 + b x + c, Keras functional API
Description: keras.Input, the features [x^2, x], one Dense(1) (kernel (a, b), bias c), into keras.Model(inputs, outputs).
"""

# Setup
# Keras holds the model, the loss, the optimizer and the training loop: compile says what
# to minimise and how, fit runs the loop, evaluate and predict use the trained model.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.polynomial_fit.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # A tf.data.Dataset of the 50 training points as one batch, repeated without end:
    # fit takes one batch per epoch from the same iterator.
    # tf-rosetta divergences fit_numpy_input
    dataset = tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()

    # Build the model
    # The quadratic is linear in the features [x^2, x]: Multiply squares the input,
    # Concatenate joins x^2 and x, and a Dense(1) weighs them, its kernel (a, b) and its
    # bias c. (Layers, not keras.ops: Keras 2 has no keras.ops, and x * x rounds as
    # tf.square does where x ** 2 would not.) set_weights gives it the shared starting
    # values; summary prints the layers.
    inputs = keras.Input(shape=(1,))
    features = keras.layers.Concatenate()([keras.layers.Multiply()([inputs, inputs]), inputs])
    dense = keras.layers.Dense(1)
    outputs = dense(features)
    model = keras.Model(inputs, outputs)
    weights = spec.initial_weights
    model.set_weights([np.array([[weights["a"]], [weights["b"]]]), np.array([weights["c"]])])
    model.summary()
    # tf-rosetta divergences adam_epsilon
    # tf-rosetta divergences adam_one_minus_beta
    optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)
    model.compile(optimizer=optimizer, loss="mse", metrics=["mse", "mae"])
    # A .weights.h5 file holds the layers' weights and, once built, the optimizer's
    # variables (step count, moments): load_weights restores both, to train on.
    if resume_from:
        optimizer.build(model.trainable_variables)
        model.load_weights(resume_from)

    # Train
    # fit takes steps_per_epoch batches from the Dataset each epoch and returns a History:
    # history["loss"] holds each epoch's mean loss, here the loss of its one full-batch step.
    # initial_epoch: a resumed run counts on from the optimizer's restored step.
    history = model.fit(dataset, epochs=spec.steps, initial_epoch=int(optimizer.iterations), steps_per_epoch=1,
                        verbose=0)
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
    return TrainingResult(losses=np.array(losses, dtype=np.float32),
                          weights={"a": kernel[0, 0], "b": kernel[1, 0], "c": bias[0]}, predictions=predictions,
                          metrics={"mse": scores["mse"], "mae": scores["mae"]})


if __name__ == "__main__":
    SPEC.report(train())
