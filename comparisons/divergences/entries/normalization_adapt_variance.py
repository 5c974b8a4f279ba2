"""normalization_adapt_variance: Keras's Normalization.adapt divides the variance by n, pandas' std by n - 1.

The course scales the Auto MPG features by pandas' `describe()` std, the sample standard
deviation (divided by n - 1). A port that uses `keras.layers.Normalization().adapt(x)`
scales by the population standard deviation (divided by n): every feature comes out
sqrt(n / (n - 1)) larger, 0.16% for the course's 314 training rows, and the model trains on
other inputs. `cars_data.py` divides by n - 1, as pandas; `Normalization(mean=..., variance=...)`
given pandas' statistics (std squared) reproduces the course's scaling.
"""

import numpy as np

from ..programs import lacks
from ..record import Divergence, Measured


def scaled_by_keras(x, variance=None):
    import keras

    if variance is None:
        layer = keras.layers.Normalization()
        layer.adapt(x)
    else:
        layer = keras.layers.Normalization(mean=x.mean(axis=0), variance=variance)
    return np.asarray(layer(x))


def probe_normalization() -> Measured:
    from tf_rosetta.implementations import cars_data

    features, _, _ = cars_data.read_table()
    x = features[cars_data.train_rows(len(features))].astype(np.float32)
    course = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)  # pandas' std: n - 1
    adapted = scaled_by_keras(x)
    given = scaled_by_keras(x, variance=x.std(axis=0, ddof=1) ** 2)
    nonzero = np.abs(course) > 1e-3

    def worst_ratio(scaled):
        return float(np.max(np.abs(scaled[nonzero] / course[nonzero] - 1)))

    return Measured(default=worst_ratio(adapted), aligned=worst_ratio(given),
                    details=f"{len(x)} training rows: sqrt(n / (n - 1)) - 1 = {np.sqrt(len(x) / (len(x) - 1)) - 1:.3g}")


ENTRY = Divergence(
    name="normalization_adapt_variance",
    lesson=__doc__,
    quantity="largest relative difference of a scaled feature from the course's, Auto MPG's training rows",
    setting="`Normalization(mean=..., variance=std**2)` with pandas' statistics",
    aligned_by="give `Normalization` the mean and the squared sample std instead of calling `adapt` (or scale in "
               "NumPy with `std(ddof=1)`, as `implementations/cars_data.py` does)",
    recorded=Measured(default=0.0015963315963745117, aligned=0.0,
                      details="314 training rows: sqrt(n / (n - 1)) - 1 = 0.0016"),
    default_at_least=1e-3, aligned_at_most=1e-5,
    why="adapt's features are sqrt(314/313) = 1.0016 times the course's, whatever the feature; given pandas' "
        "statistics the layer computes the course's scaling (0 here; 1e-5 allows float32 rounding elsewhere)",
    probe=probe_normalization,
    applies_to=r"\bNormalization\(",
    alignment_problems=lacks(r"\.adapt\(", "scales by adapt's population variance"),
)
