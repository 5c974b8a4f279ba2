"""
Title: MNIST MLP with BatchNorm and Dropout, eager GradientTape
Description: tf.Variables and tf.nn ops: BatchNorm from tf.nn.moments, stateless dropout, a tape step per batch.
"""

# Setup
# TensorFlow 2, eager: each op runs as Python reaches it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.mnist_mlp.spec import SPEC


# Prepare the data
# tf.data gathers each of the spec's batches when the loop asks for it (README).
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices[:spec.steps])
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)


# Build the model
# A tf.Module holds the tf.Variables and computes the logits eagerly, like NumPy.
class MLP(tf.Module):
    def __init__(self, spec):
        self.spec, weights = spec, spec.initial_weights
        self.W1, self.gamma, self.beta = (tf.Variable(weights[name], name=name) for name in ("W1", "gamma", "beta"))
        self.moving_mean, self.moving_variance = (tf.Variable(weights[name], trainable=False, name=name)
                                                  for name in ("moving_mean", "moving_variance"))
        self.W2, self.b2 = tf.Variable(weights["W2"], name="W2"), tf.Variable(weights["b2"], name="b2")
        self.trained = [self.W1, self.gamma, self.beta, self.W2, self.b2]

    def __call__(self, x, training, step=None):
        spec, momentum = self.spec, self.spec.batchnorm_momentum
        hidden = tf.matmul(tf.reshape(x, [-1, 784]), self.W1)
        mean, variance = tf.nn.moments(hidden, axes=[0]) if training else (self.moving_mean, self.moving_variance)
        if training:
            # tf-rosetta divergences moving_average_update: Keras's formula
            self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
            self.moving_variance.assign(self.moving_variance * momentum + variance * (1.0 - momentum))
        hidden = tf.nn.relu(tf.nn.batch_normalization(hidden, mean, variance, offset=self.beta, scale=self.gamma,
                                                      variance_epsilon=spec.batchnorm_epsilon))
        if training:
            # tf-rosetta divergences stateful_dropout_seed: Keras's masks, seed [s, step]
            hidden = tf.nn.experimental.stateless_dropout(hidden, spec.dropout_rate, seed=[spec.dropout_seed, step])
        return tf.nn.bias_add(tf.matmul(hidden, self.W2), self.b2)  # logits


def build_model(spec):
    model = MLP(spec)
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    model.optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                            epsilon=spec.epsilon)
    return model


def fit(model, spec):
    # Train
    # The optimizer's step count numbers the batches, and so the dropout masks.
    def run_optimization(x, y, step):
        with tf.GradientTape() as tape:
            # tf-rosetta divergences cross_entropy_on_probabilities
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x, True, step)))
        model.optimizer.apply_gradients(zip(tape.gradient(loss, model.trained), model.trained))
        return loss

    batches = training_data(spec).enumerate(int(model.optimizer.iterations))
    return [run_optimization(batch_x, batch_y, step).numpy() for step, (batch_x, batch_y) in batches]


def evaluate(model, spec, losses):
    # Evaluate
    # Inference mode on the test images; the accuracy with eager ops.
    test_logits = model(spec.probe_inputs, training=False)
    correct_prediction = tf.equal(tf.argmax(test_logits, 1), tf.cast(spec.y_test, tf.int64))
    weights = {name: getattr(model, name).numpy() for name in spec.initial_weights}
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=test_logits.numpy(),
                          metrics={"accuracy": float(tf.reduce_mean(tf.cast(correct_prediction, tf.float32)))})


# Save and resume
# A tf.train.Checkpoint holds the variables and the optimizer's (Adam's moments and step count).
def save(model, folder):
    tf.train.Checkpoint(model).write(f"{folder}/ckpt")


def restore(model, path):
    model.optimizer.build(model.trained)  # read fills the optimizer's variables only once they exist
    tf.train.Checkpoint(model).read(path).assert_consumed()


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
