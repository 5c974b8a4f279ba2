"""keras_dropout_fit.py's net in a GradientTape loop of its own, calling model(x)."""
import keras
import numpy as np
import tensorflow as tf


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
optimizer = keras.optimizers.SGD(0.05)
mse = keras.losses.MeanSquaredError()


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = mse(y, model(x))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss


for epoch in range(4):
    for i in range(0, 60, 12):
        loss = train_step(x_data[i:i + 12], y_data[i:i + 12])
    print("epoch", epoch, "loss", float(loss))
