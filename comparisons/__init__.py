"""tf-rosetta comparisons: run every style of a task and prove that they agree."""

from tf_rosetta import implementations  # noqa: F401  (fixes TensorFlow's settings before anything imports it)
