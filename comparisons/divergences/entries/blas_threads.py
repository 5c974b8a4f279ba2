"""blas_threads: the number of OpenBLAS threads changes NumPy's sums.

OpenBLAS, the BLAS in NumPy's wheels, splits a matrix product across its threads (one per
core by default), and the split changes the order of the sums: the NumPy oracle's numbers
would depend on the machine's core count. The probe computes the products of
logistic_mnist's oracle with 1 thread, 2 threads, and 1 thread again. OpenBLAS reads
`OPENBLAS_NUM_THREADS` once, when NumPy is imported, so each runs in a process of its own.

A fact of the platform: it needs NumPy built on OpenBLAS, and two cores (OpenBLAS uses no
more threads than there are cores).
"""

import numpy as np

from .. import machine
from ..programs import set_by_the_package
from ..record import Divergence, Measured, max_difference
from . import _child


def product_inputs() -> tuple:
    """x (256, 784), w (784, 10), d (256, 10) in float32: the shapes of logistic_mnist's products
    (tf_thread_pools multiplies the same; the tests bound the rounding of their sums)."""
    generator = np.random.RandomState(0)
    x = generator.rand(256, 784).astype(np.float32)
    w = generator.randn(784, 10).astype(np.float32)
    d = generator.randn(256, 10).astype(np.float32)
    return x, w, d


def blas_products() -> list:
    """x @ w and x.T @ d in float32 NumPy, the products of logistic_mnist's oracle (256 x 784 x 10)."""
    x, w, d = product_inputs()
    return np.concatenate([(x @ w).ravel(), (x.T @ d).ravel()]).tolist()


def probe_blas_threads() -> Measured:
    # OpenBLAS reads its thread count once, when NumPy is imported: one process per setting.
    processes = {name: _child.start(__name__, "blas_products", environment={"OPENBLAS_NUM_THREADS": threads})
                 for name, threads in [("one", "1"), ("two", "2"), ("one again", "1")]}
    found = {name: np.array(products, np.float32)
             for name, products in _child.side_by_side(processes, "the BLAS thread process").items()}
    return Measured(default=max_difference(found["one"], found["two"]),
                    aligned=max_difference(found["one"], found["one again"]),
                    details=f"{int(np.sum(found['one'] != found['two']))} of {found['one'].size} products differ")


def platform_problem() -> str:
    blas = machine.numpy_blas()
    if "openblas" not in blas.lower():
        return f"NumPy's BLAS here is {blas or 'not named by numpy.show_config'}, not OpenBLAS"
    if machine.usable_cores() < 2:
        return "one core: OpenBLAS runs one thread whatever OPENBLAS_NUM_THREADS says"
    return ""


ENTRY = Divergence(
    name="blas_threads",
    lesson=__doc__,
    quantity="max |Δ|, x (256, 784) @ w (784, 10) and x.T @ d in float32: 2 BLAS threads vs 1",
    setting="`OPENBLAS_NUM_THREADS=1`",
    aligned_by="`OPENBLAS_NUM_THREADS=1` before NumPy is imported (`implementations/__init__.py` sets it "
               "with setdefault)",
    recorded=Measured(default=2.0980835e-05, aligned=0.0, details="2017 of 10400 products differ"),
    default_at_least=1e-9, aligned_at_most=0.0,
    why="one thread sums in one fixed order: bitwise equal from run to run",
    probe=probe_blas_threads,
    applies_to=r" @ |np\.(dot|matmul)\(",  # NumPy matrix products: the oracles
    alignment_problems=set_by_the_package("OPENBLAS_NUM_THREADS", "1"),
    platform_problem=platform_problem,
)
