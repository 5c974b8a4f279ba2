"""batchnorm_per_replica_statistics: under a strategy, BatchNorm normalizes each replica's part of the batch.

On one device BatchNormalization in training normalizes the batch with the batch's mean and
variance. Under MirroredStrategy (or MultiWorkerMirroredStrategy) each replica calls the layer
on its own part of the batch, and Keras's `BatchNormalization(synchronized=False)`, the
default, uses that part's statistics: the same model computes other activations, other
gradients and other moving statistics than on one device, by much more than rounding when the
parts differ. `synchronized=True` all-reduces the sums across the replicas, so every replica
normalizes with the global batch's mean and variance.

The probe calls one BatchNormalization layer in training mode on a batch of 16 x 6 whose two
halves differ (the second shifted by 1), on one device and on two logical CPUs under
MirroredStrategy with each setting. Logical devices are fixed once per process, so it runs in
a process of its own.
"""

import functools

import numpy as np

from ..programs import contains
from ..record import Divergence, Measured, max_difference
from . import _child

ROWS, FEATURES = 16, 6


def batch() -> np.ndarray:
    """The (ROWS, FEATURES) batch, its second half (the second replica's) shifted by 1."""
    generator = np.random.RandomState(0)
    x = generator.randn(ROWS, FEATURES).astype(np.float32)
    x[ROWS // 2:] += 1
    return x


def normalized() -> dict:
    """{setting: (outputs, moving mean)} for one device and for two replicas with each setting."""
    from tf_rosetta.implementations.devices import two_logical_cpus

    devices = two_logical_cpus()
    import keras
    import tensorflow as tf

    x = batch()

    def run(strategy, synchronized):
        with strategy.scope():
            layer = keras.layers.BatchNormalization(synchronized=synchronized)
            layer.build((None, FEATURES))
        halves = strategy.experimental_distribute_values_from_function(
            lambda context: tf.constant(x[context.replica_id_in_sync_group * (ROWS // strategy.num_replicas_in_sync):]
                                        [:ROWS // strategy.num_replicas_in_sync]))
        outputs = tf.function(lambda: strategy.run(lambda part: layer(part, training=True), args=(halves,)))()
        joined = np.concatenate([part.numpy() for part in strategy.experimental_local_results(outputs)])
        return joined.tolist(), layer.moving_mean.numpy().tolist()

    mirrored = tf.distribute.MirroredStrategy(devices)
    return {"one_device": run(tf.distribute.get_strategy(), False),
            "per_replica": run(mirrored, False),
            "synchronized": run(mirrored, True)}


@functools.cache
def normalized_in_a_process_of_their_own() -> dict:
    return _child.alone(__name__, "normalized", "the two-replica process")


def probe_batchnorm_per_replica_statistics() -> Measured:
    found = normalized_in_a_process_of_their_own()
    one = found["one_device"]

    def apart(setting):
        return max_difference(found[setting][0], one[0]), max_difference(found[setting][1], one[1])

    (per_replica, per_replica_moving), (synchronized, synchronized_moving) = apart("per_replica"), apart("synchronized")
    return Measured(default=per_replica, aligned=synchronized,
                    details=f"moving mean after one step: per replica {per_replica_moving:.3g} from one device's, "
                            f"synchronized {synchronized_moving:.3g}")


ENTRY = Divergence(
    name="batchnorm_per_replica_statistics",
    lesson=__doc__,
    quantity="max |Δoutput|, BatchNormalization in training on 16 x 6 (halves differing by 1), two replicas vs one "
             "device",
    setting="`BatchNormalization(synchronized=True)`",
    aligned_by="`keras.layers.BatchNormalization(synchronized=True)` in a Keras model under a strategy; a custom "
               "loop all-reduces the batch's sums (the replica context's `all_reduce`) before normalizing",
    recorded=Measured(default=0.9095258712768555, aligned=4.76837158203125e-07,
                      details="moving mean after one step: per replica 0.00565 from one device's, synchronized "
                              "4.66e-10"),
    default_at_least=0.1, aligned_at_most=1e-5,
    why="synchronized, each replica normalizes with the global batch's statistics: equal up to the order of the sums",
    probe=probe_batchnorm_per_replica_statistics,
    # A program with BatchNorm under a strategy.
    applies_to=r"(?s)\A(?=.*(?:BatchNormalization\(|tf\.nn\.moments\(|tf\.nn\.batch_normalization\())(?=.*Strategy\()",
    alignment_problems=contains(r"synchronized=True|\.all_reduce\(",
                                "BatchNorm under a strategy with each replica's own statistics "
                                "(BatchNormalization(synchronized=True), or all-reduce the sums)"),
)
