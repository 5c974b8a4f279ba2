"""
Title: Polynomial fit y = a x^2 + b x + c, Keras functional API
Description: keras.Input, the features [x^2, x], one Dense(1) (kernel (a, b), bias c), into keras.Model(inputs, outputs).
"""

# Setup
# Keras builds, trains and evaluates the model; tf.data feeds it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.polynomial_fit.spec import SPEC


# Prepare the data
# The 50 training points as one batch, repeated: fit takes one batch an epoch.
# tf-rosetta divergences fit_numpy_input
def training_data(spec):
    return tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()


# Build the model
# The quadratic is linear in the features [x^2, x]: Multiply and Concatenate make them, a Dense(1) weighs them.
def build_model(spec):
    inputs = keras.Input(shape=(1,))
    features = keras.layers.Concatenate()([keras.layers.Multiply()([inputs, inputs]), inputs])
    outputs = keras.layers.Dense(1)(features)
    model = keras.Model(inputs, outputs)
    weights = spec.initial_weights
    model.set_weights([np.array([[weights["a"]], [weights["b"]]]), np.array([weights["c"]])])
    model.summary()
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)
    model.compile(optimizer=optimizer, loss="mse", metrics=["mse", "mae"])
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
    kernel, bias = model.layers[-1].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32),
                          weights={"a": kernel[0, 0], "b": kernel[1, 0], "c": bias[0]}, predictions=predictions,
                          metrics={"mse": scores["mse"], "mae": scores["mae"]})


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
