"""tf-rosetta comparisons: run every style of a task and prove that they agree."""

if __name__ != "tf_rosetta.comparisons":  # the folder found as a top-level package: a second copy of every module
    raise ImportError(f"{__name__}: tf-rosetta's comparisons are imported as tf_rosetta.comparisons (pyproject.toml)")

from tf_rosetta import implementations  # noqa: F401  (fixes TensorFlow's settings before anything imports it)
