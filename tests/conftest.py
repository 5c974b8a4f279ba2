import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

assert "tensorflow" not in sys.modules, "tests must import implementations before TensorFlow"
# Hermetic: no Keras cache of this machine's user (a downloaded mnist.npz, a keras.json)
# reaches the tests or the processes they start; a test that wants one makes its own.
os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="tf-rosetta-keras-home-")

from tf_rosetta import implementations  # noqa: E402,F401  (fixes TensorFlow's settings first)
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tf_rosetta.comparisons import harness  # noqa: E402
from tf_rosetta.implementations import registry  # noqa: E402
from tf_rosetta.implementations.devices import two_logical_cpus  # noqa: E402

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
    """Every program of the selected tasks run alone, `python -m tf_rosetta.implementations.TASK.PROGRAM`,
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
def standalone_runs(request):
    global _standalone_runs
    if _standalone_runs is None:
        _standalone_runs = StandaloneRuns(_named_tasks(request.session), Path(tempfile.mkdtemp(prefix="standalone-")))
    yield _standalone_runs
    _standalone_runs.stop()
    shutil.rmtree(_standalone_runs.folder, ignore_errors=True)


class SessionComparisons:
    """Each task's comparison, trained once per session in the background: training is the
    slow part. It starts when collection ends, in the harness's worker processes (one per
    CPU), while the tests that need no training run here; the modules whose tests need it
    run last (pytest_collection_modifyitems), and each waits only for its own task."""

    def __init__(self, tasks):
        self.tasks, self.done, self.failure = list(tasks), {}, None
        self.ready = threading.Condition()
        threading.Thread(target=self._train, daemon=True, name="tf-rosetta-session-training").start()

    def _train(self):
        try:
            specs = [registry.load_spec(task) for task in self.tasks]
            for comparison in harness.iter_comparisons(specs, jobs=os.cpu_count() or 1):
                with self.ready:
                    self.done[comparison.spec.task] = comparison
                    self.ready.notify_all()
        except BaseException as error:  # noqa: BLE001  (reported by every test that waits)
            with self.ready:
                self.failure = f"{type(error).__name__}: {error}"
                self.ready.notify_all()

    def of(self, task):
        with self.ready:
            self.ready.wait_for(lambda: task in self.done or self.failure)
            if task not in self.done:
                pytest.fail(f"the session's training failed before {task}: {self.failure}")
            return self.done[task]


_session_comparisons: SessionComparisons | None = None
_standalone_runs: StandaloneRuns | None = None


def _uses_training(item) -> bool:
    return "comparison_of" in getattr(item, "fixturenames", ())


def pytest_collection_finish(session):
    """Start the session's trainings as soon as the selected tests are known: the comparisons,
    and beside them the standalone runs, if any selected test needs them."""
    global _session_comparisons, _standalone_runs
    if session.config.option.collectonly:
        return
    if any(_uses_training(item) for item in session.items):
        _session_comparisons = SessionComparisons(_named_tasks(session))
    if any("standalone_runs" in getattr(item, "fixturenames", ()) for item in session.items):
        _standalone_runs = StandaloneRuns(_named_tasks(session), Path(tempfile.mkdtemp(prefix="standalone-")))


@pytest.fixture(scope="session")
def comparison_of():
    """Each task's comparison, trained once per session (SessionComparisons)."""

    def comparison_of(task):
        if _session_comparisons is not None and task in _session_comparisons.tasks:
            return _session_comparisons.of(task)
        if task not in _comparisons:  # a task no selected test names: train it now
            _comparisons[task] = harness.compare_task(task, jobs=os.cpu_count() or 1)
        return _comparisons[task]

    return comparison_of


