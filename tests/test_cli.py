"""The tf-rosetta command: listing, the main job, and one clear line for bad input."""

import copy
import os
import subprocess
import sys

import pytest

from tf_rosetta.comparisons import agreement, cli, harness, judge, tables
from tf_rosetta.implementations import registry

MNIST_TASKS = ", ".join(task for task in registry.TASKS if registry.uses_mnist(task))


def test_list_names_every_task_and_style(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in [*registry.TASKS, *registry.STYLES, registry.ORACLE]:
        assert name in out


@pytest.mark.parametrize("argv, accepted", [
    (["run", "linear_regresion"], "accepted: " + ", ".join(registry.TASKS)),
    (["compare", "linear_regression", "xorr"], "accepted: " + ", ".join(registry.TASKS)),
    (["run", "linear_regression", "--style", "keras"], "accepted: " + ", ".join(registry.programs_of("linear_regression"))),
    (["frobnicate"], "invalid choice"),
    (["run", "xor", "--mnist", "mnist.npz"], f"--mnist applies to {MNIST_TASKS} only, not to xor"),
    (["compare", "linear_regression", "xor", "--mnist", "mnist.npz"], f"{MNIST_TASKS} only, not to linear_regression, xor"),
    (["compare", "xor", "--jobs", "0"], "argument --jobs: must be a whole number of at least 1, got '0'"),
])
def test_bad_input_is_one_line_and_exit_2(argv, accepted, capsys):
    assert cli.main(argv) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("tf-rosetta: ") and accepted in captured.err


# What a call that only lists or explains must not import: each is seconds (TensorFlow,
# Keras), or imports those for what it holds (the divergence entries, the benchmarks).
HEAVY = ("tensorflow", "keras", "tf_keras", "jax", "matplotlib", "benchmarks", "tf_rosetta.comparisons.divergences",
         "tf_rosetta.comparisons.harness", "tf_rosetta.comparisons.show", "tf_rosetta.comparisons.bench", "tf_rosetta.comparisons.checkpoints", "tf_rosetta.comparisons.diff")


def _imported_by(argv):
    """The heavy modules that cli.main(argv) imports, in a fresh process (this one has them all)."""
    code = (f"import sys\nfrom tf_rosetta.comparisons import cli\ntry:\n    cli.main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{'.'.join(m.split('.')[:3]) if m.startswith('tf_rosetta.') else m.split('.')[0] "
            f"for m in sys.modules if m.startswith({HEAVY!r})}}))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("argv", [["list"], ["--help"], ["bench", "--help"], ["divergences", "--help"]])
def test_listing_and_help_import_no_tensorflow_and_no_subcommand_module(argv):
    assert _imported_by(argv) == "[]"


def test_the_import_check_sees_a_subcommand_that_ran():
    """The check above can fail: the catalog's page imports the catalog (its entries import
    TensorFlow only when they measure)."""
    assert _imported_by(["divergences", "adam_epsilon"]) == "['tf_rosetta.comparisons.divergences']"


def test_installed_command_refuses_an_unknown_task_in_one_line():
    completed = subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", "compare", "nope"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"tf-rosetta: unknown task 'nope'; accepted: {', '.join(registry.TASKS)}"]


def _garbage_keras_cache(folder):
    (folder / "datasets").mkdir()
    (folder / "datasets" / "mnist.npz").write_bytes(b"not an npz archive")
    return {**os.environ, "KERAS_HOME": str(folder)}


def test_compare_prints_the_table_and_exits_0_when_all_agree_whatever_the_keras_cache(tmp_path):
    """A broken MNIST download in Keras's cache concerns the MNIST tasks only: no other task
    reads it. Progress goes to a terminal only: with stderr to a pipe, the output is the table."""
    completed = subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", "compare", "linear_regression"],
                               capture_output=True, text=True, timeout=600, env=_garbage_keras_cache(tmp_path))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for program in registry.PROGRAMS:
        assert f"\n{program} " in completed.stdout
    assert "linear_regression: all styles agree" in completed.stdout
    assert completed.stderr == ""


def test_a_broken_keras_cache_stops_an_mnist_task_in_one_line(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", "compare", "logistic_mnist"],
                               capture_output=True, text=True, timeout=600, env=_garbage_keras_cache(tmp_path))
    assert completed.returncode == cli.EXIT_DATA == 3
    assert completed.stderr.strip().splitlines() == [
        f"tf-rosetta: {tmp_path / 'datasets' / 'mnist.npz'}: is not an npz archive; expected " + (
            "MNIST in Keras's mnist.npz format: x_train, x_test uint8 (N, 28, 28); y_train, y_test integer "
            "labels 0-9, (N,)")]


def test_run_exits_1_when_the_quality_bar_is_missed(capsys):
    """A learning rate 100 times smaller leaves the fit short of the probe's bar."""
    assert cli.main(["run", "linear_regression", "--style", "tf_function", "--learning-rate", "0.0001"]) == \
        cli.EXIT_DISAGREE
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("tf-rosetta: linear_regression tf_function: quality bar missed: ")


def test_compare_exits_1_when_a_style_disagrees(monkeypatch, capsys, comparison_of):
    from tf_rosetta.comparisons import harness

    trained = comparison_of("linear_regression").runs  # the session's runs: no training here

    def one_style_off(task, program, spec=None):
        run = copy.deepcopy(trained[program])
        if program == "tf_function":
            run.result.weights["b"] = run.result.weights["b"] + 1e-3
        return run

    monkeypatch.setattr(harness, "run_program", one_style_off)
    assert cli.main(["compare", "linear_regression", "--jobs", "1"]) == cli.EXIT_DISAGREE  # in-process: patched
    out = capsys.readouterr().out
    assert "tf_function" in out and "DISAGREES" in out and "NOT ALL STYLES AGREE" in out


def _failing_comparison():
    """A comparison in which one style is off, made by hand: no training."""
    from tests.test_harness import floors_of, result

    spec = registry.load_spec("xor")
    floors = floors_of(result())
    runs = {registry.ORACLE: harness.StyleRun(registry.ORACLE, 0.1, result=result()),
            "tf_function": harness.StyleRun("tf_function", 0.1, result=result(losses=(3.0, 2.5), W=((1.5,),)),
                                            quality_problems=["rounded predictions [1.0], expected [0.0]"])}
    runs["tf_function"].versus_oracle = judge.difference(runs["tf_function"].result, runs[registry.ORACLE].result,
                                                           floors)
    return harness.TaskComparison(spec, runs, {}, floors=floors)


def test_a_failing_program_is_one_line_unless_verbose():
    table = tables.format_table(_failing_comparison())
    lines = [line for line in table.splitlines() if line.startswith("xor tf_function: ")]
    assert lines == ["xor tf_function: quality bar missed: rounded predictions [1.0], expected [0.0] "
                     "(+1 more; --verbose lists them)"]
    verbose = tables.format_table(_failing_comparison(), verbose=True)
    assert len([line for line in verbose.splitlines() if line.startswith("xor tf_function: ")]) == 2


def test_a_failure_names_the_catalog_entry_of_a_known_setting(monkeypatch):
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    causes = [line for line in tables.format_table(_failing_comparison()).splitlines() if "divergences" in line]
    assert causes == ["TF_ENABLE_ONEDNN_OPTS=1 is in force (tf-rosetta sets 0): a known cause of differences, "
                      "see `tf-rosetta divergences onednn_fusion`"]
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert "divergences" not in tables.format_table(_failing_comparison())


def test_a_failure_names_the_catalog_entry_of_a_thread_pool_size(monkeypatch):
    """tf-rosetta leaves TensorFlow's pools at their default: any size set is a known cause."""
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    assert "divergences" not in tables.format_table(_failing_comparison())
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    causes = [line for line in tables.format_table(_failing_comparison()).splitlines() if "divergences" in line]
    assert causes == ["TF_NUM_INTRAOP_THREADS=1 is in force (tf-rosetta leaves it unset): a known cause of "
                      "differences, see `tf-rosetta divergences tf_thread_pools`"]


def test_agreement_and_quality_are_told_apart_in_one_line():
    """`compare linear_regression --learning-rate 0.005`: seven programs bitwise equal, all short
    of the bar: one line says both, and the exit code stays 1 for the missed bar."""
    from tests.test_harness import floors_of, result

    missed = ["predictions [6.98] are more than 0.05 from [7.0]"]
    runs = {program: harness.StyleRun(program, 0.1, result=result(), quality_problems=list(missed))
            for program in (registry.ORACLE, "tf1_session", "keras_sequential")}
    floors = floors_of(result())
    for program in ("tf1_session", "keras_sequential"):
        runs[program].versus_oracle = judge.difference(result(), result(), floors)
    table = tables.format_table(harness.TaskComparison(registry.load_spec("xor"), runs, {}, floors=floors))
    assert table.splitlines()[-1] == f"xor: all styles agree; all miss the quality bar: {missed[0]}"
    assert not any(line.startswith("xor tf1_session:") for line in table.splitlines()), "not repeated per program"
    assert cli._exit_code_of(runs.values()) == cli.EXIT_DISAGREE


def test_a_program_on_a_fork_of_the_run_is_named_ill_conditioned_and_does_not_fail():
    from tests.test_harness import result

    oracle = result(losses=(3.0, 2.0))
    fork = result(losses=(3.0, 2.5), W=((1.5,),))
    floors = agreement.Floors.measure(oracle, [result(losses=(3.0, 2.0)), result(losses=(3.0, 2.0)), fork])
    runs = {registry.ORACLE: harness.StyleRun(registry.ORACLE, 0.1, result=oracle),
            "tf1_session": harness.StyleRun("tf1_session", 0.1, result=fork)}
    runs["tf1_session"].versus_oracle = judge.difference(fork, oracle, floors)
    assert runs["tf1_session"].verdict == "ill-conditioned" and runs["tf1_session"].ok
    table = tables.format_table(harness.TaskComparison(registry.load_spec("xor"), runs, {}, floors=floors))
    assert "ill-conditioned: it stays within the floor of the oracle retrained" in table
    assert table.splitlines()[-1].startswith("xor: all styles agree but tf1_session, which took another trajectory")
