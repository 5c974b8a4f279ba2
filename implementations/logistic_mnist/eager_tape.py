"""
Title: Logistic regression on MNIST, eager GradientTape
Description: The course's program: tf.data batches, tf.Variable W and b, a GradientTape step per batch.
"""

# Setup
# TensorFlow 2, eager: each op runs as Python reaches it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.logistic_mnist.spec import SPEC


# Prepare the data
# tf.data streams the batches of the spec's order, gathered when asked for, the next one prefetched.
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices[:spec.steps])
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).prefetch(1)


# Build the model
# A tf.Module holds the weights as tf.Variables; Keras's SGD optimizer applies the updates.
class LogisticRegression(tf.Module):
    def __init__(self, W, b, learning_rate):
        self.W, self.b = tf.Variable(W, name="weight"), tf.Variable(b, name="bias")
        self.optimizer = keras.optimizers.SGD(learning_rate)

    def __call__(self, x):
        return tf.nn.bias_add(tf.matmul(x, self.W), self.b)  # logits


def build_model(spec):
    return LogisticRegression(spec.initial_weights["W"], spec.initial_weights["b"], spec.learning_rate)


def fit(model, spec):
    # Train
    # One step a batch of the Dataset: the loss under a GradientTape, its gradient, the optimizer's update.
    def run_optimization(x, y):
        with tf.GradientTape() as tape:
            # tf-rosetta divergences cross_entropy_on_probabilities
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x)))
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return [run_optimization(batch_x, batch_y).numpy() for batch_x, batch_y in training_data(spec)]


def evaluate(model, spec, losses):
    # Evaluate
    # The course's accuracy function, on the test images: the share whose largest logit is at the label.
    def accuracy(logits, true_y):
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.cast(true_y, tf.int64))
        return tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    test_logits = model(spec.probe_inputs)
    return TrainingResult(losses=np.array(losses), weights={"W": model.W.numpy(), "b": model.b.numpy()},
                          predictions=tf.nn.softmax(test_logits).numpy(),
                          metrics={"accuracy": float(accuracy(test_logits, spec.y_test))})


# Save and resume
def save(model, folder):
    tf.train.Checkpoint(W=model.W, b=model.b, optimizer=model.optimizer).write(f"{folder}/ckpt")


def restore(model, path):
    model.optimizer.build(model.trainable_variables)
    tf.train.Checkpoint(W=model.W, b=model.b, optimizer=model.optimizer).read(path).assert_consumed()


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
