"""tf-rosetta bench: time one training step of each task in each API, print the table, draw the chart."""

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import benchmarks
from benchmarks import report
from comparisons.errors import EXIT_DISAGREE, EXIT_USAGE
from implementations import registry

DEFAULT_OUTPUT = "bench-results"
MAX_ROUNDS = 1000


def _rounds(text: str) -> int:
    try:
        rounds = int(text)
    except ValueError:
        rounds = 0
    if not 1 <= rounds <= MAX_ROUNDS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_ROUNDS}, got {text!r}")
    return rounds


def _saved_run(path: str) -> report.Run:
    try:
        return report.load(path)
    except report.ReportError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _check_names(names: list[str]) -> list[str]:
    accepted = [*registry.TASKS, benchmarks.SEED_EXPERIMENT]
    for name in names:
        if name not in accepted:
            raise registry.UnknownName(f"unknown task {name!r}; accepted: {', '.join(accepted)}")
    return names


def pytest_command(names: list[str], rounds: int, json_path: Path) -> list[str]:
    """The pytest run behind `tf-rosetta bench`: the benchmarks folder, grouped by task."""
    command = [sys.executable, "-m", "pytest", str(Path(benchmarks.__file__).parent),
               "-q", "-p", "no:cacheprovider", "--benchmark-quiet", "--benchmark-group-by=param:task",
               f"--benchmark-min-rounds={rounds}", f"--benchmark-json={json_path}"]
    if names:
        command.append(f"--tasks={','.join(names)}")
    return command


def command_bench(args) -> int:
    names = _check_names(args.tasks)
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

    print(f"timing {', '.join(names) or 'every task and ' + benchmarks.SEED_EXPERIMENT}, "
          f"{args.rounds} rounds each (a few minutes) ...", flush=True)
    # From the project root, so pytest finds pyproject.toml's settings.
    completed = subprocess.run(pytest_command(names, args.rounds, json_path.resolve()),
                               cwd=Path(benchmarks.__file__).parent.parent)
    if completed.returncode != 0:
        print(f"tf-rosetta: the benchmarks failed (pytest exit {completed.returncode}): no table", file=sys.stderr)
        return EXIT_DISAGREE
    run = report.load(json_path)
    print()
    print(report.format_report(run, args.compare))
    report.draw_chart(run, chart_path, args.compare)
    print(f"\nsaved {json_path} and {chart_path}")
    return 0


def register(commands) -> None:
    bench = commands.add_parser("bench", help="time one training step of each task in each API (minutes)")
    bench.add_argument("tasks", nargs="*", metavar="TASK",
                       help=f"default: every task and {benchmarks.SEED_EXPERIMENT} (seed 002's experiment)")
    bench.add_argument("--rounds", type=_rounds, default=5, help="the fewest timed rounds of each benchmark; short ones get more (default 5)")
    bench.add_argument("--output", default=DEFAULT_OUTPUT, metavar="DIR",
                       help=f"where the JSON and the chart go (default {DEFAULT_OUTPUT}/)")
    bench.add_argument("--compare", type=_saved_run, metavar="PATH", help="a saved bench JSON to compare with")
    bench.set_defaults(handler=command_bench)
