import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

assert "tensorflow" not in sys.modules, "tests must import implementations before TensorFlow"
# Hermetic: no Keras cache of this machine's user (a downloaded mnist.npz, a keras.json)
# reaches the tests or the processes they start; a test that wants one makes its own.
os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="tf-rosetta-keras-home-")

import implementations  # noqa: E402,F401  (fixes TensorFlow's settings first)
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from comparisons import harness  # noqa: E402
from implementations import registry  # noqa: E402
from implementations.devices import two_logical_cpus  # noqa: E402

# Before any test's first TensorFlow op: the distributed programs may run in this process too.
two_logical_cpus()

ROOT = Path(__file__).resolve().parents[1]
STANDALONE_WORKERS = 2
# The settings the package sets: the standalone processes start without them, so the
# package must set them there too.
PACKAGE_SETTINGS = ("TF_ENABLE_ONEDNN_OPTS", "OPENBLAS_NUM_THREADS")

_comparisons = {}


def _named_tasks(session) -> list[str]:
    return [task for task in registry.TASKS if any(task in item.nodeid for item in session.items)]


class StandaloneRuns:
    """Every program of the selected tasks run alone, `python -m implementations.TASK.PROGRAM`,
    in worker processes of its own (tests/standalone_worker.py), started once per session
    beside the harness's comparisons: each program trains once more, in another process, and
    serves both the run-alone check and the determinism check."""

    def __init__(self, tasks, folder: Path):
        self.folder, self.workers = folder, []
        names = [f"{task}/{program}" for task in tasks for program in registry.programs_of(task)]
        environment = {name: value for name, value in os.environ.items() if name not in PACKAGE_SETTINGS}
        for index in range(STANDALONE_WORKERS):
            share = names[index::STANDALONE_WORKERS]
            if share:
                log = (folder / f"worker{index}.log").open("w")
                self.workers.append((subprocess.Popen(
                    [sys.executable, "-m", "tests.standalone_worker", str(folder), *share], cwd=ROOT,
                    env=environment, stdout=log, stderr=subprocess.STDOUT), log, share))

    def of(self, task: str, program: str, timeout: float = 1800) -> dict:
        path = self.folder / f"{task}.{program}.npz"
        deadline = time.monotonic() + timeout
        while not path.exists():
            worker, log, _ = next(w for w in self.workers if f"{task}/{program}" in w[2])
            if worker.poll() is not None and not path.exists():
                log.flush()
                pytest.fail(f"the standalone worker exited {worker.returncode} before {task} {program}:\n"
                            + (Path(log.name).read_text()[-3000:]))
            if time.monotonic() > deadline:
                pytest.fail(f"{task} {program} did not finish alone within {timeout} s")
            time.sleep(0.2)
        with np.load(path) as saved:
            return {name: saved[name] for name in saved.files}

    def stop(self) -> None:
        for worker, log, _ in self.workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            log.close()


@pytest.fixture(scope="session")
def standalone_runs(request, tmp_path_factory):
    runs = StandaloneRuns(_named_tasks(request.session), tmp_path_factory.mktemp("standalone"))
    yield runs
    runs.stop()


@pytest.fixture(scope="session")
def comparison_of(request):
    """Each task's comparison, trained once per session: training is the slow part. The
    first call trains every task that the selected tests name, one process per CPU."""

    def comparison_of(task):
        if task not in _comparisons:
            # Start the standalone runs first, if any selected test needs them: they go side by side.
            if any("standalone_runs" in getattr(item, "fixturenames", ()) for item in request.session.items):
                request.getfixturevalue("standalone_runs")
            named = _named_tasks(request.session)
            todo = [t for t in registry.TASKS if t not in _comparisons and (t == task or t in named)]
            for comparison in harness.compare_tasks([registry.load_spec(t) for t in todo], jobs=os.cpu_count() or 1):
                _comparisons[comparison.spec.task] = comparison
        return _comparisons[task]

    return comparison_of


# The slow set: `pytest` leaves it out (pyproject: -m "not slow"), `.ci/run` runs it with
# `pytest -m slow` (README, Tests). Each is a second training of programs the default suite
# already trains, or a probe that needs another runtime or several processes. Node ids,
# matched from their start.
SLOW = (
    # test_programs.py::test_program_alone is marked in its file: every program run alone.
    # Divergence probes that train under the other runtimes or in several processes.
    *(f"tests/test_divergences.py::{test}[{name}]"
      for test in ("test_the_difference_shows_with_the_defaults_and_vanishes_once_aligned",
                   "test_the_recorded_numbers_are_what_a_run_measures")
      for name in ("backend_initial_weights", "keras2_legacy_adam", "jit_compile_by_backend", "tensorflow_vs_jax",
                   "dropout_masks_by_runtime", "multi_worker_input_split")),
    "tests/test_divergences.py::test_fit_on_numpy_gives_the_same_numbers_in_every_runtime",
    # The fault paths on the MNIST tasks (the four small tasks prove the same paths in the default suite).
    "tests/test_faults.py::test_a_loss_that_blows_up_is_one_line_per_style_naming_task_style_and_step[logistic_mnist]",
    "tests/test_faults.py::test_a_loss_that_blows_up_is_one_line_per_style_naming_task_style_and_step[mnist_mlp]",
    "tests/test_faults.py::test_the_other_styles_still_report_when_one_blows_up",
    # Whole compares in a fresh process, under a network block or a broken Keras cache.
    "tests/test_faults.py::test_compare_reaches_no_network",
    "tests/test_cli.py::test_compare_prints_the_table_and_exits_0_when_all_agree_whatever_the_keras_cache",
    # A worker that hangs or is killed, and Keras 3's fit under two workers.
    "tests/test_distribute.py::test_a_worker_that_hangs_mid_training_ends_the_run_within_the_heartbeat_timeout",
    "tests/test_distribute.py::test_a_worker_killed_mid_training_ends_the_run_with_one_line_and_leaves_nothing",
    "tests/test_distribute.py::test_keras3_fit_under_multiworker_still_fails_as_the_table_says",
    "tests/test_distribute.py::test_two_logical_cpus_change_no_bit_of_the_one_device_programs",
    # linear_regression compared under Keras 2 and under JAX (each runtime in its own process).
    "tests/test_runtimes.py::test_linear_regression_agrees_under_each_runtime[tf_keras]",
    "tests/test_runtimes.py::test_linear_regression_agrees_under_each_runtime[jax]",
    "tests/test_course_results.py::test_logistic_mnist_course_normal_start_costs_ten_points_and_the_clip_little",
)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: left out of the default run; .ci/run runs it (README, Tests)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
