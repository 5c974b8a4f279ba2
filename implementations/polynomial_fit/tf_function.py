"""
Title: Polynomial fit y = a x^2 + b x + c, tf.function
Description: The eager Adam step traced once by @tf.function and then run as a graph.
"""

# Setup
# TensorFlow 2 with @tf.function: traced once into a graph, then run as one (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.polynomial_fit.spec import SPEC


# Prepare the data
# The 50 training points as constant tensors of shape (50, 1).
def training_data(spec):
    return tf.constant(spec.x_train), tf.constant(spec.y_train)


# Build the model
# A tf.Module holds the weights as tf.Variables; Keras's Adam optimizer applies the updates.
class QuadraticModel(tf.Module):
    def __init__(self, a, b, c):
        self.a, self.b, self.c = tf.Variable(a), tf.Variable(b), tf.Variable(c)

    @tf.function
    def __call__(self, x):
        return self.a * tf.square(x) + self.b * x + self.c  # x ** 2 is tf.pow, which rounds unlike x * x


def build_model(spec):
    model = QuadraticModel(spec.initial_weights["a"], spec.initial_weights["b"], spec.initial_weights["c"])
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    model.optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                            epsilon=spec.epsilon)
    return model


def fit(model, spec):
    # Train
    # One step: the loss under a GradientTape, its gradient for each variable, the optimizer's update.
    x_train, y_train = training_data(spec)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        gradients = tape.gradient(loss, [model.a, model.b, model.c])
        model.optimizer.apply_gradients(zip(gradients, [model.a, model.b, model.c]))
        return loss

    return [train_step(x_train, y_train).numpy() for step in range(spec.steps)]


def evaluate(model, spec, losses):
    # Evaluate
    # keras.metrics objects accumulate batches with update_state and report with result.
    mse, mae = keras.metrics.MeanSquaredError(), keras.metrics.MeanAbsoluteError()
    @tf.function
    def update_metrics(x, y):
        outputs = model(x)
        mse.update_state(y, outputs)
        mae.update_state(y, outputs)

    update_metrics(tf.constant(spec.x_train), tf.constant(spec.y_train))
    weights = {"a": model.a.numpy(), "b": model.b.numpy(), "c": model.c.numpy()}
    return TrainingResult(losses=np.array(losses), weights=weights, predictions=model(spec.probe_inputs).numpy(),
                          metrics={"mse": float(mse.result()), "mae": float(mae.result())})


# Save and resume
def save(model, folder):
    tf.train.Checkpoint(a=model.a, b=model.b, c=model.c, optimizer=model.optimizer).write(f"{folder}/ckpt")
    serve = model.__call__.get_concrete_function(tf.TensorSpec([None, 1], tf.float32))
    tf.saved_model.save(model, f"{folder}/saved_model", signatures=serve)


def restore(model, path):
    model.optimizer.build([model.a, model.b, model.c])
    tf.train.Checkpoint(a=model.a, b=model.b, c=model.c, optimizer=model.optimizer).read(path).assert_consumed()


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
