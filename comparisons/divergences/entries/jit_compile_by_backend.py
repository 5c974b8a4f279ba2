"""jit_compile_by_backend: what `jit_compile` means depends on the Keras and the backend.

Keras 3's default, `jit_compile="auto"`, resolves to XLA whenever the backend is JAX, and
on TensorFlow only when a GPU is present (keras_jit_compile). Keras 2's default is None,
off; Keras 2 reads any true value as "on", the string "auto" included. And
`jit_compile=False` means a `tf.function` graph on TensorFlow but op-by-op execution on
JAX: `jax.value_and_grad` traced again at every step, ten times the cost of XLA's step
here (19 ms against 1.9 ms, the details). XLA fuses the step and rounds unlike op-by-op
execution, on JAX as on TensorFlow. The programs keep the default: on JAX they compile
with XLA, and each task states its tolerance under the jax runtime, measured so. The probe
fits the linear model of fit_numpy_input (its ops round exactly, so TensorFlow and JAX
agree bitwise when neither compiles with XLA) under each runtime, each in a child process.
"""

import time

import numpy as np

from ..programs import lacks
from ..record import Divergence, Measured, max_difference
from . import _runtimes
from ._keras_fit import FIT_X, FIT_Y

STEPS = 200
RUNTIMES = ("tensorflow", "tf_keras", "jax")


def linear_fit(jit_compile) -> dict:
    """This process's Keras: Dense(1) fitted STEPS full-batch SGD steps from a repeated tf.data.Dataset.

    {"numbers": losses and weights, "resolved": the model's jit_compile after compile,
    "cpu_ms_per_step": process CPU time of the steps after the first (which traces)}.
    """
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[0.5]], np.float32), np.zeros(1, np.float32)])
    arguments = {} if jit_compile == "default" else {"jit_compile": jit_compile}
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", **arguments)
    dataset = tf.data.Dataset.from_tensor_slices((FIT_X, FIT_Y)).batch(len(FIT_X)).repeat()
    first = model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0)
    start = time.process_time()
    rest = model.fit(dataset, epochs=STEPS - 1, steps_per_epoch=1, verbose=0)
    cpu = time.process_time() - start
    losses = first.history["loss"] + rest.history["loss"]
    return {"numbers": _runtimes.floats([np.array(losses, np.float32), *model.get_weights()]),
            "resolved": str(model.jit_compile), "cpu_ms_per_step": 1000 * cpu / (STEPS - 1)}


def fits_by_runtime() -> dict:
    """{runtime: {setting: linear_fit(setting)}}: False, True and the default, one child process per runtime."""
    return _runtimes.cached_in_runtimes(RUNTIMES, __name__, "linear_fits")


def linear_fits() -> dict:
    return {str(setting): linear_fit(setting) for setting in (False, True, "default")}


def probe_jit_compile_by_backend() -> Measured:
    found = fits_by_runtime()
    jax, tensorflow, keras2 = found["jax"], found["tensorflow"], found["tf_keras"]
    cost = {name: found[name]["False"]["cpu_ms_per_step"] for name in RUNTIMES}
    return Measured(default=max_difference(jax["default"]["numbers"], jax["False"]["numbers"]),
                    aligned=max_difference(jax["False"]["numbers"], tensorflow["False"]["numbers"]),
                    details="the default resolves to: Keras 3 on TensorFlow " + tensorflow["default"]["resolved"]
                            + ", on JAX " + jax["default"]["resolved"] + ", Keras 2 " + keras2["default"]["resolved"]
                            + "; CPU per step with jit_compile=False: " + ", ".join(
                                f"{name} {cost[name]:.2g} ms" for name in RUNTIMES)
                            + f", JAX with XLA {jax['True']['cpu_ms_per_step']:.2g} ms")


def platform_problem() -> str:
    return _runtimes.missing("tf_keras", "jax")


ENTRY = Divergence(
    name="jit_compile_by_backend",
    lesson=__doc__,
    quantity="max |Δ| of losses and weights, Dense(1) fitted 200 SGD steps by Keras 3 on JAX: the default "
             "(XLA) vs jit_compile=False",
    setting="none: the default, and a tolerance under jax",
    aligned_by="not aligned: the default kept, and a tolerance under jax in each task's spec "
               "(`runtime_tolerances`); `jit_compile=False` would align them, at ten times the cost",
    recorded=Measured(default=3.5762787e-07, aligned=0.0,
                      details="the default resolves to: Keras 3 on TensorFlow False, on JAX True, Keras 2 None; "
                              "CPU per step with jit_compile=False: tensorflow 2.6 ms, tf_keras 3.9 ms, jax 19 ms, "
                              "JAX with XLA 1.9 ms (each epoch's fit overhead included; load average 8 on 2 cores)"),
    default_at_least=1e-9, aligned_at_most=0.0,
    why="on ops that round exactly (a linear model), JAX without XLA is bitwise TensorFlow without XLA",
    probe=probe_jit_compile_by_backend,
    applies_to=r"\.compile\(",
    alignment_problems=lacks(r"\bjit_compile\s*=", "sets jit_compile: the programs keep the default, XLA on JAX, "
                                                     "within the task's jax tolerance"),
    not_measured="a GPU (none here), where TensorFlow's default turns XLA on too",
    platform_problem=platform_problem,
)
