"""Running part of a probe under another runtime: Keras 2 (tf_keras) or Keras 3 on JAX.

Which Keras a process gets is fixed when TensorFlow and Keras are imported
(implementations/runtimes.py), so a probe that compares runtimes runs each side in a
child process of its own (_child), which enters the runtime first.
"""

import functools

import numpy as np

from tf_rosetta.implementations import runtimes

from . import _child


def available(runtime: str) -> bool:
    """Whether the runtime's package is installed (a probe that needs it says so when not)."""
    try:
        runtimes.check(runtime)
    except runtimes.RuntimeUnavailable:
        return False
    return True


def missing(*names: str) -> str:
    """Why this machine cannot run a probe that needs these runtimes ("" when it can): the platform_problem."""
    absent = [name for name in names if not available(name)]
    if absent:
        return (f"needs the runtime{'s' if len(absent) > 1 else ''} {', '.join(absent)} "
                f"(pip install -e '.[{runtimes.EXTRA}]', see docs/install.md)")
    return ""


def in_runtime(runtime: str, module: str, function: str, *arguments):
    """module.function(*arguments) run in a child process of the runtime; its JSON result."""
    return _child.result(_child.start(module, function, *arguments, runtime=runtime),
                         f"{module}.{function} under {runtime}")


def in_runtimes(names, module: str, function: str, *arguments) -> dict:
    """The same call in one child process per runtime, run side by side: {runtime: result}."""
    return _child.side_by_side({name: _child.start(module, function, *arguments, runtime=name) for name in names},
                               f"{module}.{function} under a runtime")


@functools.cache
def cached_in_runtimes(names: tuple, module: str, function: str, *arguments) -> dict:
    """in_runtimes, once per process for the same call: several checks read one measurement."""
    return in_runtimes(names, module, function, *arguments)


def floats(values) -> list:
    """A NumPy array (or a list of them) as a flat list of Python floats, for JSON."""
    if isinstance(values, (list, tuple)):
        return [float(v) for value in values for v in np.ravel(value)]
    return [float(v) for v in np.ravel(values)]
