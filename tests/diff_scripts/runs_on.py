"""A TF2 loop that never stops by itself (it trains until someone stops it)."""
import numpy as np
import tensorflow as tf

w = tf.Variable(np.ones((3, 1), np.float32))
optimizer = tf.keras.optimizers.SGD(0.01)
x = np.ones((4, 3), np.float32)
while True:
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(x @ w - 1.0))
    optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
