"""tf-rosetta bench: the report arithmetic, the checks of a timed round, option errors. No timing here."""

import inspect
import json
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from benchmarks import HARNESS_SCHEDULE, SEED_EXPERIMENT, report, tasks
from tf_rosetta.comparisons import bench, cli
from tf_rosetta.comparisons.errors import UsageError
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import Tolerance

ROOT = Path(__file__).resolve().parent.parent


def _benchmark(task, variant, steps, median, first_round=None, **extra):
    return {"name": f"test[{task}-{variant}]", "params": {"task": task, "variant": variant},
            "extra_info": {"task": task, "variant": variant, "steps": steps, "first_round_s": first_round, **extra},
            "stats": {"median": median, "iqr": median / 10, "rounds": 5}}


def _saved_run(tmp_path, benchmarks, name="run.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"benchmarks": benchmarks, "datetime": "2026-01-01T00:00:00",
                                "machine_info": {"tf_rosetta": {"tensorflow": "2.21.0", "cpu_model": "Test CPU",
                                                                "load_average_at_start": [0.5, 0.5, 0.5]}}}))
    return path


# Rounds of different lengths: per step, eager 1 ms, tf_function 100 us, NumPy 10 us.
SMALL_RUN = [
    _benchmark("linear_regression", "numpy_reference", 1000, 0.010),
    _benchmark("linear_regression", "eager_tape", 200, 0.200, first_round=0.250),
    _benchmark("linear_regression", "tf_function", 200, 0.020, first_round=0.320),
    _benchmark(SEED_EXPERIMENT, "eager", 100, 0.100, seed_seconds_per_call=7.03e-3),
    _benchmark(SEED_EXPERIMENT, "tf_function", 100, 0.025, seed_seconds_per_call=3.55e-3),
]


def test_a_saved_run_is_read_per_step(tmp_path):
    run = report.load(_saved_run(tmp_path, SMALL_RUN))
    assert run.tasks() == ["linear_regression", SEED_EXPERIMENT]
    assert run.find("linear_regression", "eager_tape").per_step_s == pytest.approx(1e-3)
    assert run.find("linear_regression", "numpy_reference").per_step_s == pytest.approx(1e-5)
    assert run.machine["cpu_model"] == "Test CPU"


def test_speed_up_over_eager_and_distance_from_numpy(tmp_path):
    run = report.load(_saved_run(tmp_path, SMALL_RUN))
    compiled = run.find("linear_regression", "tf_function")
    eager, floor = report.baseline_of(run, "linear_regression"), run.find("linear_regression", "numpy_reference")
    assert eager.variant == "eager_tape"
    assert report.speed_up(compiled, eager) == pytest.approx(10.0)  # 1 ms / 100 us
    assert report.times_floor(compiled, floor) == pytest.approx(10.0)  # 100 us / 10 us
    assert report.speed_up(floor, eager) == pytest.approx(100.0)
    assert compiled.first_round_extra_s == pytest.approx(0.300)  # 0.320 s first, 0.020 s a round
    assert report.baseline_of(run, SEED_EXPERIMENT).variant == "eager"


def test_the_table_prints_those_numbers(tmp_path):
    run = report.load(_saved_run(tmp_path, SMALL_RUN))
    table = report.format_task(run, "linear_regression")
    compiled_line = next(line for line in table.splitlines() if line.startswith("tf_function "))
    assert compiled_line.split() == ["tf_function", "200", "5", "20", "ms", "10%", "100", "us", "10x", "10x",
                                     "+300", "ms", "—"]
    seed = report.format_task(run, SEED_EXPERIMENT)
    assert "7.03 ms" in seed and "3.55 ms" in seed and "graph 1.98x faster (here 4x" in seed


def test_comparing_with_a_saved_run_divides_now_by_then(tmp_path):
    now = report.load(_saved_run(tmp_path, SMALL_RUN))
    slower_then = [_benchmark("linear_regression", "tf_function", 200, 0.040)]
    then = report.load(_saved_run(tmp_path, slower_then, "then.json"))
    table = report.format_task(now, "linear_regression", then)
    lines = {line.split()[0]: line.split() for line in table.splitlines()[2:]}
    assert lines["tf_function"][-3:] == ["200", "us", "0.5x"]  # 100 us now, 200 us then
    assert lines["eager_tape"][-2:] == ["—", "—"]  # not in the saved run


