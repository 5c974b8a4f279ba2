"""Run programs as a reader would, `python -m tf_rosetta.implementations.TASK.PROGRAM`, and save what
each printed and computed: for the run-alone and determinism checks (tests/checks.py).

Usage: python -m tests.standalone_worker OUT_DIR TASK/PROGRAM ...

Each program runs as __main__ (its `SPEC.report(train())` block); the result it passes to
the spec's report is kept with its printed output in OUT_DIR/TASK.PROGRAM.npz, written
when the program is done (to a temporary name, then renamed: a reader never sees half).
"""

import contextlib
import io
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

ENVIRONMENT = dict(os.environ)  # as started: before the package sets TensorFlow's settings
from tf_rosetta import implementations  # noqa: E402,F401  (before TensorFlow: fixes its settings)
import numpy as np

from tf_rosetta.comparisons import run_files
from tf_rosetta.implementations import devices, registry, runtimes

SETTINGS = ("TF_ENABLE_ONEDNN_OPTS", "OPENBLAS_NUM_THREADS")


def arrays_of(result) -> dict:
    """What a program computed, flattened to named arrays."""
    arrays = {"losses": np.asarray(result.losses), "predictions": np.asarray(result.predictions)}
    arrays.update({f"weights/{name}": np.asarray(value) for name, value in result.weights.items()})
    arrays.update({f"metrics/{name}": np.asarray(value) for name, value in result.metrics.items()})
    arrays.update({f"history/{name}": np.asarray(value) for name, value in result.history.items()})
    return arrays


def run_alone(task: str, program: str) -> dict:
    spec_class = type(registry.load_spec(task))
    reported = []
    real_report = spec_class.report

    def recording_report(spec, result):
        reported.append(result)
        return real_report(spec, result)

    printed = io.StringIO()
    spec_class.report = recording_report
    try:
        with contextlib.redirect_stdout(printed):
            runpy.run_module(f"tf_rosetta.implementations.{task}.{program}", run_name="__main__", alter_sys=True)
    finally:
        spec_class.report = real_report
    assert len(reported) == 1, f"{task} {program} called its spec's report {len(reported)} times, not once"
    try:
        arrays = arrays_of(run_files.read_back(task, program, reported[0]))
    finally:
        if reported[0].run_folder:
            shutil.rmtree(reported[0].run_folder, ignore_errors=True)
    return {**arrays, "printed": np.array(printed.getvalue()),
            **{f"settings/{name}": np.array(os.environ.get(name, "unset")) for name in SETTINGS}}


def in_a_fresh_process(worker_argv: list[str], name: str, programs: list[str]) -> bool:
    """A program the harness runs in a fresh process (registry.FRESH_PROCESS: two MirroredStrategy
    programs in one process collide in their collectives) runs so here too, unless it is alone."""
    if name.split("/")[1] not in registry.FRESH_PROCESS or len(programs) == 1:
        return False
    subprocess.run([sys.executable, "-m", *worker_argv, name], env=ENVIRONMENT, check=True)
    return True


def main(out_dir: str, programs: list[str]) -> None:
    devices.two_logical_cpus()  # as the harness's workers: a distributed program may follow others here
    for name in programs:
        task, program = name.split("/")
        if runtimes.not_applicable(runtimes.current(), program, task):
            continue  # its checks skip, with the reason (tests/checks.py)
        if in_a_fresh_process(["tests.standalone_worker", out_dir], name, programs):
            continue
        target = Path(out_dir) / f"{task}.{program}.npz"
        partial = target.with_suffix(".partial.npz")
        np.savez(partial, **run_alone(task, program))
        os.replace(partial, target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
