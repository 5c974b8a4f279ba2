"""
Title: Logistic regression on MNIST, Keras Sequential
Description: One Dense(10) layer of logits in a keras.Sequential, trained with compile and fit on tf.data batches.
"""

# Setup
# Keras builds, trains and evaluates the model; tf.data feeds it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.logistic_mnist.spec import SPEC


# Prepare the data
# tf.data streams the batches of the spec's order, gathered when asked for; not shuffled.
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()


# Build the model
# A Sequential of one Dense(10): ten logits per flattened image.
def build_model(spec):
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(10),
    ])
    model.set_weights([spec.initial_weights["W"], spec.initial_weights["b"]])
    model.summary()
    # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def fit(model, spec):
    # Train
    # One batch an epoch: history["loss"] holds the loss of each batch before its update.
    # tf-rosetta divergences fit_logs_running_mean
    return model.fit(training_data(spec), epochs=spec.steps, steps_per_epoch=1, verbose=0).history["loss"]


def evaluate(model, spec, losses):
    # Evaluate
    # evaluate returns the loss and the compiled metrics; predict, the outputs for new inputs.
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=len(spec.y_test), verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=len(spec.probe_inputs), verbose=0)
    predictions = np.asarray(keras.layers.Softmax()(logits))  # a layer: Keras 2 and 3, any backend
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"accuracy": float(scores["accuracy"])})


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
