"""One training step of every task, in every variant; each timed round is checked against the oracle.

A timed round trains ``steps`` steps from the spec's initial weights (reset() before each
round, outside the timing); the report divides by ``steps``. The first round, which traces
and compiles, is timed on its own before the timed rounds and kept in ``extra_info``; a
second, untimed by pytest-benchmark, tells how many rounds a short variant needs.
"""

import os
import time

import pytest

from benchmarks import tasks, variants
from benchmarks.variants import oracle_losses, problems_with, steps_per_recorded_loss, tolerance_for
from tf_rosetta.implementations import registry, runtimes

# Tasks whose timed rounds cannot yet be checked against their oracle, with why: a round of
# constant-rate steps is not what the oracle records.
NOT_TIMED = {
    "auto_mpg": "its oracle records epoch means weighted by batch size over a run that early stopping ends "
                "at epoch 61, under a schedule; a round of constant-rate steps has nothing to be checked against",
}
SHORT_ROUNDS_SECONDS = 0.5
MAX_SHORT_ROUNDS = 200


def _timed_round(runner, round_losses) -> float:
    runner.reset()
    start = time.perf_counter()
    round_losses.append(runner.run())  # the first traces and compiles: timed apart from the rounds
    return time.perf_counter() - start


@pytest.mark.parametrize("variant", list(variants.VARIANTS))
@pytest.mark.parametrize("task", [task for task in registry.TASKS if task not in NOT_TIMED])
def test_training_step(benchmark, rounds, task, variant):
    spec = registry.load_spec(task)
    module = tasks.load(task)
    expected = oracle_losses(task, spec)
    runner = variants.VARIANTS[variant](module, spec)
    round_losses = []
    first_round = None
    try:
        if benchmark.enabled:  # (disabled, the one round below is the check)
            first_round = _timed_round(runner, round_losses)
            warm_round = _timed_round(runner, round_losses)
            # Rounds of microseconds jitter: more of them, up to SHORT_ROUNDS_SECONDS in all.
            rounds = max(rounds, min(MAX_SHORT_ROUNDS, int(SHORT_ROUNDS_SECONDS / warm_round)))
        benchmark.pedantic(lambda: round_losses.append(runner.run()), setup=runner.reset, rounds=rounds)
    finally:
        runner.close()

    tolerance = tolerance_for(runner, module, spec)
    largest = 0.0
    for number, losses in enumerate(round_losses):
        problems, difference = problems_with(losses, runner.steps_per_loss, expected,
                                             steps_per_recorded_loss(spec), tolerance)
        assert len(losses) * runner.steps_per_loss == runner.steps, f"{task} {variant}: {len(losses)} losses"
        assert not problems, f"{task} {variant}, round {number}: {problems[0]}"
        largest = max(largest, difference)
    if runner.steps == spec.steps:  # a whole run: it must also meet the task's quality bar
        for result in runner.results:
            assert not spec.quality_problems(result), spec.quality_problems(result)
    benchmark.extra_info.update(
        # Under another runtime the row is named for it: `tf-rosetta bench --runtime all` puts them side by side.
        task=task, variant=variant if runtimes.current() == runtimes.DEFAULT else f"{variant} [{runtimes.current()}]",
        steps=runner.steps, what=runner.what, first_round_s=first_round,
        checked=f"{len(round_losses)} rounds' losses within rtol {tolerance.rtol:g}, atol {tolerance.atol:g} "
                f"of the oracle's (largest difference {largest:.3g})",
        load_average=os.getloadavg()[0],
    )