def test_format_duration_picks_the_unit():
    assert [report.format_duration(s) for s in (2.5, 0.0123, 8.3e-6, 4.97e-7, None)] == [
        "2.5 s", "12.3 ms", "8.3 us", "497 ns", "—"]


def test_the_chart_is_a_png(tmp_path):
    run = report.load(_saved_run(tmp_path, SMALL_RUN))
    path = report.draw_chart(run, tmp_path / "chart.png", previous=run)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("content, message", [
    ("not json", "not JSON"),
    ("[]", "not a pytest-benchmark JSON"),
    ('{"benchmarks": []}', "no benchmarks in it"),
    (json.dumps({"benchmarks": [{"name": "x", "stats": {"median": 1}, "extra_info": {}}]}), "lacks a tf-rosetta field"),
    (json.dumps({"benchmarks": [_benchmark("xor", "eager_tape", 0, 1.0)]}), "expected a positive number"),
    (json.dumps({"benchmarks": [_benchmark("xor", "eager_tape", 10, -1.0)]}), "expected a positive number"),
])
def test_a_file_that_is_not_a_bench_run_is_one_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(report.ReportError, match=message) as raised:
        report.load(path)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("argv, says", [
    (["bench", "--rounds", "-3"], "argument --rounds: must be a whole number from 1 to 1000, got '-3'"),
    (["bench", "--rounds", "0"], "from 1 to 1000, got '0'"),
    (["bench", "--rounds", "1001"], "from 1 to 1000, got '1001'"),
    (["bench", "--rounds", "2.5"], "got '2.5'"),
    (["bench", "linear_regresion"], f"accepted: {', '.join(registry.TASKS)}, {SEED_EXPERIMENT}, {HARNESS_SCHEDULE}"),
    (["bench", "--compare", "/no/such/run.json"], "argument --compare: /no/such/run.json: cannot read it"),
])
def test_bad_options_are_one_line_and_exit_2(argv, says, capsys, monkeypatch):
    monkeypatch.setattr(bench.subprocess, "run", lambda *a, **k: pytest.fail("no benchmark may start"))
    assert cli.main(argv) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and says in captured.err


