"""keras_dropout_seed_stream: Keras 3's `Dropout(rate, seed=s)` draws its t-th mask with seed [s, t].

On the TensorFlow backend, the layer owns a `SeedGenerator` whose state is a variable that
starts at `[s, 0]` (keras/src/random/seed_generator.py); each training call reads it, adds
`[0, 1]`, and calls `tf.nn.experimental.stateless_dropout(x, rate, seed=state)`
(keras/src/backend/tensorflow/random.py, after `floormod(seed, 2**31 - 2)`, which leaves
small seeds alone). Building the model, `summary`, `predict`, `evaluate` and calls without
`training=True` draw nothing, so the t-th training call, in `fit` or in a custom loop,
counts from 0. The naive ports are wrong: `stateless_dropout(seed=[s, 0])` at every step
repeats one mask, and `tf.nn.dropout(seed=s)` is another generator altogether. Code that
wants Keras's masks without Keras passes `seed=[s, step]`.
"""

import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference

RATE, SEED, STEPS = 0.2, 7, 5
SHAPE = (100, 100)


def keras_layer_masks() -> np.ndarray:
    """(STEPS, *SHAPE) masks of one Keras Dropout(RATE, seed=SEED) layer called with training=True."""
    import keras

    layer, x = keras.layers.Dropout(RATE, seed=SEED), np.ones(SHAPE, np.float32)
    return np.stack([layer(x, training=True).numpy() != 0 for _ in range(STEPS)])


def guessed_masks() -> dict:
    """The masks a port might expect: stateless with [s, t], with [s, 0] each step, stateful tf.nn.dropout."""
    import tensorflow as tf

    x = np.ones(SHAPE, np.float32)
    stateless = tf.nn.experimental.stateless_dropout
    found = {"stateless [s, t]": np.stack([stateless(x, RATE, seed=[SEED, step]).numpy() != 0
                                           for step in range(STEPS)]),
             "stateless [s, 0]": np.stack([stateless(x, RATE, seed=[SEED, 0]).numpy() != 0 for _ in range(STEPS)])}
    tf.random.set_seed(SEED)
    found["tf.nn.dropout(seed=s)"] = np.stack([tf.nn.dropout(x, RATE, seed=SEED).numpy() != 0 for _ in range(STEPS)])
    return found


def fit_against_stateless(x, y, kernel) -> dict:
    """Keras fit, learning rate 0, so that each step's loss shows only its mask: losses and seed states.

    Returns fit's per-step losses, the same losses computed from stateless masks with seed
    [s, t] and [s, 0], and the seed generator's state after build, predict/evaluate and fit.
    """
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input(shape=(x.shape[1],)), keras.layers.Dropout(RATE, seed=SEED),
                              keras.layers.Dense(1, use_bias=False)])
    model.set_weights([kernel])
    dropout, dense = model.layers
    model.summary(print_fn=lambda *args, **kwargs: None)
    states = {"built, summary": dropout.seed_generator.state.numpy().tolist()}
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", jit_compile=False)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    states["after predict, evaluate"] = dropout.seed_generator.state.numpy().tolist()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(len(x)).repeat()
    # shuffle=False: fit never shuffles a Dataset, but warns unless told so.
    history = model.fit(dataset, epochs=STEPS, steps_per_epoch=1, shuffle=False, verbose=0)
    states[f"after fit ({STEPS} steps)"] = dropout.seed_generator.state.numpy().tolist()
    mse = keras.losses.MeanSquaredError()

    def losses(seeds):
        return np.array([float(mse(y, dense(tf.nn.experimental.stateless_dropout(x, RATE, seed=seed))))
                         for seed in seeds])

    return {"fit": np.array(history.history["loss"]), "stateless [s, t]": losses([[SEED, t] for t in range(STEPS)]),
            "stateless [s, 0]": losses([[SEED, 0]] * STEPS), "states": states}


def probe_seed_stream() -> Measured:
    keras_masks, guesses = keras_layer_masks(), guessed_masks()
    unlike = {name: float(np.mean(masks != keras_masks)) for name, masks in guesses.items()}
    generator = np.random.RandomState(0)
    x = generator.normal(size=(32, 10)).astype(np.float32)
    y = generator.normal(size=(32, 1)).astype(np.float32)
    fitted = fit_against_stateless(x, y, generator.normal(size=(10, 1)).astype(np.float32))
    return Measured(
        default=unlike["stateless [s, 0]"],
        aligned=max(unlike["stateless [s, t]"], max_difference(fitted["fit"], fitted["stateless [s, t]"])),
        details="fraction of Keras's mask entries unlike: " + ", ".join(f"{k} {v:.3f}" for k, v in unlike.items())
                + f"; fit's losses vs [s, t] {max_difference(fitted['fit'], fitted['stateless [s, t]']):g}, "
                  f"vs [s, 0] {max_difference(fitted['fit'], fitted['stateless [s, 0]']):.3g}; seed state: "
                + ", ".join(f"{k} {v}" for k, v in fitted["states"].items()))


def _calls(name: str, source: str) -> list[str]:
    """The argument text of each call of name( ... ) (parentheses balanced)."""
    found = []
    for match in re.finditer(rf"\b{name}\(", source):
        depth, start = 1, match.end()
        for index in range(start, len(source)):
            depth += {"(": 1, ")": -1}.get(source[index], 0)
            if depth == 0:
                found.append(source[start:index])
                break
    return found


# Keras's Dropout gets a seed; a stateless op gets the step in its seed (not a constant pair).
def masks_follow_the_seed_stream(path: Path, source: str) -> list[str]:
    found = [f"{path}: Dropout({arguments}) without seed=: its masks come from a random seed"
             for arguments in _calls("Dropout", source) if "seed" not in arguments]
    for arguments in _calls("stateless_dropout", source):
        seed = re.search(r"\bseed=(.*)", arguments, re.DOTALL)
        if not seed or re.fullmatch(r"\s*[\[(]\s*[\w.]+\s*,\s*\d+\s*[\])]\s*", seed.group(1)):
            found.append(f"{path}: stateless_dropout({arguments}) without the step in its seed: "
                         "Keras draws its t-th mask with seed [s, t]")
    return found


ENTRY = Divergence(
    name="keras_dropout_seed_stream",
    lesson=__doc__,
    quantity="fraction of mask entries unlike Keras's, 5 training calls of Dropout(0.2, seed=7): "
             "stateless_dropout(seed=[7, 0]) each step",
    setting="`seed=[s, step]`",
    aligned_by="`tf.nn.experimental.stateless_dropout(x, rate, seed=[s, step])` with the step counted from 0 "
               "at the first training call, where Keras has `Dropout(rate, seed=s)`",
    recorded=Measured(default=0.2561, aligned=0.0,
                      details="fraction of Keras's mask entries unlike: stateless [s, t] 0.000, stateless [s, 0] "
                              "0.256, tf.nn.dropout(seed=s) 0.325; fit's losses vs [s, t] 0, vs [s, 0] 4.59; seed "
                              "state: built, summary [7, 0], after predict, evaluate [7, 0], after fit (5 steps) "
                              "[7, 5]"),
    default_at_least=0.2, aligned_at_most=0.0,
    why="steps 1-4 draw independent masks, unlike in 2 x 0.2 x 0.8 = 32% of entries: 4/5 x 0.32 = 0.256; "
        "aligned, the same op with the same seed pair",
    probe=probe_seed_stream,
    applies_to=r"\bDropout\(|\bstateless_dropout\(",
    alignment_problems=masks_follow_the_seed_stream,
)
