"""keras3_save_writes_no_savedmodel: Keras 3's model.save writes a .keras file; export writes the SavedModel.

Keras 2's `model.save("dir")` wrote a TensorFlow SavedModel, which `tf.saved_model.load`
and TensorFlow Serving read without the Python code. Keras 3's `model.save` needs a path
ending in `.keras` (or the legacy `.h5`): given a folder it raises ValueError, and a
`.keras` file is a zip of the configuration and weights that only Keras reads.
`model.export("dir")` writes the SavedModel, with a `serve` endpoint (and the
`serving_default` signature); reloaded, it predicts the model's outputs bitwise.
"""

import re
import tempfile
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference


def probe_save_writes_no_savedmodel() -> Measured:
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(1)])
    x = np.random.RandomState(0).normal(size=(16, 2)).astype(np.float32)
    expected = model.predict(x, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        try:
            model.save(f"{folder}/saved_model")
            raised = 0.0
            saved = "no error"
        except ValueError as error:
            raised = 1.0
            saved = f"ValueError: {str(error).split('. ')[0]}"
        model.export(f"{folder}/exported", verbose=False)
        loaded = tf.saved_model.load(f"{folder}/exported")
        served = loaded.serve(tf.constant(x)).numpy()
        (by_signature,) = loaded.signatures["serving_default"](tf.constant(x)).values()
        by_layer = keras.layers.TFSMLayer(f"{folder}/exported", call_endpoint="serve")(x)
    return Measured(default=raised,
                    aligned=max(max_difference(served, expected), max_difference(by_signature.numpy(), expected)),
                    details=f"model.save(folder): {saved}; exported, TFSMLayer: max |Δ| "
                            f"{max_difference(by_layer, expected):g}; signatures {sorted(loaded.signatures)}")


# A Keras program saves its .keras file with save and its SavedModel with export.
def saves_keras_and_exports(path: Path, source: str) -> list[str]:
    found = []
    for argument in re.findall(r"\bmodel\.save\(([^\n]*)\)", source):
        if not re.search(r"""\.(?:keras|h5)["']""", argument):
            found.append(f"{path}: model.save({argument}) names no .keras file: Keras 3 raises")
    if not re.search(r"\.export\(", source):
        found.append(f"{path}: model.save, but no model.export: Keras 3's save writes no SavedModel")
    return found


ENTRY = Divergence(
    name="keras3_save_writes_no_savedmodel",
    lesson=__doc__,
    quantity="model.save(folder) in Keras 3: 1 = raised, no SavedModel written; aligned: max |Δ| of predictions, "
             "model.export(folder) reloaded by tf.saved_model.load vs the model",
    setting="`model.export(dir)`",
    aligned_by="`model.save(\"model.keras\")` for Keras, `model.export(\"saved_model\")` for a SavedModel "
               "(`tf.saved_model.load(dir).serve(x)`, or `keras.layers.TFSMLayer(dir, call_endpoint=\"serve\")`)",
    recorded=Measured(default=1.0, aligned=0.0,
                      details="model.save(folder): ValueError: Invalid filepath extension for saving; exported, "
                              "TFSMLayer: max |Δ| 0; signatures ['serve', 'serving_default']"),
    default_at_least=1.0, aligned_at_most=0.0,
    why="the exported SavedModel runs the model's own traced computation: bitwise",
    probe=probe_save_writes_no_savedmodel,
    applies_to=r"\bmodel\.save\(",
    alignment_problems=saves_keras_and_exports,
)
