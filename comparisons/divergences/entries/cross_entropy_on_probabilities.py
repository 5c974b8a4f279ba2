"""cross_entropy_on_probabilities: the same cross-entropy call gives 100 or 16.12.

Keras's cross-entropy on probabilities looks for the logits behind them: a Keras softmax
(or sigmoid) output carries them, and in a graph it finds the Softmax op and takes its
input. Failing that (an eager `tf.nn.softmax` tensor), it clips the probabilities to
[1e-7, 1 - 1e-7] and takes the log. On logits [100, 0, 0] with a wrong label, -log(1e-7) =
16.12 instead of 100: the same call gives 100 in a `tf.function` and 16.12 eagerly. Given
logits, there is nothing to guess.
"""

import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured


def cross_entropies() -> dict:
    """One wrong label on logits [100, 0, 0], through each path a program may take."""
    import keras
    import tensorflow as tf

    logits = tf.constant([[100.0, 0.0, 0.0]])
    wrong_label = tf.constant([[0.0, 1.0, 0.0]])
    loss = keras.losses.categorical_crossentropy

    @tf.function
    def in_a_graph(logits):
        return loss(wrong_label, tf.nn.softmax(logits))

    return {
        # A Keras softmax output carries its logits; Keras's loss takes the log-softmax of those.
        "keras_softmax_output": loss(wrong_label, keras.activations.softmax(logits)),
        # An eager tf.nn.softmax tensor carries nothing: the loss clips it to [1e-7, 1 - 1e-7].
        "eager_tf_softmax": loss(wrong_label, tf.nn.softmax(logits)),
        # In a graph the loss finds the Softmax op and takes its input: logits again.
        "graph_tf_softmax": in_a_graph(logits),
        "keras_from_logits": loss(wrong_label, logits, from_logits=True),
        "tf_with_logits": tf.nn.softmax_cross_entropy_with_logits(wrong_label, logits),
    }


def probe_cross_entropy() -> Measured:
    values = {name: float(np.asarray(value).ravel()[0]) for name, value in cross_entropies().items()}
    return Measured(default=abs(values["keras_softmax_output"] - values["eager_tf_softmax"]),
                    aligned=abs(values["keras_from_logits"] - values["tf_with_logits"]),
                    details=", ".join(f"{name} {value:.6g}" for name, value in values.items()))


def from_logits(path: Path, source: str) -> list[str]:
    """A cross-entropy computed from logits, and every Keras loss told so."""
    if "from_logits=False" in source or not re.search(r"from_logits=True|_with_logits\(|logits", source):
        return [f"{path}: computes a cross-entropy, not from logits"]
    if "keras" in source and ".compile(" in source and "from_logits=True" not in source:
        return [f"{path}: a Keras loss without from_logits=True"]
    return []


ENTRY = Divergence(
    name="cross_entropy_on_probabilities",
    lesson=__doc__,
    quantity="|Δloss| on logits [100, 0, 0], wrong label: Keras softmax output vs eager tf.nn.softmax output",
    setting="the loss from logits",
    aligned_by="compute the loss from logits in every style: `from_logits=True`, "
               "`tf.nn.softmax_cross_entropy_with_logits`, a log-softmax in NumPy",
    recorded=Measured(default=83.88190460205078, aligned=0.0,
                      details="keras_softmax_output 100, eager_tf_softmax 16.1181, graph_tf_softmax 100, "
                              "keras_from_logits 100, tf_with_logits 100"),
    default_at_least=80, aligned_at_most=0.0,
    why="from logits both compute logsumexp(z) - z_label = 100 exactly in float32",
    probe=probe_cross_entropy,
    applies_to=r"(?i)cross_?entropy",
    alignment_problems=from_logits,
    evidence="forward",
)