# The slow set: `pytest` leaves it out (pyproject: -m "not slow"), `.ci/run` runs it with
# `pytest -m slow` (CONTRIBUTING.md, Tests). Each is a second training of programs the default suite
# already trains, or a probe that needs another runtime or several processes. Node ids,
# matched from their start.
SLOW = (
    # test_programs.py::test_program_alone is marked in its file: every program run alone.
    # Divergence probes that train under the other runtimes or in several processes.
    *(f"tests/test_divergences.py::test_the_difference_shows_with_the_defaults_and_vanishes_once_aligned[{name}]"
      for name in ("backend_initial_weights", "keras2_legacy_adam", "jit_compile_by_backend", "tensorflow_vs_jax",
                   "dropout_masks_by_runtime", "multi_worker_input_split",
                   # in a process of its own (a oneDNN setting, a thread pool size, or two logical
                   # CPUs): 9-16 s each
                   "onednn_fusion", "tf_thread_pools", "per_replica_loss_mean", "replica_dropout_masks",
                   "batchnorm_per_replica_statistics",
                   # timings: a ratio of fit's cost on NumPy input and on tf.data (10-40 s each)
                   "fit_numpy_input", "fit_cost_by_runtime")),
    # The same probes, their numbers against the arithmetic.
    "tests/test_divergence_arithmetic.py::test_a_mask_share_is_that_of_independent_draws[dropout_masks_by_runtime]",
    "tests/test_divergence_arithmetic.py::test_a_mask_share_is_that_of_independent_draws[replica_dropout_masks]",
    "tests/test_divergence_arithmetic.py::test_backend_initial_weights_differ_by_no_more_than_two_draws_can",
    "tests/test_divergence_arithmetic.py::test_a_gradient_averaged_per_replica_doubles_the_update",
    "tests/test_divergence_arithmetic.py::test_a_reordered_product_differs_by_rounding_within_the_summation_bound"
    "[tf_thread_pools]",
    "tests/test_divergence_arithmetic.py::test_adam_differences_are_what_float64_arithmetic_gives[keras2_legacy_adam]",
    "tests/test_divergence_arithmetic.py::test_files_auto_sharded_leave_five_sixths_of_one_devices_batches_unseen",
    "tests/test_divergence_arithmetic.py::test_per_replica_batchnorm_is_each_half_normalized_by_itself",
    "tests/test_divergences.py::test_auto_sharding_splits_tensors_as_stated_and_files_otherwise",
    "tests/test_divergences.py::test_batchnorm_normalizes_each_replica_with_its_part_unless_synchronized",
    "tests/test_divergences.py::test_a_loss_averaged_per_replica_doubles_the_update_on_two_replicas",
    "tests/test_divergences.py::test_a_seeded_dropout_drops_the_same_units_on_every_replica",
    "tests/test_divergences.py::test_fit_on_numpy_gives_the_same_numbers_in_every_runtime",
    # The fault paths on the MNIST tasks (the four small tasks prove the same paths in the default suite).
    "tests/test_faults.py::test_a_loss_that_blows_up_is_one_line_per_style_naming_task_style_and_step[logistic_mnist]",
    "tests/test_faults.py::test_a_loss_that_blows_up_is_one_line_per_style_naming_task_style_and_step[mnist_mlp]",
    "tests/test_faults.py::test_the_other_styles_still_report_when_one_blows_up",
    # `run` of one style in a process of its own: the oracle's stays (compare's exit 4 checks every style's line).
    "tests/test_faults.py::test_run_exits_4_with_one_line[tf1_session]",
    "tests/test_faults.py::test_run_exits_4_with_one_line[keras_sequential]",
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
    config.addinivalue_line("markers", "slow: left out of the default run; .ci/run runs it (CONTRIBUTING.md, Tests)")
    config.addinivalue_line("markers", "notebooks: every notebook executed (minutes); .ci/run runs it (docs/notebooks.md)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
    # Modules that need the session's training last, whole (their module fixtures set up once):
    # the training runs in the background meanwhile.
    training = {item.module.__name__ for item in items if _uses_training(item)}
    items.sort(key=lambda item: item.module.__name__ in training)
