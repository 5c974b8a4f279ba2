"""TensorBoard's TF2 scalar summaries without the `tensorboard` package.

TensorFlow 2.21 no longer depends on `tensorboard`, and this project adds no dependency:
without it, `tf.summary.scalar` and `keras.callbacks.TensorBoard` (which calls it) raise
`TBNotInstalledError`. What `tf.summary.scalar` writes is TensorFlow's own: `tf.summary.write`
of the value as float32, with the scalars plugin's name in its metadata
(tensorboard/plugins/scalar/summary_v2.py), which is `scalar` here; TensorBoard shows it as
it shows theirs. TF1's `tf.compat.v1.summary.scalar` needs no stand-in: it is TensorFlow's.
With `tensorboard` installed, use `tf.summary.scalar` and `keras.callbacks.TensorBoard`.
"""

import types

import keras
import tensorflow as tf

_SCALARS = tf.compat.v1.SummaryMetadata(plugin_data={"plugin_name": "scalars"})


def scalar(name, data, step=None):
    """tf.summary.scalar: one float32 value at `step` to the default writer."""
    return tf.summary.write(name, tf.cast(data, tf.float32), step=step, metadata=_SCALARS)


_SUMMARY = types.SimpleNamespace(**{**{name: getattr(tf.summary, name) for name in dir(tf.summary)
                                        if not name.startswith("_")}, "scalar": scalar})


class TensorBoard(keras.callbacks.TensorBoard):
    """keras.callbacks.TensorBoard itself (its folders, tags and steps), its tf.summary.scalar
    calls made by `scalar` above. Should Keras stop reading `self.summary`, the callback calls
    tf.summary.scalar again and raises TBNotInstalledError: loud, never silently other tags."""

    @property
    def summary(self):
        return _SUMMARY  # tf.summary, with `scalar` in place of the tensorboard package's
