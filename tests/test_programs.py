"""Every check applied to every (task, program)."""

import pytest

from tests.checks import all_checks, check_runs_alone_bitwise_and_prints_the_report

CASES = list(all_checks())
# Run alone, each program trains once more in a process of its own: in .ci/run (CONTRIBUTING.md, Tests).
ALONE = [case for case in CASES if case[2] is check_runs_alone_bitwise_and_prints_the_report]
IN_THE_COMPARISON = [case for case in CASES if case not in ALONE]


def _ids(cases):
    return [f"{task}-{program}-{check.__name__}" for task, program, check in cases]


@pytest.mark.parametrize("task, program, check", IN_THE_COMPARISON, ids=_ids(IN_THE_COMPARISON))
def test_program(task, program, check, comparison_of):
    check(task, program, comparison_of(task), None)


@pytest.mark.slow
@pytest.mark.parametrize("task, program, check", ALONE, ids=_ids(ALONE))
def test_program_alone(task, program, check, comparison_of, standalone_runs):
    check(task, program, comparison_of(task), lambda: standalone_runs.of(task, program))
