"""replica_dropout_masks: under a strategy, a seeded Dropout draws the same mask on every replica.

Keras's `Dropout(rate, seed=s)` draws its t-th training mask with the stateless seed [s, t]
for the shape it is called on. Under MirroredStrategy every replica calls the layer with the
same seed on its own part of the batch, so every replica draws the same mask: example i of
each replica's part loses the same units. One device draws one mask for the whole batch,
whose rows for the second part differ from those for the first. The masks of the one-device
run come back when each replica takes its own rows of the mask drawn for the global batch
(its rows of `tf.random.stateless_uniform` over the global shape, by
`replica_id_in_sync_group`).

The probe calls Dropout(0.5, seed=1) in training on ones of 8 x 16, on one device and on two
logical CPUs under MirroredStrategy. Logical devices are fixed once per process, so it runs
in a process of its own.
"""

import functools

import numpy as np

from ..programs import contains
from ..record import Divergence, Measured
from . import _child

ROWS, UNITS, RATE, SEED = 8, 16, 0.5, 1


def masks() -> dict:
    """{how: the 8 x 16 keep mask}: one device; two replicas' Keras masks joined; two replicas
    each taking its rows of the global mask."""
    from tf_rosetta.implementations.devices import two_logical_cpus

    devices = two_logical_cpus()
    import keras
    import tensorflow as tf

    ones = np.ones((ROWS, UNITS), np.float32)
    one_device = keras.layers.Dropout(RATE, seed=SEED)(ones, training=True).numpy() != 0

    strategy = tf.distribute.MirroredStrategy(devices)
    part = ROWS // strategy.num_replicas_in_sync
    halves = strategy.experimental_distribute_values_from_function(
        lambda context: tf.constant(ones[context.replica_id_in_sync_group * part:][:part]))
    with strategy.scope():
        layer = keras.layers.Dropout(RATE, seed=SEED)
    keras_masks = strategy.run(tf.function(lambda x: layer(x, training=True) != 0), args=(halves,))

    def own_rows(x):
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        uniform = tf.random.stateless_uniform([ROWS, UNITS], seed=[SEED, 0])  # the global batch's
        return tf.gather(uniform, tf.range(part) + replica * part) >= RATE

    sliced = strategy.run(tf.function(own_rows), args=(halves,))
    joined = [np.concatenate([m.numpy() for m in strategy.experimental_local_results(found)]).tolist()
              for found in (keras_masks, sliced)]
    return {"one_device": one_device.tolist(), "keras_per_replica": joined[0], "own_rows": joined[1]}


@functools.cache
def masks_in_a_process_of_their_own() -> dict:
    found = _child.alone(__name__, "masks", "the two-replica process")
    return {name: np.array(mask) for name, mask in found.items()}


def probe_replica_dropout_masks() -> Measured:
    found = masks_in_a_process_of_their_own()
    second = slice(ROWS // 2, ROWS)
    one = found["one_device"]
    keras_second = found["keras_per_replica"][second]
    return Measured(default=float(np.mean(keras_second != one[second])),
                    aligned=float(np.mean(found["own_rows"] != one)),
                    details=f"Keras on two replicas: the second replica's mask equals the first's: "
                            f"{bool(np.array_equal(keras_second, found['keras_per_replica'][:ROWS // 2]))}")


ENTRY = Divergence(
    name="replica_dropout_masks",
    lesson=__doc__,
    quantity="fraction of the second replica's mask entries unlike one device's rows for them, Dropout(0.5, seed=1) "
             "on 8 x 16",
    setting="each replica its rows of the global batch's mask",
    aligned_by="a custom loop draws the mask for the global batch (`tf.random.stateless_uniform`) and each replica "
               "keeps its rows (`replica_id_in_sync_group`)",
    recorded=Measured(default=0.46875, aligned=0.0,
                      details="Keras on two replicas: the second replica's mask equals the first's: True"),
    default_at_least=0.2, aligned_at_most=0.0,
    why="each replica's rows of the same stateless draw are the one-device mask's rows",
    probe=probe_replica_dropout_masks,
    # A program with dropout under a strategy.
    applies_to=r"(?s)\A(?=.*(?:Dropout\(|stateless_dropout\(|stateless_uniform\())(?=.*Strategy\()",
    alignment_problems=contains(r"replica_id_in_sync_group",
                                "dropout under a strategy drawing the same mask on every replica (take each "
                                "replica's rows of the global batch's mask)"),
)
