"""A diff child: install the tracer, then run the user's script unmodified, as __main__.

Usage: python -m tf_rosetta.comparisons.diff.child CONFIG.json

The runner writes the configuration (script, runtime, trace path, settings, --steps, start
values); this process writes the trace whether the script ends, raises or exits, and keeps its
own status line in the trace: the runner tells a script's failure from the tool's by it.
NumPy, TensorFlow and Keras are imported only after the settings are in the environment.
"""

import json
import os
import sys
import traceback


def main(config_path: str) -> int:
    with open(config_path, encoding="utf-8") as file:
        config = json.load(file)
    os.environ.update(config["environment"])
    for name in config.get("unset", []):
        os.environ.pop(name, None)
    if config["runtime"] == "tf_keras":
        import tf_keras

        sys.modules["keras"] = tf_keras  # the script's `import keras` gets Keras 2, as under --runtime tf_keras

    import numpy as np

    from tf_rosetta.comparisons.diff import tracer
    from tf_rosetta.comparisons.diff.recorder import Recorder

    set_values = None
    if config.get("set_values"):
        with np.load(config["set_values"]) as saved:
            set_values = {key: saved[key] for key in saved.files}
    recorder = Recorder(config["trace"], config.get("steps"), set_values, config.get("perturb_seed"))
    tracer.install(recorder, config["runtime"])
    if config.get("override"):
        from tf_rosetta.comparisons.diff import overrides

        overrides.install(config["override"])

    import runpy

    script = config["script"]
    sys.argv = [script]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    error = None
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exit_:
        if exit_.code not in (None, 0):
            error = f"exited with status {exit_.code}"
    except BaseException as raised:  # noqa: BLE001  (the script's failure is reported, not ours)
        lines = traceback.format_exception_only(type(raised), raised)
        error = (lines[-1].strip().splitlines() or [type(raised).__name__])[0]
        if _raised_by_the_tracer(raised, script):
            error = f"tf-rosetta's tracer failed (a bug of tf-rosetta, please report it): {error}"
    sys.stdout.flush()
    recorder.write(error=error)
    return 0


def _raised_by_the_tracer(raised: BaseException, script: str) -> bool:
    """Whether the innermost frame of the script's or the tracer's code is the tracer's."""
    ours = os.path.dirname(os.path.abspath(__file__))
    last = None
    for frame in traceback.extract_tb(raised.__traceback__):
        path = os.path.abspath(frame.filename)
        if path == os.path.abspath(script):
            last = "script"
        elif path.startswith(ours) and not path.endswith("child.py"):
            last = "tracer"
    return last == "tracer"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
