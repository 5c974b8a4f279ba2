"""Every program of every task computes bitwise the same numbers in three separate processes.

This holds on the CPU, for the installed TensorFlow and Keras, with oneDNN fusion off and
one BLAS thread (the package's defaults); see README, "Determinism". Two worker processes
each run every program in turn while the session's comparisons are computed (shared with
the other tests; the harness trains them in its own pool of processes), so the runs go
side by side and the suite pays for two extra runs, not three.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from implementations import registry
from tests.determinism_worker import arrays_of

WORKERS = 2
SETTINGS = {"TF_ENABLE_ONEDNN_OPTS": "0", "OPENBLAS_NUM_THREADS": "1"}  # what the package sets
ROOT = Path(__file__).resolve().parents[1]


def test_every_program_is_bitwise_identical_in_three_processes(tmp_path, comparison_of):
    # Without oneDNN and BLAS settings of their own: the package must set them in each process.
    environment = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    outputs = [tmp_path / f"worker{index}.npz" for index in range(WORKERS)]
    # Output to files, not pipes: nobody reads a pipe while this process trains.
    logs = [out.with_suffix(".log") for out in outputs]
    log_files = [log.open("w") for log in logs]
    workers = [subprocess.Popen([sys.executable, "-m", "tests.determinism_worker", str(out)], cwd=ROOT,
                                env=environment, stdout=log_file, stderr=subprocess.STDOUT)
               for out, log_file in zip(outputs, log_files)]
    try:
        here = {}
        for task in registry.TASKS:
            for program, run in comparison_of(task).runs.items():
                assert run.result is not None, run.error
                here.update(arrays_of(task, program, run.result))
        for worker, log in zip(workers, logs):
            worker.wait(timeout=1800)
            assert worker.returncode == 0, log.read_text()[-3000:]
    finally:
        for worker, log_file in zip(workers, log_files):
            if worker.poll() is None:
                worker.kill()
            log_file.close()
    runs = [here] + [dict(np.load(out)) for out in outputs]
    for name, value in SETTINGS.items():
        assert [str(run[name]) for run in runs[1:]] == [value] * WORKERS, name
    assert sorted(here) == sorted(key for key in runs[1] if "/" in key and not key.startswith("seconds/"))
    differing = []
    for key, mine in here.items():
        for index, run in enumerate(runs[1:], start=1):
            other = run[key]
            if mine.dtype != other.dtype or mine.shape != other.shape or mine.tobytes() != other.tobytes():
                largest = np.max(np.abs(mine.astype(np.float64) - other.astype(np.float64)), initial=0)
                differing.append(f"{key}: worker {index} differs from this process by up to {largest:.3g}")
    assert not differing, "\n".join(differing)
