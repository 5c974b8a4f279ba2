"""`tf-rosetta diff A.py B.py` on scripts written as users write them (tests/diff_scripts), on the
project's own programs, and the tracer's promise: a traced run computes every bit an untraced one does.

Each diff starts two to five processes that import TensorFlow: the default suite keeps one pair
per verdict (bitwise, within rounding, parts), the script failures, XOR's programs and the
traced runs of XOR; the other pairs, runtimes and tasks are slow-marked (CONTRIBUTING.md, Tests)."""

import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tf_rosetta.comparisons import cli
from tf_rosetta.comparisons.diff import align
from tf_rosetta.comparisons.diff.runner import Side, Trace
from tf_rosetta.comparisons.errors import EXIT_DATA, EXIT_DISAGREE, EXIT_SCRIPT_FAILED, EXIT_USAGE
from tf_rosetta.implementations import registry, runtimes

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "diff_scripts"


def diff(capsys, tmp_path, a, b, *options):
    """Run the command in this process; returns (exit code, printed lines, the --json document)."""
    json_path = tmp_path / "diff.json"
    paths = [str(SCRIPTS / a) if not str(a).startswith(("/", "implementations")) else str(a),
             str(SCRIPTS / b) if not str(b).startswith(("/", "implementations")) else str(b)]
    code = cli.main(["diff", *paths, "--json", str(json_path), *options])
    captured = capsys.readouterr()
    document = json.loads(json_path.read_text()) if json_path.exists() else None
    return code, captured.out.splitlines(), captured.err, document


def verdict_lines(lines):
    return {line.split(":")[0]: line for line in lines
            if line.split(":")[0] in ("variables", "start", "updates", "batches", "verdict")}


# Pairs written by users -------------------------------------------------------------------

