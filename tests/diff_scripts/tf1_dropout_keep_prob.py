"""A TF1 net with a hidden layer and dropout: keep_prob=0.8 keeps 80% of the hidden units."""
import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
tf.compat.v1.set_random_seed(0)


def make_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x @ np.array([[0.5], [-1.0], [2.0]], np.float32) + 0.3 + 0.1 * rng.normal(size=(60, 1))).astype(np.float32)
    return x, y


x_data, y_data = make_data()
rng = np.random.default_rng(11)
start_1 = rng.uniform(-0.5, 0.5, size=(3, 8)).astype(np.float32)
start_2 = rng.uniform(-0.5, 0.5, size=(8, 1)).astype(np.float32)

x = tf.compat.v1.placeholder(tf.float32, [None, 3])
y = tf.compat.v1.placeholder(tf.float32, [None, 1])
w1 = tf.compat.v1.get_variable("w1", initializer=start_1)
w2 = tf.compat.v1.get_variable("w2", initializer=start_2)
hidden = tf.compat.v1.nn.dropout(tf.nn.relu(tf.matmul(x, w1)), keep_prob=0.8, seed=1)
loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2) - y))
train = tf.compat.v1.train.GradientDescentOptimizer(0.05).minimize(loss)

with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    for epoch in range(4):
        for i in range(0, 60, 12):
            cost, _ = sess.run([loss, train], {x: x_data[i:i + 12], y: y_data[i:i + 12]})
        print("epoch", epoch, "cost", cost)
