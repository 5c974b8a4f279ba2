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


class RuntimeUnavailable(Exception):
    """A runtime whose package is not installed: one line naming the extra, exit 2."""


def check(runtime: str) -> str:
    from implementations.registry import UnknownName

    if runtime not in RUNTIMES:
        raise UnknownName(f"unknown runtime {runtime!r}; accepted: {', '.join(RUNTIMES)}, all")
    package = PACKAGE.get(runtime)
    if package and importlib.util.find_spec(package) is None:
        raise RuntimeUnavailable(f"runtime {runtime} needs the {package} package, which is not installed: "
                                 f"pip install -e '.[{EXTRA}]' (see README, Runtimes)")
    return runtime


def not_applicable(runtime: str, program: str) -> str | None:
    """Why a program cannot run under a runtime, or None when it can."""
    if runtime == "jax" and program.startswith(("tf1_", "eager_", "tf_function", "mirrored_", "multiworker_")):
        return "calls TensorFlow ops and GradientTape itself; Keras 3 on JAX runs the Keras programs"
    return None


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
