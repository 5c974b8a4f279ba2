"""A 2-4-1 sigmoid net on XOR in a TF1 graph: oneDNN fuses its matmuls, biases and sigmoids."""
import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()

x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
y_data = np.array([[0], [1], [1], [0]], np.float32)
rng = np.random.default_rng(3)
start_1 = rng.uniform(-1, 1, size=(2, 4)).astype(np.float32)
start_2 = rng.uniform(-1, 1, size=(4, 1)).astype(np.float32)

x = tf.compat.v1.placeholder(tf.float32, [None, 2])
y = tf.compat.v1.placeholder(tf.float32, [None, 1])
w1 = tf.compat.v1.get_variable("w1", initializer=start_1)
b1 = tf.compat.v1.get_variable("b1", initializer=np.zeros(4, np.float32))
w2 = tf.compat.v1.get_variable("w2", initializer=start_2)
b2 = tf.compat.v1.get_variable("b2", initializer=np.zeros(1, np.float32))
hidden = tf.sigmoid(tf.nn.bias_add(tf.matmul(x, w1), b1))
output = tf.sigmoid(tf.nn.bias_add(tf.matmul(hidden, w2), b2))
loss = tf.reduce_mean(tf.square(output - y))
train = tf.compat.v1.train.GradientDescentOptimizer(2.0).minimize(loss)

with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    for step in range(300):
        cost, _ = sess.run([loss, train], {x: x_data, y: y_data})
    print("cost", cost)
