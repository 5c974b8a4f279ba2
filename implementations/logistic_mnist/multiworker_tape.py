"""
Title: Logistic regression on MNIST, MultiWorkerMirroredStrategy with a GradientTape loop
Description: The mirrored step across two worker processes that find each other through TF_CONFIG, one replica each; the chief's result is the program's.
"""

# Setup
# tf.distribute.MultiWorkerMirroredStrategy, a replica in each worker; cluster.run starts two (docs/distribute.md).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations import cluster
from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.logistic_mnist.spec import SPEC

WORKERS = 2


# Prepare the data
# dataset_fn runs in each worker: worker 0 takes rows 0-127 of every batch of 256, worker 1 rows 128-255.
def training_data(spec, strategy):
    def dataset_fn(context):
        # tf-rosetta divergences multi_worker_input_split: each worker's half, stated rather than auto-sharded
        x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
        per_replica = context.get_per_replica_batch_size(spec.batch_size)
        first = context.input_pipeline_id * per_replica
        half_batches = tf.data.Dataset.from_tensor_slices(spec.batch_indices[:, first:first + per_replica])
        return half_batches.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)

    return strategy.distribute_datasets_from_function(dataset_fn)


# Build the model
# Variables (the optimizer's too) created in strategy.scope() are mirrored: one copy per worker, kept equal.
class LogisticRegression(tf.Module):
    def __init__(self, W, b, learning_rate):
        self.W, self.b = tf.Variable(W, name="weight"), tf.Variable(b, name="bias")
        self.optimizer = keras.optimizers.SGD(learning_rate)

    def __call__(self, x):
        return tf.nn.bias_add(tf.matmul(x, self.W), self.b)  # logits


def build_model(spec):
    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG, then waits for all workers
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

    losses = []
    iterator = iter(training_data(spec, model.strategy))
    for step in range(1, spec.steps + 1):
        losses.append(distributed_step(iterator).numpy())
        if step % 50 == 0:
            print(f"step {step}: loss {losses[-1]:.4f}")  # in each worker's log, where the launcher reads its step
    return losses


def evaluate(model, spec, losses):
    # Evaluate
    # Outside strategy.run a mirrored variable reads as this worker's copy: each worker evaluates by itself.
    test_logits = model(spec.probe_inputs)
    correct_prediction = tf.equal(tf.argmax(test_logits, 1), tf.cast(spec.y_test, tf.int64))
    test_accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    return TrainingResult(losses=np.array(losses), weights={"W": model.W.numpy(), "b": model.b.numpy()},
                          predictions=tf.nn.softmax(test_logits).numpy(), metrics={"accuracy": float(test_accuracy)})


def train_worker(spec):
    model = build_model(spec)
    return evaluate(model, spec, fit(model, spec))


def train(spec=SPEC):
    return cluster.run(train_worker, spec, workers=WORKERS)


if __name__ == "__main__":
    SPEC.report(train())
