"""
Title: Mammal or bird, Keras Sequential
Description: Dense(10, relu) then Dense(3) logits in a keras.Sequential, trained with compile and fit.
"""

# Setup
import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mammal_bird.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # One repeated Dataset keeps one iterator for the whole run; fit(x, y) on NumPy
    # arrays rebuilds it every epoch (~19 ms an epoch here).
    dataset = tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()

    # Build the model
    weights = spec.initial_weights
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(10, activation="relu", kernel_initializer=keras.initializers.Constant(weights["W1"]),
                           bias_initializer=keras.initializers.Constant(weights["b1"])),
        keras.layers.Dense(3, kernel_initializer=keras.initializers.Constant(weights["W2"]),
                           bias_initializer=keras.initializers.Constant(weights["b2"])),
    ])
    # Logits out and from_logits=True: the same fused softmax_cross_entropy_with_logits as TF1
    # (a softmax output would clip and take the log). beta and epsilon: Keras's defaults differ from TF1's.
    # jit_compile=False: on a GPU Keras would compile with XLA, and round unlike the other styles.
    model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                                  epsilon=spec.epsilon),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True), jit_compile=False)

    # Train
    # One full batch per epoch, so history holds the loss before each update.
    history = model.fit(dataset, epochs=spec.steps, steps_per_epoch=1, shuffle=False, verbose=0)
    losses = history.history["loss"]

    # Evaluate
    predictions = model.predict(spec.probe_inputs, verbose=0)
    (W1, b1), (W2, b2) = model.layers[0].get_weights(), model.layers[1].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32),
                          weights={"W1": W1, "b1": b1, "W2": W2, "b2": b2}, predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
