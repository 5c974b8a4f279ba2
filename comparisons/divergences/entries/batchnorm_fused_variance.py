"""batchnorm_fused_variance: TF's fused batch norm averages the Bessel-corrected variance.

The batch variance that normalises a batch is the biased one, mean((x - mean)**2), in
every API. The variance that goes into the moving average is not: `tf.nn.moments` and
Keras 3's `BatchNormalization` use the same biased one, but TensorFlow's fused kernel,
`tf.compat.v1.nn.fused_batch_norm(is_training=True)`, returns it times n/(n-1) (Bessel's
correction, as PyTorch also averages) for the caller's moving average, 1/31 = 3.2% more
for a batch of 32. tf.keras 2 (`tf_keras`) uses the fused kernel where it can, on 4-D
inputs, so a Keras 2 model with BatchNorm after a convolution learns a larger moving
variance than the same model in Keras 3; after a Dense layer (2-D) it does not fuse, and
agrees. The other defaults agree (measured): epsilon 1e-3 in Keras 3, tf_keras and the fused
op, momentum 0.99 in both Kerases. A hand-written TF1 BatchNorm that uses `tf.nn.moments`
averages what Keras 3 averages.
"""

import re
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured

BATCH, CHANNELS = 32, 8


def batch_variances() -> dict:
    """The variance each API averages into its moving variance, for one (32, 8) batch (as 4-D where fused)."""
    import keras
    import tensorflow as tf

    x = np.random.RandomState(0).normal(2.0, 3.0, (BATCH, CHANNELS)).astype(np.float32)
    images = x.reshape(BATCH, 1, 1, CHANNELS)  # NHWC: the fused kernel's shape
    _, variance = tf.nn.moments(x, axes=[0])
    found = {"tf.nn.moments": variance.numpy()}
    _, _, fused = tf.compat.v1.nn.fused_batch_norm(images, scale=np.ones(CHANNELS, np.float32),
                                                  offset=np.zeros(CHANNELS, np.float32), is_training=True)
    found["fused_batch_norm"] = fused.numpy()
    kerases = {"keras": keras}
    try:
        import tf_keras

        kerases["tf_keras"] = tf_keras
    except ImportError:  # Keras 2 is optional: the numbers this entry asserts do not need it
        pass
    for name, module in kerases.items():
        for rank, inputs in [("2-D", x), ("4-D", images)]:
            layer = module.layers.BatchNormalization(momentum=0.0)  # moving variance := the batch's
            layer(inputs, training=True)
            found[f"{name} {rank}"] = layer.moving_variance.numpy()
    return found


def batchnorm_defaults() -> dict:
    """(momentum, epsilon) of each API's BatchNorm with no arguments (the fused op: its averaging factor).

    fused_batch_norm's exponential_avg_factor 1.0 means "return the batch's statistics":
    the caller keeps the moving average.
    """
    import inspect

    import keras
    import tensorflow as tf

    found = {"keras": (keras.layers.BatchNormalization().momentum, keras.layers.BatchNormalization().epsilon),
             "fused_batch_norm": tuple(inspect.signature(tf.compat.v1.nn.fused_batch_norm).parameters[name].default
                                       for name in ("exponential_avg_factor", "epsilon"))}
    try:
        import tf_keras

        layer = tf_keras.layers.BatchNormalization()
        found["tf_keras"] = (layer.momentum, layer.epsilon)
    except ImportError:
        pass
    return found


def relative(a, b) -> float:
    return float(np.max(np.abs(np.float64(a) - np.float64(b)) / np.abs(np.float64(b))))


def probe_fused_variance() -> Measured:
    found = batch_variances()
    moments = found["tf.nn.moments"]
    biased = {name: relative(value, moments) for name, value in found.items() if name != "fused_batch_norm"}
    rescaled = relative(found["fused_batch_norm"] * np.float32((BATCH - 1) / BATCH), moments)
    return Measured(
        default=relative(found["fused_batch_norm"], moments),
        aligned=max(value for name, value in biased.items() if not name.startswith("tf_keras 4")),
        details="relative to tf.nn.moments: " + ", ".join(f"{name} {value:.3g}" for name, value in biased.items())
                + f"; fused x 31/32 {rescaled:.2g}; (momentum, epsilon): "
                + ", ".join(f"{name} {value}" for name, value in batchnorm_defaults().items()))


# A program's moving variance averages the biased batch variance, as Keras 3's does.
def averages_the_biased_variance(path: Path, source: str) -> list[str]:
    found = []
    if re.search(r"\bfused_batch_norm\(", source):
        found.append(f"{path}: fused_batch_norm returns the Bessel-corrected variance (n/(n-1)) for the moving "
                     "average; Keras 3 averages tf.nn.moments' biased one")
    if re.search(r"^\s*(?:import|from)\s+tf_keras\b", source, re.MULTILINE):
        found.append(f"{path}: tf_keras (Keras 2) fuses BatchNorm on 4-D inputs and averages the corrected variance")
    return found


ENTRY = Divergence(
    name="batchnorm_fused_variance",
    lesson=__doc__,
    quantity="max relative |Δ| of the variance averaged into the moving variance, batch of 32: "
             "fused_batch_norm vs tf.nn.moments",
    setting="tf.nn.moments' biased variance",
    aligned_by="the biased batch variance in the moving average, as `tf.nn.moments` and Keras 3's "
               "BatchNormalization give it (not `fused_batch_norm`'s, nor tf_keras's on 4-D inputs)",
    recorded=Measured(default=0.032258078, aligned=0.0,
                      details="relative to tf.nn.moments: keras 2-D 0, keras 4-D 0, tf_keras 2-D 0, tf_keras 4-D "
                              "0.0323; fused x 31/32 7.5e-08; (momentum, epsilon): keras (0.99, 0.001), "
                              "fused_batch_norm (exponential_avg_factor 1.0, 0.001), tf_keras (0.99, 0.001)"),
    default_at_least=0.03, aligned_at_most=0.0,
    why="the fused kernel's factor is 32/31 - 1 = 0.0323; Keras 3 averages tf.nn.moments' variance itself",
    probe=probe_fused_variance,
    applies_to=r"\b(?:nn\.moments|BatchNormalization|fused_batch_norm|batch_normalization)\(",
    alignment_problems=averages_the_biased_variance,
)
