"""tf1_sigmoid.py as an eager TF2 loop: no graph, so nothing for oneDNN to fuse."""
import numpy as np
import tensorflow as tf

x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
y_data = np.array([[0], [1], [1], [0]], np.float32)
rng = np.random.default_rng(3)
w1 = tf.Variable(rng.uniform(-1, 1, size=(2, 4)).astype(np.float32))
b1 = tf.Variable(np.zeros(4, np.float32))
w2 = tf.Variable(rng.uniform(-1, 1, size=(4, 1)).astype(np.float32))
b2 = tf.Variable(np.zeros(1, np.float32))
variables = [w1, b1, w2, b2]
optimizer = tf.keras.optimizers.SGD(2.0)

for step in range(300):
    with tf.GradientTape() as tape:
        hidden = tf.sigmoid(tf.nn.bias_add(tf.matmul(x_data, w1), b1))
        output = tf.sigmoid(tf.nn.bias_add(tf.matmul(hidden, w2), b2))
        loss = tf.reduce_mean(tf.square(output - y_data))
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
print("cost", float(loss))
