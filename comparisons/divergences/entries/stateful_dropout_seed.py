"""stateful_dropout_seed: `tf.nn.dropout(seed=s)` is a stream, and graph and eager code cut it differently.

A stateful random op with a seed is not a function of that seed: it is a generator,
advanced by every draw. In a graph (TF1, or one trace of a `tf.function`) each op in the
graph owns its stream, so two dropout ops with the same seed draw the same masks, and a
retraced function starts its streams again; in eager code all calls with the same seeds
share one stream (TensorFlow caches the kernel by its seeds), so the second call draws the
next mask. A program that applies dropout twice a step, or whose step function is traced
again, draws other masks in eager and graph code. (One op, one trace, and a
`tf.random.set_seed` before each run do agree: the probe checks that too.)

`tf.nn.experimental.stateless_dropout(x, rate, seed=[s, t])` has no state: the mask is a
function of the seed pair alone, the same in eager code, a `tf.function` (traced once or
again) and a TF1 session that feeds t. Keras 3's `Dropout(seed=s)` is built on it (see
keras_dropout_seed_stream).
"""

import contextlib
import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured

RATE, SEED, STEPS = 0.2, 1, 4
SHAPE = (100, 100)


@contextlib.contextmanager
def _retracing_unlogged():
    """TensorFlow warns when a function is traced again and again: here that is the experiment."""
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


def _masks(outputs) -> np.ndarray:
    return np.stack([np.asarray(output) != 0 for output in outputs])


def stateful_masks() -> dict:
    """(steps, 2, *SHAPE) masks of two tf.nn.dropout(seed=SEED) calls a step, after tf.random.set_seed(0)."""
    import tensorflow as tf

    v1, x = tf.compat.v1, np.ones(SHAPE, np.float32)

    def two_dropouts(step=None):
        return [tf.nn.dropout(x, rate=RATE, seed=SEED), tf.nn.dropout(x, rate=RATE, seed=SEED)]

    found = {}
    tf.random.set_seed(0)
    found["eager"] = _masks([_masks(two_dropouts()) for _ in range(STEPS)])
    tf.random.set_seed(0)
    traced_once = tf.function(two_dropouts)
    found["tf_function"] = _masks([_masks(traced_once()) for _ in range(STEPS)])
    tf.random.set_seed(0)
    retraced = tf.function(two_dropouts)  # a Python int argument: a new trace each step
    with _retracing_unlogged():
        found["tf_function_retraced"] = _masks([_masks(retraced(step)) for step in range(STEPS)])
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(0)
        ops = two_dropouts()
        with v1.Session(graph=graph) as session:
            found["tf1_session"] = _masks([_masks(session.run(ops)) for _ in range(STEPS)])
    return found


def stateless_masks() -> dict:
    """The same two dropouts a step through stateless_dropout(seed=[SEED, step]), in each mode."""
    import tensorflow as tf

    v1, x = tf.compat.v1, np.ones(SHAPE, np.float32)

    def two_dropouts(step):
        seed = tf.stack([tf.constant(SEED, tf.int64), tf.cast(step, tf.int64)])
        return [tf.nn.experimental.stateless_dropout(x, rate=RATE, seed=seed) for _ in range(2)]

    found = {"eager": _masks([_masks(two_dropouts(step)) for step in range(STEPS)])}
    traced_once = tf.function(two_dropouts)
    found["tf_function"] = _masks([_masks(traced_once(tf.constant(step))) for step in range(STEPS)])
    retraced = tf.function(two_dropouts)
    with _retracing_unlogged():
        found["tf_function_retraced"] = _masks([_masks(retraced(step)) for step in range(STEPS)])
    graph = tf.Graph()
    with graph.as_default():
        step_fed = v1.placeholder(tf.int64, ())
        ops = two_dropouts(step_fed)
        with v1.Session(graph=graph) as session:
            found["tf1_session"] = _masks([_masks(session.run(ops, {step_fed: step})) for step in range(STEPS)])
    return found


def differing_fraction(masks: dict) -> dict:
    """Per mode: the fraction of mask entries that differ from the eager masks."""
    return {mode: float(np.mean(found != masks["eager"])) for mode, found in masks.items() if mode != "eager"}


def probe_stateful_dropout() -> Measured:
    stateful, stateless = stateful_masks(), stateless_masks()
    default, aligned = differing_fraction(stateful), differing_fraction(stateless)
    eager = stateful["eager"]
    graph = stateful["tf1_session"]
    return Measured(
        default=max(default.values()), aligned=max(aligned.values()),
        details="stateful, fraction of mask entries unlike eager's: "
                + ", ".join(f"{mode} {value:.3f}" for mode, value in default.items())
                + f"; first op of the first step alike in every mode: "
                  f"{all(np.array_equal(found[0, 0], eager[0, 0]) for found in stateful.values())}; "
                  f"the two ops of a step: eager {np.mean(eager[:, 0] != eager[:, 1]):.3f} apart, "
                  f"graph {np.mean(graph[:, 0] != graph[:, 1]):.3f}")


# A program whose masks come from the seed: the stateless op, with the step in its seed.
def dropout_is_stateless(path: Path, source: str) -> list[str]:
    found = []
    if re.search(r"\bnn\.dropout\(", source):
        found.append(f"{path}: stateful tf.nn.dropout draws masks that depend on eager or graph execution; "
                     "use tf.nn.experimental.stateless_dropout(seed=[s, step])")
    return found


ENTRY = Divergence(
    name="stateful_dropout_seed",
    lesson=__doc__,
    quantity="fraction of mask entries unlike eager's, two tf.nn.dropout(rate=0.2, seed=1) a step, "
             "4 steps: tf.function (once or retraced) and TF1 session vs eager",
    setting="`stateless_dropout(seed=[s, step])`",
    aligned_by="`tf.nn.experimental.stateless_dropout(x, rate, seed=[s, step])` in eager, tf.function and "
               "TF1 code (the step fed), `Dropout(rate, seed=s)` in Keras",
    recorded=Measured(default=0.280425, aligned=0.0,
                      details="stateful, fraction of mask entries unlike eager's: tf_function 0.279, "
                              "tf_function_retraced 0.280, tf1_session 0.279; first op of the first step alike "
                              "in every mode: True; the two ops of a step: eager 0.320 apart, graph 0.000"),
    default_at_least=0.2, aligned_at_most=0.0,
    why="the first mask agrees and each of the other 7 is an independent draw, unlike in 2 x 0.2 x 0.8 = "
        "32% of entries: 7/8 x 0.32 = 0.28; the stateless op reads nothing but its seed",
    probe=probe_stateful_dropout,
    applies_to=r"(?:\bnn\.|\bstateless_)dropout\(",
    alignment_problems=dropout_is_stateless,
)
