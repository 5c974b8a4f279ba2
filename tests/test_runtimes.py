"""Runtimes: the same programs under Keras 2 (tf_keras) and Keras 3 on JAX (implementations/runtimes.py).

An unknown runtime or a missing package is one line and exit 2; a program a runtime cannot
run, or cannot agree under, is shown "not applicable" with the reason; and one cheap task
agrees under each runtime. The comparisons start worker processes of the runtime: they are
kept to one task and few programs.
"""

import importlib.util
import subprocess
import sys

import pytest

from tf_rosetta.comparisons import cli, harness, tables
from tf_rosetta.implementations import registry, runtimes

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _installed(runtime):
    try:
        runtimes.check(runtime)
    except runtimes.RuntimeUnavailable as error:
        return str(error)
    return ""


needs = {runtime: pytest.mark.skipif(bool(_installed(runtime)), reason=_installed(runtime) or "installed")
         for runtime in runtimes.RUNTIMES}


@pytest.mark.parametrize("argv", [["compare", "xor", "--runtime", "no_such"], ["run", "xor", "--runtime", "no_such"],
                                  ["bench", "xor", "--runtime", "no_such"]])
def test_an_unknown_runtime_is_one_line_and_exit_2(argv, capsys):
    assert cli.main(argv) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        "tf-rosetta: unknown runtime 'no_such'; accepted: tensorflow, tf_keras, jax, all"]


def test_the_installed_command_refuses_an_unknown_runtime_in_one_line():
    completed = subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", "compare", "xor", "--runtime", "no_such"],
                               capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert completed.returncode == cli.EXIT_USAGE
    assert completed.stdout == ""
    assert completed.stderr.strip().splitlines() == [
        "tf-rosetta: unknown runtime 'no_such'; accepted: tensorflow, tf_keras, jax, all"]


@pytest.mark.parametrize("runtime, package, install", [
    ("jax", "jax", "pip install -e '.[runtimes]'"),
    ("tf_keras", "tf_keras", "pip install --no-deps -r requirements-tf-keras.txt"),
])
@pytest.mark.parametrize("command", ["compare", "run"])
def test_a_missing_package_is_one_line_naming_how_to_install_it(runtime, package, install, command, monkeypatch,
                                                                 capsys):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == package
                        else real_find_spec(name, *args))
    assert cli.main([command, "linear_regression", "--runtime", runtime]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == (f"tf-rosetta: runtime {runtime} needs the {package} package, which is not installed: "
                        f"{install} (see docs/install.md)")


def test_all_names_each_missing_runtime_before_running_any(monkeypatch, capsys):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "jax"
                        else real_find_spec(name, *args))
    assert cli.main(["compare", "linear_regression", "--runtime", "all"]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and "runtime jax needs the jax package" in captured.err


def test_a_tf_keras_of_another_tensorflow_version_is_named(monkeypatch):
    import importlib.metadata

    real_version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "2.0.0" if name == "tf-keras" else real_version(name))
    if not importlib.util.find_spec("tf_keras"):
        pytest.skip("tf_keras is not installed")
    with pytest.raises(runtimes.RuntimeUnavailable, match=r"needs tf-keras \d+\.\d+ for TensorFlow .*, not 2\.0\.0"):
        runtimes.check("tf_keras")


def test_the_install_file_is_the_one_the_message_names():
    requirements = (ROOT / runtimes.TF_KERAS_REQUIREMENTS).read_text()
    assert "pip install --no-deps -r requirements-tf-keras.txt" in requirements
    assert [line for line in requirements.splitlines() if line and not line.startswith("#")] == ["tf-keras~=2.21.0"]


def test_programs_that_cannot_run_or_agree_say_why():
    assert "GradientTape" in runtimes.not_applicable("jax", "tf1_session")
    assert runtimes.not_applicable("jax", "keras_sequential", "linear_regression") is None
    assert runtimes.not_applicable("tf_keras", "eager_tape", "mnist_mlp") is None
    for runtime in ("tf_keras", "jax"):
        for program in runtimes.KERAS_PROGRAMS:
            assert "Dropout" in runtimes.not_applicable(runtime, program, "mnist_mlp")
    assert runtimes.not_applicable("tensorflow", "keras_sequential", "mnist_mlp") is None