def test_tf1_under_disable_eager_and_its_keras_fit_port_are_bitwise_at_every_update(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear.py")
    found = verdict_lines(lines)
    assert code == 0
    assert found["variables"] == "variables: 2 matched by order of creation"
    assert found["start"] == "start: the same values, bit for bit"
    assert found["updates"] == "updates: 50 each"  # 10 epochs of 60 rows in batches of 12
    assert found["batches"] == "batches: the same bytes at every one of the 50 compared updates"
    assert found["verdict"] == "verdict: bitwise at every one of the 50 compared updates"
    # The verdict lines come before any number.
    table = next(i for i, line in enumerate(lines) if line.split()[:2] == ["update", "verdict"])
    assert max(lines.index(found[key]) for key in ("variables", "start", "updates", "batches")) < table
    assert document["verdicts"] == ["bitwise"] * 50
    assert all(gap == 0 for gaps in document["gaps"].values() for gap in gaps)
    assert [pair["b"] for pair in document["pairs"]] == ["sequential/dense/kernel", "sequential/dense/bias"]
    # B's loss is each batch's own, as TF1's fetch: not fit's running mean of the epoch.
    assert document["loss_a"] == document["loss_b"]


def test_a_mean_written_as_sum_times_reciprocal_is_within_rounding(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "eager_linear.py", "eager_linear_reciprocal.py")
    assert code == 0
    assert document["verdict"] == "within rounding"
    assert "within rounding" in document["verdicts"] and "PARTS" not in document["verdicts"]
    assert max(max(gaps) for gaps in document["gaps"].values()) > 0
    assert document["floors"] is not None and set(document["floors"]) == set(document["gaps"])
    assert verdict_lines(lines)["batches"].startswith("batches: not seen (A: a TF2 loop hands the optimizer")


def test_keras_adam_epsilon_parts_from_tf1_adam_at_the_first_update(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "tf1_adam.py", "keras_adam.py")
    assert code == EXIT_DISAGREE
    assert document["verdict"] == "PARTS" and document["first_parting_update"] == 1
    assert verdict_lines(lines)["verdict"].startswith("verdict: THEY PART at update 1 of 50")
    assert any(line.startswith("growth: ") for line in lines)
    # Why (tests/test_diff_explain.py): the catalog's adam_epsilon comes first, and B run again with
    # Keras `Adam(epsilon=1e-8)` applied from outside closes most of the gap; what remains is TF1's
    # running beta powers (keras_adam_eps8.py parts from tf1_adam.py too, tests/diff_scripts/README.md).
    why = lines[next(i for i, line in enumerate(lines) if line.startswith("why: ")):]
    assert why[0] == "why: 1 catalog entry fits the code and what was observed, the likeliest first:"
    assert why[1] == "1. adam_epsilon: TF1's Adam adds 1e-8 to sqrt(v), Keras's 1e-7"
    assert why[3] == "   fits: parts at update 1, in 2 of 2 variables, the first loss the same"
    assert why[6].startswith("   confirmed as the main cause: with Keras `Adam(epsilon=1e-8)` the largest gap falls from ")
    assert why[7].startswith("   what remains (from update ") and why[7].endswith(
        "fits: tf1_adam_beta_power (tf-rosetta divergences tf1_adam_beta_power)")
    assert why[8].startswith("   the change: `epsilon=1e-8` passed to Keras `Adam`")
    assert why[1] in document["report"]  # the explanation is in --json's report too
    # The gap is far beyond the floor measured on A (epsilon 1e-7 vs 1e-8 on gradients near 1e-6).
    assert document["gaps"]["w"][0] > 1000 * document["floors"]["w"][0]
    table = [line for line in lines if line.rstrip().endswith("<- first parting")]
    assert len(table) == 1 and table[0].split()[0] == "1"


@pytest.mark.slow
def test_fit_shuffling_by_default_parts_and_the_batches_line_says_why(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear_shuffled.py", "--steps", "10")
    found = verdict_lines(lines)
    assert code == EXIT_DISAGREE
    assert found["batches"].startswith("batches: DIFFERENT from update 1 on")
    assert found["updates"] == "updates: 10 each (--steps 10 stopped them)"
    assert document["verdict"] == "PARTS"


@pytest.mark.slow
def test_init_from_a_starts_keras_default_initialisers_from_tf1_values(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear_default_init.py", "--steps", "10")
    assert code == EXIT_DISAGREE
    assert verdict_lines(lines)["start"].startswith("start: DIFFERENT values in 1 of 2 variables")
    code, lines, _, document = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear_default_init.py", "--steps", "10",
                                    "--init-from", "a")
    assert code == 0
    assert verdict_lines(lines)["start"] == (
        "start: B started from A's values (--init-from a: set by the tracer before B's first update; started 2 of 2 "
        "variables from the given values); the same values, bit for bit")
    assert document["verdict"] == "bitwise"


@pytest.mark.slow
def test_init_from_a_for_variables_made_inside_the_tape_says_it_came_after_the_first_forward_pass(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "tf1_linear.py", "eager_lazy.py", "--steps", "3",
                                    "--init-from", "a")
    assert code == EXIT_DISAGREE
    assert "note (B): start values set after the first update's forward pass" in "\n".join(lines)
    # The trace keeps the values the first update used: Keras's, not A's.
    assert verdict_lines(lines)["start"].startswith("start: B started from A's values (--init-from a: set by the "
                                                    "tracer before B's first update; started 2 of 2 variables "
                                                    "from the given values); DIFFERENT values in 1 of 2")
    assert document["gaps"]["w"][1] > 0


@pytest.mark.slow
def test_a_port_with_other_variables_cannot_be_aligned_and_lists_them(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear_hidden.py", "--steps", "5")
    assert code == EXIT_DISAGREE
    line = verdict_lines(lines)["variables"]
    assert line.startswith("variables: CANNOT ALIGN: A updates 2, B 4")
    assert "sequential/dense/kernel [3, 4]" in line and "sequential/dense_1/kernel [4, 1]" in line
    assert document["unmatched_b"]


@pytest.mark.slow
def test_a_map_file_pairs_the_variables_and_a_wrong_one_is_one_line(capsys, tmp_path):
    map_file = tmp_path / "map.txt"
    map_file.write_text("# A then B\nw sequential/dense/kernel\nb #1\n")
    code, lines, _, _ = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear.py", "--steps", "5", "--map", str(map_file))
    assert code == 0
    assert verdict_lines(lines)["variables"] == f"variables: 2 matched by --map {map_file}"
    map_file.write_text("w sequential/dense/bias\n")
    code, lines, err, _ = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear.py", "--steps", "5", "--map", str(map_file))
    assert code == EXIT_USAGE
    assert err.strip().splitlines() == [
        f"tf-rosetta: --map {map_file}: A's w [3, 1] and B's sequential/dense/bias [1] differ in shape"]


def _trace(names, shapes):
    return Trace(Side("A", Path("a.py"), "tensorflow"), names, names, [tuple(s) for s in shapes],
                 [np.zeros(s, np.float32) for s in shapes], [], np.zeros(0), np.zeros(0, int), np.zeros(0, str))


def test_same_shaped_variables_matched_by_order_are_shown_and_reordered_shapes_matched_by_shape():
    a = _trace(["W1", "b1", "W2", "b2"], [(4, 4), (4,), (4, 4), (4,)])
    b = _trace(["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"], [(4, 4), (4,), (4, 4), (4,)])
    alignment = align.match_variables(a, b)
    line = align.variables_line(a, b, alignment)
    assert line.startswith("variables: 4 matched by order of creation; same-shaped, matched by order (--map FILE")
    assert "W1=dense/kernel, W2=dense_1/kernel (all [4, 4])" in line
    reordered = _trace(["bias", "kernel"], [(3,), (2, 3)])
    alignment = align.match_variables(_trace(["kernel", "bias"], [(2, 3), (3,)]), reordered)
    assert alignment.pairs == [(0, 1), (1, 0)] and alignment.complete and not alignment.ambiguous


# Bad input: one line each, an exit code of its own ------------------------------------------

def test_a_script_that_raises_is_one_line_naming_the_side_and_exit_5(capsys, tmp_path):
    code, lines, err, _ = diff(capsys, tmp_path, "keras_linear.py", "raises.py")
    assert code == EXIT_SCRIPT_FAILED
    (line,) = err.strip().splitlines()
    assert line.startswith(f"tf-rosetta: B ({SCRIPTS / 'raises.py'}) failed on its own: ")
    assert "InvalidArgumentError" in line and "Matrix size-incompatible" in line


def test_a_script_that_makes_no_update_names_the_hooks_and_what_to_check(capsys, tmp_path):
    code, _, err, _ = diff(capsys, tmp_path, "no_training.py", "keras_linear.py")
    assert code == EXIT_SCRIPT_FAILED
    (line,) = err.strip().splitlines()
    assert "made no training update the tracer could see (hooks installed: " in line
    assert "tf.compat.v1 Session.run" in line and "keras BaseOptimizer.apply" in line and "fired: none" in line


@pytest.mark.slow
def test_steps_stops_a_script_that_runs_on_and_a_hanging_one_times_out(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the tracer's folder, to see it removed
    code, lines, _, document = diff(capsys, tmp_path, "runs_on.py", "runs_on.py", "--steps", "3")
    assert code == 0 and verdict_lines(lines)["updates"] == "updates: 3 each (--steps 3 stopped them)"
    code, _, err, _ = diff(capsys, tmp_path, "sleeps.py", "keras_linear.py", "--timeout", "20")
    assert code == EXIT_SCRIPT_FAILED
    assert err.strip().splitlines() == [f"tf-rosetta: A ({SCRIPTS / 'sleeps.py'}) ran past the timeout of 20 s: "
                                        "--steps N stops both after N updates, --timeout SECONDS allows longer"]
    assert not list(tmp_path.glob("tf-rosetta-diff-*"))


def test_a_missing_file_exits_3_and_an_unknown_runtime_2_in_one_line(capsys, tmp_path):
    code, _, err, _ = diff(capsys, tmp_path, "no_such_script.py", "keras_linear.py")
    assert (code, err.strip().splitlines()) == (EXIT_DATA, [f"tf-rosetta: A: no such file: {SCRIPTS / 'no_such_script.py'}"])
    code, _, err, _ = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear.py", "--b-runtime", "torch")
    assert (code, err.strip().splitlines()) == (EXIT_USAGE, [
        "tf-rosetta: --b-runtime: unknown runtime 'torch'; accepted: tensorflow, tf_keras, jax"])


def test_diff_help_imports_no_tensorflow_and_not_the_diff_package():
    from tests.test_cli import _imported_by

    assert _imported_by(["diff", "--help"]) == "[]"
    assert _imported_by(["diff", "no_such_a.py", "no_such_b.py"]) == "['tf_rosetta.comparisons.diff']"


def test_a_runtime_whose_package_is_missing_exits_2(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(runtimes.PACKAGE, "jax", "no_such_package_for_jax")
    code, _, err, _ = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear.py", "--b-runtime", "jax")
    assert code == EXIT_USAGE
    assert err.startswith("tf-rosetta: runtime jax needs the no_such_package_for_jax package")


# The other runtimes ------------------------------------------------------------------------

@pytest.mark.slow
def test_keras2_fit_under_tf_keras_is_within_rounding_of_tf1(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "tf1_linear.py", "keras_linear.py", "--b-runtime", "tf_keras")
    assert code == 0 and document["verdict"] == "within rounding"
    assert list(document["b"]["hooks_fired"]) == ["Keras 2 Optimizer.apply_gradients"]
    # Measured: Keras 2's mse (a mean over the last axis, then the sum over the batch divided by its
    # size) rounds the loss otherwise than TF1's reduce_mean; the weights move by an ulp or so.
    assert 0 < max(document["gaps"]["loss"]) < 1e-6 and max(document["gaps"]["w"]) < 1e-6


@pytest.mark.slow
def test_keras_on_jax_is_recorded_by_fit_and_says_its_loss_is_the_running_mean(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "keras_linear.py", "keras_linear.py", "--b-runtime", "jax")
    assert document["b"]["loss_kind"].startswith("Keras's logs['loss'], the epoch's running mean")
    assert "losses not compared: A recorded the loss each update differentiated" in "\n".join(lines)
    assert verdict_lines(lines)["updates"] == "updates: 50 each"
    # XLA's kernels round otherwise than TensorFlow's: measured within the floor, not bitwise.
    assert code == 0 and document["verdict"] == "within rounding"


@pytest.mark.slow
def test_json_has_every_number_and_plot_writes_a_png(capsys, tmp_path):
    plot = tmp_path / "gaps.png"
    code, _, _, document = diff(capsys, tmp_path, "tf1_adam.py", "keras_adam.py", "--steps", "8", "--plot", str(plot))
    assert code == EXIT_DISAGREE
    assert document["updates"] == list(range(1, 9))
    assert set(document["gaps"]) == {"loss", "w", "b"} and all(len(v) == 8 for v in document["gaps"].values())
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# The project's own programs, as user programs ------------------------------------------------

@pytest.mark.slow  # 8,000 traced updates a side; the default suite's bitwise pair is the TF1/Keras scripts'
def test_xor_tf1_session_and_keras_sequential_are_bitwise_at_every_update(capsys, tmp_path):
    code, lines, _, document = diff(capsys, tmp_path, "implementations/xor/tf1_session.py",
                                    "implementations/xor/keras_sequential.py")
    assert code == 0
    # 2000 epochs of four single-example updates; Keras runs four per call (steps_per_execution=4)
    # and the tracer still records each.
    assert document["verdict"] == "bitwise" and document["updates"] == list(range(1, 8001))
    assert verdict_lines(lines)["batches"] == "batches: the same bytes at every one of the 8000 compared updates"
    assert [pair["a"] for pair in document["pairs"]] == ["W1", "b1", "W2", "b2"]


# (task, A, B): one pair of styles per task whose variables match one to one (polynomial_fit's
# Keras programs hold a Dense kernel where the others hold three scalars: diff cannot align those,
# and says so); the default suite diffs the small tasks.
VERSUS_COMPARE = [("linear_regression", "eager_tape", "keras_functional"),
                  ("polynomial_fit", "tf1_session", "tf_function"),
                  ("mammal_bird", "tf_function", "keras_sequential"),
                  ("logistic_mnist", "tf1_session", "keras_sequential"),
                  ("mnist_mlp", "eager_tape", "keras_functional")]
SLOW_VERSUS = {"logistic_mnist", "mnist_mlp"}


@pytest.mark.parametrize("task, a, b", [pytest.param(*case, marks=[pytest.mark.slow] if case[0] in SLOW_VERSUS else [])
                                        for case in VERSUS_COMPARE], ids=lambda value: str(value))
def test_diff_of_two_styles_agrees_with_compare(task, a, b, capsys, tmp_path, comparison_of):
    comparison = comparison_of(task)
    pair = comparison.pairs.get((a, b)) or comparison.pairs[b, a]
    within = [comparison.runs[style].versus_oracle.within for style in (a, b)]
    # compare: bitwise between the two, or each within its oracle's rounding floor, or one of them parting.
    if pair.bitwise:
        expected = "bitwise"
    elif all(within):
        expected = "within rounding"
    elif any(within):
        expected = "PARTS"
    else:
        pytest.skip(f"compare finds both {a} and {b} parting from the oracle: it says nothing of the pair")
    code, _, _, document = diff(capsys, tmp_path, f"implementations/{task}/{a}.py", f"implementations/{task}/{b}.py")
    assert document["verdict"] == expected, f"compare: {expected}; diff: {document['report']}"
    assert code == (EXIT_DISAGREE if expected == "PARTS" else 0)


# A traced run computes every bit an untraced run does -------------------------------------

# The distributed programs start processes of their own (multi-worker) or run their update on two
# replicas: slow, and checked for their numbers only (what the tracer records of them is reported).
DISTRIBUTED = ("mirrored_tape", "mirrored_keras", "multiworker_tape", "multiworker_keras")


def _worker_runs(mode: str, task: str, folder: Path) -> subprocess.Popen:
    programs = [f"{task}/{program}" for program in registry.programs_of(task)]
    return subprocess.Popen([sys.executable, "-m", "tests.traced_worker", mode, str(folder), *programs], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


# mammal_bird in the default suite (its programs train in about a second each); xor's 8,000
# traced updates, eager ones among them, and the rest in the slow set.
@pytest.mark.parametrize("task", [pytest.param(task, marks=[] if task == "mammal_bird" else [pytest.mark.slow])
                                  for task in registry.TASKS])
def test_a_traced_run_computes_every_bit_of_an_untraced_run(task, tmp_path):
    workers = {mode: _worker_runs(mode, task, tmp_path / mode) for mode in ("traced", "untraced")
               if (tmp_path / mode).mkdir() is None}
    for mode, worker in workers.items():
        output, _ = worker.communicate(timeout=3600)
        assert worker.returncode == 0, f"{mode} worker: {output[-3000:]}"
    spec = registry.load_spec(task)
    for program in registry.programs_of(task):
        if runtimes.not_applicable(runtimes.DEFAULT, program, task):
            continue
        with np.load(tmp_path / "traced" / f"{task}.{program}.npz") as traced, \
                np.load(tmp_path / "untraced" / f"{task}.{program}.npz") as untraced:
            computed = [name for name in untraced.files if not name.startswith("settings/")]
            for name in computed:
                assert traced[name].tobytes() == untraced[name].tobytes(), f"{program}: {name}"
            if program == registry.ORACLE:
                assert int(traced["trace/updates"]) == 0  # NumPy: nothing for the tracer to see
                continue
            if program in DISTRIBUTED:
                continue
            # What the tracer recorded is the program's own numbers: it saw every update, and every
            # element of its last update's variables is among the weights the program returned
            # (element by element: a Keras Dense kernel holds two of polynomial_fit's scalars, and
            # BatchNorm's moving statistics are weights but no optimizer's variables).
            # Every update the program made: a loss records steps // loss_count of them, and a run that
            # early stopping ended (auto_mpg) recorded fewer losses than its spec's most.
            ran = len(untraced["losses"]) * (spec.steps // spec.loss_count)
            assert int(traced["trace/updates"]) == ran, program
            if len(untraced["losses"]) < spec.loss_count:
                continue  # it restored its best epoch's weights, not its last update's
            recorded = Counter(np.concatenate([traced[name].ravel() for name in traced.files
                                               if name.startswith("trace/after/")]).view(np.uint32).tolist())
            returned = Counter(np.concatenate([traced[f"weights/{name}"].ravel() for name in spec.initial_weights])
                               .view(np.uint32).tolist())
            assert recorded and not recorded - returned, program
