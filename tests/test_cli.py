"""The tf-rosetta command: listing, the main job, and one clear line for bad input."""

import os
import subprocess
import sys

import pytest

from comparisons import cli
from implementations import registry


def test_list_names_every_task_and_style(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in [*registry.TASKS, *registry.STYLES, registry.ORACLE]:
        assert name in out


@pytest.mark.parametrize("argv, accepted", [
    (["run", "linear_regresion"], "accepted: " + ", ".join(registry.TASKS)),
    (["compare", "linear_regression", "xorr"], "accepted: " + ", ".join(registry.TASKS)),
    (["run", "linear_regression", "--style", "keras"], "accepted: " + ", ".join(registry.PROGRAMS)),
    (["frobnicate"], "invalid choice"),
    (["run", "xor", "--mnist", "mnist.npz"], "--mnist applies to logistic_mnist only, not to xor"),
    (["compare", "linear_regression", "xor", "--mnist", "mnist.npz"], "logistic_mnist only, not to linear_regression, xor"),
])
def test_bad_input_is_one_line_and_exit_2(argv, accepted, capsys):
    assert cli.main(argv) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("tf-rosetta: ") and accepted in captured.err


def test_installed_command_refuses_an_unknown_task_in_one_line():
    completed = subprocess.run([sys.executable, "-m", "comparisons.cli", "compare", "nope"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"tf-rosetta: unknown task 'nope'; accepted: {', '.join(registry.TASKS)}"]


def test_compare_prints_the_table_and_exits_0_when_all_agree():
    completed = subprocess.run([sys.executable, "-m", "comparisons.cli", "compare", "linear_regression"],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for program in registry.PROGRAMS:
        assert f"\n{program} " in completed.stdout
    assert "linear_regression: all styles agree" in completed.stdout


def test_compare_exits_1_when_a_style_disagrees(monkeypatch, capsys):
    from comparisons import harness

    real = harness.run_program

    def one_style_off(task, program, spec=None):
        run = real(task, program, spec)
        if program == "tf_function":
            run.result.weights["b"] = run.result.weights["b"] + 1e-3
        return run

    monkeypatch.setattr(harness, "run_program", one_style_off)
    assert cli.main(["compare", "linear_regression", "--jobs", "1"]) == cli.EXIT_DISAGREE  # in-process: patched
    out = capsys.readouterr().out
    assert "tf_function" in out and "DISAGREES" in out and "NOT ALL STYLES AGREE" in out


def test_a_program_run_alone_prints_what_the_oracle_prints():
    """`python -m` in a fresh process, with no oneDNN setting of its own: the package sets it."""
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    outputs = [subprocess.run([sys.executable, "-m", f"implementations.linear_regression.{program}"],
                              capture_output=True, text=True, timeout=300, env=env, check=True).stdout
               for program in ("numpy_reference", "tf_function")]
    assert "predictions for" in outputs[0]
    assert outputs[1] == outputs[0]
