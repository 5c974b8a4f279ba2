"""
Title: MNIST MLP with BatchNorm and Dropout, Keras subclassed model
Description: The course's SequentialModel subclass; call(x, training) passes the flag to BatchNorm and Dropout.
"""

# Setup
# Keras holds the model, the loss, the optimizer and the training loop: compile says what
# to minimise and how, fit runs the loop, evaluate and predict use the trained model.
# A subclassed model creates its layers in __init__ and writes its forward pass in call.
import os

import keras
import numpy as np
import tensorflow as tf

from implementations.contract import TrainingResult
from implementations.mnist_mlp.spec import SPEC


# Registered under a package name, with get_config giving its constructor arguments, the
# class can be rebuilt by keras.models.load_model from a .keras file.
@keras.saving.register_keras_serializable(package="tf_rosetta")
class SequentialModel(keras.Model):
    """The course's model (seed 002), with BatchNormalization between Dense and ReLU."""

    def __init__(self, hidden_units=128, classes=10, dropout_rate=0.2, dropout_seed=None, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units, self.classes = hidden_units, classes
        self.dropout_rate, self.dropout_seed = dropout_rate, dropout_seed
        self.flatten = keras.layers.Flatten()
        self.dense_1 = keras.layers.Dense(hidden_units, use_bias=False)
        self.batch_norm = keras.layers.BatchNormalization()
        self.dropout = keras.layers.Dropout(dropout_rate, seed=dropout_seed)
        self.dense_2 = keras.layers.Dense(classes)

    def call(self, x, training=None):
        # fit passes training=True, evaluate and predict training=False; the layers that
        # behave differently in training get the flag.
        # tf-rosetta divergences keras_training_flag
        x = self.flatten(x)
        x = self.dense_1(x)
        x = self.batch_norm(x, training=training)
        x = keras.activations.relu(x)
        x = self.dropout(x, training=training)
        return self.dense_2(x)  # logits

    def get_config(self):
        return {**super().get_config(), "hidden_units": self.hidden_units, "classes": self.classes,
                "dropout_rate": self.dropout_rate, "dropout_seed": self.dropout_seed}


def train(spec=SPEC, save_to=None, resume_from=None):
    # Prepare the data
    # tf.data streams the batches: a Dataset of the spec's batch order (one row of indices
    # a batch), each batch gathered from the training tensors when fit asks for it. The
    # Dataset is not shuffled, so fit sees the batches in this order.
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    train_data = train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()

    # Build the model
    # The course's layers, with BatchNormalization between Dense and the activation, as
    # its BatchNorm lesson placed it; the Dense before it needs no bias (BatchNorm's beta is
    # the shift). BatchNormalization keeps its Keras defaults (momentum 0.99, epsilon 1e-3).
    # Dropout's seed fixes its masks: its t-th training call draws with seed [seed, t].
    # Calling the model on a keras.Input of one image's shape builds its weights.
    # tf-rosetta divergences keras_dropout_seed_stream
    model = SequentialModel(hidden_units=128, classes=10, dropout_rate=spec.dropout_rate,
                            dropout_seed=spec.dropout_seed)
    model(keras.Input(shape=(28, 28)))
    weights = spec.initial_weights
    model.set_weights([weights["W1"], weights["gamma"], weights["beta"], weights["moving_mean"],
                       weights["moving_variance"], weights["W2"], weights["b2"]])
    model.summary()
    # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                                  epsilon=spec.epsilon),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    # A .weights.h5 file holds the layers' weights, BatchNorm's moving statistics and, once
    # built, the optimizer's variables (step count, moments): load_weights restores them all,
    # to train on. It does not hold Dropout's seed generator, whose state [seed, t] counts
    # the training calls: set it from the restored step, so that the masks go on from there.
    if resume_from:
        model.optimizer.build(model.trainable_variables)
        model.load_weights(resume_from)
        # tf-rosetta divergences keras_seed_state_not_saved
        model.dropout.seed_generator.state.assign([spec.dropout_seed, int(model.optimizer.iterations)])

    # Train
    # fit draws steps_per_epoch batches an epoch from the repeated Dataset; one batch an
    # epoch makes the history's loss the loss of each batch before its update.
    # A resumed run counts on from the optimizer's restored step (initial_epoch) and skips the
    # batches of the steps before it.
    # tf-rosetta divergences fit_logs_running_mean
    initial_epoch = int(model.optimizer.iterations)
    history = model.fit(train_data.skip(initial_epoch), epochs=spec.steps, initial_epoch=initial_epoch,
                        steps_per_epoch=1, verbose=0)
    losses = history.history.get("loss", [])  # none if resumed at the last epoch

    # Evaluate
    # evaluate returns the loss and the compiled accuracy on the test images; predict the
    # logits. Both run the model in inference mode: the moving statistics, no dropout.
    test_size = len(spec.probe_inputs)
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=test_size, verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=test_size, verbose=0)

    # Then save. save_weights writes the weights and the optimizer's state (.weights.h5), to train on;
    # save writes the whole model, its configuration too (.keras); export writes a
    # TensorFlow SavedModel for inference, without Python.
    if save_to:
        model.save_weights(os.path.join(save_to, "model.weights.h5"))
        model.save(os.path.join(save_to, "model.keras"))
        model.export(os.path.join(save_to, "saved_model"), verbose=False)
    (W1,), (W2, b2) = model.dense_1.get_weights(), model.dense_2.get_weights()
    gamma, beta, moving_mean, moving_variance = model.batch_norm.get_weights()
    weights = {"W1": W1, "gamma": gamma, "beta": beta, "moving_mean": moving_mean,
               "moving_variance": moving_variance, "W2": W2, "b2": b2}
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights=weights, predictions=logits,
                          metrics={"accuracy": float(scores["accuracy"])})


if __name__ == "__main__":
    SPEC.report(train())
