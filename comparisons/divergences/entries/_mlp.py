"""The small network the BatchNorm and dropout entries train: Dense (no bias) -> BatchNorm -> ReLU -> Dropout -> Dense.

mnist_mlp's model at toy size, on fixed random data (these entries measure what the APIs
do, not what the model learns): 20 inputs, 16 hidden units, 3 classes, four batches of 32
taken in turn, softmax cross-entropy from logits, SGD.
"""

import numpy as np

FEATURES, HIDDEN, CLASSES, BATCH, BATCHES = 20, 16, 3, 32, 4
RATE, SEED, LEARNING_RATE = 0.2, 5, 0.1


def data():
    """(x, labels, initial weights [W1, gamma, beta, moving_mean, moving_variance, W2, b2]) from a fixed seed."""
    generator = np.random.RandomState(0)
    # Inputs with a mean and scale far from 0 and 1, so that batch and moving statistics differ.
    x = generator.normal(1.0, 2.0, (BATCHES * BATCH, FEATURES)).astype(np.float32)
    labels = generator.randint(0, CLASSES, BATCHES * BATCH).astype(np.int64)
    weights = [generator.normal(0, 0.3, (FEATURES, HIDDEN)).astype(np.float32), np.ones(HIDDEN, np.float32),
               np.zeros(HIDDEN, np.float32), np.zeros(HIDDEN, np.float32), np.ones(HIDDEN, np.float32),
               generator.normal(0, 0.3, (HIDDEN, CLASSES)).astype(np.float32), np.zeros(CLASSES, np.float32)]
    return x, labels, weights


def batch(x, labels, step):
    start = (step % BATCHES) * BATCH
    return x[start:start + BATCH], labels[start:start + BATCH]


def keras_model():
    """The network in Keras, from data()'s weights, compiled for fit (SGD, logits, no XLA)."""
    import keras

    model = keras.Sequential([
        keras.Input(shape=(FEATURES,)),
        keras.layers.Dense(HIDDEN, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Dropout(RATE, seed=SEED),
        keras.layers.Dense(CLASSES),
    ])
    model.set_weights(data()[2])
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=False)
    return model


def outcome(losses, model) -> np.ndarray:
    """The per-step losses and every weight (moving statistics included), as one vector."""
    return np.concatenate([np.asarray(losses, np.float64).ravel()]
                          + [np.asarray(weight, np.float64).ravel() for weight in model.get_weights()])
