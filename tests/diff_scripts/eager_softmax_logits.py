"""A TF2 loop for a 3-class linear classifier, its cross-entropy computed from the logits."""
import keras
import numpy as np
import tensorflow as tf


def make_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    labels = rng.integers(0, 3, size=60)
    return x, np.eye(3, dtype=np.float32)[labels]


x_data, y_data = make_data()
# Large starting weights: confident from the first step, often wrongly.
start = np.random.default_rng(11).uniform(-12, 12, size=(3, 3)).astype(np.float32)
w = tf.Variable(start)
b = tf.Variable(np.zeros(3, np.float32))
optimizer = keras.optimizers.SGD(0.1)

for epoch in range(4):
    for i in range(0, 60, 12):
        with tf.GradientTape() as tape:
            scores = tf.matmul(x_data[i:i + 12], w) + b
            loss = tf.reduce_mean(keras.losses.categorical_crossentropy(y_data[i:i + 12], scores, from_logits=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    print("epoch", epoch, "loss", float(loss))
