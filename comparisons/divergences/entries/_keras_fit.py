"""The small Keras model both fit entries train: y = 2x on four points, one Dense(1) unit."""

import numpy as np

FIT_X = np.array([[1], [2], [3], [4]], np.float32)
FIT_Y = 2 * FIT_X


def small_model():
    """Dense(1) from kernel 0.5 and bias 0, plain SGD on the mean squared error, no XLA."""
    import keras

    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[0.5]], np.float32), np.zeros(1, np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", jit_compile=False)
    return model
