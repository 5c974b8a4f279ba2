"""A Keras net with Dropout, trained by fit (which calls the model with training=True)."""
import keras
import numpy as np


def make_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x @ np.array([[0.5], [-1.0], [2.0]], np.float32) + 0.3 + 0.1 * rng.normal(size=(60, 1))).astype(np.float32)
    return x, y


x_data, y_data = make_data()
rng = np.random.default_rng(11)
start_1 = rng.uniform(-0.5, 0.5, size=(3, 8)).astype(np.float32)
start_2 = rng.uniform(-0.5, 0.5, size=(8, 1)).astype(np.float32)

model = keras.Sequential([keras.Input(shape=(3,)),
                          keras.layers.Dense(8, activation="relu", kernel_initializer=keras.initializers.Constant(start_1)),
                          keras.layers.Dropout(0.5, seed=1),
                          keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(start_2))])
model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
history = model.fit(x_data, y_data, batch_size=12, epochs=4, shuffle=False, verbose=0)
print("losses", history.history["loss"])
