"""
Title: Logistic regression on MNIST, Keras under MultiWorkerMirroredStrategy
Description: The Keras Sequential model compiled in a MultiWorkerMirroredStrategy's scope and fitted by two worker processes; the chief's result is the program's.
"""

# Setup
# Keras under tf.distribute.MultiWorkerMirroredStrategy; implementations.cluster starts the workers here
# (docs/distribute.md). Keras 3's fit fails under this strategy (keras-team/keras#20585); Keras 2 (tf_keras) runs it.
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations import cluster
from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.logistic_mnist.spec import SPEC

WORKERS = 2


# Prepare the data
# The global batches, as on one device; tf.data's auto-sharding gives worker 0 rows 0-127 of each, worker 1 the rest.
# tf-rosetta divergences multi_worker_input_split
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()


# Build the model
# Built and compiled in strategy.scope(): its weights, the optimizer's state and the metrics are mirrored.
def build_model(spec):
    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG, then waits for all workers
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
    # One batch an epoch: history["loss"] holds the loss of each batch before its update. verbose=2 logs
    # a line an epoch, in each worker's log, where the launcher reads its step.
    # tf-rosetta divergences fit_logs_running_mean
    return model.fit(training_data(spec), epochs=spec.steps, steps_per_epoch=1, verbose=2).history["loss"]


def evaluate(model, spec, losses):
    # Evaluate
    # Each worker evaluates the trained model on all test images by itself (all hold the same weights).
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=len(spec.y_test), verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=len(spec.probe_inputs), verbose=0)
    predictions = np.asarray(keras.layers.Softmax()(logits))  # a layer: Keras 2 and 3, any backend
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"accuracy": float(scores["accuracy"])})


def train_worker(spec):
    model = build_model(spec)
    return evaluate(model, spec, fit(model, spec))


def train(spec=SPEC):
    return cluster.run(train_worker, spec, workers=WORKERS)


if __name__ == "__main__":
    SPEC.report(train())
