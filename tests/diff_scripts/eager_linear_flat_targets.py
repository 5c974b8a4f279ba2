"""eager_linear.py with the targets kept as a vector, shape (60,): the squared error broadcasts."""
import numpy as np
import tensorflow as tf


def make_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x @ np.array([[0.5], [-1.0], [2.0]], np.float32) + 0.3 + 0.1 * rng.normal(size=(60, 1))).astype(np.float32)
    return x, y[:, 0]  # a vector of targets, as a CSV column reads


def batch_loss(prediction, target):
    return tf.reduce_mean(tf.square(prediction - target))


x_data, y_data = make_data()
start = np.random.default_rng(11).uniform(-0.5, 0.5, size=(3, 1)).astype(np.float32)
w = tf.Variable(start)
b = tf.Variable(np.zeros(1, np.float32))
optimizer = tf.keras.optimizers.SGD(0.1)

for epoch in range(10):
    for i in range(0, 60, 12):
        with tf.GradientTape() as tape:
            loss = batch_loss(tf.matmul(x_data[i:i + 12], w) + b, y_data[i:i + 12])
        gradients = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(gradients, [w, b]))
    print("epoch", epoch, "loss", float(loss))
print("w", w.numpy().ravel(), "b", b.numpy())
