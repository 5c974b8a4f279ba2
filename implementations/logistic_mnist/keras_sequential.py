"""
Title: Logistic regression on MNIST, Keras Sequential
Description: One Dense(10) layer of logits in a keras.Sequential, trained with compile and fit on tf.data batches.
"""

# Setup
# Keras holds the model, the loss, the optimizer and the training loop: compile says what
# to minimise and how, fit runs the loop, evaluate and predict use the trained model.
import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC


def train(spec=SPEC):
    # Prepare the data
    # tf.data streams the batches: a Dataset of the spec's batch order (one row of indices
    # a batch), each batch gathered from the training tensors when fit asks for it. The
    # Dataset is not shuffled, so fit sees the batches in this order.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()

    # Build the model
    # A Sequential of one Dense(10): ten logits per flattened image. set_weights gives it
    # the shared starting values in place of its random ones; summary prints the layer
    # and its 7,850 parameters. compile adds the accuracy to the metrics.
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(10),
    ])
    model.set_weights([spec.initial_weights["W"], spec.initial_weights["b"]])
    model.summary()
    # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
    # tf-rosetta divergences keras_jit_compile
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  jit_compile=False)

    # Train
    # fit draws steps_per_epoch batches an epoch from the repeated Dataset; one batch an
    # epoch makes the history's loss the loss of each batch before its update.
    # tf-rosetta divergences fit_logs_running_mean
    history = model.fit(train_data, epochs=spec.steps, steps_per_epoch=1, verbose=0)
    losses = history.history["loss"]

    # Evaluate
    # evaluate returns the loss and the compiled accuracy on the test images; predict the
    # logits, which a softmax turns into probabilities. One batch of all test images.
    test_size = len(spec.probe_inputs)
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=test_size, verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=test_size, verbose=0)
    predictions = np.asarray(keras.layers.Softmax()(logits))  # a layer: Keras 2 and 3, any backend
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"accuracy": float(scores["accuracy"])})


if __name__ == "__main__":
    SPEC.report(train())
