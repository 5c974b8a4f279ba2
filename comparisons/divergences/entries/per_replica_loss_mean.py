"""per_replica_loss_mean: under a strategy, a loss averaged over the replica's batch scales the gradient.

One-device code writes the loss as `tf.reduce_mean(per_example)`. Moved unchanged into
`strategy.run`, each replica averages over its own part of the batch (128 of 256 examples on
two replicas), and the all-reduce then SUMS the replicas' gradients: the update is the
replica count times the one-device update. `tf.nn.compute_average_loss(per_example,
global_batch_size=...)` divides each replica's sum by the global batch instead, and the
summed gradients are the one-device gradient up to the order of the sums. Keras's `fit`
does this scaling itself. The same holds for the loss the step reports: the SUM of the
replicas' per-replica means is twice the batch's mean.

The probe takes one SGD step (learning rate 1) on a fixed batch of logistic_mnist's shape
(256 x 784 -> 10) on one device and on two logical CPUs under MirroredStrategy. Logical
devices are fixed once per process, so it runs in a process of its own.
"""

import functools

import numpy as np

from ..programs import contains
from ..record import Divergence, Measured
from . import _child

BATCH, FEATURES, CLASSES = 256, 784, 10


def updates() -> dict:
    """One SGD step from zero weights: the update (W, b flattened) on one device, and on two
    replicas with each loss; with the loss each reported. In a fresh process (two logical CPUs)."""
    from tf_rosetta.implementations.devices import two_logical_cpus

    devices = two_logical_cpus()
    import keras
    import tensorflow as tf

    generator = np.random.RandomState(0)
    x = generator.rand(BATCH, FEATURES).astype(np.float32)
    y = generator.randint(0, CLASSES, BATCH).astype(np.int32)

    def step(strategy, loss_of):
        with strategy.scope():
            W = tf.Variable(np.zeros((FEATURES, CLASSES), np.float32))
            b = tf.Variable(np.zeros(CLASSES, np.float32))
            optimizer = keras.optimizers.SGD(1.0)

        def replica_step(x, y):
            with tf.GradientTape() as tape:
                per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=y, logits=tf.nn.bias_add(tf.matmul(x, W), b))
                loss = loss_of(per_example)
            optimizer.apply_gradients(zip(tape.gradient(loss, [W, b]), [W, b]))
            return loss

        data = tf.data.Dataset.from_tensors((x, y))
        batch_x, batch_y = next(iter(strategy.experimental_distribute_dataset(data)))
        loss = tf.function(lambda: strategy.reduce(
            tf.distribute.ReduceOp.SUM, strategy.run(replica_step, args=(batch_x, batch_y)), axis=None))()
        update = -np.concatenate([W.numpy().ravel(), b.numpy().ravel()])
        return update.tolist(), float(loss)

    mirrored = tf.distribute.MirroredStrategy(devices)
    return {"one_device": step(tf.distribute.get_strategy(), tf.reduce_mean),
            "replica_mean": step(mirrored, tf.reduce_mean),
            "global_batch": step(mirrored, lambda per_example: tf.nn.compute_average_loss(
                per_example, global_batch_size=BATCH))}


@functools.cache
def updates_in_a_process_of_their_own() -> dict:
    return _child.alone(__name__, "updates", "the two-replica process")


def probe_per_replica_loss_mean() -> Measured:
    found = updates_in_a_process_of_their_own()
    one, one_loss = np.array(found["one_device"][0], np.float64), found["one_device"][1]
    scale = np.max(np.abs(one))

    def relative(name):
        return float(np.max(np.abs(np.array(found[name][0], np.float64) - one)) / scale)

    ratio = np.array(found["replica_mean"][0]) @ one / (one @ one)
    return Measured(default=relative("replica_mean"), aligned=relative("global_batch"),
                    details=f"per-replica mean: update x{ratio:.4f}, reported loss {found['replica_mean'][1]:.6g} "
                            f"(one device {one_loss:.6g}); compute_average_loss: reported loss "
                            f"{found['global_batch'][1]:.6g}")


ENTRY = Divergence(
    name="per_replica_loss_mean",
    lesson=__doc__,
    quantity="max |Δupdate| / max |update|, one SGD step (256 x 784 -> 10 softmax) on two replicas vs one device",
    setting="`tf.nn.compute_average_loss(..., global_batch_size=...)`",
    aligned_by="each replica's loss as `tf.nn.compute_average_loss(per_example, global_batch_size=spec.batch_size)` "
               "in the custom loops under a strategy (mirrored_tape, multiworker_tape); the step reports the SUM of "
               "the replicas' losses",
    recorded=Measured(default=1.0000002217850101, aligned=1.5524950702736893e-06,
                      details="per-replica mean: update x2.0000, reported loss 4.60517 (one device 2.30259); "
                              "compute_average_loss: reported loss 2.30259"),
    default_at_least=0.5, aligned_at_most=6e-6,
    why="aligned, the replicas' summed gradients are the one-device gradient up to the order of the sums",
    probe=probe_per_replica_loss_mean,
    applies_to=r"strategy\.run\(",  # custom training steps under a strategy
    alignment_problems=contains(r"compute_average_loss\([^)]*global_batch_size",
                                "a loss inside strategy.run that is not divided by the global batch size "
                                "(tf.nn.compute_average_loss(..., global_batch_size=...))"),
)
