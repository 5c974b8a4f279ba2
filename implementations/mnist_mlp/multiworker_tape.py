"""
Title: MNIST MLP with BatchNorm and Dropout, MultiWorkerMirroredStrategy with a GradientTape loop
Description: The mirrored step across two worker processes that find each other through TF_CONFIG; BatchNorm's statistics and the gradients all-reduced between them; the chief's result is the program's.
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
from implementations.mnist_mlp.spec import SPEC

WORKERS = 2


def train_worker(spec, progress):
    """What each worker runs; progress(step) tells the launcher how far this worker is."""
    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG, then waits for all workers

    # Prepare the data
    # Each worker builds its own input: distribute_datasets_from_function calls dataset_fn
    # once in every worker, with its input_pipeline_id. A worker takes its columns of the
    # spec's batch order, so worker 0 gets rows 0-63 of every batch of 128 and worker 1
    # rows 64-127, the same split as MirroredStrategy's on one machine.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)

    def dataset_fn(context):
        # tf-rosetta divergences multi_worker_input_split: each worker's half, stated rather than auto-sharded
        per_replica = context.get_per_replica_batch_size(spec.batch_size)
        first = context.input_pipeline_id * per_replica
        half_batches = tf.data.Dataset.from_tensor_slices(spec.batch_indices[:, first:first + per_replica])
        return half_batches.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)

    train_data = strategy.distribute_datasets_from_function(dataset_fn)

    # Build the model
    # Variables created in strategy.scope() are mirrored, one copy per worker. BatchNorm's
    # statistics are the global batch's: each replica sums its rows and an all-reduce adds
    # the sums (the moving averages, equal on every replica, are written once). Dropout's
    # mask is drawn for the whole batch from the seed [dropout_seed, step], and each replica
    # keeps its own rows of it, as one device would apply them.
    with strategy.scope():
        W1 = tf.Variable(spec.initial_weights["W1"], name="W1")
        gamma = tf.Variable(spec.initial_weights["gamma"], name="gamma")
        beta = tf.Variable(spec.initial_weights["beta"], name="beta")
        moving_mean = tf.Variable(spec.initial_weights["moving_mean"], trainable=False, name="moving_mean",
                                  aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        moving_variance = tf.Variable(spec.initial_weights["moving_variance"], trainable=False,
                                      name="moving_variance", aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        W2 = tf.Variable(spec.initial_weights["W2"], name="W2")
        b2 = tf.Variable(spec.initial_weights["b2"], name="b2")
        # tf-rosetta divergences adam_epsilon adam_one_minus_beta
        optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                          epsilon=spec.epsilon)
        variables = [W1, gamma, beta, W2, b2]
        optimizer.build(variables)  # Adam's moments, mirrored too: made here, not inside the traced step
    momentum = spec.batchnorm_momentum
    keep_scale = 1 / (1 - spec.dropout_rate)

    def mlp(x, training, step=None):
        hidden = tf.matmul(tf.reshape(x, [-1, 784]), W1)
        if training:
            # tf-rosetta divergences batchnorm_per_replica_statistics: the global batch's statistics
            context = tf.distribute.get_replica_context()
            mean = context.all_reduce("sum", tf.reduce_sum(hidden, axis=0)) / spec.batch_size
            squared = tf.math.squared_difference(hidden, tf.stop_gradient(mean))
            variance = context.all_reduce("sum", tf.reduce_sum(squared, axis=0)) / spec.batch_size
            # tf-rosetta divergences moving_average_update: Keras's formula
            moving_mean.assign(moving_mean * momentum + mean * (1.0 - momentum))
            moving_variance.assign(moving_variance * momentum + variance * (1.0 - momentum))
        else:
            mean, variance = moving_mean, moving_variance
        hidden = tf.nn.batch_normalization(hidden, mean, variance, offset=beta, scale=gamma,
                                           variance_epsilon=spec.batchnorm_epsilon)
        hidden = tf.nn.relu(hidden)
        if training:
            # tf-rosetta divergences replica_dropout_masks: this replica's rows of the batch's mask
            rows = tf.shape(hidden)[0]
            first = tf.distribute.get_replica_context().replica_id_in_sync_group * rows
            uniform = tf.random.stateless_uniform([spec.batch_size, spec.hidden_units],
                                                  seed=[spec.dropout_seed, step])
            keep = tf.slice(uniform, [first, 0], [rows, spec.hidden_units]) >= spec.dropout_rate
            hidden = hidden * keep_scale * tf.cast(keep, hidden.dtype)
        return tf.nn.bias_add(tf.matmul(hidden, W2), b2)  # logits

    def cross_entropy(logits, true_y):
        # tf-rosetta divergences cross_entropy_on_probabilities
        per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=true_y, logits=logits)
        # tf-rosetta divergences per_replica_loss_mean: divide by the global batch, not the replica's
        return tf.nn.compute_average_loss(per_example, global_batch_size=spec.batch_size)

    def run_optimization(x, y, step):
        # On each replica: its half batch, its gradients; apply_gradients all-reduces
        # (sums) them across the workers before updating.
        with tf.GradientTape() as tape:
            loss = cross_entropy(mlp(x, training=True, step=step), y)
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return loss

    @tf.function
    def distributed_step(iterator, step):
        batch_x, batch_y = next(iterator)  # inside the traced step: no Python round trip a batch
        per_replica_losses = strategy.run(run_optimization, args=(batch_x, batch_y, step))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

    # Train
    # Every worker iterates its own half of each batch in step with the other: a step ends
    # when the all-reduces have both workers' sums. The sum of the replicas' losses is the
    # batch's mean loss, on every worker. The step number comes in as a tensor: a Python
    # int would trace a new graph every step.
    losses = []
    iterator = iter(train_data)
    for step in range(spec.steps):
        losses.append(distributed_step(iterator, tf.constant(step, tf.int64)).numpy())
        progress(step + 1)

    # Evaluate
    # Inference mode on the test images, outside strategy.run: a mirrored variable reads
    # as this worker's copy, so each worker runs the trained model as on one device (the
    # moving statistics, no dropout), and the chief's answer is the program's.
    @tf.function
    def accuracy(logits, true_y):
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(true_y, tf.int64))
        return tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    test_logits = tf.function(mlp)(spec.probe_inputs, training=False)
    test_accuracy = accuracy(test_logits, spec.y_test)
    weights = {"W1": W1.numpy(), "gamma": gamma.numpy(), "beta": beta.numpy(), "moving_mean": moving_mean.numpy(),
               "moving_variance": moving_variance.numpy(), "W2": W2.numpy(), "b2": b2.numpy()}
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=test_logits.numpy(),
                          metrics={"accuracy": float(test_accuracy)})


def train(spec=SPEC):
    # WORKERS processes on this machine run train_worker, each with its TF_CONFIG; the
    # chief's (worker 0's) result comes back. A worker that dies or hangs ends the run
    # with one line naming it and its step.
    return cluster.run(train_worker, spec, workers=WORKERS)


if __name__ == "__main__":
    SPEC.report(train())
