"""Run programs as __main__ (tests/standalone_worker.py's run_alone), with diff's tracer
installed or not, and save what each computed and what the tracer recorded.

Usage: python -m tests.traced_worker traced|untraced OUT_DIR TASK/PROGRAM ...

The tracer's hooks are installed once, before TensorFlow's first op, as in a diff child; each
program records into a recorder of its own. OUT_DIR/TASK.PROGRAM.npz holds run_alone's arrays,
plus, traced, the trace's last recorded variables (trace/after/N) and its update count.
"""

import os
import sys
from pathlib import Path

from tf_rosetta import implementations  # noqa: F401  (before TensorFlow: fixes its settings)
import numpy as np

from tf_rosetta.implementations import devices, runtimes
from tests.standalone_worker import in_a_fresh_process, run_alone


def main(mode: str, out_dir: str, programs: list[str]) -> None:
    traced = mode == "traced"
    if traced:
        from tf_rosetta.comparisons.diff import tracer
        from tf_rosetta.comparisons.diff.recorder import Recorder
    devices.two_logical_cpus()
    for name in programs:
        task, program = name.split("/")
        if runtimes.not_applicable(runtimes.current(), program, task):
            continue
        if in_a_fresh_process(["tests.traced_worker", mode, out_dir], name, programs):
            continue
        target = Path(out_dir) / f"{task}.{program}.npz"
        arrays = {}
        if traced:
            trace_path = str(target.with_suffix(".trace.npz"))
            recorder = Recorder(trace_path)
            tracer.install(recorder, runtimes.current())
        arrays.update(run_alone(task, program))
        if traced:
            arrays["trace/updates"] = np.array(recorder.updates)
            for index, values in enumerate(zip(*recorder.after) if recorder.after else ()):
                arrays[f"trace/after/{index}"] = np.asarray(values[-1])
        partial = target.with_suffix(".partial.npz")
        np.savez(partial, **arrays)
        os.replace(partial, target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
