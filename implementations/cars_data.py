"""The course's Auto MPG table and preprocessing, from the embedded vega-datasets cars.json, without pandas.

The course reads UCI's auto-mpg.data with pandas, drops the 6 rows without horsepower,
one-hot encodes Origin, takes `dataset.sample(frac=0.8, random_state=0)` as the training
rows and the rest as the test rows, and normalises both by the training rows' mean and
standard deviation (pandas' `describe`: the sample standard deviation, divided by n - 1).
This module does the same in NumPy; implementations/data/PROVENANCE.md says where the
table comes from and how it differs from UCI's file (one column, corrected here).
"""

import hashlib
import json
from importlib import resources

import numpy as np

from tf_rosetta.implementations.contract import DataError

FILE = "vega_cars.json"
SHA256 = "f686a53678b21f4231e2f6a5ba7ce5761d9d39204fccdea1caa29fb8c460e319"
# The course's columns after `dataset.pop('Origin')` and the one-hot columns, MPG the label.
FEATURES = ("Cylinders", "Displacement", "Horsepower", "Weight", "Acceleration", "Model Year",
            "USA", "Europe", "Japan")
_NUMERIC = {"Cylinders": "Cylinders", "Displacement": "Displacement", "Horsepower": "Horsepower",
            "Weight": "Weight_in_lbs", "Acceleration": "Acceleration"}
ORIGINS = ("USA", "Europe", "Japan")  # UCI's origin codes 1, 2, 3
# vega-datasets labels UCI's 28 model-year-81 cars 1982 (its commit f10342f took the years from
# another table). UCI's file is ordered by model year, so they are the first 28 rows labelled
# 1982, from the first "plymouth reliant" to the row before the first "chevrolet cavalier".
_YEAR_81 = (28, "plymouth reliant", "chevrolet cavalier")
TRAIN_FRACTION, SAMPLE_SEED = 0.8, 0


def read_table(path=None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(features (392, 9) float64 in FEATURES order, MPG (392,) float64, names): the course's
    `dataset` after dropna, the rows in the file's order."""
    if path is None:
        raw = resources.files("tf_rosetta.implementations").joinpath("data", FILE).read_bytes()
        if hashlib.sha256(raw).hexdigest() != SHA256:
            raise DataError(f"implementations/data/{FILE}: not the embedded table (sha256 differs)")
    else:
        try:
            with open(path, "rb") as file:
                raw = file.read()
        except OSError as error:
            raise DataError(f"{path}: cannot read it ({error.strerror})") from None
    try:
        rows = json.loads(raw)
        rows = [row for row in rows if row["Miles_per_Gallon"] is not None and row["Horsepower"] is not None]
        years = np.array([int(row["Year"][:4]) - 1900 for row in rows])
        names = [row["Name"] for row in rows]
        first_1982 = int(np.flatnonzero(years == 82)[0])
        count, first_81, first_82 = _YEAR_81
        if names[first_1982] != first_81 or names[first_1982 + count] != first_82:
            raise DataError("the rows labelled 1982 do not start as vega-datasets' cars.json does")
        years[first_1982:first_1982 + count] = 81
        columns = [[float(row[_NUMERIC[name]]) for row in rows] for name in FEATURES[:5]]
        columns.append(years.astype(np.float64))
        columns += [[1.0 if row["Origin"] == origin else 0.0 for row in rows] for origin in ORIGINS]
        mpg = np.array([float(row["Miles_per_Gallon"]) for row in rows])
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise DataError(f"{path or FILE}: not vega-datasets' cars table ({error})") from None
    return np.array(columns).T, mpg, names


def train_rows(count: int) -> np.ndarray:
    """The positions pandas' `sample(frac=0.8, random_state=0)` takes, in its order: pandas draws
    `RandomState(0).choice(count, size, replace=False)`, which is permutation(count)[:size]."""
    size = round(TRAIN_FRACTION * count)  # pandas: round(frac * n)
    return np.random.RandomState(SAMPLE_SEED).permutation(count)[:size]


def course_split(path=None):
    """The course's normed_train_data, train_labels, normed_test_data, test_labels (float64) and
    the training rows' mean and standard deviation (divided by n - 1, as pandas' `std`)."""
    features, mpg, _ = read_table(path)
    train = train_rows(len(features))
    test = np.setdiff1d(np.arange(len(features)), train)  # `dataset.drop(train.index)`: file order
    mean, std = features[train].mean(axis=0), features[train].std(axis=0, ddof=1)
    return ((features[train] - mean) / std, mpg[train], (features[test] - mean) / std, mpg[test], mean, std)
