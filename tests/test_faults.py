"""Bad input and faults: one clear line and a distinct exit code, never a deep traceback;
and nothing reaches the network."""

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tf_rosetta.comparisons import cli, harness, tables
from tf_rosetta.implementations import registry

ROOT = Path(__file__).resolve().parents[1]
# Large enough that every task's loss overflows float32 at its first update (SGD and Adam alike).
BLOWS_UP = 1e37


def _cli(*argv, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "fast"])
def test_a_learning_rate_out_of_range_is_one_line_and_exit_2(value, capsys):
    for command in (["compare", registry.TASKS[0]], ["run", registry.TASKS[0]]):
        assert cli.main([*command, "--learning-rate", value]) == cli.EXIT_USAGE
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.strip().splitlines() == [
            f"tf-rosetta: argument --learning-rate: must be a positive finite number, got {value!r}"]


def _few_steps(spec, **changes):
    """The spec cut to a few steps: every loss that blows up does so at its first update."""
    if hasattr(spec, "epochs"):  # a spec whose steps are epochs x examples (xor)
        return dataclasses.replace(spec, epochs=2, steps=2 * len(spec.x_train), **changes)
    return dataclasses.replace(spec, steps=5, **changes)


# Tasks whose loss cannot become non-finite, whatever the learning rate, and why.
BOUNDED_LOSS = {"xor": "a sigmoid output under a squared error: the loss stays in [0, 1]"}


@pytest.mark.parametrize("task", registry.TASKS)
def test_a_loss_that_blows_up_is_one_line_per_style_naming_task_style_and_step(task):
    spec = _few_steps(registry.load_spec(task), learning_rate=BLOWS_UP)
    comparison = harness.compare_task(task, spec=spec)  # must not raise
    table = tables.format_table(comparison)
    for program, run in comparison.runs.items():
        if run.not_applicable:  # (multiworker_keras under Keras 3: its row says why)
            continue
        if task in BOUNDED_LOSS:
            assert run.error is None and np.all(np.isfinite(run.result.losses)), f"{program}: {run.error}"
            continue
        assert run.error and run.error.startswith(f"{task} {program}: the loss became non-finite at "
                                                  f"{spec.loss_unit} "), \
            f"{program}: {run.error}"
        assert run.verdict == "FAILED"
        assert table.count(f"\n{run.error}") == 1
    assert not comparison.ok


def test_the_other_styles_still_report_when_one_blows_up(monkeypatch):
    task, broken = "linear_regression", "keras_functional"
    blown = dataclasses.replace(registry.load_spec(task), learning_rate=BLOWS_UP)
    real = harness.run_program
    monkeypatch.setattr(harness, "run_program",
                        lambda task, program, spec=None: real(task, program, blown if program == broken else spec))
    comparison = harness.compare_task(task)
    assert comparison.runs[broken].error.startswith(f"{task} {broken}: the loss became non-finite at step ")
    for program, run in comparison.runs.items():
        if program != broken:
            assert run.ok and run.verdict in ("oracle", "bitwise", "agrees"), program
    assert len(comparison.pairs) == 5 * 4 // 2  # the five styles that finished, compared pairwise


def test_compare_exits_4_with_one_line_per_style_and_no_traceback():
    task = "mammal_bird" if "mammal_bird" in registry.TASKS else registry.TASKS[0]
    completed = _cli("compare", task, "--learning-rate", str(BLOWS_UP))
    assert completed.returncode == cli.EXIT_NON_FINITE, completed.stdout + completed.stderr
    for program in registry.PROGRAMS:
        assert f"\n{task} {program}: the loss became non-finite at step " in completed.stdout
    assert "Traceback" not in completed.stderr and "RuntimeWarning" not in completed.stderr


@pytest.mark.parametrize("program", [registry.ORACLE, "tf1_session", "keras_sequential"])
def test_run_exits_4_with_one_line(program):
    task = "mammal_bird" if "mammal_bird" in registry.TASKS else registry.TASKS[0]
    completed = _cli("run", task, "--style", program, "--learning-rate", str(BLOWS_UP))
    assert completed.returncode == cli.EXIT_NON_FINITE, completed.stdout + completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tf-rosetta: {task} {program}: the loss became non-finite "
                                                   f"at step "), completed.stderr


def test_a_program_that_raises_is_one_line_and_the_others_still_run(monkeypatch, capsys):
    """A TensorFlow error deep in a program is the error's first line, not its traceback."""
    import tensorflow as tf

    real = registry.load

    class Broken:
        @staticmethod
        def train(spec):
            tf.debugging.check_numerics(tf.constant([float("nan")]), "the loss")

    monkeypatch.setattr(registry, "load",
                        lambda task, program: Broken if program == "tf_function" else real(task, program))
    monkeypatch.setattr(registry, "programs_of", lambda task: (registry.ORACLE, "tf_function", "tf1_session"))  # cheaper
    assert cli.main(["run", "linear_regression"]) == cli.EXIT_DISAGREE
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tf-rosetta: linear_regression tf_function: InvalidArgumentError: ")
    assert "the loss : Tensor had NaN values" in lines[0]
    assert captured.out.count("predictions for") == 2


# --------------------------------------------------------------------------------------
# The network: blocked in the child by a sitecustomize that logs every attempt.

SITECUSTOMIZE = '''
import os, socket

_log = os.environ["NETWORK_ATTEMPTS_LOG"]
with open(_log, "a") as log:
    log.write("blocker loaded\\n")
_real_connect, _real_connect_ex = socket.socket.connect, socket.socket.connect_ex


def _refuse(what, *args):
    with open(_log, "a") as log:
        log.write(f"attempt: {what} {args!r}\\n")
    raise OSError(f"network blocked by the test: {what}")


def _connect(self, address, real=_real_connect):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse("connect", address)
    return real(self, address)


def _connect_ex(self, address, real=_real_connect_ex):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse("connect_ex", address)
    return real(self, address)


socket.socket.connect, socket.socket.connect_ex = _connect, _connect_ex
socket.create_connection = lambda *args, **kwargs: _refuse("create_connection", *args)
socket.getaddrinfo = lambda *args, **kwargs: _refuse("getaddrinfo", *args)
'''


def _blocked_environment(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "attempts.log"
    environment = {**os.environ, "PYTHONPATH": str(blocker), "NETWORK_ATTEMPTS_LOG": str(log)}
    return environment, log


def _without_a_network(argv):
    """Also in a namespace with no network at all, where the system allows one (C++ code too)."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn", *argv]
    return argv


def test_the_blocker_catches_an_attempt(tmp_path):
    environment, log = _blocked_environment(tmp_path)
    completed = subprocess.run([sys.executable, "-c", "import urllib.request; urllib.request.urlopen('http://example.com')"],
                               env=environment, capture_output=True, text=True, timeout=60)
    assert completed.returncode != 0
    assert "attempt: " in log.read_text()


def test_compare_reaches_no_network(tmp_path):
    environment, log = _blocked_environment(tmp_path)
    task = "linear_regression"
    completed = subprocess.run(_without_a_network([sys.executable, "-m", "tf_rosetta.comparisons.cli", "compare", task]),
                               cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"{task}: all styles agree" in completed.stdout
    lines = log.read_text().splitlines()
    assert "blocker loaded" in lines  # in the command's process and in each worker it starts
    assert [line for line in lines if line != "blocker loaded"] == [], "tried the network"