def test_an_output_folder_that_cannot_be_made_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench.subprocess, "run", lambda *a, **k: pytest.fail("no benchmark may start"))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert cli.main(["bench", "--output", str(blocker / "results")]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot create the folder" in err


def test_bench_runs_pytest_on_the_benchmarks_grouped_by_task(tmp_path, capsys, monkeypatch):
    """The pytest run it starts, faked: it writes a small run, which bench then reports and draws."""
    started = []

    def fake_pytest(command, cwd, env=None):
        started.append(command)
        json_path = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--benchmark-json="))
        _saved_run(Path(json_path).parent, SMALL_RUN, Path(json_path).name)
        return type("Completed", (), {"returncode": 0})()

    monkeypatch.setattr(bench.subprocess, "run", fake_pytest)
    assert cli.main(["bench", "linear_regression", "--rounds", "3", "--output", str(tmp_path / "out")]) == 0
    (command,) = started
    assert "--runtime=tensorflow" in command
    assert command[1:4] == ["-m", "pytest", str(ROOT / "benchmarks")]
    assert {"--benchmark-group-by=param:task", "--benchmark-min-rounds=3", "--tasks=linear_regression"} <= set(command)
    out = capsys.readouterr().out
    assert "linear_regression: per step" in out and "\ntf_function " in out
    assert len(list((tmp_path / "out").glob("bench-*.png"))) == 1


def test_bench_of_the_harness_schedule_alone_reports_it_and_draws_no_chart(tmp_path, capsys, monkeypatch):
    started = []

    def fake_pytest(command, cwd, env=None):
        started.append(command)
        json_path = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--benchmark-json="))
        row = _benchmark(HARNESS_SCHEDULE, "compare", 1, 163.4)
        row["extra_info"].update(what="tf-rosetta compare of 6 tasks, --jobs 2", wall_s=163.4, ideal_s=141.1,
                                 wall_over_ideal=1.16, programs_alone_s=271.1, startup_s=[4.2, 5.5],
                                 worst_slowdown=2.4, worst_slowdown_program="mnist_mlp numpy_reference",
                                 programs_alone_cpu_s=300.2, ideal_cpu_s=155.6, wall_over_ideal_cpu=1.05)
        _saved_run(Path(json_path).parent, [row], Path(json_path).name)
        return type("Completed", (), {"returncode": 0})()

    monkeypatch.setattr(bench.subprocess, "run", fake_pytest)
    assert cli.main(["bench", HARNESS_SCHEDULE, "--output", str(tmp_path)]) == 0
    assert f"--tasks={HARNESS_SCHEDULE}" in started[0]
    out = capsys.readouterr().out
    assert "wall / ideal 1.16" in out and "the ideal is 155.6 s; wall / that 1.05" in out
    assert list(tmp_path.glob("*.png")) == []


def test_bench_runs_each_runtime_in_its_own_environment_and_reports_them_together(tmp_path, capsys, monkeypatch):
    """--runtime all: one pytest run per runtime, each with its runtime's settings; one table."""
    from tf_rosetta.implementations import runtimes

    started = []

    def fake_pytest(command, cwd, env=None):
        runtime = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--runtime="))
        started.append((runtime, {name: env[name] for name in ("KERAS_BACKEND", "TF_USE_LEGACY_KERAS")}))
        json_path = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--benchmark-json="))
        label = "" if runtime == runtimes.DEFAULT else f" [{runtime}]"
        rows = [_benchmark("linear_regression", "keras_sequential" + label, 200, 0.2)]
        if runtime == runtimes.DEFAULT:
            rows.append(_benchmark("linear_regression", "eager_tape", 200, 0.4))
        _saved_run(Path(json_path).parent, rows, Path(json_path).name)
        return type("Completed", (), {"returncode": 0})()

    monkeypatch.setattr(bench.subprocess, "run", fake_pytest)
    assert cli.main(["bench", "linear_regression", "--runtime", "all", "--output", str(tmp_path / "out")]) == 0
    assert started == [(runtime, runtimes.ENVIRONMENT[runtime]) for runtime in runtimes.RUNTIMES]
    table = capsys.readouterr().out
    for label in ("keras_sequential ", "keras_sequential [tf_keras] ", "keras_sequential [jax] "):
        line = next(line for line in table.splitlines() if line.startswith(label))
        assert "2x" in line.split(), line  # 1 ms a step against eager's 2 ms
    merged = [path for path in (tmp_path / "out").glob("bench-*.json") if path.stem.count("-") == 2]
    assert len(merged) == 1 and len(report.load(merged[0]).rows) == 4


def test_a_failing_benchmark_gives_no_table_and_exit_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench.subprocess, "run", lambda *a, **k: type("Completed", (), {"returncode": 1})())
    assert cli.main(["bench", "--output", str(tmp_path)]) == cli.EXIT_DISAGREE
    assert "no table" in capsys.readouterr().err


# The check every timed round passes: a broken run is never timed.
ORACLE = np.array([4.0, 2.0, 1.0, 0.5])
EXACT = Tolerance(rtol=0, atol=0, reason="test")


def test_a_round_with_the_oracles_losses_passes():
    assert variants().problems_with(ORACLE[:3].astype(np.float32), 1, ORACLE, 1, EXACT) == ([], 0.0)


@pytest.mark.parametrize("losses, steps_per_loss, oracle_steps_per_loss, says", [
    ([4.0, 2.0, 1.001], 1, 1, "differ from the oracle's by up to 0.001"),
    ([4.0, float("nan")], 1, 1, "non-finite loss at 1"),
    ([4.0, 2.0, 1.0, 0.5, 0.25], 1, 1, "do not fit the oracle's 4"),
    ([3.0, 0.76], 2, 1, "differ from the oracle's by up to 0.01"),  # epoch means 3.0 and 0.75
    ([4.0, 2.0, 1.0], 1, 2, "do not fit"),  # three steps cannot be compared with means of two
    ([5.0, 3.01], 1, 2, "differ from the oracle's by up to 0.005"),  # (5 + 3.01) / 2 against 4.0
])
def test_a_round_that_misses_the_oracle_is_caught(losses, steps_per_loss, oracle_steps_per_loss, says):
    problems, _ = variants().problems_with(np.array(losses), steps_per_loss, ORACLE, oracle_steps_per_loss, EXACT)
    assert len(problems) == 1 and says in problems[0]


