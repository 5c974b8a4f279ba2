"""
Title: Logistic regression on MNIST, MultiWorkerMirroredStrategy with a GradientTape loop
Description: The mirrored step across two worker processes that find each other through TF_CONFIG, one replica each; the chief's result is the program's.
"""

# Setup
# tf.distribute.MultiWorkerMirroredStrategy is MirroredStrategy across processes, normally
# on separate machines: every worker runs the same training function, reads the addresses
# of all workers and its own index from the TF_CONFIG environment variable, and the
# replicas' gradients are summed by collective all-reduces over gRPC. Worker 0 is the
# chief. implementations.cluster starts the workers here: two processes on 127.0.0.1, each
# with its TF_CONFIG and a free port, stopped when training ends or a worker fails.
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
    # Each worker builds its own input: distribute_datasets_from_function calls dataset_fn
    # once in every worker, with its input_pipeline_id. A worker takes its columns of the
    # spec's batch order, so worker 0 gets rows 0-127 of every batch of 256 and worker 1
    # rows 128-255, the same split as MirroredStrategy's on one machine.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)

    def dataset_fn(context):
        # tf-rosetta divergences multi_worker_input_split: each worker's half, stated rather than auto-sharded
        per_replica = context.get_per_replica_batch_size(spec.batch_size)
        first = context.input_pipeline_id * per_replica
        half_batches = tf.data.Dataset.from_tensor_slices(spec.batch_indices[:, first:first + per_replica])
        return half_batches.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)

    train_data = strategy.distribute_datasets_from_function(dataset_fn)

    # Build the model
    # Variables (and the optimizer's) created in strategy.scope() are mirrored: one copy per
    # worker, kept equal. Each replica's loss sums its examples' cross-entropies and divides
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
        # (sums) them across the workers before updating.
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
    # Every worker iterates its own half of each batch in step with the others: a step
    # ends when the all-reduce has the gradients of all workers. The sum of the replicas'
    # losses is the batch's mean loss, on every worker.
    losses = []
    iterator = iter(train_data)
    for step in range(1, spec.steps + 1):
        losses.append(distributed_step(iterator).numpy())
        progress(step)

    # Evaluate
    # Outside strategy.run a mirrored variable reads as this worker's copy: each worker
    # evaluates the trained model on the test images by itself, and the chief's answer is
    # the program's (every worker holds the same weights).
    test_logits = logistic_regression(spec.probe_inputs)
    test_accuracy = accuracy(test_logits, spec.y_test)
    predictions = tf.nn.softmax(test_logits)
    return TrainingResult(losses=np.array(losses), weights={"W": W.numpy(), "b": b.numpy()},
                          predictions=predictions.numpy(), metrics={"accuracy": float(test_accuracy)})


def train(spec=SPEC):
    # WORKERS processes on this machine run train_worker, each with its TF_CONFIG; the
    # chief's (worker 0's) result comes back. A worker that dies or hangs ends the run
    # with one line naming it and its step.
    return cluster.run(train_worker, spec, workers=WORKERS)


if __name__ == "__main__":
    SPEC.report(train())
