"""A TF2 loop whose layer is built at its first call, inside the GradientTape, with Keras's own initialiser."""
import keras
import numpy as np
import tensorflow as tf


def make_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x @ np.array([[0.5], [-1.0], [2.0]], np.float32) + 0.3 + 0.1 * rng.normal(size=(60, 1))).astype(np.float32)
    return x, y


x_data, y_data = make_data()
layer = keras.layers.Dense(1)
optimizer = keras.optimizers.SGD(0.1)
for epoch in range(10):
    for i in range(0, 60, 12):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x_data[i:i + 12]) - y_data[i:i + 12]))
        optimizer.apply_gradients(zip(tape.gradient(loss, layer.trainable_variables), layer.trainable_variables))
    print("epoch", epoch, "loss", float(loss))
