"""
Title: MNIST MLP with BatchNorm and Dropout, Keras under MirroredStrategy
Description: The Keras Sequential model built and compiled in a MirroredStrategy's scope; synchronized BatchNorm, and a Dropout that keeps each replica's rows of the batch's mask.
"""

# Setup
# Keras under tf.distribute.MirroredStrategy on two logical CPUs standing in for two GPUs (README: Past one device).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.devices import two_logical_cpus
from tf_rosetta.implementations.mnist_mlp.spec import SPEC

NAMES = ("W1", "gamma", "beta", "moving_mean", "moving_variance", "W2", "b2")  # model.get_weights()'s order


# Prepare the data
# fit distributes the Dataset: rows 0-63 of every batch of 128 to the replica on /cpu:0, rows 64-127 to /cpu:1.
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()


# Build the model
# The one-device model, built and compiled in strategy.scope(); BatchNorm all-reduces the replicas' sums.
# tf-rosetta divergences replica_dropout_masks: this replica's rows of the batch's mask
class GlobalBatchDropout(keras.layers.Dropout):
    """Draws the whole batch's mask, [seed, t] at its t-th training call, and keeps this replica's rows."""

    def call(self, inputs, training=False):
        if not training:
            return inputs
        context = tf.distribute.get_replica_context()
        rows = tf.shape(inputs)[0]
        global_shape = tf.concat([[rows * context.num_replicas_in_sync], tf.shape(inputs)[1:]], axis=0)
        uniform = tf.random.stateless_uniform(global_shape, seed=self.seed_generator.next())
        keep = uniform[context.replica_id_in_sync_group * rows:][:rows] >= self.rate
        return tf.where(keep, inputs * (1 / (1 - self.rate)), 0.0)  # as stateless_dropout: scale, then mask


def build_model(spec):
    strategy = tf.distribute.MirroredStrategy(two_logical_cpus())  # set before TensorFlow's first op
    with strategy.scope():
        model = keras.Sequential([
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, use_bias=False),
            # tf-rosetta divergences batchnorm_per_replica_statistics
            keras.layers.BatchNormalization(synchronized=True),
            keras.layers.Activation("relu"),
            GlobalBatchDropout(spec.dropout_rate, seed=spec.dropout_seed),
            keras.layers.Dense(10),
        ])
        model.set_weights([spec.initial_weights[name] for name in NAMES])
        model.summary()
        # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
        # tf-rosetta divergences adam_epsilon adam_one_minus_beta
        model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                                      epsilon=spec.epsilon),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def fit(model, spec):
    # Train
    # One batch an epoch makes the history's loss the loss of each batch before its update.
    # tf-rosetta divergences fit_logs_running_mean
    return model.fit(training_data(spec), epochs=spec.steps, steps_per_epoch=1, verbose=0).history["loss"]


def evaluate(model, spec, losses):
    # Evaluate
    # evaluate and predict are distributed too, in inference mode: half the test images on each replica.
    test_size = len(spec.probe_inputs)
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=test_size, verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=test_size, verbose=0)
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights=dict(zip(NAMES, model.get_weights())),
                          predictions=logits, metrics={"accuracy": float(scores["accuracy"])})


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
