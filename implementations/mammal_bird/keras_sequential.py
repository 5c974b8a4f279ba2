"""
Title: Mammal or bird, Keras Sequential
Description: Dense(10, relu) then Dense(3) logits in a keras.Sequential, trained with compile and fit.
"""

# Setup
# Keras holds the model, the loss, the optimizer and the training loop: compile says what
# to minimise and how, fit runs the loop, evaluate and predict use the trained model.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mammal_bird.spec import SPEC


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # A tf.data.Dataset of the six animals as one batch, repeated without end: fit takes
    # one batch per epoch from the same iterator.
    # tf-rosetta divergences fit_numpy_input
    dataset = tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()

    # Build the model
    # A Sequential stacks layers: Dense(10, relu) on the two features, then Dense(3) of
    # logits. set_weights gives it the shared starting values in place of its random ones;
    # summary prints the layers and their parameter counts.
    weights = spec.initial_weights
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(10, activation="relu"),
        keras.layers.Dense(3),
    ])
    model.set_weights([weights["W1"], weights["b1"], weights["W2"], weights["b2"]])
    model.summary()
    # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                                  epsilon=spec.epsilon),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    # A .weights.h5 file holds the layers' weights and, once built, the optimizer's
    # variables (step count, moments): load_weights restores both, to train on.
    if resume_from:
        model.optimizer.build(model.trainable_variables)
        model.load_weights(resume_from)

    # Train
    # One epoch is one full-batch step, so the history's loss per epoch is the loss before
    # each update. initial_epoch: a resumed run counts on from the optimizer's restored step.
    history = model.fit(dataset, epochs=spec.steps, initial_epoch=int(model.optimizer.iterations), steps_per_epoch=1,
                        verbose=0)
    losses = history.history.get("loss", [])  # none if resumed at the last epoch

    # Evaluate
    # evaluate returns the loss and the compiled accuracy on the given data (the six
    # animals); predict returns the logits for the probe inputs.
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
    return TrainingResult(losses=np.array(losses, dtype=np.float32),
                          weights={"W1": W1, "b1": b1, "W2": W2, "b2": b2}, predictions=predictions,
                          metrics={"accuracy": float(scores["accuracy"])})


if __name__ == "__main__":
    SPEC.report(train())
