"""
Title: MNIST MLP with BatchNorm and Dropout, Keras subclassed model
Description: The course's SequentialModel subclass; call(x, training) passes the flag to BatchNorm and Dropout.
"""

# Setup
# Keras builds, trains and evaluates the model; tf.data feeds it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.mnist_mlp.spec import SPEC

NAMES = ("W1", "gamma", "beta", "moving_mean", "moving_variance", "W2", "b2")  # model.get_weights()'s order


# Prepare the data
# tf.data gathers each of the spec's batches when fit asks for it, unshuffled (README).
def training_data(spec):
    x_train, y_train = tf.constant(spec.x_train), tf.constant(spec.y_train)
    train_data = tf.data.Dataset.from_tensor_slices(spec.batch_indices)
    return train_data.map(lambda batch: (tf.gather(x_train, batch), tf.gather(y_train, batch))).repeat()


# Build the model
# The course's SequentialModel (seed 002); registered, with get_config, so that load_model rebuilds it from .keras.
@keras.saving.register_keras_serializable(package="tf_rosetta")
class SequentialModel(keras.Model):
    def __init__(self, hidden_units=128, classes=10, dropout_rate=0.2, dropout_seed=None, **kwargs):
        super().__init__(**kwargs)
        self.flatten = keras.layers.Flatten()
        self.dense_1 = keras.layers.Dense(hidden_units, use_bias=False)
        self.batch_norm = keras.layers.BatchNormalization()
        # tf-rosetta divergences keras_dropout_seed_stream
        self.dropout = keras.layers.Dropout(dropout_rate, seed=dropout_seed)
        self.dense_2 = keras.layers.Dense(classes)

    def call(self, x, training=None):
        # tf-rosetta divergences keras_training_flag
        x = self.dense_1(self.flatten(x))
        x = keras.activations.relu(self.batch_norm(x, training=training))
        x = self.dropout(x, training=training)
        return self.dense_2(x)  # logits

    def get_config(self):
        return {**super().get_config(), "hidden_units": self.dense_1.units, "classes": self.dense_2.units,
                "dropout_rate": self.dropout.rate, "dropout_seed": self.dropout.seed}


def build_model(spec):
    model = SequentialModel(dropout_rate=spec.dropout_rate, dropout_seed=spec.dropout_seed)
    model(keras.Input(shape=(28, 28)))  # builds the weights
    model.set_weights([spec.initial_weights[name] for name in NAMES])
    model.summary()
    # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)
    model.compile(optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def fit(model, spec):
    # Train
    # One batch an epoch makes the history's loss the loss of each batch before its update.
    # tf-rosetta divergences fit_logs_running_mean
    return model.fit(training_data(spec), epochs=spec.steps, steps_per_epoch=1, verbose=0).history["loss"]


def evaluate(model, spec, losses):
    # Evaluate
    # evaluate and predict run the model in inference mode: the moving statistics, no dropout.
    test_size = len(spec.probe_inputs)
    scores = model.evaluate(spec.probe_inputs, spec.y_test, batch_size=test_size, verbose=0, return_dict=True)
    logits = model.predict(spec.probe_inputs, batch_size=test_size, verbose=0)
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights=dict(zip(NAMES, model.get_weights())),
                          predictions=logits, metrics={"accuracy": float(scores["accuracy"])})


# Save and resume
# .weights.h5: the weights and the optimizer's state; .keras: the model and its configuration; SavedModel: serving.
def save(model, folder):
    model.save_weights(f"{folder}/model.weights.h5")
    model.save(f"{folder}/model.keras")
    model.export(f"{folder}/saved_model", verbose=False)


def restore(model, path):
    model.optimizer.build(model.trainable_variables)  # load_weights fills only the variables that exist
    model.load_weights(path)
    # tf-rosetta divergences keras_seed_state_not_saved
    model.dropout.seed_generator.state.assign([model.dropout.seed, int(model.optimizer.iterations)])


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
