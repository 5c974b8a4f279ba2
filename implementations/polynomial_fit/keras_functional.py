"""
Title: Polynomial fit y = a x^2 + b x + c, Keras functional API
Description: keras.Input, the features [x^2, x], one Dense(1) (kernel (a, b), bias c), into keras.Model(inputs, outputs).
"""

# Setup
import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.polynomial_fit.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # One repeated Dataset keeps one iterator for the whole run; fit(x, y) on NumPy
    # arrays rebuilds it every epoch (~19 ms an epoch here).
    dataset = tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()

    # Build the model
    # The quadratic is linear in [x^2, x]: Dense's kernel holds (a, b), its bias c.
    kernel = np.array([[spec.initial_weights["a"]], [spec.initial_weights["b"]]])
    inputs = keras.Input(shape=(1,))
    features = keras.layers.Concatenate()([keras.ops.square(inputs), inputs])
    dense = keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(kernel),
                               bias_initializer=keras.initializers.Constant(spec.initial_weights["c"]))
    outputs = dense(features)
    model = keras.Model(inputs, outputs)
    # Explicit Adam settings match TF1's AdamOptimizer (Keras's default epsilon is 1e-7).
    optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)
    # jit_compile=False: on a GPU Keras would compile with XLA, and round unlike the other styles.
    model.compile(optimizer=optimizer, loss="mse", jit_compile=False)

    # Train
    # One full batch per epoch, so history holds the loss before each update.
    history = model.fit(dataset, epochs=spec.steps, steps_per_epoch=1, shuffle=False, verbose=0)
    losses = history.history["loss"]

    # Evaluate
    predictions = model.predict(spec.probe_inputs, verbose=0)
    kernel, bias = dense.get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32),
                          weights={"a": kernel[0, 0], "b": kernel[1, 0], "c": bias[0]}, predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
