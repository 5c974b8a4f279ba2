"""One function of an entry module, run in a child process of its own.

Some settings are read once per process: the Keras and backend a process gets, TensorFlow's
oneDNN switch and thread pools (when TensorFlow is imported), OpenBLAS's threads (when NumPy
is), the logical devices (at TensorFlow's first op). A probe that compares them runs each
side in a child process with its environment, which calls module.function(*arguments) and
prints the result as JSON: floats (float32 values are exact in JSON's float64), lists of
them, strings, booleans, None.
"""

import json
import os
import subprocess
import sys

from tf_rosetta.implementations import runtimes


def start(module: str, function: str, *arguments, environment: dict | None = None,
          runtime: str | None = None) -> subprocess.Popen:
    """The child process, started: the environment's names set (None: removed), and the
    runtime (implementations/runtimes.py) entered before anything imports Keras."""
    child_environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    for name, value in {**(environment or {}), **(runtimes.ENVIRONMENT[runtime] if runtime else {})}.items():
        if value is None:
            child_environment.pop(name, None)
        else:
            child_environment[name] = value
    enter = f"from tf_rosetta.implementations import runtimes; runtimes.activate({runtime!r}); " if runtime else ""
    source = (f"import importlib, json, sys; from tf_rosetta import implementations; {enter}"
              f"result = getattr(importlib.import_module({module!r}), {function!r})(*json.loads(sys.argv[1])); "
              "print('\\nRESULT ' + json.dumps(result))")
    return subprocess.Popen([sys.executable, "-c", source, json.dumps(list(arguments))], env=child_environment,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def result(process: subprocess.Popen, what: str, timeout: float = 600):
    """The child's JSON result; its last line of error output in one RuntimeError if it failed."""
    out, err = process.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"{what} failed: {(err.strip().splitlines() or ['no output'])[-1][-300:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def side_by_side(processes: dict, what: str) -> dict:
    """{name: result} of child processes started together, so that they run at once."""
    return {name: result(process, f"{what} ({name})") for name, process in processes.items()}


def alone(module: str, function: str, what: str):
    """module.function() in a child process of its own (a fresh process's devices, say)."""
    return result(start(module, function), what)
