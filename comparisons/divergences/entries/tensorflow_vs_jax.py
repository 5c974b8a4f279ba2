"""tensorflow_vs_jax: Keras 3's backends run the same ops, rounded apart by an ulp or a few.

Keras 3 on TensorFlow calls TensorFlow's kernels (Eigen), on JAX it calls XLA's. Where an
op rounds exactly (a product, a sum of a few terms, sqrt, relu) both give the same bits.
Where it does not, they differ: exp, log, sigmoid, tanh and softmax by 1-6 ulps on some
values, and long sums and matmuls by their order of summation. Over a training these
differences are carried and grow a little; no setting removes them, so each task states
its own tolerance under the jax runtime, measured (`runtime_tolerances` in its spec). The
probe trains the XOR net of keras_jit_compile on each backend (each in a child process,
no XLA) and compares single ops on the same inputs.
"""

import numpy as np

from tf_rosetta.implementations import registry

from ..programs import program_task
from ..record import Divergence, Measured, max_difference
from . import _runtimes
from .jit_compile_by_backend import fits_by_runtime

BACKENDS = ("tensorflow", "jax")


def ops_and_training() -> dict:
    """This process's Keras 3 backend: single ops on fixed inputs, and the XOR net fitted without XLA."""
    import keras
    from keras import ops

    from .keras_jit_compile import xor_fit

    generator = np.random.RandomState(0)
    values = generator.normal(0, 3, 4096).astype(np.float32)
    x = generator.normal(0, 1, (256, 784)).astype(np.float32)
    kernel = generator.normal(0, 0.05, (784, 10)).astype(np.float32)
    labels = generator.randint(0, 10, 256)
    logits = x @ kernel
    found = {"exp": ops.exp(values), "log": ops.log(ops.abs(values) + 1), "sigmoid": ops.sigmoid(values),
             "tanh": ops.tanh(values), "softmax": ops.softmax(logits),
             "softmax cross-entropy": keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True),
             "sum of 4096": ops.sum(values), "matmul (256, 784) x (784, 10)": ops.matmul(x, kernel),
             "sqrt": ops.sqrt(ops.abs(values)), "relu": ops.relu(values), "matmul (4, 2) x (2, 2)": ops.matmul(
                 x[:4, :2], kernel[:2, :2])}
    found = {name: _runtimes.floats(np.asarray(value)) for name, value in found.items()}
    found["xor training"] = _runtimes.floats(xor_fit(False)[0])
    return found


def ulps(a, b) -> int:
    """The largest distance between two float32 arrays in units in the last place (same-sign values)."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    spacing = np.spacing(np.maximum(np.abs(a), np.abs(b)))
    return int(np.max(np.round(np.abs(a.astype(np.float64) - b) / spacing), initial=0))


def probe_tensorflow_vs_jax() -> Measured:
    found = _runtimes.cached_in_runtimes(BACKENDS, __name__, "ops_and_training")
    tensorflow, jax = found["tensorflow"], found["jax"]
    linear = fits_by_runtime()
    ops = [name for name in tensorflow if name != "xor training"]
    return Measured(default=max_difference(tensorflow["xor training"], jax["xor training"]),
                    aligned=max_difference(linear["tensorflow"]["False"]["numbers"], linear["jax"]["False"]["numbers"]),
                    details="single ops, largest difference: " + ", ".join(
                        f"{name} {max_difference(tensorflow[name], jax[name]):.2g}"
                        + (f" ({ulps(tensorflow[name], jax[name])} ulp)" if "matmul (256" not in name and "sum" not in name
                           and tensorflow[name] != jax[name] else "") for name in ops))


def states_a_jax_tolerance(path, source) -> list[str]:
    """A Keras program's task states its measured tolerance under the jax runtime (or it is not applicable there)."""
    from tf_rosetta.implementations import runtimes

    task = program_task(path)
    if task is None or runtimes.not_applicable("jax", path.stem, task):
        return []
    if "jax" not in registry.load_spec(task).runtime_tolerances:
        return [f"{path}: runs under the jax runtime, but spec {task} states no runtime_tolerances['jax']"]
    return []


def platform_problem() -> str:
    return _runtimes.missing("jax", "tf_keras")  # tf_keras: the aligned number shares jit_compile_by_backend's runs


ENTRY = Divergence(
    name="tensorflow_vs_jax",
    lesson=__doc__,
    quantity="max |Δ| of losses and weights, the XOR net of keras_jit_compile fitted 300 SGD steps, "
             "Keras 3 on TensorFlow vs on JAX (no XLA)",
    setting="a measured tolerance per task",
    aligned_by="none: a measured tolerance under jax in each task's spec (`runtime_tolerances`)",
    recorded=Measured(default=1.1920929e-07, aligned=0.0,
                      details="single ops, largest difference: exp 0.0078 (1 ulp), log 2.4e-07 (3 ulp), sigmoid "
                              "1.2e-07 (5 ulp), tanh 3.6e-07 (6 ulp), softmax 1.2e-07 (5 ulp), softmax cross-entropy "
                              "4.8e-07 (3 ulp), sum of 4096 3.1e-05, matmul (256, 784) x (784, 10) 2.1e-06, sqrt 0, "
                              "relu 0, matmul (4, 2) x (2, 2) 0"),
    default_at_least=1e-9, aligned_at_most=0.0,
    why="the aligned number is the linear model of jit_compile_by_backend, whose ops round exactly: bitwise",
    probe=probe_tensorflow_vs_jax,
    applies_to=r"\.compile\(",
    alignment_problems=states_a_jax_tolerance,
    not_measured="GPU kernels (cuDNN, XLA:GPU), which differ again",
    platform_problem=platform_problem,
)
