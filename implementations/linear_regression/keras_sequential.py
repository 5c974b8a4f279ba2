"""
Title: Linear regression y = 2x, Keras Sequential
Description: One Dense(1) layer in a keras.Sequential, trained with compile and fit.
"""

# Setup
# Keras builds, trains and evaluates the model; tf.data feeds it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.linear_regression.spec import SPEC


# Prepare the data
# The four training points as one batch, repeated: fit takes one batch an epoch.
# tf-rosetta divergences fit_numpy_input
def training_data(spec):
    return tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()


# Build the model
# A Sequential stacks layers: here one Dense(1), y = x W + b.
def build_model(spec):
    model = keras.Sequential([
        keras.Input(shape=(1,)),
        keras.layers.Dense(1),
    ])
    model.set_weights([spec.initial_weights["W"], spec.initial_weights["b"]])
    model.summary()
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate), loss="mse", metrics=["mse", "mae"])
    return model


def fit(model, spec):
    # Train
    # One batch an epoch: history["loss"] holds the loss of each full-batch step.
    return model.fit(training_data(spec), epochs=spec.steps, steps_per_epoch=1, verbose=0).history["loss"]


def evaluate(model, spec, losses):
    # Evaluate
    # evaluate returns the loss and the compiled metrics; predict, the outputs for new inputs.
    scores = model.evaluate(spec.x_train, spec.y_train, verbose=0, return_dict=True)
    predictions = model.predict(spec.probe_inputs, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"mse": scores["mse"], "mae": scores["mae"]})


# Save and resume
def save(model, folder):
    model.save_weights(f"{folder}/model.weights.h5")
    model.save(f"{folder}/model.keras")
    model.export(f"{folder}/saved_model", verbose=False)


def restore(model, path):
    model.optimizer.build(model.trainable_variables)
    model.load_weights(path)


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
