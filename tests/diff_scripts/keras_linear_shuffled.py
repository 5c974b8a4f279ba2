"""The Keras port of tf1_linear.py: the same start, fit on NumPy arrays with fit's default shuffling."""
import keras
import numpy as np


def make_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x @ np.array([[0.5], [-1.0], [2.0]], np.float32) + 0.3 + 0.1 * rng.normal(size=(60, 1))).astype(np.float32)
    return x, y


x_data, y_data = make_data()
start = np.random.default_rng(11).uniform(-0.5, 0.5, size=(3, 1)).astype(np.float32)

model = keras.Sequential([keras.Input(shape=(3,)),
                          keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(start))])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
history = model.fit(x_data, y_data, batch_size=12, epochs=10, verbose=0)  # fit shuffles by default
print("losses", history.history["loss"])
print("weights", [w.ravel() for w in model.get_weights()])
