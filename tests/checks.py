"""Checks that every program of every task must pass, in the manner of scikit-learn's
parametrize_with_checks: each check takes (task, program, comparison, standalone), where
standalone() is what the program printed and computed when run alone in another process."""

import contextlib
import io

import numpy as np
import pytest

from tf_rosetta.comparisons import agreement
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import EXACT_METRICS
from tests.standalone_worker import arrays_of

# What `model.summary()` prints: the Keras programs show it when run alone, as the course did.
KERAS_SUMMARY_LINE = "Total params:"


def _result(comparison, program):
    run = comparison.runs[program]
    if run.not_applicable:  # said in the table too; tests/test_distribute.py notices when it applies
        pytest.skip(f"{program} not applicable: {run.not_applicable}")
    assert run.error is None, run.error
    return run.result


def check_result_layout(task, program, comparison, standalone):
    spec, result = comparison.spec, _result(comparison, program)
    # An early-stopped task records the epochs it ran, at most loss_count.
    count = spec.loss_count if result.stopped_epoch is None else result.stopped_epoch
    assert 1 <= count <= spec.loss_count, f"stopped after {count} epochs, of at most {spec.loss_count}"
    assert result.losses.shape == (count,), f"{spec.loss_record}: {count} expected, got {result.losses.shape}"
    for name, series in result.history.items():
        assert np.shape(series) == (count,) and np.asarray(series).dtype == np.float32, f"history {name}"
    assert sorted(result.weights) == sorted(spec.initial_weights)
    for name, initial in spec.initial_weights.items():
        assert np.shape(result.weights[name]) == initial.shape, f"weight {name}"
    assert len(result.predictions) == len(spec.probe_inputs)
    for array in [result.losses, result.predictions, *result.weights.values()]:
        assert np.asarray(array).dtype == np.float32
    assert list(result.metrics) == list(spec.metric_names), "the task's metrics, in its order"
    assert all(isinstance(value, float) for value in result.metrics.values()), "metrics as Python floats"


def check_quality_bar(task, program, comparison, standalone):
    problems = comparison.spec.quality_problems(_result(comparison, program))
    assert not problems, problems


def _allowed(comparison, quantity, name=None):
    """FLOOR_MULTIPLE times the run's floor (comparisons/agreement.py) for a quantity."""
    floors = comparison.floors
    assert floors is not None, "the oracle's reruns give no floor"
    value = {"losses": floors.losses, "predictions": floors.predictions}.get(quantity)
    if quantity == "weights":
        value = floors.weights[name]
    elif quantity == "metrics":
        value = floors.metrics[name]
    return agreement.FLOOR_MULTIPLE * np.asarray(value, np.float64)


def _assert_close_to_oracle(quantity, task, program, comparison):
    """At the spec's own point every style stays within the floor: no fork taken, none allowed."""
    actual, oracle = _result(comparison, program), _result(comparison, registry.ORACLE)
    names = sorted(oracle.weights) if quantity == "weights" else [None]
    for name in names:
        a = actual.weights[name] if name else getattr(actual, quantity)
        e = oracle.weights[name] if name else getattr(oracle, quantity)
        gap = np.abs(np.asarray(a, np.float64) - np.asarray(e, np.float64))
        if quantity != "losses":
            gap = np.max(gap, initial=0.0)
        allowed = _allowed(comparison, quantity, name)
        outside = np.flatnonzero(np.atleast_1d(gap > allowed))
        assert outside.size == 0, (f"{quantity}{' ' + name if name else ''}: |Δ| {np.max(gap):.3g} beyond "
                                   f"{agreement.FLOOR_MULTIPLE:g}x the floor (from index {outside[0]})")


def check_every_loss_agrees_with_oracle(task, program, comparison, standalone):
    _assert_close_to_oracle("losses", task, program, comparison)


def check_final_weights_agree_with_oracle(task, program, comparison, standalone):
    _assert_close_to_oracle("weights", task, program, comparison)


def check_predictions_agree_with_oracle(task, program, comparison, standalone):
    _assert_close_to_oracle("predictions", task, program, comparison)


def check_metrics_agree_with_oracle(task, program, comparison, standalone):
    """Each metric the program evaluated with its own API: accuracy exactly (the oracle's reruns
    count the same), others within the floor."""
    actual, oracle = _result(comparison, program).metrics, _result(comparison, registry.ORACLE).metrics
    for name, expected in oracle.items():
        if name in EXACT_METRICS:
            assert actual[name] == expected, f"{name}: {actual[name]!r}, the oracle's {expected!r}"
        else:
            assert abs(actual[name] - expected) <= _allowed(comparison, "metrics", name), \
                f"{name}: {actual[name]!r}, the oracle's {expected!r}"


