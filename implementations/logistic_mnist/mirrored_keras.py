"""
Title: Logistic regression on MNIST, Keras under MirroredStrategy
Description: The Keras Sequential model built and compiled in a MirroredStrategy's scope; fit splits every batch between two replicas.
"""

# Setup
# Keras under tf.distribute: a model built and compiled inside strategy.scope() gets
# mirrored variables, one copy per device, and fit, evaluate and predict then split every
# batch across the replicas and sum their gradients. The devices here are two logical
# CPUs split from the one CPU, standing in for two GPUs.
import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.devices import two_logical_cpus
from implementations.logistic_mnist.spec import SPEC


def train(spec=SPEC):
    devices = two_logical_cpus()  # /cpu:0 and /cpu:1, set before TensorFlow first uses its devices
    # ReductionToOneDevice adds the replicas' values on /cpu:0. The default on CPUs, collective ops,
    # keys its ops by counters that restart with each strategy: a second MirroredStrategy in the
    # same process (another program's, run before) would collide with the first's.
    strategy = tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())

    # Prepare the data
    # tf.data streams the global batches, as in the one-device programs: a Dataset of the
    # spec's batch order, each batch gathered from the training tensors when fit asks for
    # it. fit distributes the Dataset itself: rows 0-127 of every batch of 256 go to the
    # replica on /cpu:0, rows 128-255 to the one on /cpu:1.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()

    # Build the model
    # The Sequential of one Dense(10), created, given the shared starting values and
    # compiled inside strategy.scope(), so its weights, the optimizer's state and the
    # metrics are mirrored; summary prints the layer. Keras divides each replica's summed
    # loss by the global batch size itself.
    with strategy.scope():
        model = keras.Sequential([
            keras.Input(shape=(784,)),
            keras.layers.Dense(10),
        ])
        model.set_weights([spec.initial_weights["W"], spec.initial_weights["b"]])
        model.summary()
        # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
        model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])

    # Train
    # fit draws steps_per_epoch batches an epoch from the repeated Dataset; one batch an
    # epoch makes the history's loss the loss of each batch before its update.
    # tf-rosetta divergences fit_logs_running_mean
    history = model.fit(train_data, epochs=spec.steps, steps_per_epoch=1, verbose=0)
    losses = history.history["loss"]

    # Evaluate
    # evaluate and predict are distributed too: the 1,000 test images in one batch, 500 on
    # each replica; the accuracy counts both halves, predict joins the halves' logits in order.
    test_size = len(spec.probe_inputs)
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=test_size, verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=test_size, verbose=0)
    predictions = np.asarray(keras.layers.Softmax()(logits))  # a layer: Keras 2 and 3, any backend
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"accuracy": float(scores["accuracy"])})


if __name__ == "__main__":
    SPEC.report(train())
