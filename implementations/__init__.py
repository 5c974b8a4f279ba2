"""tf-rosetta implementations: one task, six TensorFlow APIs and a NumPy oracle.

Importing this package fixes the process-wide TensorFlow and BLAS settings that the agreement
checks rely on, so it must happen before TensorFlow is imported. Every entry point (the
style programs run with ``python -m``, the ``tf-rosetta`` command, the tests) imports it
first.
"""

if __name__ != "tf_rosetta.implementations":  # the folder found as a top-level package: a second copy of every module
    raise ImportError(f"{__name__}: tf-rosetta's implementations are imported as tf_rosetta.implementations (pyproject.toml)")

import os
import sys

# oneDNN fuses ops in graph mode only, so eager and graph round differently (~2e-7 on
# XOR); off, all styles were bitwise identical. setdefault: a user may still opt in.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# One BLAS thread for the NumPy oracles: a fixed summation order (the thread count moved
# logistic_mnist's oracle by 1.2e-7), and no fight with TensorFlow's threads for 2 cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# TensorFlow's C++ info lines would drown the seeds' output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# If TensorFlow came first, the settings above may have been read already.
TENSORFLOW_IMPORTED_FIRST = "tensorflow" in sys.modules
