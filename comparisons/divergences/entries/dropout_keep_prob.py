"""dropout_keep_prob: TF1's dropout takes the fraction to keep, TF2's the fraction to drop.

`tf.compat.v1.nn.dropout(x, keep_prob=0.2)` keeps 20% of the units and scales them by
1/0.2 = 5; `tf.nn.dropout(x, rate=0.2)`, like Keras's `Dropout(0.2)`, drops 20%, keeps 80%
and scales by 1/0.8 = 1.25. A course that wrote `keep_prob=0.8` ported by changing the
keyword to `rate=0.8` (or passing the same number to both) trains a different network,
with no error: the numbers are complements. TF1's dropout also accepts `rate=` (it
converts `keep_prob` to `rate = 1 - keep_prob`), so writing the fraction to drop in every
API aligns them: with the same seeds, the same op draws the same mask.
"""

import ast
import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference

RATE = 0.2
SHAPE = (1000, 100)
GRAPH_SEED, OP_SEED = 0, 1


def dropout_in_a_graph(**arguments) -> np.ndarray:
    """tf.compat.v1.nn.dropout or tf.nn.dropout of ones, in a TF1 graph with fixed graph and op seeds."""
    import tensorflow as tf

    v1 = tf.compat.v1
    function = arguments.pop("function")
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(GRAPH_SEED)
        output = function(np.ones(SHAPE, np.float32), seed=OP_SEED, **arguments)
        with v1.Session(graph=graph) as session:
            return session.run(output)


def dropouts() -> dict:
    """The same number given as keep_prob to TF1's dropout and as rate to TF2's, then aligned."""
    import tensorflow as tf

    v1_dropout, v2_dropout = tf.compat.v1.nn.dropout, tf.nn.dropout
    return {
        "v1_keep_prob": dropout_in_a_graph(function=v1_dropout, keep_prob=RATE),
        "v2_rate": dropout_in_a_graph(function=v2_dropout, rate=RATE),
        "v1_keep_prob_complement": dropout_in_a_graph(function=v1_dropout, keep_prob=1 - RATE),
        "v1_rate": dropout_in_a_graph(function=v1_dropout, rate=RATE),
    }


def kept_fraction(output: np.ndarray) -> float:
    return float(np.mean(output != 0))


def probe_keep_prob() -> Measured:
    found = dropouts()
    v1_kept, v2_kept = kept_fraction(found["v1_keep_prob"]), kept_fraction(found["v2_rate"])
    aligned = max(max_difference(found["v1_keep_prob_complement"], found["v2_rate"]),
                  max_difference(found["v1_rate"], found["v2_rate"]))
    return Measured(default=abs(v1_kept - v2_kept), aligned=aligned,
                    details=f"kept: keep_prob={RATE} {v1_kept:.4f} (kept units x{found['v1_keep_prob'].max():g}), "
                            f"rate={RATE} {v2_kept:.4f} (x{found['v2_rate'].max():g}); aligned, max |Δoutput| "
                            f"{aligned:g}")


def _dotted(node) -> str:
    """`tf.compat.v1.nn.dropout` for the function of a call, "" for what is not a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join(([node.id] if isinstance(node, ast.Name) else []) + parts[::-1])


# A program that calls a dropout op names the fraction to drop: `rate=`, never `keep_prob`.
# TF1's second positional argument is keep_prob, TF2's is rate: TF1 calls name it.
def drops_by_rate(path: Path, source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if not name.split(".")[-1].endswith("dropout"):
                continue
            keywords = {keyword.arg for keyword in node.keywords}
            if "keep_prob" in keywords:
                found.append(f"{path}:{node.lineno}: {name}(keep_prob=...) gives the fraction to keep; "
                             "write rate= (the fraction to drop) as TF2 and Keras do")
            elif "rate" not in keywords and (re.search(r"\b(?:v1|compat)\b", name) or len(node.args) < 2):
                found.append(f"{path}:{node.lineno}: {name}(...) without rate=")
    return found


ENTRY = Divergence(
    name="dropout_keep_prob",
    lesson=__doc__,
    quantity="|Δ kept fraction|, 100,000 ones: tf.compat.v1.nn.dropout(keep_prob=0.2) vs "
             "tf.nn.dropout(rate=0.2), TF1 graph",
    setting="`rate=` (the fraction to drop)",
    aligned_by="the fraction to drop everywhere: `rate=` in tf.nn.dropout, stateless_dropout and "
               "tf.compat.v1.nn.dropout (or `keep_prob=1 - rate`), `Dropout(rate)` in Keras",
    recorded=Measured(default=0.60003, aligned=0.0,
                      details="kept: keep_prob=0.2 0.1999 (kept units x5), rate=0.2 0.7999 (x1.25); "
                              "aligned, max |Δoutput| 0"),
    default_at_least=0.55, aligned_at_most=0.0,
    why="the kept fractions are 0.2 and 0.8 up to sampling (±0.004 at 100,000 units); aligned, "
        "the same op with the same seeds draws the same mask",
    probe=probe_keep_prob,
    applies_to=r"\bkeep_prob\b|(?:\bnn\.|\bstateless_)dropout\(",
    alignment_problems=drops_by_rate,
    evidence="forward",
)
