"""Run every program of every task once and save what it computed, for test_determinism.

Usage: python -m tests.determinism_worker OUT.npz
"""

import os
import sys
import time

import implementations  # noqa: F401  (before TensorFlow: fixes its settings)
import numpy as np

from implementations import registry


def arrays_of(task: str, program: str, result) -> dict:
    """What a program computed, flattened to named arrays: losses, predictions, each weight."""
    arrays = {f"{task}/{program}/losses": np.asarray(result.losses),
              f"{task}/{program}/predictions": np.asarray(result.predictions)}
    for name, value in result.weights.items():
        arrays[f"{task}/{program}/weights/{name}"] = np.asarray(value)
    return arrays


def main(out_path: str) -> None:
    arrays = {name: np.array(os.environ.get(name, "unset")) for name in ("TF_ENABLE_ONEDNN_OPTS", "OPENBLAS_NUM_THREADS")}
    for task in registry.TASKS:
        spec = registry.load_spec(task)
        for program in registry.PROGRAMS:
            start = time.perf_counter()
            arrays.update(arrays_of(task, program, registry.load(task, program).train(spec)))
            arrays[f"seconds/{task}/{program}"] = np.array(time.perf_counter() - start)
    np.savez(out_path, **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
