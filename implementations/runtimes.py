"""How a process gets its Keras: the runtimes the programs run under, in one place.

A runtime is chosen per process, before TensorFlow or Keras is imported, because both
settings are read once, at import:

- ``tensorflow``: Keras 3 on TensorFlow, what ``import keras`` gives with TensorFlow 2.16+
  (the default).
- ``tf_keras``: Keras 2, from the ``tf-keras`` package. ``TF_USE_LEGACY_KERAS=1`` makes
  ``tf.keras`` Keras 2, and the name ``keras`` is bound to the same ``tf_keras`` module, so
  a program's ``import keras`` gets Keras 2 too, unchanged.
- ``jax``: Keras 3 with ``KERAS_BACKEND=jax``; only the Keras programs run (the others call
  TensorFlow ops and ``GradientTape`` themselves), fed by ``tf.data``, which Keras's ``fit``
  takes on every backend.

The harness starts a worker process per runtime and calls ``activate`` first in it. The
programs hold no runtime switch.
"""

import importlib.util
import os
import sys

RUNTIMES = ("tensorflow", "tf_keras", "jax")
DEFAULT = "tensorflow"
EXTRA = "runtimes"  # pip install -e '.[runtimes]'

ENVIRONMENT = {"tensorflow": {"KERAS_BACKEND": "tensorflow", "TF_USE_LEGACY_KERAS": "0"},
               "tf_keras": {"KERAS_BACKEND": "tensorflow", "TF_USE_LEGACY_KERAS": "1"},
               "jax": {"KERAS_BACKEND": "jax", "TF_USE_LEGACY_KERAS": "0"}}
PACKAGE = {"tf_keras": "tf_keras", "jax": "jax"}  # the module each needs beyond TensorFlow and Keras 3
# How to install it, from the project's folder. tf-keras declares a dependency on the GPU-capable
# `tensorflow` wheel, which pip would install beside tensorflow-cpu: it comes without its
# dependencies, from a requirements file (TensorFlow is already there).
TF_KERAS_REQUIREMENTS = "requirements-tf-keras.txt"
INSTALL = {"tf_keras": f"pip install --no-deps -r {TF_KERAS_REQUIREMENTS}", "jax": f"pip install -e '.[{EXTRA}]'"}


class RuntimeUnavailable(Exception):
    """A runtime whose package is not installed: one line naming the extra, exit 2."""


def check(runtime: str) -> str:
    from tf_rosetta.implementations.registry import UnknownName

    if runtime not in RUNTIMES:
        raise UnknownName(f"unknown runtime {runtime!r}; accepted: {', '.join(RUNTIMES)}, all")
    package = PACKAGE.get(runtime)
    if package and importlib.util.find_spec(package) is None:
        raise RuntimeUnavailable(f"runtime {runtime} needs the {package} package, which is not installed: "
                                 f"{INSTALL[runtime]} (see docs/install.md)")
    if runtime == "tf_keras" and _tf_keras_mismatch():
        raise RuntimeUnavailable(_tf_keras_mismatch())
    return runtime


