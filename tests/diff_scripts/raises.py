"""A script that fails on its own before it trains: a shape error, as a port under way has."""
import numpy as np
import tensorflow as tf

x = tf.constant(np.ones((4, 3), np.float32))
w = tf.Variable(np.ones((2, 1), np.float32))
print(tf.matmul(x, w))
