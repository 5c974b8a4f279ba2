"""The harness's own cost: `compare` of every task against its ideal schedule.

First every program runs alone, one after another in this process (started already), which
gives each program's alone time. Then `compare` runs them all in one worker process per
CPU, as the command does. The ideal schedule is the alone times spread evenly over the
cores plus one process start-up: a perfect scheduler without contention. Its ratios show a
regression of the harness (more start-ups, contention between workers, a long program
started last), not of TensorFlow; the README gives the measured ones.
"""

import os
import time

import pytest

from benchmarks import HARNESS_SCHEDULE
from comparisons import harness
from comparisons.errors import default_jobs
from implementations import registry


@pytest.mark.parametrize("task", [HARNESS_SCHEDULE])
def test_compare_against_its_ideal_schedule(benchmark, task):
    specs = [registry.load_spec(name) for name in registry.TASKS]
    alone = {(comparison.spec.task, program): run.seconds
             for comparison in harness.compare_tasks(specs, jobs=1)
             for program, run in comparison.runs.items() if run.result is not None}
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
    slowed = {key: inside[key].seconds / seconds for key, seconds in alone.items() if seconds > 0.5}
    worst = max(slowed, key=slowed.get)
    benchmark.extra_info.update(
        task=task, variant="compare", steps=1, what=f"tf-rosetta compare of {len(specs)} tasks, --jobs {jobs}",
        wall_s=found["wall"], ideal_s=ideal, wall_over_ideal=found["wall"] / ideal,
        programs_alone_s=sum(alone.values()), startup_s=startups,
        worst_slowdown=slowed[worst], worst_slowdown_program=" ".join(worst),
        checked="every task agrees", load_average=os.getloadavg()[0],
    )
