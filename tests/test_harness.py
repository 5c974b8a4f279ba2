"""The harness's comparison arithmetic, on hand-made results (no training)."""

import numpy as np
import pytest

from tf_rosetta.comparisons import agreement
from tf_rosetta.comparisons.judge import difference
from tf_rosetta.implementations.contract import TrainingResult


def floors_of(oracle, spread=0.0):
    """The floor of reruns that each move every quantity by `spread` (0: the ulp floor only)."""
    def moved(by):
        return TrainingResult(losses=oracle.losses + np.float32(by), weights={k: v + np.float32(by) for k, v in
                                                                             oracle.weights.items()},
                              predictions=oracle.predictions + np.float32(by), metrics=dict(oracle.metrics))
    return agreement.Floors.measure(oracle, [moved(spread), moved(2 * spread), moved(3 * spread)])


def result(losses=(3.0, 2.0), W=((1.0,),), predictions=(1.0,), metrics=None):
    return TrainingResult(losses=np.array(losses, np.float32), weights={"W": np.array(W, np.float32)},
                          predictions=np.array(predictions, np.float32), metrics=metrics or {"accuracy": 0.75})


def test_identical_results_are_bitwise():
    found = difference(result(), result(), floors_of(result()))
    assert found.within and found.bitwise and found.problems == [] and found.parting is None


def test_every_quantity_is_measured_and_the_first_parting_update_named():
    found = difference(result(losses=(3.0, 2.5), W=((1.25,),)), result(), floors_of(result()))
    assert (found.losses, found.weights, found.predictions) == (0.5, 0.25, 0.0)
    assert not found.within and found.parting.update == 1 and len(found.problems) == 1
    assert "leaves the rounding floor from update 1" in found.problems[0]


def test_a_program_agrees_within_the_stated_multiple_of_the_floor():
    oracle = result()
    floors = floors_of(oracle, spread=1e-3)  # the closest pair of runs: 1e-3 apart
    inside = 0.9 * agreement.FLOOR_MULTIPLE * 1e-3
    outside = 1.1 * agreement.FLOOR_MULTIPLE * 1e-3
    assert difference(result(losses=(3.0, 2.0 + inside)), oracle, floors).within
    assert not difference(result(losses=(3.0, 2.0 + outside)), oracle, floors).within
    assert difference(result(losses=(3.0, 2.0 + inside)), oracle, floors).floor_multiple == pytest.approx(
        0.9 * agreement.FLOOR_MULTIPLE, rel=1e-3)


def test_mismatched_names_or_shapes_are_problems_not_crashes():
    renamed = TrainingResult(losses=np.array([3.0, 2.0], np.float32), weights={"kernel": np.ones((1, 1), np.float32)},
                             predictions=np.array([1.0], np.float32), metrics={"accuracy": 0.75})
    assert "weights named" in difference(renamed, result(), floors_of(result())).problems[0]
    assert "losses have shape" in difference(result(losses=(3.0,)), result(), floors_of(result())).problems[0]
    assert "weight W has shape" in difference(result(W=((1.0, 1.0),)), result(), floors_of(result())).problems[0]


def test_a_malformed_result_fails_that_style_in_one_line(monkeypatch):
    from tf_rosetta.comparisons import harness
    from tf_rosetta.implementations import registry

    class Broken:
        @staticmethod
        def train(spec):
            return TrainingResult(losses=np.zeros(3, np.float32), weights={}, predictions=np.zeros(3, np.float32),
                                  metrics={})

    monkeypatch.setattr(registry, "load", lambda task, program: Broken)
    run = harness.run_program("linear_regression", "eager_tape")
    assert run.error.startswith("linear_regression eager_tape: its result does not fit the task's layout: ")
    assert "\n" not in run.error


def test_accuracy_must_be_equal_when_the_reruns_count_the_same():
    found = difference(result(metrics={"accuracy": 0.751}), result(), floors_of(result()))
    assert not found.within and found.parting.quantity == "metrics accuracy"


def test_missing_metrics_are_a_problem():
    found = difference(result(metrics={"mse": 1.0}), result(), floors_of(result()))
    assert "metrics named ['mse'], expected ['accuracy']" in found.problems


def test_a_run_carries_its_failure_kind(monkeypatch):
    from tf_rosetta.comparisons import harness
    from tf_rosetta.implementations import registry

    class Exploding:
        @staticmethod
        def train(spec):
            return result(losses=[1.0] * 999 + [float("inf")], W=((1.0,),), metrics={"mse": 0.0, "mae": 0.0})

    monkeypatch.setattr(registry, "load", lambda task, program: Exploding)
    run = harness.run_program("linear_regression", "eager_tape")
    assert (run.failure, run.non_finite_step) == ("non_finite", 999)


def test_what_a_program_prints_is_kept_with_its_run(monkeypatch, capsys):
    from tf_rosetta.comparisons import harness
    from tf_rosetta.implementations import registry

    class Talking:
        @staticmethod
        def train(spec):
            print("Total params: 2")
            raise RuntimeError("stopped")

    monkeypatch.setattr(registry, "load", lambda task, program: Talking)
    run = harness.run_program("linear_regression", "keras_sequential")
    assert run.printed == "Total params: 2\n" and run.failure == "error"
    assert capsys.readouterr().out == ""


def test_a_program_s_cpu_time_counts_the_processes_it_started_and_waited_for():
    import subprocess
    import sys

    from tf_rosetta.comparisons import harness

    before = harness._cpu_seconds()
    subprocess.run([sys.executable, "-c", "import time\nend = time.process_time() + 0.3\n"
                    "while time.process_time() < end: pass"], check=True)
    assert harness._cpu_seconds() - before >= 0.3


def test_the_schedule_has_a_measured_time_for_every_program_and_starts_the_longest():
    from tf_rosetta.comparisons import schedule
    from tf_rosetta.implementations import registry

    unmeasured = [(task, program) for task in registry.TASKS for program in registry.programs_of(task)
                  if not 0 < schedule.seconds_alone(task, program) < float("inf")]
    assert unmeasured == [], "measure them: python -m benchmarks.schedule_measure"
    work = [("mammal_bird", "tf1_session"), ("xor", "eager_tape"), ("linear_regression", "numpy_reference"),
            ("new_task", "its_program")]
    assert schedule.longest_first(work) == [3, 1, 0, 2]  # not measured yet: as if the longest


def test_task_by_task_starts_the_longest_program_then_the_tasks_from_the_shortest():
    from tf_rosetta.comparisons import schedule

    work = [("mammal_bird", "tf1_session"), ("xor", "tf1_session"), ("mammal_bird", "eager_tape"),
            ("xor", "eager_tape"), ("linear_regression", "numpy_reference")]
    order = schedule.task_by_task(work)
    assert [work[index] for index in order] == [
        ("xor", "eager_tape"),  # the longest of all first
        ("linear_regression", "numpy_reference"),  # then the tasks from the shortest in all
        ("mammal_bird", "eager_tape"), ("mammal_bird", "tf1_session"),
        ("xor", "tf1_session")]  # the longest program's task last
