"""
Title: Mammal or bird, Keras subclassed model
Description: A keras.Model subclass that owns Dense(10, relu) and Dense(3) and applies them in call, trained with fit.
"""

# Setup
# Keras builds, trains and evaluates the model; tf.data feeds it (README: How the programs read).
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.contract import TrainingResult
from tf_rosetta.implementations.mammal_bird.spec import SPEC


# Prepare the data
# The six animals as one batch, repeated: fit takes one batch an epoch.
# tf-rosetta divergences fit_numpy_input
def training_data(spec):
    return tf.data.Dataset.from_tensor_slices((spec.x_train, spec.y_train)).batch(len(spec.x_train)).repeat()


# Build the model
# Registered, so that keras.models.load_model can rebuild it from a .keras file.
@keras.saving.register_keras_serializable(package="tf_rosetta")
class MammalBirdModel(keras.Model):
    def __init__(self, hidden_units=10, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.layer_1 = keras.layers.Dense(hidden_units, activation="relu")
        self.layer_2 = keras.layers.Dense(classes)

    def call(self, x):
        return self.layer_2(self.layer_1(x))  # logits


def build_model(spec):
    model = MammalBirdModel(hidden_units=10, classes=3)
    model(keras.Input(shape=(2,)))
    model.set_weights([spec.initial_weights[name] for name in ["W1", "b1", "W2", "b2"]])
    model.summary()
    # tf-rosetta divergences cross_entropy_on_probabilities: logits out, from_logits=True
    # tf-rosetta divergences adam_epsilon adam_one_minus_beta
    model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate, beta_1=spec.beta_1, beta_2=spec.beta_2,
                                                  epsilon=spec.epsilon),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def fit(model, spec):
    # Train
    # One batch an epoch: history["loss"] holds the loss of each full-batch step.
    return model.fit(training_data(spec), epochs=spec.steps, steps_per_epoch=1, verbose=0).history["loss"]


def evaluate(model, spec, losses):
    # Evaluate
    # evaluate returns the loss and the compiled metrics; predict, the outputs for new inputs.
    scores = model.evaluate(spec.x_train, spec.y_train, verbose=0, return_dict=True)
    predictions = model.predict(spec.probe_inputs, verbose=0)
    weights = dict(zip(["W1", "b1", "W2", "b2"], model.get_weights()))
    return TrainingResult(losses=np.array(losses, dtype=np.float32), weights=weights, predictions=predictions,
                          metrics={"accuracy": float(scores["accuracy"])})


# Save and resume
def save(model, folder):
    model.save_weights(f"{folder}/model.weights.h5")
    model.save(f"{folder}/model.keras")
    model.export(f"{folder}/saved_model", verbose=False)


def restore(model, path):
    model.optimizer.build(model.trainable_variables)
    model.load_weights(path)


if __name__ == "__main__":
    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))
