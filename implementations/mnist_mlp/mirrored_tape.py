"""
Title: MNIST MLP with BatchNorm and Dropout, MirroredStrategy with a GradientTape loop
Description: The tf.function step on two replicas: each takes half of every batch, BatchNorm's statistics and the gradients are all-reduced, each replica keeps its rows of the batch's dropout mask.
"""

# Setup
# tf.distribute.MirroredStrategy on two logical CPUs standing in for two GPUs (README: Past one device).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.devices import two_logical_cpus
from tf_rosetta.implementations.mnist_mlp.spec import SPEC


# Prepare the data
# tf.data streams the batches; distributed, rows 0-63 of each go to the replica on /cpu:0, rows 64-127 to /cpu:1.
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)


# Build the model
# Created in strategy.scope(), the variables and Adam's are mirrored; the moving averages are written once.
class MLP(tf.Module):
    def __init__(self, spec):
        self.spec, self.strategy, weights = spec, tf.distribute.get_strategy(), spec.initial_weights
        self.W1, self.gamma, self.beta = (tf.Variable(weights[name], name=name) for name in ("W1", "gamma", "beta"))
        self.moving_mean, self.moving_variance = (tf.Variable(
            weights[name], trainable=False, name=name, aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
            for name in ("moving_mean", "moving_variance"))
        self.W2, self.b2 = tf.Variable(weights["W2"], name="W2"), tf.Variable(weights["b2"], name="b2")
        self.trained = [self.W1, self.gamma, self.beta, self.W2, self.b2]
        # tf-rosetta divergences adam_epsilon adam_one_minus_beta
        self.optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                               epsilon=spec.epsilon)
        self.optimizer.build(self.trained)  # Adam's moments, here and not in the step

    def __call__(self, x, training, step=None):
        spec, momentum, context = self.spec, self.spec.batchnorm_momentum, tf.distribute.get_replica_context()
        hidden = tf.matmul(tf.reshape(x, [-1, 784]), self.W1)
        mean, variance = self.moving_mean, self.moving_variance
        if training:
            # tf-rosetta divergences batchnorm_per_replica_statistics: the global batch's statistics
            mean = context.all_reduce("sum", tf.reduce_sum(hidden, axis=0)) / spec.batch_size
            squared = tf.math.squared_difference(hidden, tf.stop_gradient(mean))
            variance = context.all_reduce("sum", tf.reduce_sum(squared, axis=0)) / spec.batch_size
            # tf-rosetta divergences moving_average_update: Keras's formula
            self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
            self.moving_variance.assign(self.moving_variance * momentum + variance * (1.0 - momentum))
        hidden = tf.nn.relu(tf.nn.batch_normalization(hidden, mean, variance, offset=self.beta, scale=self.gamma,
                                                      variance_epsilon=spec.batchnorm_epsilon))
        if training:
            # tf-rosetta divergences replica_dropout_masks: this replica's rows of the batch's mask
            rows = tf.shape(hidden)[0]
            uniform = tf.random.stateless_uniform([spec.batch_size, spec.hidden_units], seed=[spec.dropout_seed, step])
            keep = tf.slice(uniform, [context.replica_id_in_sync_group * rows, 0], [rows, -1]) >= spec.dropout_rate
            hidden = hidden * (1 / (1 - spec.dropout_rate)) * tf.cast(keep, hidden.dtype)
        return tf.nn.bias_add(tf.matmul(hidden, self.W2), self.b2)  # logits


def build_model(spec):
    with tf.distribute.MirroredStrategy(two_logical_cpus()).scope():  # the devices set before TensorFlow's first op
        return MLP(spec)


def fit(model, spec):
    # Train
    # Each replica divides its summed loss by the GLOBAL batch size: the replicas' gradients sum to the batch's.
    def run_optimization(x, y, step):
        with tf.GradientTape() as tape:
            # tf-rosetta divergences cross_entropy_on_probabilities
            per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x, True, step))
            # tf-rosetta divergences per_replica_loss_mean: divide by the global batch, not the replica's
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=spec.batch_size)
        model.optimizer.apply_gradients(zip(tape.gradient(loss, model.trained), model.trained))
        return loss

    @tf.function
    def distributed_step(iterator, step):  # next(iterator) inside the traced step: no Python round trip a batch
        return model.strategy.reduce("SUM", model.strategy.run(run_optimization, (*next(iterator), step)), axis=None)

    iterator = iter(model.strategy.experimental_distribute_dataset(training_data(spec)))
    return [distributed_step(iterator, step).numpy() for step in tf.range(spec.steps, dtype=tf.int64)]


def evaluate(model, spec, losses):
    # Evaluate
    # Inference mode, traced, outside strategy.run: a mirrored variable reads as its copy on /cpu:0.
    test_logits = tf.function(model.__call__)(spec.probe_inputs, training=False)
    correct_prediction = tf.equal(tf.argmax(test_logits, 1), tf.cast(spec.y_test, tf.int64))
    weights = {name: getattr(model, name).numpy() for name in spec.initial_weights}
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=test_logits.numpy(),
                          metrics={"accuracy": float(tf.reduce_mean(tf.cast(correct_prediction, tf.float32)))})


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
