"""
Title: Logistic regression on MNIST, MirroredStrategy with a GradientTape loop
Description: The tf.function step run on two replicas by tf.distribute.MirroredStrategy: each takes half of every batch, and an all-reduce sums their gradients.
"""

# Setup
# tf.distribute.MirroredStrategy keeps a copy of every variable on each device it is given
# and runs the training step on each (a replica), each on its own part of the batch; an
# all-reduce sums the replicas' gradients, and every copy applies the same update. The
# devices here are two logical CPUs split from the one CPU, standing in for two GPUs.
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
    # spec's batch order, each batch gathered from the training tensors. The strategy's
    # distributed dataset cuts every batch of 256 in two halves: rows 0-127 go to the
    # replica on /cpu:0, rows 128-255 to the one on /cpu:1.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)
    train_data = strategy.experimental_distribute_dataset(train_data)

    # Build the model
    # Variables (and the optimizer's) created in strategy.scope() are mirrored: one copy per
    # replica, kept equal. Each replica's loss sums its examples' cross-entropies and divides
    # by the GLOBAL batch size, so the all-reduced sum of the replicas' gradients is the
    # gradient of the mean over the whole batch, as on one device.
    with strategy.scope():
        W = tf.Variable(spec.initial_weights["W"], name="weight")
        b = tf.Variable(spec.initial_weights["b"], name="bias")
        optimizer = keras.optimizers.SGD(spec.learning_rate)

    def logistic_regression(x):
        # bias_add, as Keras Dense does: its gradient sums the batch in another order than + b.
        return tf.nn.bias_add(tf.matmul(x, W), b)  # logits

    def cross_entropy(logits, true_y):
        # tf-rosetta divergences cross_entropy_on_probabilities
        per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=true_y, logits=logits)
        # tf-rosetta divergences per_replica_loss_mean: divide by the global batch, not the replica's
        return tf.nn.compute_average_loss(per_example, global_batch_size=spec.batch_size)

    @tf.function
    def accuracy(logits, true_y):
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(true_y, tf.int64))
        return tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    def run_optimization(x, y):
        # On each replica: its half batch, its gradients; apply_gradients all-reduces
        # (sums) them across the replicas before updating.
        with tf.GradientTape() as tape:
            loss = cross_entropy(logistic_regression(x), y)
        gradients = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(gradients, [W, b]))
        return loss

    @tf.function
    def distributed_step(iterator):
        batch_x, batch_y = next(iterator)  # inside the traced step: no Python round trip a batch
        per_replica_losses = strategy.run(run_optimization, args=(batch_x, batch_y))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

    # Train
    # Each element of the distributed dataset holds both replicas' halves; strategy.run
    # runs the step on each replica, and the sum of their losses is the batch's mean loss.
    losses = []
    iterator = iter(train_data)
    for _ in range(spec.steps):
        losses.append(distributed_step(iterator).numpy())

    # Evaluate
    # Outside strategy.run a mirrored variable reads as its copy on the first device: the
    # test images go through the trained model on /cpu:0, as in the one-device programs.
    test_logits = logistic_regression(spec.probe_inputs)
    test_accuracy = accuracy(test_logits, spec.y_test)
    predictions = tf.nn.softmax(test_logits)
    return TrainingResult(losses=np.array(losses), weights={"W": W.numpy(), "b": b.numpy()},
                          predictions=predictions.numpy(), metrics={"accuracy": float(test_accuracy)})


if __name__ == "__main__":
    SPEC.report(train())
