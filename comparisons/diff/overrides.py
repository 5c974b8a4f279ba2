"""An aligning setting applied from outside a script: every construction of a class gets one argument.

confirm.py re-runs B with a catalog entry's `outside_fix` (kind "argument"): the child installs
this before the script runs, so `keras.optimizers.Adam(1e-3)` in the script builds
`Adam(1e-3, epsilon=1e-8)`. Positional or keyword, what the script passed is replaced.
"""

import functools
import importlib
import inspect


def resolve(dotted: str):
    """The object a dotted name gives: "keras.optimizers.Adam"."""
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def install(override: dict) -> None:
    klass = resolve(override["target"])
    original = klass.__init__
    signature = inspect.signature(original)
    name, value = override["name"], override["value"]
    if name not in signature.parameters:
        raise TypeError(f"{override['target']} takes no argument {name!r}")

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.arguments[name] = value
        return original(*bound.args, **bound.kwargs)

    klass.__init__ = __init__