@needs["jax"]
def test_run_shows_a_program_that_is_not_applicable_with_its_reason(capsys):
    assert cli.main(["run", "mnist_mlp", "--style", "keras_sequential", "--runtime", "jax"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "== mnist_mlp / keras_sequential [runtime jax]",
        f"not applicable under runtime jax: {runtimes.not_applicable('jax', 'keras_sequential', 'mnist_mlp')}"]


# One cheap task under each runtime, few programs (each runtime is a worker process of its own):
# a program that uses Keras, and one the runtime cannot run, which the table shows with its reason.
PROGRAMS = {"tensorflow": ("keras_sequential",), "tf_keras": ("eager_tape", "keras_functional"),
            "jax": ("tf1_session", "keras_subclassed")}


# linear_regression's ops round exactly: bitwise under Keras 3 and Keras 2 on TensorFlow; on JAX the
# programs keep Keras's default, XLA, which fuses the update (op by op they were bitwise there too).
VERDICT = {"tensorflow": "bitwise", "tf_keras": "bitwise", "jax": "agrees"}


@pytest.mark.parametrize("runtime", [pytest.param(runtime, marks=needs[runtime]) for runtime in runtimes.RUNTIMES])
def test_linear_regression_agrees_under_each_runtime(runtime):
    comparison = harness.compare_task("linear_regression", programs=PROGRAMS[runtime], runtime=runtime)
    assert comparison.ok, tables.format_table(comparison, verbose=True)
    table = tables.format_table(comparison)
    for program in PROGRAMS[runtime]:
        run = comparison.runs[program]
        reason = runtimes.not_applicable(runtime, program, "linear_regression")
        if reason:
            assert run.verdict == "not applicable" and f"{program:<18} not applicable: {reason}" in table
        else:
            assert run.verdict == VERDICT[runtime], (program, run.verdict)
    if runtime != runtimes.DEFAULT:
        assert f"[runtime {runtime}]" in table
    # Keras 2 prints its summary in its own format: the program's `import keras` got Keras 2.
    keras_run = comparison.runs[next(p for p in PROGRAMS[runtime] if p.startswith("keras_"))]
    assert ("┏" in keras_run.printed) == (runtime != "tf_keras"), keras_run.printed


def test_every_task_states_its_tolerance_under_each_runtime_with_a_reason():
    """Where some style of the task runs under the runtime; mnist_mlp has none under jax."""
    for task in registry.TASKS:
        spec = registry.load_spec(task)
        for runtime in ("tf_keras", "jax"):
            if all(runtimes.not_applicable(runtime, style, task) for style in registry.styles_of(task)):
                continue
            tolerance = spec.runtime_tolerances.get(runtime)
            assert tolerance is not None, f"{task}: no runtime_tolerances[{runtime!r}]"
            assert "measured" in tolerance.reason or tolerance.atol == tolerance.rtol == 0, (task, runtime)


@pytest.mark.slow
@needs["tf_keras"]
@pytest.mark.parametrize("task", registry.TASKS)
def test_under_keras_2_the_claimed_programs_compute_keras_3s_bytes(task, comparison_of):
    """Each spec's `bitwise_across_runtimes["tf_keras"]` (the claims table of docs/agreement.md):
    every program it names computes under Keras 2 the losses, weights, predictions and metrics it
    computes under Keras 3, byte for byte; its `bitwise` groups hold there; and the spec's Keras 2
    tolerance is within 10x of the worst difference measured there."""
    from tests.checks import _bitwise_equal, _quantity
    from tests.test_claims import assert_tolerances_tight

    spec = registry.load_spec(task)
    if all(runtimes.not_applicable("tf_keras", style, task) for style in registry.styles_of(task)):
        pytest.skip(f"no {task} program runs under tf_keras: {runtimes.not_applicable('tf_keras', 'tf1_session', task)}")
    under_keras_2 = harness.compare_task(task, jobs=2, runtime="tf_keras")
    keras_3 = comparison_of(task)
    claimed = spec.bitwise_across_runtimes.get("tf_keras", ())
    assert claimed, f"{task} claims nothing under tf_keras"
    for program in claimed:
        mine, theirs = under_keras_2.runs[program], keras_3.runs[program]
        assert mine.result is not None and theirs.result is not None, (program, mine.failure, theirs.failure)
        for quantity in ("losses", "weights", "predictions", "metrics"):
            assert all(map(_bitwise_equal, _quantity(mine.result, quantity), _quantity(theirs.result, quantity))), \
                f"{task} {program}: {quantity} under Keras 2 differ from Keras 3's"
    # The spec's bitwise groups hold under Keras 2 too, among the programs that run there
    # (logistic_mnist's multiworker_keras runs under Keras 2 only).
    for claim in spec.bitwise:
        ran = [program for program in claim.programs if under_keras_2.runs[program].result is not None]
        for program in ran[1:]:
            for quantity in claim.quantities:
                assert all(map(_bitwise_equal, _quantity(under_keras_2.runs[program].result, quantity),
                               _quantity(under_keras_2.runs[ran[0]].result, quantity))), \
                    f"{task} under Keras 2: {program}'s {quantity} differ from {ran[0]}'s"
    assert_tolerances_tight(task, under_keras_2, "tf_keras")
