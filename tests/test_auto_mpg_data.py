"""auto_mpg's data: the embedded cars table read as the course reads UCI's file, split and scaled as it does."""

import numpy as np
import pytest

from tf_rosetta.implementations import cars_data as data
from tf_rosetta.implementations.contract import DataError

# pandas' train_stats for the course's split of UCI's file (`train_dataset.describe()`, mean and std),
# as TensorFlow's regression tutorial printed them, copied in many public programs.
PUBLISHED_MEAN = [5.477707, 195.318471, 104.869427, 2990.251592, 15.559236, 75.898089, 0.624204, 0.178344, 0.197452]
PUBLISHED_STD = [1.699788, 104.331589, 38.096214, 843.898596, 2.789230, 3.675642, 0.485101, 0.383413, 0.398712]


def test_the_table_has_the_courses_rows_and_columns():
    features, mpg, _ = data.read_table()
    assert features.shape == (392, 9) and mpg.shape == (392,)
    # R's summary of UCI's 392 complete rows (na.omit): mean and sd of MPG and model year.
    assert mpg.mean() == pytest.approx(23.44592, abs=5e-6) and mpg.std(ddof=1) == pytest.approx(7.805007, abs=5e-7)
    years = features[:, data.FEATURES.index("Model Year")]
    assert years.mean() == pytest.approx(75.97959, abs=5e-6) and years.std(ddof=1) == pytest.approx(3.683737, abs=5e-7)
    assert np.array_equal(features[:, 6:].sum(axis=1), np.ones(392))  # one origin each


def test_the_split_reproduces_the_published_training_statistics():
    x_train, y_train, x_test, y_test, mean, std = data.course_split()
    assert x_train.shape == (314, 9) and x_test.shape == (78, 9)
    # Printed to 6 decimals: equal to within half the last digit.
    assert np.max(np.abs(mean - PUBLISHED_MEAN)) <= 5.01e-7
    assert np.max(np.abs(std - PUBLISHED_STD)) <= 5.01e-7


def test_the_split_is_pandas_sample():
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"row": np.arange(392)})
    assert np.array_equal(frame.sample(frac=0.8, random_state=0)["row"].to_numpy(), data.train_rows(392))


def test_another_file_is_one_clear_error(tmp_path):
    path = tmp_path / "cars.json"
    path.write_text('[{"Name": "x"}]')
    with pytest.raises(DataError, match="not vega-datasets' cars table"):
        data.read_table(path)
    with pytest.raises(DataError, match="cannot read"):
        data.read_table(tmp_path / "absent.json")
