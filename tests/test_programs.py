"""Every check applied to every (task, program)."""

import pytest

from tests.checks import all_checks

CASES = list(all_checks())


@pytest.mark.parametrize("task, program, check", CASES,
                         ids=[f"{task}-{program}-{check.__name__}" for task, program, check in CASES])
def test_program(task, program, check, comparison_of, standalone_runs):
    check(task, program, comparison_of(task), lambda: standalone_runs.of(task, program))
