"""onednn_fusion: TensorFlow's oneDNN build rounds graph code unlike eager code.

On x86-64, TensorFlow's oneDNN ops fuse a matmul with its bias and activation, in graphs
only: `tf.function`, TF1 sessions and Keras `fit` then round unlike eager code. Its
kernels move eager results too (logistic_mnist's eager weights by up to 1.5e-7). The probe
trains the same small net eagerly and as a `tf.function`, with fusion on and off.
TensorFlow reads `TF_ENABLE_ONEDNN_OPTS` once, at import, so each setting runs in a
process of its own.

A fact of the platform: measured on TensorFlow's x86-64 builds, where oneDNN is on unless
told otherwise (the check confirms that TF_ENABLE_ONEDNN_OPTS=1 turns it on), and the
kernels oneDNN picks, so the size of the difference, depend on the CPU's vector width.
"""

import functools
import os

import numpy as np

from .. import machine
from ..programs import set_by_the_package
from ..record import Divergence, Measured, OutsideFix, max_difference
from . import _child


def eager_versus_graph() -> float:
    """max |Δ| of losses and weights: a 2-2-1 sigmoid net on XOR, eager steps vs tf.function."""
    import tensorflow as tf

    generator = np.random.RandomState(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([[0], [1], [1], [0]], np.float32)
    initial = [generator.uniform(-1, 1, (2, 2)).astype(np.float32), np.zeros(2, np.float32),
               generator.uniform(-1, 1, (2, 1)).astype(np.float32), np.zeros(1, np.float32)]

    def train(compiled):
        variables = [tf.Variable(value) for value in initial]

        def step():
            with tf.GradientTape() as tape:
                hidden = tf.sigmoid(tf.matmul(x, variables[0]) + variables[1])
                output = tf.sigmoid(tf.matmul(hidden, variables[2]) + variables[3])
                loss = tf.reduce_mean(tf.square(output - y))
            for variable, gradient in zip(variables, tape.gradient(loss, variables)):
                variable.assign_sub(0.1 * gradient)
            return loss

        step = tf.function(step) if compiled else step
        losses = [step().numpy() for _ in range(500)]
        return np.concatenate([losses, *[variable.numpy().ravel() for variable in variables]])

    return max_difference(train(False), train(True))


def onednn_is_on() -> bool | None:
    """Whether this process's TensorFlow runs oneDNN ops (None if this TensorFlow does not say)."""
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def measured_in_this_process() -> list:
    """[the process's TF_ENABLE_ONEDNN_OPTS, oneDNN on, eager vs graph]."""
    difference = eager_versus_graph()
    return [os.environ["TF_ENABLE_ONEDNN_OPTS"], onednn_is_on(), difference]


@functools.cache
def eager_versus_graph_by_setting() -> dict:
    """{TF_ENABLE_ONEDNN_OPTS: (oneDNN on in that process, eager vs graph)}, for "1" and "0".

    Run once per process: the platform check reads whether oneDNN came on, the probe the differences.
    """
    # TensorFlow reads TF_ENABLE_ONEDNN_OPTS once, at import: one process per setting.
    processes = {onednn: _child.start(__name__, "measured_in_this_process",
                                      environment={"TF_ENABLE_ONEDNN_OPTS": onednn}) for onednn in ("1", "0")}
    found = {}
    for onednn, (setting, on, difference) in _child.side_by_side(processes, "TF_ENABLE_ONEDNN_OPTS").items():
        assert setting == onednn, f"the child saw TF_ENABLE_ONEDNN_OPTS={setting}"
        found[onednn] = (on, difference)
    return found


def probe_onednn() -> Measured:
    found = eager_versus_graph_by_setting()
    return Measured(default=found["1"][1], aligned=found["0"][1])


def platform_problem() -> str:
    if machine.architecture() != "x86_64":
        return f"oneDNN fusion is measured on TensorFlow's x86-64 builds; this CPU is {machine.architecture()}"
    if machine.other_vector_width():
        return machine.other_vector_width()
    if eager_versus_graph_by_setting()["1"][0] is False:
        return "this TensorFlow build has no oneDNN: TF_ENABLE_ONEDNN_OPTS=1 leaves its ops off"
    return ""


ENTRY = Divergence(
    name="onednn_fusion",
    lesson=__doc__,
    quantity="max |Δ| of losses and weights, eager vs tf.function, 2-2-1 sigmoid net on XOR, 500 SGD steps",
    setting="`TF_ENABLE_ONEDNN_OPTS=0`",
    aligned_by="`TF_ENABLE_ONEDNN_OPTS=0` before TensorFlow is imported (`implementations/__init__.py` "
               "sets it with setdefault)",
    recorded=Measured(default=9.3132257e-08, aligned=0.0),
    default_at_least=1e-9, aligned_at_most=0.0,
    why="with fusion off eager and graph run the same kernels: bitwise equal",
    probe=probe_onednn,
    applies_to=r"^import (?:tensorflow|keras)\b",  # Keras 3 programs run TensorFlow too
    alignment_problems=set_by_the_package("TF_ENABLE_ONEDNN_OPTS", "0"),
    platform_problem=platform_problem,
    evidence="rounding",
    outside_fix=OutsideFix("environment", "TF_ENABLE_ONEDNN_OPTS", "0", says="`TF_ENABLE_ONEDNN_OPTS=0`"),
)
