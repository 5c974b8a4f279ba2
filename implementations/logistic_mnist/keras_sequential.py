"""
Title: Logistic regression on MNIST, Keras Sequential
Description: One Dense(10) layer of logits in a keras.Sequential, trained with compile and fit on tf.data batches.
"""

# Setup
import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    # The spec's batch order, gathered one batch at a time (all 1000 batches would be 800 MB).
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()

    # Build the model
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(10, kernel_initializer=keras.initializers.Constant(spec.initial_weights["W"]),
                           bias_initializer=keras.initializers.Constant(spec.initial_weights["b"])),
    ])
    # from_logits=True: the softmax lives in the loss, as in the other styles.
    # jit_compile=False: on a GPU Keras would compile with XLA, and round unlike the other styles.
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=False)

    # Train
    # One batch per epoch, so history holds the loss before each update.
    history = model.fit(train_data, epochs=spec.steps, steps_per_epoch=1, shuffle=False, verbose=0)
    losses = history.history["loss"]

    # Evaluate
    # All test images in one batch, like the other styles (predict's default 32 rows round differently).
    logits = model.predict(spec.probe_inputs, batch_size=len(spec.probe_inputs), verbose=0)
    predictions = tf.nn.softmax(logits).numpy()
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions)


if __name__ == "__main__":
    SPEC.report(train())
