"""
Title: Logistic regression on MNIST, Keras under MultiWorkerMirroredStrategy
Description: The Keras Sequential model compiled in a MultiWorkerMirroredStrategy's scope and fitted by two worker processes; the chief's result is the program's.
"""

# Setup
# Keras under tf.distribute.MultiWorkerMirroredStrategy: every worker process runs the same
# function, reads the cluster and its own index from TF_CONFIG, builds and compiles the
# model inside strategy.scope(), and fit sums the replicas' gradients across the workers.
# implementations.cluster starts two workers on 127.0.0.1 and returns the chief's result.
# Keras 3's fit fails under this strategy (keras-team/keras#20585); Keras 2 (tf_keras) runs it.
import keras
import numpy as np
import tensorflow as tf

from implementations import cluster
from implementations.contract import TrainingResult
from implementations.logistic_mnist.spec import SPEC

WORKERS = 2


def train_worker(spec, progress):
    """What each worker runs; progress(step) tells the launcher how far this worker is."""
    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG, then waits for all workers

    # Prepare the data
    # tf.data streams the global batches, as in the one-device programs. fit distributes
    # the Dataset, and tf.data's auto-sharding gives each worker its part of every batch:
    # rows 0-127 of each batch of 256 to worker 0, rows 128-255 to worker 1.
    # tf-rosetta divergences multi_worker_input_split
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()

    # Build the model
    # The Sequential of one Dense(10), created, given the shared starting values and
    # compiled inside strategy.scope(), so its weights, the optimizer's state and the
    # metrics are mirrored; summary prints the layer.
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
    # epoch makes the history's loss the loss of each batch before its update. A callback
    # tells the launcher each finished step.
    # tf-rosetta divergences fit_logs_running_mean
    report = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: progress(epoch + 1))
    history = model.fit(train_data, epochs=spec.steps, steps_per_epoch=1, verbose=0, callbacks=[report])
    losses = history.history["loss"]

    # Evaluate
    # Each worker evaluates the trained model on all test images by itself; the chief's
    # answer is the program's (every worker holds the same weights).
    test_size = len(spec.probe_inputs)
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=test_size, verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=test_size, verbose=0)
    predictions = np.asarray(keras.layers.Softmax()(logits))  # a layer: Keras 2 and 3, any backend
    kernel, bias = model.layers[0].get_weights()
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights={"W": kernel, "b": bias},
                          predictions=predictions, metrics={"accuracy": float(scores["accuracy"])})


def train(spec=SPEC):
    # WORKERS processes on this machine run train_worker, each with its TF_CONFIG; the
    # chief's (worker 0's) result comes back. A worker that dies or hangs ends the run
    # with one line naming it and its step.
    return cluster.run(train_worker, spec, workers=WORKERS)


if __name__ == "__main__":
    SPEC.report(train())
