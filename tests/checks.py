"""Checks that every program of every task must pass, in the manner of scikit-learn's
parametrize_with_checks: each check takes (task, program, comparison)."""

import contextlib
import io
import runpy

import numpy as np

from implementations import registry


def _result(comparison, program):
    run = comparison.runs[program]
    assert run.error is None, run.error
    return run.result


def check_result_layout(task, program, comparison):
    spec, result = comparison.spec, _result(comparison, program)
    assert result.losses.shape == (spec.loss_count,), f"{spec.loss_record}: {spec.loss_count} expected, got {result.losses.shape}"
    assert sorted(result.weights) == sorted(spec.initial_weights)
    for name, initial in spec.initial_weights.items():
        assert np.shape(result.weights[name]) == initial.shape, f"weight {name}"
    assert len(result.predictions) == len(spec.probe_inputs)
    for array in [result.losses, result.predictions, *result.weights.values()]:
        assert np.asarray(array).dtype == np.float32


def check_quality_bar(task, program, comparison):
    problems = comparison.spec.quality_problems(_result(comparison, program))
    assert not problems, problems


def _assert_close_to_oracle(quantity, task, program, comparison):
    tolerance = comparison.spec.tolerance_for(program)
    actual, oracle = _result(comparison, program), _result(comparison, registry.ORACLE)
    if quantity == "weights":
        pairs = [(actual.weights[name], oracle.weights[name]) for name in oracle.weights]
    else:
        pairs = [(getattr(actual, quantity), getattr(oracle, quantity))]
    for a, e in pairs:
        np.testing.assert_allclose(a, e, rtol=tolerance.rtol, atol=tolerance.atol,
                                   err_msg=f"{quantity}: {tolerance.reason}")


def check_every_loss_agrees_with_oracle(task, program, comparison):
    _assert_close_to_oracle("losses", task, program, comparison)


def check_final_weights_agree_with_oracle(task, program, comparison):
    _assert_close_to_oracle("weights", task, program, comparison)


def check_predictions_agree_with_oracle(task, program, comparison):
    _assert_close_to_oracle("predictions", task, program, comparison)


def check_agrees_with_every_other_style(task, program, comparison):
    spec, mine = comparison.spec, _result(comparison, program)
    for other in registry.STYLES:
        if other == program:
            continue
        theirs, tolerance = _result(comparison, other), spec.tolerance_for(program) + spec.tolerance_for(other)
        for a, e in [(mine.losses, theirs.losses), (mine.predictions, theirs.predictions),
                     *[(mine.weights[n], theirs.weights[n]) for n in spec.initial_weights]]:
            np.testing.assert_allclose(a, e, rtol=tolerance.rtol, atol=tolerance.atol, err_msg=f"vs {other}")


def check_runs_alone_and_prints_the_report(task, program, comparison):
    """`python -m implementations.TASK.PROGRAM` prints what the spec's report prints."""
    standalone, expected = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(standalone):
        runpy.run_path(registry.load(task, program).__file__, run_name="__main__")
    with contextlib.redirect_stdout(expected):
        comparison.spec.report(_result(comparison, program))
    assert standalone.getvalue() == expected.getvalue()
    assert standalone.getvalue().strip()


CHECKS_FOR_EVERY_PROGRAM = [check_result_layout, check_quality_bar, check_runs_alone_and_prints_the_report]
CHECKS_FOR_STYLES = [
    check_every_loss_agrees_with_oracle,
    check_final_weights_agree_with_oracle,
    check_predictions_agree_with_oracle,
    check_agrees_with_every_other_style,
]


def all_checks():
    """(task, program, check) for every task and program: the oracle skips comparing with itself."""
    for task in registry.TASKS:
        for program in registry.PROGRAMS:
            checks = CHECKS_FOR_EVERY_PROGRAM + (CHECKS_FOR_STYLES if program != registry.ORACLE else [])
            for check in checks:
                yield task, program, check
