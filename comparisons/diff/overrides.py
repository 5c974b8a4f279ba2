"""An aligning setting applied from outside a script: every construction of a class, or every call
of a method, gets one argument.

confirm.py re-runs B with a catalog entry's `outside_fix` (kind "argument"): the child installs
this before the script runs, so `keras.optimizers.Adam(1e-3)` in the script builds
`Adam(1e-3, epsilon=1e-8)`, and `model(x)` calls `model(x, training=True)`. Positional or
keyword, what the script passed is replaced.
"""

import functools
import importlib
import inspect


def resolve(dotted: str):
    """The object a dotted name gives: "keras.optimizers.Adam", "keras.Model.__call__"."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(f"cannot resolve {dotted!r}")


def install(override: dict) -> None:
    """target "module.Class": every construction gets the argument; "module.Class.method": every call."""
    found = resolve(override["target"])
    if isinstance(found, type):
        owner, method = found, "__init__"
    else:
        owner, method = resolve(override["target"].rpartition(".")[0]), override["target"].rpartition(".")[2]
    original = getattr(owner, method)
    signature = inspect.signature(original)
    name, value = override["name"], override["value"]
    by_keyword = name not in signature.parameters
    if by_keyword and not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        raise TypeError(f"{override['target']} takes no argument {name!r}")

    @functools.wraps(original)
    def wrapper(self, *args, **kwargs):
        if by_keyword:  # a method taking **kwargs: the argument goes there
            return original(self, *args, **{**kwargs, name: value})
        bound = signature.bind(self, *args, **kwargs)
        bound.arguments[name] = value
        return original(*bound.args, **bound.kwargs)

    setattr(owner, method, wrapper)
