"""
Title: Linear regression y = 2x, Keras subclassed model
Description: A keras.Model subclass that owns one Dense(1) and applies it in call, trained with fit.
"""

# Setup
# Keras holds the model, the loss, the optimizer and the training loop: compile says what
# to minimise and how, fit runs the loop, evaluate and predict use the trained model.
# A subclassed model creates its layers in __init__ and writes its forward pass in call.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.linear_regression.spec import SPEC


# Registered under a package name, with get_config giving its constructor arguments, the
# class can be rebuilt by keras.models.load_model from a .keras file.
@keras.saving.register_keras_serializable(package="tf_rosetta")
class LinearModel(keras.Model):
    def __init__(self, units=1, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # A tf.data.Dataset of the four training points as one batch, repeated without end:
    # fit takes one batch per epoch from the same iterator.
    # tf-rosetta divergences fit_numpy_input
    dataset = tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()

    # Build the model
    # A subclassed model makes its weights when first called: calling it on a keras.Input
    # of one feature builds it. set_weights gives it the shared starting values; summary
    # prints the layers and their parameter counts.
    model = LinearModel(units=1)
    model(keras.Input(shape=(1,)))
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
    kernel, bias = model.dense.get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"mse": scores["mse"], "mae": scores["mae"]})


if __name__ == "__main__":
    SPEC.report(train())
