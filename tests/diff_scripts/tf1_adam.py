"""tf1_linear.py with AdamOptimizer (its epsilon 1e-8), on targets a million times smaller: small gradients."""
import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()


def make_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x @ np.array([[0.5], [-1.0], [2.0]], np.float32) + 0.3 + 0.1 * rng.normal(size=(60, 1))).astype(np.float32)
    return x, y * 1e-6


x_data, y_data = make_data()
start = np.random.default_rng(11).uniform(-0.5e-6, 0.5e-6, size=(3, 1)).astype(np.float32)

x = tf.compat.v1.placeholder(tf.float32, [None, 3])
y = tf.compat.v1.placeholder(tf.float32, [None, 1])
w = tf.compat.v1.get_variable("w", initializer=start)
b = tf.compat.v1.get_variable("b", initializer=np.zeros(1, np.float32))
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
train = tf.compat.v1.train.AdamOptimizer(1e-7).minimize(loss)

with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    for epoch in range(10):
        for i in range(0, 60, 12):
            cost, _ = sess.run([loss, train], {x: x_data[i:i + 12], y: y_data[i:i + 12]})
        print("epoch", epoch, "cost", cost)
    print("w", sess.run(w).ravel(), "b", sess.run(b))
