"""
Title: Auto MPG regression with validation, early stopping and a learning-rate schedule, Keras Sequential
Description: keras.Sequential of Input(9), Dense(64), Dense(64), Dense(1); RMSprop, fit with validation_split and four callbacks.
"""

# Setup
# Keras holds the loop: fit trains, validates and calls the callbacks each epoch (the rest: the README).
import math
import os
import tempfile

import keras
import numpy as np

from tf_rosetta.implementations.auto_mpg.spec import SPEC
from tf_rosetta.implementations.contract import TrainingResult

NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def train(spec=SPEC):
    run_folder = tempfile.mkdtemp(prefix="auto_mpg_keras_sequential_")

    # Prepare the data
    # NumPy arrays: fit splits off the last fifth of the rows to validate (validation_split).
    x_train, y_train = spec.x_train, spec.y_train

    # Build the model
    # The course's model as a stack of layers, at the shared starting weights.
    model = keras.Sequential([
        keras.Input(shape=(x_train.shape[1],), name="input"),
        keras.layers.Dense(64, activation="relu", name="dense1"),
        keras.layers.Dense(64, activation="relu", name="dense2"),
        keras.layers.Dense(1, name="output"),
    ])
    model.set_weights([spec.initial_weights[name] for name in NAMES])
    model.summary()
    optimizer = keras.optimizers.RMSprop(spec.learning_rate, rho=spec.rho, epsilon=spec.epsilon)
    model.compile(loss="mse", optimizer=optimizer, metrics=["mae", "mse"])

    def scheduler(epoch, learning_rate):
        return learning_rate if epoch < spec.schedule_keep else learning_rate * math.exp(spec.schedule_exponent)

    # Train
    # The callbacks lesson's four: the schedule sets the rate at each epoch's start; at its end the checkpoint
    # saves a best epoch, early stopping counts the others (and restores the best), TensorBoard logs.
    callbacks = [
        keras.callbacks.LearningRateScheduler(scheduler),
        keras.callbacks.ModelCheckpoint(os.path.join(run_folder, "best.weights.h5"), monitor="val_loss",
                                        save_best_only=True, save_weights_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=spec.patience, restore_best_weights=True),
        keras.callbacks.TensorBoard(log_dir=os.path.join(run_folder, "logs")),
    ]
    # tf-rosetta divergences fit_shuffle
    history = model.fit(x_train, y_train, batch_size=spec.batch_size, epochs=spec.epochs,
                        validation_split=spec.validation_split, shuffle=False, callbacks=callbacks, verbose=0)

    # Evaluate
    # evaluate scores the test rows with the best epoch's weights, which EarlyStopping restored.
    scores = model.evaluate(spec.x_test, spec.y_test, batch_size=spec.batch_size, verbose=0, return_dict=True)
    logs = {name: np.array(values, dtype=np.float32) for name, values in history.history.items()}
    return TrainingResult(losses=logs["loss"], weights=dict(zip(NAMES, model.get_weights())),
                          predictions=model.predict(spec.probe_inputs, verbose=0), metrics=scores,
                          history={name: logs[name] for name in ("val_loss", "val_mae", "val_mse", "learning_rate")},
                          stopped_epoch=len(history.epoch), run_folder=run_folder)


if __name__ == "__main__":
    SPEC.report(train())