def check_epochs_agree_with_oracle(task, program, comparison, standalone):
    """A task that trains epoch by epoch: the oracle's stop epoch and every epoch's learning rate
    exactly, each epoch's validation loss and metrics within the floor. The others: no history."""
    actual, oracle = _result(comparison, program), _result(comparison, registry.ORACLE)
    assert actual.stopped_epoch == oracle.stopped_epoch, \
        f"stopped after {actual.stopped_epoch} epochs, the oracle after {oracle.stopped_epoch}"
    assert sorted(actual.history) == sorted(oracle.history)
    for name in agreement.EXACT_HISTORY & set(oracle.history):
        differing = np.flatnonzero(actual.history[name] != oracle.history[name])
        assert differing.size == 0, (f"{name} at epoch {differing[0] + 1}: {actual.history[name][differing[0]]!r}, "
                                     f"the oracle's {oracle.history[name][differing[0]]!r}")
    for name, floor in comparison.floors.history.items():
        gap = np.abs(np.asarray(actual.history[name], np.float64) - oracle.history[name])
        outside = np.flatnonzero(gap > agreement.FLOOR_MULTIPLE * floor)
        assert outside.size == 0, f"{name} at epoch {outside[0] + 1}: |Δ| {gap[outside[0]]:.3g} beyond the floor"


def _quantity(result, quantity) -> list[np.ndarray]:
    if quantity == "weights":
        return [np.asarray(result.weights[name]) for name in sorted(result.weights)]
    if quantity == "metrics":
        return [np.asarray(result.metrics[name]) for name in sorted(result.metrics)]
    return [np.asarray(getattr(result, quantity))]


def _bitwise_equal(a, b) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def check_bitwise_claims(task, program, comparison, standalone):
    """What the spec claims to the bit (its `bitwise` groups, which the agreement table says) is
    bitwise: the program against every other program of each group it is in."""
    spec, mine = comparison.spec, _result(comparison, program)
    claims = spec.bitwise_claims_of(program)
    for claim in claims:
        for other in claim.programs:
            run = comparison.runs.get(other)
            if other == program or run is None or run.not_applicable:
                continue
            theirs = _result(comparison, other)
            for quantity in claim.quantities:
                assert all(map(_bitwise_equal, _quantity(mine, quantity), _quantity(theirs, quantity))), \
                    f"{quantity} claimed bitwise equal between {', '.join(claim.programs)}; {program} differs from {other}"


def check_runs_alone_bitwise_and_prints_the_report(task, program, comparison, standalone):
    """`python -m tf_rosetta.implementations.TASK.PROGRAM`, in another process without the package's
    settings in its environment: the package sets them, the program computes bitwise what
    it computed in the harness's worker, and prints its report (Keras: after its summary)."""
    mine = arrays_of(_result(comparison, program))  # (skips a program not applicable here)
    alone = standalone()
    for name, value in {"TF_ENABLE_ONEDNN_OPTS": "0", "OPENBLAS_NUM_THREADS": "1"}.items():
        assert str(alone[f"settings/{name}"]) == value, f"{name} in the standalone process"
    assert sorted(mine) == sorted(key for key in alone if key != "printed" and not key.startswith("settings/"))
    differing = [name for name, value in mine.items() if not _bitwise_equal(value, alone[name])]
    assert not differing, f"run alone, {program} computed other numbers for {differing}"
    expected = io.StringIO()
    with contextlib.redirect_stdout(expected):
        comparison.spec.report(_result(comparison, program))
    printed = str(alone["printed"])
    assert expected.getvalue().strip() and printed.endswith(expected.getvalue())
    if program.startswith("keras_"):
        assert KERAS_SUMMARY_LINE in printed, "a Keras program run alone prints model.summary()"


CHECKS_FOR_EVERY_PROGRAM = [check_result_layout, check_quality_bar, check_runs_alone_bitwise_and_prints_the_report]
CHECKS_FOR_STYLES = [
    check_every_loss_agrees_with_oracle,
    check_final_weights_agree_with_oracle,
    check_predictions_agree_with_oracle,
    check_metrics_agree_with_oracle,
    check_epochs_agree_with_oracle,
    check_bitwise_claims,
]


def all_checks():
    """(task, program, check) for every task and program: the oracle skips comparing with itself."""
    for task in registry.TASKS:
        for program in registry.programs_of(task):
            checks = CHECKS_FOR_EVERY_PROGRAM + (CHECKS_FOR_STYLES if program != registry.ORACLE else [])
            for check in checks:
                yield task, program, check
