"""
Title: XOR with two sigmoid layers, Keras Sequential
Description: Dense(2, sigmoid) and Dense(1, sigmoid) in a keras.Sequential, trained with compile and fit.
"""

# Setup
# Keras builds, trains and evaluates the model; tf.data feeds it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.xor.spec import SPEC


# Prepare the data
# Single examples, repeated, not shuffled: every epoch is the four points in the given order.
def training_data(spec):
    return tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(1).repeat()


# Build the model
# A Sequential stacks layers: a hidden Dense(2, sigmoid), then a Dense(1, sigmoid) output.
def build_model(spec):
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(2, activation="sigmoid"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.set_weights([spec.initial_weights[name] for name in ["W1", "b1", "W2", "b2"]])
    model.summary()
    # steps_per_execution runs an epoch's four updates in one call instead of four.
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate), loss="mse", metrics=["binary_accuracy"],
                  steps_per_execution=len(spec.x_train))
    return model


def fit(model, spec):
    # Train
    # Four updates an epoch: history["loss"] holds each epoch's mean loss.
    # tf-rosetta divergences fit_logs_running_mean
    history = model.fit(training_data(spec), epochs=spec.epochs, steps_per_epoch=len(spec.x_train), verbose=0)
    return history.history["loss"]


def evaluate(model, spec, losses):
    # Evaluate
    # evaluate returns the loss and the compiled metrics; predict, the outputs for new inputs.
    scores = model.evaluate(spec.x_train, spec.y_train, verbose=0, return_dict=True)
    predictions = model.predict(spec.probe_inputs, verbose=0)
    weights = dict(zip(["W1", "b1", "W2", "b2"], model.get_weights()))
    return TrainingResult(losses=np.array(losses, dtype=np.float32), predictions=predictions, weights=weights,
                          metrics={"accuracy": scores["binary_accuracy"]})


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
