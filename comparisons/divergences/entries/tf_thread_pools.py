"""tf_thread_pools: the size of TensorFlow's intra-op thread pool changes its sums.

TensorFlow's CPU kernels (Eigen's) split a matrix product across the intra-op thread pool,
one thread per core by default, and the split changes the order of the sums: the same
program gives other numbers with `TF_NUM_INTRAOP_THREADS=1` than with the default: one
intra-op thread moved logistic_mnist's test probabilities (9.5e-7 to 5.4e-7 from the
oracle) and took mnist_mlp's graph programs out of tolerance (2.7e-4 in the losses, 6e-3
in the weights). `tf.config.threading` sets the same pools from Python, before any op
runs. The probe computes the products of logistic_mnist's step (x @ w, and x.T @ d for the
gradient) with `tf.matmul`, with one thread in each pool, with the default, and with the
default again. TensorFlow reads the variables once, when it starts, so each runs in a
process of its own. The inter-op pool (independent ops side by side) alone, one thread,
left mnist_mlp within tolerance.

A fact of the platform: on one core one thread is the default, and nothing differs.
"""

import os
import re
from pathlib import Path

import numpy as np

from .. import machine, programs
from ..programs import lacks
from ..record import Divergence, Measured, max_difference
from . import _child
from .blas_threads import product_inputs

VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def tensorflow_products() -> list:
    """x @ w and x.T @ d with tf.matmul in float32, the products of logistic_mnist's step (256 x 784 x 10)."""
    import tensorflow as tf

    x, w, d = product_inputs()
    return np.concatenate([tf.matmul(x, w).numpy().ravel(),
                           tf.matmul(x, d, transpose_a=True).numpy().ravel()]).tolist()


def products_in_this_process() -> list:
    """[the process's TF_NUM_INTRAOP_THREADS, tensorflow_products()]."""
    return [os.environ.get("TF_NUM_INTRAOP_THREADS"), tensorflow_products()]


def probe_tf_thread_pools() -> Measured:
    settings = {"one": "1", "default": None, "default again": None}
    # TensorFlow sizes its thread pools once, when it starts: one process per setting (None:
    # the variables unset, the default).
    processes = {name: _child.start(__name__, "products_in_this_process",
                                    environment={variable: threads for variable in VARIABLES})
                 for name, threads in settings.items()}
    found = {}
    for name, (seen, products) in _child.side_by_side(processes, "the thread pool process").items():
        assert seen == settings[name], f"the {name} process saw TF_NUM_INTRAOP_THREADS={seen}"
        found[name] = np.array(products, np.float32)
    one, default = found["one"], found["default"]
    forward = 256 * 10  # x @ w first, then x.T @ d
    differ = one != default
    return Measured(default=max_difference(one, default), aligned=max_difference(default, found["default again"]),
                    details=f"{int(np.sum(differ))} of {one.size} products differ (x @ w: "
                            f"{int(np.sum(differ[:forward]))} of {forward}, x.T @ d: {int(np.sum(differ[forward:]))} "
                            f"of {one.size - forward}); {machine.usable_cores()} cores")


# The aligning setting is the default itself: the package must not set the variables, and no
# program may size the pools (tf.config.threading, or a TF1 ConfigProto's thread counts).
_SIZES_THE_POOLS = lacks(r"\bset_(?:intra|inter)_op_parallelism_threads\(|\b(?:intra|inter)_op_parallelism_threads\s*="
                         r"|\bTF_NUM_(?:INTRA|INTER)OP_THREADS\b",
                         "sizes TensorFlow's thread pools: tf-rosetta keeps the defaults")


def alignment_problems(path: Path, source: str) -> list[str]:
    package = programs.program_code(programs.IMPLEMENTATIONS / "__init__.py")
    found = [f"{path}: implementations/__init__.py sets {variable}: tf-rosetta keeps TensorFlow's default pools"
             for variable in VARIABLES if re.search(rf"\b{variable}\b", package)]
    return found + _SIZES_THE_POOLS(path, source)


def platform_problem() -> str:
    if machine.usable_cores() < 2:
        return "one core: TensorFlow's default intra-op pool has one thread, as TF_NUM_INTRAOP_THREADS=1"
    return ""


ENTRY = Divergence(
    name="tf_thread_pools",
    lesson=__doc__,
    quantity="max |Δ|, tf.matmul of x (256, 784) @ w (784, 10) and x.T @ d in float32: 1 thread vs the "
             "default pools",
    setting="TensorFlow's default thread pools",
    aligned_by="the default pools, one thread per core: neither `TF_NUM_INTRAOP_THREADS` nor "
               "`TF_NUM_INTEROP_THREADS` set (`implementations/__init__.py`), no `tf.config.threading` call",
    recorded=Measured(default=1.1444092e-05, aligned=0.0,
                      details="1921 of 10400 products differ (x @ w: 1921 of 2560, x.T @ d: 0 of 7840); "
                              "2 cores; measured 2026-12-01 on an Intel Xeon (AVX-512), TensorFlow 2.21.0"),
    default_at_least=1e-9, aligned_at_most=0.0,
    why="the default pools split a product the same way in every run on one machine: bitwise equal",
    probe=probe_tf_thread_pools,
    applies_to=r"\bimport (?:tensorflow|keras)\b",  # Keras 3 programs run TensorFlow too
    alignment_problems=alignment_problems,
    not_measured="the tolerances hold for the default pools of the machine at hand; another core count splits "
                 "the products otherwise (the recorded programs' numbers come from 2 cores)",
    platform_problem=platform_problem,
)
