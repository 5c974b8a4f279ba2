"""
Title: Logistic regression on MNIST, Keras under MirroredStrategy
Description: The Keras Sequential model built and compiled in a MirroredStrategy's scope; fit splits every batch between two replicas.
"""

# Setup
# Keras under tf.distribute.MirroredStrategy, on two logical CPUs standing in for two GPUs (docs/distribute.md).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.devices import two_logical_cpus
from tf_rosetta.implementations.logistic_mnist.spec import SPEC


# Prepare the data
# The global batches, as on one device; fit distributes the Dataset: /cpu:0 gets rows 0-127 of each, /cpu:1 the rest.
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()


# Build the model
# Built and compiled in strategy.scope(): its weights, the optimizer's state and the metrics are mirrored.
# Keras divides each replica's summed loss by the global batch size itself.
def build_model(spec):
    strategy = tf.distribute.MirroredStrategy(two_logical_cpus())  # set before TensorFlow's first op
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
    return model


def fit(model, spec):
    # Train
    # One batch an epoch: history["loss"] holds the loss of each batch before its update.
    # tf-rosetta divergences fit_logs_running_mean
    return model.fit(training_data(spec), epochs=spec.steps, steps_per_epoch=1, verbose=0).history["loss"]


def evaluate(model, spec, losses):
    # Evaluate
    # evaluate and predict are distributed too: the 1,000 test images in one batch, 500 on
    # each replica; the accuracy counts both halves, predict joins the halves' logits in order.
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=len(spec.y_test), verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=len(spec.probe_inputs), verbose=0)
    predictions = np.asarray(keras.layers.Softmax()(logits))  # a layer: Keras 2 and 3, any backend
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"accuracy": float(scores["accuracy"])})


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
