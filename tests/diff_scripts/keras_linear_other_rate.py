"""keras_linear.py with another learning rate, 0.11: a difference no catalog entry explains."""
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
model.compile(optimizer=keras.optimizers.SGD(0.11), loss="mse")
history = model.fit(x_data, y_data, batch_size=12, epochs=10, shuffle=False, verbose=0)
print("losses", history.history["loss"])
print("weights", [w.ravel() for w in model.get_weights()])