def _tf_keras_mismatch() -> str:
    """Why the installed tf-keras does not fit the installed TensorFlow ("" when it does): tf-keras
    X.Y is made for TensorFlow X.Y, and its --no-deps install checks nothing."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for distribution in ("tf-keras", "tensorflow", "tensorflow-cpu"):
        try:
            found.setdefault(distribution.removesuffix("-cpu"), version(distribution))
        except PackageNotFoundError:
            pass
    if len(found) < 2:
        return ""
    wanted = ".".join(found["tensorflow"].split(".")[:2])
    if ".".join(found["tf-keras"].split(".")[:2]) == wanted:
        return ""
    return (f"runtime tf_keras needs tf-keras {wanted} for TensorFlow {found['tensorflow']}, not "
            f"{found['tf-keras']}: pip install --no-deps 'tf-keras~={wanted}.0' (see docs/install.md)")


# Programs that run under a runtime but cannot agree there, by task: {(runtime, task): (programs, why)}.
KERAS_PROGRAMS = ("keras_sequential", "keras_functional", "keras_subclassed")
DISAGREES_BY_TASK = {
    # mirrored_keras: its Dropout subclass reads Keras 3's seed stream (seed_generator), which Keras 2 lacks.
    ("tf_keras", "mnist_mlp"): (KERAS_PROGRAMS + ("mirrored_keras",), "Keras 2's Dropout(seed=...) draws its masks "
                                "from a stateful generator, not the stateless [seed, step] stream of Keras 3 that the "
                                "other styles and the oracle share (tf-rosetta divergences dropout_masks_by_runtime)"),
    ("jax", "mnist_mlp"): (KERAS_PROGRAMS, "Keras 3 on JAX draws Dropout's masks from jax.random, not TensorFlow's "
                           "stateless generator that the oracle reproduces (tf-rosetta divergences "
                           "dropout_masks_by_runtime)"),
    # auto_mpg, measured once (2026-12-05, load ~8): under Keras 3 on JAX its three Keras programs
    # agree with the oracle (1.5x the floor, TensorBoard scalars and best checkpoints included);
    # under Keras 2 its TF programs agree (1.0-1.3x) and its Keras programs fail, reading the
    # rate under Keras 3's history key. Neither is claimed yet: no tolerance stated there.
    ("jax", "auto_mpg"): (KERAS_PROGRAMS, "auto_mpg's Keras programs agreed once under Keras 3 on JAX; no "
                          "tolerance is stated there yet (implementations/auto_mpg/README.md)"),
    ("tf_keras", "auto_mpg"): (("tf1_session", "eager_tape", "tf_function") + KERAS_PROGRAMS,
                               "under Keras 2, LearningRateScheduler logs the rate as `lr`, not Keras 3's "
                               "`learning_rate`, which auto_mpg's Keras programs read; its TF programs agreed "
                               "once, with no tolerance stated there yet (implementations/auto_mpg/README.md)"),
}


def not_applicable(runtime: str, program: str, task: str | None = None) -> str | None:
    """Why a program (of the task, if given) cannot run under a runtime, or None when it can."""
    programs, why = DISAGREES_BY_TASK.get((runtime, task), ((), ""))
    if program in programs:
        return why
    if runtime == "jax" and program in ("mirrored_keras", "multiworker_keras"):
        return "a tf.distribute strategy distributes Keras on TensorFlow; Keras 3 on JAX has keras.distribution"
    if runtime == "jax" and program.startswith(("tf1_", "eager_", "tf_function", "mirrored_", "multiworker_")):
        return "calls TensorFlow ops and GradientTape itself; Keras 3 on JAX runs the Keras programs"
    if runtime == "tensorflow" and program == "multiworker_keras":
        return KERAS3_MULTIWORKER_FIT
    return None


# Measured here (TensorFlow 2.21, Keras 3.15.1, two workers on 127.0.0.1); Keras 2 (tf_keras)
# fits under the same strategy. tests/test_distribute.py fails once Keras 3's fit works.
KERAS3_MULTIWORKER_FIT = ("Keras 3's fit fails under MultiWorkerMirroredStrategy with two workers: ValueError: "
                          "Attempt to convert a value (PerReplica:{...}) with an unsupported type to a Tensor "
                          "(keras-team/keras#20585, tensorflow/tensorflow#72388); runs under --runtime tf_keras")


def current() -> str:
    """The runtime this process is in."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "jax":
        return "jax"
    if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
        return "tf_keras"
    return DEFAULT


def activate(runtime: str) -> None:
    """Put this process in the runtime: before TensorFlow and Keras are imported."""
    loaded = [name for name in ("tensorflow", "keras", "tf_keras", "jax") if name in sys.modules]
    if loaded:
        if runtime != current():
            raise RuntimeError(f"cannot switch to runtime {runtime}: {', '.join(loaded)} already imported")
        return
    os.environ.update(ENVIRONMENT[runtime])
    if runtime == "tf_keras":
        import tf_keras

        sys.modules["keras"] = tf_keras
