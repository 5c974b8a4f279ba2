"""fit_epoch_loss_weighted: fit's epoch loss weighs each batch by its size; a loop's mean of batch losses does not.

With a last batch smaller than the others (Auto MPG: 251 rows in batches of 32, the last of
27), `history.history['loss']` is sum(batch loss x batch size) / rows, Keras's loss tracker
(`keras.metrics.Mean` with the batch size as `sample_weight`). A loop that appends each
batch's loss and takes `np.mean` weighs the small batch like the others. auto_mpg's loops
accumulate a `keras.metrics.Mean` (TF1: `v1.metrics.mean`) with the batch size as weight.
"""

import numpy as np

from ..programs import contains
from ..record import Divergence, Measured

ROWS, BATCH = 40, 32  # batches of 32 and 8


def probe_epoch_loss() -> Measured:
    import keras

    random = np.random.default_rng(2)
    x = random.normal(size=(ROWS, 3)).astype(np.float32)
    y = random.normal(size=(ROWS, 1)).astype(np.float32) * 3
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # rate 0: every batch sees the same weights
    history = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0).history["loss"][0]
    outputs = np.asarray(model(x))
    losses = [np.mean(np.square(outputs[s:s + BATCH] - y[s:s + BATCH])) for s in range(0, ROWS, BATCH)]
    sizes = [len(y[s:s + BATCH]) for s in range(0, ROWS, BATCH)]
    unweighted, weighted = float(np.mean(losses)), float(np.dot(losses, sizes) / ROWS)
    return Measured(default=abs(history - unweighted) / history, aligned=abs(history - weighted) / history,
                    details=f"batches of {sizes}: fit {history:.6g}, mean of batch losses {unweighted:.6g}, "
                            f"weighted by size {weighted:.6g}")


ENTRY = Divergence(
    name="fit_epoch_loss_weighted",
    lesson=__doc__,
    quantity=f"relative |Δ| of the epoch loss from fit's, {ROWS} rows in batches of {BATCH}, no update",
    setting="the batch size as weight",
    aligned_by="accumulate `keras.metrics.Mean().update_state(loss, sample_weight=batch_size)` "
               "(TF1: `v1.metrics.mean(loss, weights=batch_size)`)",
    recorded=Measured(default=0.09349049171609063, aligned=2.1655014744351933e-08,
                      details="batches of [32, 8]: fit 8.80788, mean of batch losses 7.98443, weighted by size 8.80788"),
    default_at_least=1e-2, aligned_at_most=1e-6,
    why="unweighted, the short batch's loss moves the mean by 9% here; weighted, fit and NumPy differ by float32 "
        "rounding only (2e-8 relative), 1e-6 allows a few ulps more",
    probe=probe_epoch_loss,
    applies_to=r"\bmetrics\.Mean\(\)|\bmetrics\.mean\(",
    alignment_problems=contains(r"sample_weight=|weights=", "averages the batch losses unweighted"),
)
