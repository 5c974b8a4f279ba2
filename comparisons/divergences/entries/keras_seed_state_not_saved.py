"""keras_seed_state_not_saved: Keras 3 saves no Dropout seed state, so a resumed fit repeats the first masks.

`Dropout(rate, seed=s)` draws its t-th training mask with `stateless_dropout(seed=[s, t])`
from a `SeedGenerator` whose state variable holds `[s, t]` (keras_dropout_seed_stream).
That variable is not a weight: neither `save_weights` (.weights.h5) nor `save` (.keras)
writes it, and a model restored from either has the state `[s, 0]` of a new layer. A fit
resumed after t steps then draws the masks of steps 0, 1, ... again instead of t, t+1, ...,
and its losses part from the uninterrupted run's from its first step, although the
weights and the optimizer's state (step count included) came back bitwise. Setting the
state after `load_weights` to `[s, optimizer.iterations]` (one training call a step)
resumes the uninterrupted run bitwise.
"""

import re
import tempfile
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference

RATE, SEED = 0.5, 3
STEPS, SAVED_AT = 8, 4
ROWS, FEATURES, HIDDEN = 32, 8, 16


def _model(initial):
    """Dense-Dropout-Dense from the given weights (NumPy's, not an initializer's), Adam, compiled without XLA."""
    import keras

    model = keras.Sequential([keras.Input(shape=(FEATURES,)), keras.layers.Dense(HIDDEN, activation="relu"),
                              keras.layers.Dropout(RATE, seed=SEED), keras.layers.Dense(1)])
    model.set_weights(initial)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", jit_compile=False)
    return model


def _fit(model, dataset, epochs: int, initial_epoch: int = 0) -> np.ndarray:
    history = model.fit(dataset, epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=1, shuffle=False,
                        verbose=0)
    return np.array(history.history["loss"])


def _weights(model) -> np.ndarray:
    return np.concatenate([weight.ravel() for weight in model.get_weights()])


def resumed_runs() -> dict:
    """STEPS full-batch steps uninterrupted; and SAVED_AT steps, save_weights, a new model, load_weights, the rest.

    Returns, for each run, the losses of the steps after SAVED_AT and the final weights,
    and the seed states: at the save, after load_weights, after load_model of a .keras file.
    """
    import keras
    import tensorflow as tf

    generator = np.random.RandomState(0)
    x = generator.normal(size=(ROWS, FEATURES)).astype(np.float32)
    y = generator.normal(size=(ROWS, 1)).astype(np.float32)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(ROWS).repeat()
    initial = [generator.normal(scale=0.5, size=shape).astype(np.float32)
               for shape in ((FEATURES, HIDDEN), (HIDDEN,), (HIDDEN, 1), (1,))]
    uninterrupted = _model(initial)
    found = {"uninterrupted": (_fit(uninterrupted, dataset, STEPS)[SAVED_AT:], _weights(uninterrupted))}
    with tempfile.TemporaryDirectory() as folder:
        first = _model(initial)
        _fit(first, dataset, SAVED_AT)
        first.save_weights(f"{folder}/model.weights.h5")
        first.save(f"{folder}/model.keras")
        states = {"saved at step 4": first.layers[1].seed_generator.state.numpy().tolist()}
        for setting in ("default", "aligned"):
            resumed = _model(initial)
            resumed.optimizer.build(resumed.trainable_variables)
            resumed.load_weights(f"{folder}/model.weights.h5")
            dropout = resumed.layers[1]
            if setting == "default":
                states["after load_weights"] = dropout.seed_generator.state.numpy().tolist()
            else:
                dropout.seed_generator.state.assign([SEED, int(resumed.optimizer.iterations)])
            found[setting] = (_fit(resumed, dataset, STEPS, initial_epoch=SAVED_AT), _weights(resumed))
        loaded = keras.models.load_model(f"{folder}/model.keras")
        states["after load_model (.keras)"] = loaded.layers[1].seed_generator.state.numpy().tolist()
    found["states"] = states
    return found


def probe_seed_state() -> Measured:
    found = resumed_runs()
    losses, weights = found["uninterrupted"]

    def difference(setting):
        return max(max_difference(found[setting][0], losses), max_difference(found[setting][1], weights))

    return Measured(
        default=difference("default"), aligned=difference("aligned"),
        details=f"resumed without the state: losses {max_difference(found['default'][0], losses):.3g}, weights "
                f"{max_difference(found['default'][1], weights):.3g}; seed state: "
                + ", ".join(f"{k} {v}" for k, v in found["states"].items()))


# A program that restores a Keras model with a Dropout sets the seed generator's state after it.
def sets_the_seed_state(path: Path, source: str) -> list[str]:
    if not re.search(r"\bDropout\(", source):
        return []
    restores = [match.end() for match in re.finditer(r"\.load_weights\(|\bload_model\(", source)]
    if restores and not re.search(r"\.seed_generator\.state\.assign\(", source[restores[0]:]):
        return [f"{path}: restores a model with a keras Dropout but not its seed generator's state: a resumed fit "
                "draws the masks of steps 0, 1, ... again (assign [seed, optimizer.iterations] after loading)"]
    return []


ENTRY = Divergence(
    name="keras_seed_state_not_saved",
    lesson=__doc__,
    quantity=f"max |Δ| of the losses of steps {SAVED_AT}-{STEPS - 1} and the final weights, Dense-Dropout({RATE})"
             f"-Dense, Adam, {ROWS} rows: saved after {SAVED_AT} steps, load_weights into a new model and "
             "resumed, vs uninterrupted",
    setting="`seed_generator.state = [s, iterations]`",
    aligned_by="after `load_weights`, `dropout.seed_generator.state.assign([seed, int(model.optimizer.iterations)])` "
               "(one training call a step), as mnist_mlp's Keras programs do in their `restore`",
    recorded=Measured(default=0.96647263, aligned=0.0,
                      details="resumed without the state: losses 0.966, weights 0.0396; seed state: saved at step 4 "
                              "[3, 4], after load_weights [3, 0], after load_model (.keras) [3, 0]"),
    default_at_least=1e-3, aligned_at_most=0.0,
    why="with the state set, the same weights, optimizer state and masks: the same operations, bitwise",
    probe=probe_seed_state,
    applies_to=r"\bDropout\([\s\S]*\.load_weights\(|\.load_weights\([\s\S]*\bDropout\(",
    alignment_problems=sets_the_seed_state,
)
