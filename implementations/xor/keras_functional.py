"""
Title: XOR with two sigmoid layers, Keras functional API
Description: keras.Input through two Dense sigmoid layers into keras.Model(inputs, outputs), trained with fit.
"""

# Setup
import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.xor.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # Single examples in the given order, repeated: fit(batch_size=1) without its shuffling.
    dataset = tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(1).repeat()

    # Build the model
    weights, Constant = spec.initial_weights, keras.initializers.Constant
    inputs = keras.Input(shape=(2,))
    hidden_layer = keras.layers.Dense(2, activation="sigmoid", kernel_initializer=Constant(weights["W1"]),
                                      bias_initializer=Constant(weights["b1"]))
    output_layer = keras.layers.Dense(1, activation="sigmoid", kernel_initializer=Constant(weights["W2"]),
                                      bias_initializer=Constant(weights["b2"]))
    outputs = output_layer(hidden_layer(inputs))
    model = keras.Model(inputs, outputs)
    # jit_compile=False: on a GPU Keras would compile with XLA, and round unlike the other styles.
    # steps_per_execution: an epoch's four updates in one call, not four (a third of the time).
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate), loss="mse",
                  steps_per_execution=len(spec.x_train), jit_compile=False)

    # Train
    # An epoch is the four examples, one update each: history holds each epoch's mean loss.
    history = model.fit(dataset, epochs=spec.epochs, steps_per_epoch=len(spec.x_train), shuffle=False, verbose=0)
    losses = history.history["loss"]

    # Evaluate
    predictions = model.predict(spec.probe_inputs, verbose=0)
    (W1, b1), (W2, b2) = hidden_layer.get_weights(), output_layer.get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), predictions=predictions,
                          weights={"W1": W1, "b1": b1, "W2": W2, "b2": b2})


if __name__ == "__main__":
    SPEC.report(train())