def test_epoch_means_are_compared_at_the_coarser_of_the_two_records():
    # Keras epoch means of two steps against the oracle's steps, and steps against the oracle's means.
    assert variants().problems_with(np.array([3.0, 0.75]), 2, ORACLE, 1, EXACT)[0] == []
    assert variants().problems_with(np.array([4.0, 2.0]), 1, np.array([3.0, 0.75]), 2, EXACT)[0] == []


def variants():
    from benchmarks import variants  # imports TensorFlow: only the tests that need it

    return variants


@pytest.mark.parametrize("task", registry.TASKS)
def test_every_task_has_a_benchmark_module(task):
    module = tasks.load(task)
    for name in ("batches", "model", "loss", "optimizer", "tf1_optimizer", "keras_model"):
        assert callable(getattr(module, name, None)), f"benchmarks/tasks/{task}.py lacks {name}()"
    parameters = inspect.signature(module.model).parameters
    assert list(parameters)[:2] == ["weights", "x"]
    assert all(parameter.default is not inspect.Parameter.empty for parameter in list(parameters.values())[2:])


def test_benchmarks_stay_out_of_the_default_test_run():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '\ntestpaths = ["tests"]\n' in pyproject
    installed = tomllib.loads(pyproject)["tool"]["setuptools"]["packages"]
    assert not [package for package in installed if "benchmarks" in package]  # benchmarks/: not installed


def test_bench_outside_a_checkout_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    """An install without the source (pip install .) has no benchmarks/ beside comparisons/."""
    monkeypatch.setattr(bench, "SUITE", tmp_path / "benchmarks")
    monkeypatch.setattr(bench.subprocess, "run", lambda *a, **k: pytest.fail("no benchmark may start"))
    assert cli.main(["bench", "xor", "--output", str(tmp_path / "out")]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        f"tf-rosetta: bench runs the benchmark suite of a source checkout, and {tmp_path / 'benchmarks'} is not "
        "there: clone the repository and run `pip install -e '.[test]'` in it"]


def test_bench_imports_the_checkouts_suite_and_no_other_benchmarks(monkeypatch):
    foreign = type(sys)("benchmarks")
    foreign.__file__ = "/elsewhere/site-packages/benchmarks/__init__.py"
    monkeypatch.setitem(sys.modules, "benchmarks", foreign)
    with pytest.raises(UsageError, match="another package named benchmarks is imported"):
        bench.suite()
    monkeypatch.delitem(sys.modules, "benchmarks")
    assert Path(bench.suite().__file__) == ROOT / "benchmarks" / "__init__.py"


def test_the_performance_page_s_step_table_is_the_saved_run_s():
    """docs/performance.md's step table is written from docs/performance-bench.json (a `tf-rosetta
    bench` JSON, with its date, machine and CPU): stale when either changed alone."""
    run = report.load(report.SAVED_RUN)
    page = report.PAGE.read_text()
    assert report.rewritten(page, run) == page, \
        "docs/performance.md's step table is stale: run `python -m benchmarks.report`"
    assert run.machine.get("cpu_model") and run.datetime, "the saved run names its machine and date"
    assert report.machine_line(run) in page


def test_the_step_table_has_a_column_per_task_and_the_floor_row():
    table = report.format_markdown(report.load(report.SAVED_RUN))
    header = next(line for line in table.splitlines() if line.startswith("| variant |"))
    from benchmarks.test_training import NOT_TIMED

    for task in registry.TASKS:
        assert (f" {task} " in header) != (task in NOT_TIMED), f"{task}: a column exactly when it is timed"
    assert "| numpy_reference |" in table


def test_every_benchmark_names_the_fields_bench_reads():
    """A benchmark without task, variant and steps in its extra_info breaks `tf-rosetta bench`'s
    report of the whole run (benchmarks/report.py parse): the diff tracer's rows once did."""
    root = Path(__file__).resolve().parents[1] / "benchmarks"
    for path in sorted(root.rglob("test_*.py")):
        source = path.read_text()
        if "benchmark.pedantic(" not in source and "benchmark(" not in source:
            continue
        for field in ("task=", "variant=", "steps="):
            assert field in source and "extra_info.update(" in source, f"{path.name} sets no {field[:-1]} for bench"
