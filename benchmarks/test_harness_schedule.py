"""The harness's own cost: `compare` of every task against its ideal schedule.

First every program runs alone: each task's programs one after another in a fresh process,
as schedule_measure.py measured the times comparisons/schedule.py orders programs by. Then
`compare` runs them all in one worker process per CPU, as the command does. The ideal schedule is the alone
times spread evenly over the cores plus one process start-up: a perfect scheduler without
contention. Most programs use a little more than one core alone (TensorFlow's thread pools,
a multi-worker program's processes), which the cores cannot give twice at once, so the
ideal of their CPU time over the cores is reported beside it. The ratios show a regression
of the harness (more start-ups, contention between workers, a long program started last),
not of TensorFlow; the README gives the measured ones.
"""

import os
import time

import pytest

from benchmarks import HARNESS_SCHEDULE, schedule_measure
from tf_rosetta.comparisons import harness
from tf_rosetta.comparisons.errors import default_jobs
from tf_rosetta.implementations import registry, runtimes


@pytest.mark.parametrize("task", [HARNESS_SCHEDULE])
def test_compare_against_its_ideal_schedule(benchmark, task):
    specs = [registry.load_spec(name) for name in registry.TASKS]
    measured = schedule_measure.measure_alone(under=(runtimes.DEFAULT,))  # compare's runtime
    alone = {key: seconds for key, (seconds, _) in measured.items()}
    alone_cpu = sum(cpu for _, cpu in measured.values())
    jobs = default_jobs()
    found = {}

    def compare():
        start = time.perf_counter()
        found["comparisons"] = harness.compare_tasks(specs, jobs=jobs)
        found["wall"] = time.perf_counter() - start

    benchmark.pedantic(compare, rounds=1, iterations=1)
    inside = {(comparison.spec.task, program): run for comparison in found["comparisons"]
              for program, run in comparison.runs.items()}
    assert all(comparison.ok for comparison in found["comparisons"]), "compare must agree before it is timed"
    startups = [run.startup_seconds for run in inside.values() if run.startup_seconds is not None]
    ideal = max(sum(alone.values()) / jobs, max(alone.values())) + max(startups)
    ideal_cpu = max(alone_cpu / jobs, max(alone.values())) + max(startups)
    slowed = {key: inside[key].seconds / seconds for key, seconds in alone.items() if seconds > 0.5}
    worst = max(slowed, key=slowed.get)
    benchmark.extra_info.update(
        task=task, variant="compare", steps=1, what=f"tf-rosetta compare of {len(specs)} tasks, --jobs {jobs}",
        wall_s=found["wall"], ideal_s=ideal, wall_over_ideal=found["wall"] / ideal,
        programs_alone_s=sum(alone.values()), startup_s=startups,
        programs_alone_cpu_s=alone_cpu, ideal_cpu_s=ideal_cpu, wall_over_ideal_cpu=found["wall"] / ideal_cpu,
        worst_slowdown=slowed[worst], worst_slowdown_program=" ".join(worst),
        checked="every task agrees", load_average=os.getloadavg()[0],
    )


FOUR_TASKS = ("linear_regression", "mammal_bird", "polynomial_fit", "xor")


@pytest.mark.parametrize("task", [HARNESS_SCHEDULE])
def test_task_by_task_prints_the_first_table_early_at_the_cost_of_longest_first(benchmark, task):
    """compare of four tasks in both orders: when each table comes, and the whole run's time."""
    from tf_rosetta.comparisons import schedule

    specs = [registry.load_spec(name) for name in FOUR_TASKS]
    found = {}

    def run(order):
        start, tables = time.perf_counter(), []
        for comparison in harness.iter_comparisons(specs, jobs=default_jobs(), order=order):
            assert comparison.ok, comparison.spec.task
            tables.append(time.perf_counter() - start)
        return tables, time.perf_counter() - start

    def both():
        found["longest_first"] = run(schedule.longest_first)
        found["task_by_task"] = run(schedule.task_by_task)

    benchmark.pedantic(both, rounds=1, iterations=1)
    (longest_tables, longest_wall), (task_tables, task_wall) = found["longest_first"], found["task_by_task"]
    benchmark.extra_info.update(
        task=task, variant="order", steps=1, what=f"compare of {', '.join(FOUR_TASKS)} in both orders",
        longest_first_tables_s=longest_tables, longest_first_wall_s=longest_wall,
        task_by_task_tables_s=task_tables, task_by_task_wall_s=task_wall,
        first_table_share=task_tables[0] / task_wall, wall_ratio=task_wall / longest_wall,
        checked="every task agrees in both orders", load_average=os.getloadavg()[0],
    )
