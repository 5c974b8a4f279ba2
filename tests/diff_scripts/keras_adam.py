"""The Keras port of tf1_adam.py: Keras's Adam, its epsilon 1e-7 by default."""
import keras
import numpy as np


def make_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x @ np.array([[0.5], [-1.0], [2.0]], np.float32) + 0.3 + 0.1 * rng.normal(size=(60, 1))).astype(np.float32)
    return x, y * 1e-6


x_data, y_data = make_data()
start = np.random.default_rng(11).uniform(-0.5e-6, 0.5e-6, size=(3, 1)).astype(np.float32)

model = keras.Sequential([keras.Input(shape=(3,)),
                          keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(start))])
model.compile(optimizer=keras.optimizers.Adam(1e-7), loss="mse")
history = model.fit(x_data, y_data, batch_size=12, epochs=10, shuffle=False, verbose=0)
print("losses", history.history["loss"])
print("weights", [w.ravel() for w in model.get_weights()])
