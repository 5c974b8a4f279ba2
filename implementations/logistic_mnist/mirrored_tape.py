"""
Title: Logistic regression on MNIST, MirroredStrategy with a GradientTape loop
Description: The tf.function step run on two replicas by tf.distribute.MirroredStrategy: each takes half of every batch, and an all-reduce sums their gradients.
"""

# Setup
# tf.distribute.MirroredStrategy keeps a copy of every variable on each of its devices and
# runs the step on each (a replica) with its part of the batch; an all-reduce sums the
# replicas' gradients, and every copy applies the same update. The devices are two logical
# CPUs standing in for two GPUs (docs/distribute.md).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.devices import two_logical_cpus
from tf_rosetta.implementations.logistic_mnist.spec import SPEC


# Prepare the data
# tf.data streams the global batches, as on one device; the strategy's distributed dataset
# gives rows 0-127 of every batch of 256 to the replica on /cpu:0, rows 128-255 to /cpu:1.
def training_data(spec, strategy):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)
    return strategy.experimental_distribute_dataset(train_data)


# Build the model
# Variables (and the optimizer's) created in strategy.scope() are mirrored: one copy per
# replica, kept equal.
class LogisticRegression(tf.Module):
    def __init__(self, W, b):
        self.W, self.b = tf.Variable(W, name="weight"), tf.Variable(b, name="bias")

    def __call__(self, x):
        # bias_add, as Keras Dense does: its gradient sums the batch in another order than + b.
        return tf.nn.bias_add(tf.matmul(x, self.W), self.b)  # logits


def build_model(spec):
    strategy = tf.distribute.MirroredStrategy(two_logical_cpus())  # set before TensorFlow's first op
    with strategy.scope():
        model = LogisticRegression(spec.initial_weights["W"], spec.initial_weights["b"])
        model.optimizer = keras.optimizers.SGD(spec.learning_rate)
    model.strategy = strategy
    return model


def fit(model, spec):
    # Train
    # Each replica divides its examples' summed loss by the GLOBAL batch size, so the sum of
    # the replicas' gradients, which apply_gradients all-reduces, is the whole batch's mean's.
    def run_optimization(x, y):
        with tf.GradientTape() as tape:
            # tf-rosetta divergences cross_entropy_on_probabilities
            per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x))
            # tf-rosetta divergences per_replica_loss_mean: divide by the global batch, not the replica's
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=spec.batch_size)
        gradients = tape.gradient(loss, [model.W, model.b])
        model.optimizer.apply_gradients(zip(gradients, [model.W, model.b]))
        return loss

    @tf.function
    def distributed_step(iterator):
        batch_x, batch_y = next(iterator)  # inside the traced step: no Python round trip a batch
        per_replica_losses = model.strategy.run(run_optimization, args=(batch_x, batch_y))
        return model.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)  # the batch's

    iterator = iter(training_data(spec, model.strategy))
    return [distributed_step(iterator).numpy() for _ in range(spec.steps)]


def evaluate(model, spec, losses):
    # Evaluate
    # Outside strategy.run a mirrored variable reads as its copy on /cpu:0: the test images
    # go through the trained model there, as on one device.
    @tf.function
    def accuracy(logits, true_y):
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(true_y, tf.int64))
        return tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    test_logits = model(spec.probe_inputs)
    test_accuracy = accuracy(test_logits, spec.y_test)
    predictions = tf.nn.softmax(test_logits)
    return TrainingResult(losses=np.array(losses), weights={"W": model.W.numpy(), "b": model.b.numpy()},
                          predictions=predictions.numpy(), metrics={"accuracy": float(test_accuracy)})


def train(spec=SPEC):
    model = build_model(spec)
    return evaluate(model, spec, fit(model, spec))


if __name__ == "__main__":
    SPEC.report(train())
