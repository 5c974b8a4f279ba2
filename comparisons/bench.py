"""tf-rosetta bench: time one training step of each task in each API, print the table, draw the chart.

The benchmarks are a pytest suite with its conftest, in benchmarks/ of the source checkout,
and are not installed: bench finds them beside this package's folder, which holds in a
checkout and in an editable install (`pip install -e`), and says so in one line elsewhere.
"""

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tf_rosetta.comparisons.arguments import HARNESS_SCHEDULE, SEED_EXPERIMENT
from tf_rosetta.comparisons.errors import EXIT_DISAGREE, EXIT_USAGE, UsageError
from tf_rosetta.implementations import registry, runtimes

ROOT = Path(__file__).resolve().parents[1]  # the checkout, where there is one
SUITE = ROOT / "benchmarks"


def suite():
    """The checkout's benchmarks package, imported from its folder (not from sys.path, where
    another distribution's `benchmarks` could stand)."""
    if not (SUITE / "__init__.py").is_file():
        raise UsageError(f"bench runs the benchmark suite of a source checkout, and {SUITE} is not there: "
                         "clone the repository and run `pip install -e '.[test]'` in it")
    loaded = sys.modules.get("benchmarks")
    if loaded is not None:
        if Path(getattr(loaded, "__file__", "") or "").resolve().parent != SUITE:
            raise UsageError(f"another package named benchmarks is imported ({loaded.__file__}), not {SUITE}")
        return loaded
    spec = importlib.util.spec_from_file_location("benchmarks", SUITE / "__init__.py",
                                                  submodule_search_locations=[str(SUITE)])
    package = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks"] = package
    spec.loader.exec_module(package)
    return package


def report():
    """benchmarks/report.py of the checkout: reading, printing and drawing a saved run."""
    suite()
    return importlib.import_module("benchmarks.report")


def _saved_run(path: str | None):
    if path is None:
        return None
    reader = report()
    try:
        return reader.load(path)
    except reader.ReportError as error:
        raise UsageError(f"argument --compare: {error}") from None


def _check_names(names: list[str]) -> list[str]:
    accepted = [*registry.TASKS, SEED_EXPERIMENT, HARNESS_SCHEDULE]
    for name in names:
        if name not in accepted:
            raise registry.UnknownName(f"unknown task {name!r}; accepted: {', '.join(accepted)}")
    return names


def pytest_command(names: list[str], rounds: int, json_path: Path, runtime: str = runtimes.DEFAULT) -> list[str]:
    """The pytest run behind `tf-rosetta bench`: the benchmarks folder, grouped by task, in one
    runtime (its process gets the runtime's environment: see runtime_environment)."""
    command = [sys.executable, "-m", "pytest", str(SUITE),
               "-q", "-p", "no:cacheprovider", "--benchmark-quiet", "--benchmark-group-by=param:task",
               f"--benchmark-min-rounds={rounds}", f"--benchmark-json={json_path}", f"--runtime={runtime}"]
    if names:
        command.append(f"--tasks={','.join(names)}")
    return command


def runtime_environment(runtime: str) -> dict:
    """This process's environment with the runtime's settings: benchmarks/conftest.py enters it."""
    return {**os.environ, **runtimes.ENVIRONMENT[runtime]}


def merge_runs(paths: list[Path], merged: Path) -> Path:
    """One benchmark JSON of the runs of several runtimes (their rows are named for the runtime)."""
    runs = [json.loads(path.read_text()) for path in paths]
    data = {**runs[0], "benchmarks": [row for run in runs for row in run["benchmarks"]]}
    merged.write_text(json.dumps(data, indent=1))
    return merged


def command_bench(args) -> int:
    names = _check_names(args.tasks)
    reader = report()  # the suite: a one-line error before anything else when it is not here
    previous = _saved_run(args.compare)
    chosen = [runtimes.check(runtime) for runtime in (runtimes.RUNTIMES if args.runtime == "all" else [args.runtime])]
    if importlib.util.find_spec("pytest_benchmark") is None:
        print("tf-rosetta: bench needs pytest and pytest-benchmark: pip install -e '.[test]'", file=sys.stderr)
        return EXIT_USAGE
    output = Path(args.output)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"tf-rosetta: --output {output}: cannot create the folder ({error.strerror})", file=sys.stderr)
        return EXIT_USAGE
    stamp = time.strftime("%Y%m%d-%H%M%S")
    json_path, chart_path = output / f"bench-{stamp}.json", output / f"bench-{stamp}.png"

    print(f"timing {', '.join(names) or 'every task and ' + SEED_EXPERIMENT}, "
          f"{args.rounds} rounds each (a few minutes) ...", flush=True)
    paths = []
    for runtime in chosen:
        path = json_path if chosen == [runtimes.DEFAULT] else output / f"bench-{stamp}-{runtime}.json"
        if runtime != runtimes.DEFAULT:
            print(f"runtime {runtime}: the Keras rows only", flush=True)
        # From the project root, so pytest finds pyproject.toml's settings.
        completed = subprocess.run(pytest_command(names, args.rounds, path.resolve(), runtime),
                                   cwd=ROOT, env=runtime_environment(runtime))
        if completed.returncode == 5 and runtime != runtimes.DEFAULT:  # no Keras row among the names
            continue
        if completed.returncode != 0:
            print(f"tf-rosetta: the benchmarks failed under runtime {runtime} (pytest exit {completed.returncode}): "
                  f"no table", file=sys.stderr)
            return EXIT_DISAGREE
        paths.append(path)
    if not paths:
        print(f"tf-rosetta: nothing to time under runtime {args.runtime}: only the Keras rows of the tasks run there",
              file=sys.stderr)
        return EXIT_USAGE
    if paths != [json_path]:
        merge_runs(paths, json_path)
    run = reader.load(json_path)
    print()
    print(reader.format_report(run, previous))
    if reader.has_step_times(run):
        reader.draw_chart(run, chart_path, previous)
        print(f"\nsaved {json_path} and {chart_path}")
    else:  # the harness schedule alone: nothing per step to draw
        print(f"\nsaved {json_path}")
    return 0
