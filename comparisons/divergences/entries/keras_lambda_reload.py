"""keras_lambda_reload: a .keras file with a Lambda layer does not load back as it was saved.

Keras 3 saves a `Lambda(lambda x: ...)` as the lambda's marshalled bytecode.
`keras.models.load_model` refuses it by default (`safe_mode=True`: ValueError, arbitrary
code). With `safe_mode=False` it rebuilds the function with the globals of a Keras module,
not the program's: a lambda that names a module (`keras.layers.concatenate`, `tf`, `np`)
loads, then fails with NameError at its first call (and bytecode ties the file to one
Python version). A model without a Python lambda, built from layers, or a Lambda of a
registered named function, or a registered subclass, reloads in safe mode and predicts
bitwise.
"""

import ast
import tempfile
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference


def _with_lambda():
    """polynomial_fit's Sequential model: a Lambda makes the features [x^2, x], a Dense(1) weighs them."""
    import keras

    # The program's lambda names keras as a global of its module; written here inside a function it
    # would capture keras in a closure instead, which Keras serializes otherwise.
    features = eval("lambda x: keras.layers.concatenate([x * x, x])", {"keras": keras})  # noqa: S307
    return keras.Sequential([keras.Input(shape=(1,)), keras.layers.Lambda(features), keras.layers.Dense(1)])


def _without_lambda():
    """The same model from layers (polynomial_fit's functional model): x * x is a Keras operation."""
    import keras

    inputs = keras.Input(shape=(1,))
    return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.concatenate([inputs * inputs, inputs])))


def _reloaded(model, path: str, x, safe_mode: bool) -> tuple[float, str]:
    """(max |Δ| of the reloaded model's predictions, or 1.0 if it could not load or run; what happened)."""
    import keras

    expected = model.predict(x, verbose=0)
    model.save(path)
    try:
        return max_difference(keras.models.load_model(path, safe_mode=safe_mode).predict(x, verbose=0), expected), "ok"
    except (ValueError, NameError) as error:
        lines = [line.replace("\x1b[1m", "").replace("\x1b[0m", "") for line in str(error).strip().splitlines()]
        return 1.0, f"{type(error).__name__}: {next((line for line in lines if 'not defined' in line), lines[0])}"


def probe_keras_lambda_reload() -> Measured:
    x = np.linspace(-2, 2, 9, dtype=np.float32).reshape(-1, 1)
    with tempfile.TemporaryDirectory() as folder:
        model = _with_lambda()
        safe, safe_error = _reloaded(model, f"{folder}/lambda.keras", x, safe_mode=True)
        unsafe, unsafe_error = _reloaded(model, f"{folder}/lambda.keras", x, safe_mode=False)
        layers, _ = _reloaded(_without_lambda(), f"{folder}/layers.keras", x, safe_mode=True)
    return Measured(default=min(safe, unsafe), aligned=layers,
                    details=f"safe_mode=True: {safe_error.split('. ')[0]}; safe_mode=False: {unsafe_error}")


# A program that writes a .keras file builds its model without a Python lambda.
def no_python_lambda_layer(path: Path, source: str) -> list[str]:
    if not ("model.save(" in source and ".keras" in source):
        return []
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "Lambda"
                and node.args and isinstance(node.args[0], ast.Lambda)):
            function = node.args[0]
            arguments = {argument.arg for argument in function.args.args}
            names = sorted({name.id for name in ast.walk(function.body)
                            if isinstance(name, ast.Name) and name.id not in arguments})
            found.append(f"{path}: saves a .keras file with Lambda({ast.unparse(function)[:40]}...): load_model refuses "
                         "it (safe_mode)" + (f", and it names {', '.join(names)}: NameError with safe_mode=False"
                                              if names else ""))
    return found

ENTRY = Divergence(
    name="keras_lambda_reload",
    lesson=__doc__,
    quantity="polynomial_fit's Sequential model (Lambda making [x^2, x], Dense(1)) saved as .keras: 1 = "
             "load_model refused it or its predict failed; aligned: max |Δ| of predictions of the same model "
             "built from layers, reloaded in safe mode",
    setting="no Python lambda in a saved model",
    aligned_by="build the features from layers (`keras.layers.concatenate([x * x, x])` on a functional model's "
               "input), or a Lambda of a named function registered with "
               "`@keras.saving.register_keras_serializable`, or a registered Layer subclass",
    recorded=Measured(default=1.0, aligned=0.0,
                      details="safe_mode=True: ValueError: Requested the deserialization of a `Lambda` layer whose "
                              "`function` is a Python lambda; safe_mode=False: NameError: name 'keras' is not defined"),
    default_at_least=1.0, aligned_at_most=0.0,
    why="a model without Python bytecode reloads its configuration and weights as saved: bitwise",
    probe=probe_keras_lambda_reload,
    applies_to=r"\bLambda\(",
    alignment_problems=no_python_lambda_layer,
)
