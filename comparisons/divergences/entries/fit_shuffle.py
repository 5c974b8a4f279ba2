"""fit_shuffle: Keras fit shuffles the training rows every epoch; a hand-written loop takes them in order.

`fit(x, y)` on arrays shuffles the rows before batching them, every epoch (`shuffle=True`,
drawn from Keras's seed), while a TF1 or GradientTape loop over batches takes them in the
order given: the same model, data and optimizer see other batches and end elsewhere.
`validation_split` is not shuffled: it takes the last rows of the arrays, before any
shuffling. auto_mpg's Keras programs pass `shuffle=False`, so that every style sees the
course's batches in order.
"""

import numpy as np

from ..programs import contains
from ..record import Divergence, Measured, OutsideFix, max_difference

EPOCHS, BATCH, RATE = 3, 8, 0.05


def _problem():
    random = np.random.default_rng(1)
    x = random.normal(size=(40, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-1.0], [2.0]]) + 0.1 * random.normal(size=(40, 1))).astype(np.float32)
    return x, y


def fitted(shuffle=None) -> np.ndarray:
    import keras

    keras.utils.set_random_seed(0)
    x, y = _problem()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(RATE), loss="mse")
    options = {} if shuffle is None else {"shuffle": shuffle}
    model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0, **options)
    return np.concatenate([w.ravel() for w in model.get_weights()])


def looped() -> np.ndarray:
    import keras
    import tensorflow as tf

    x, y = _problem()
    kernel, bias = tf.Variable(np.zeros((3, 1), np.float32)), tf.Variable(np.zeros(1, np.float32))
    optimizer = keras.optimizers.SGD(RATE)
    for _ in range(EPOCHS):
        for start in range(0, len(x), BATCH):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(x[start:start + BATCH] @ kernel + bias - y[start:start + BATCH]))
            optimizer.apply_gradients(zip(tape.gradient(loss, [kernel, bias]), [kernel, bias]))
    return np.concatenate([kernel.numpy().ravel(), bias.numpy()])


def probe_fit_shuffle() -> Measured:
    loop = looped()
    return Measured(default=max_difference(fitted(), loop), aligned=max_difference(fitted(shuffle=False), loop),
                    details=f"{EPOCHS} epochs of {len(_problem()[0]) // BATCH} batches, SGD {RATE}: the loop's weights "
                            f"{np.round(loop, 4).tolist()}")


ENTRY = Divergence(
    name="fit_shuffle",
    lesson=__doc__,
    quantity=f"max |Δweight|, fit vs an in-order GradientTape loop, {EPOCHS} epochs of batches of {BATCH}, SGD",
    setting="`shuffle=False`",
    aligned_by="pass `shuffle=False` to `fit` (or feed it a `tf.data.Dataset`, which fit does not shuffle)",
    recorded=Measured(default=0.02717699110507965, aligned=0.0,
                      details="3 epochs of 5 batches, SGD 0.05: the loop's weights [0.6661, -0.6235, 1.2673, -0.137]"),
    default_at_least=1e-3, aligned_at_most=1e-6,
    why="shuffled, the weights end 0.027 away after 15 updates; in order, fit and the loop compute the same "
        "float32 ops and end bitwise equal here: 1e-6 allows a few ulps for another CPU",
    probe=probe_fit_shuffle,
    applies_to=r"\.fit\(",
    alignment_problems=contains(r"shuffle=False|tf\.data\.Dataset", "lets fit shuffle the rows"),
    evidence="batches",
    outside_fix=OutsideFix("argument", "shuffle", False, target="keras.Model.fit", says="`fit(..., shuffle=False)`"),
)
