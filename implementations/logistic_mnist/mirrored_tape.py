"""
Title: Logistic regression on MNIST, MirroredStrategy with a GradientTape loop
Description: The tf.function step run on two replicas by tf.distribute.MirroredStrategy: each takes half of every batch, and an all-reduce sums their gradients.
"""

# Setup
# tf.distribute.MirroredStrategy, on two logical CPUs standing in for two GPUs (docs/distribute.md).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.devices import two_logical_cpus
from tf_rosetta.implementations.logistic_mnist.spec import SPEC


# Prepare the data
# The global batches, as on one device; fit distributes them: /cpu:0 gets rows 0-127 of each, /cpu:1 the rest.
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)


# Build the model
# Variables (the optimizer's too) created in strategy.scope() are mirrored: one copy per replica, kept equal.
class LogisticRegression(tf.Module):
    def __init__(self, W, b, learning_rate):
        self.W, self.b = tf.Variable(W, name="weight"), tf.Variable(b, name="bias")
        self.optimizer = keras.optimizers.SGD(learning_rate)

    def __call__(self, x):
        return tf.nn.bias_add(tf.matmul(x, self.W), self.b)  # logits


def build_model(spec):
    strategy = tf.distribute.MirroredStrategy(two_logical_cpus())  # set before TensorFlow's first op
    with strategy.scope():
        model = LogisticRegression(spec.initial_weights["W"], spec.initial_weights["b"], spec.learning_rate)
    model.strategy = strategy
    return model


def fit(model, spec):
    # Train
    # Each replica's loss is its rows' share of the batch's mean; apply_gradients all-reduces (sums) their gradients.
    def run_optimization(x, y):
        with tf.GradientTape() as tape:
            # tf-rosetta divergences cross_entropy_on_probabilities
            per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x))
            # tf-rosetta divergences per_replica_loss_mean: divide by the global batch, not the replica's
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=spec.batch_size)
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    @tf.function
    def distributed_step(iterator):
        batch_x, batch_y = next(iterator)  # inside the traced step: no Python round trip a batch
        per_replica_losses = model.strategy.run(run_optimization, args=(batch_x, batch_y))
        return model.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)  # the batch's

    iterator = iter(model.strategy.experimental_distribute_dataset(training_data(spec)))
    return [distributed_step(iterator).numpy() for _ in range(spec.steps)]


def evaluate(model, spec, losses):
    # Evaluate
    # Outside strategy.run a mirrored variable reads as its /cpu:0 copy: the model evaluates as on one device.
    test_logits = model(spec.probe_inputs)
    correct_prediction = tf.equal(tf.argmax(test_logits, 1), tf.cast(spec.y_test, tf.int64))
    test_accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    return TrainingResult(losses=np.array(losses), weights={"W": model.W.numpy(), "b": model.b.numpy()},
                          predictions=tf.nn.softmax(test_logits).numpy(), metrics={"accuracy": float(test_accuracy)})


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
