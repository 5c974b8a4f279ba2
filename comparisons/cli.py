"""The tf-rosetta command: list, run and compare the implementations."""

import argparse
import dataclasses
import importlib
import math
import sys
import time

from tf_rosetta import implementations  # noqa: F401  (before TensorFlow: fixes its settings)
from tf_rosetta.comparisons import arguments, tables
from tf_rosetta.comparisons.errors import (EXIT_DATA, EXIT_DISAGREE, EXIT_NON_FINITE, EXIT_USAGE,  # noqa: F401  (re-exported)
                                UsageError, add_jobs_option)
from tf_rosetta.implementations import registry, runtimes
from tf_rosetta.implementations.contract import DataError

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _tasks(names: list[str]) -> list[str]:
    return [registry.check_task(name) for name in names] or list(registry.TASKS)


def command_list(args) -> int:
    print("tasks: ", " ".join(registry.TASKS))
    print("styles:", " ".join(registry.STYLES))
    for task, extra in registry.EXTRA_STYLES.items():
        print(f"  {task} also:", " ".join(extra))
    print("oracle:", registry.ORACLE)
    return 0


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def _check_mnist_applies(args, tasks) -> None:
    mnist_tasks = [task for task in registry.TASKS if registry.uses_mnist(task)]
    if getattr(args, "mnist", None) is not None and not any(task in mnist_tasks for task in tasks):
        raise UsageError(f"--mnist applies to {', '.join(mnist_tasks)} only, not to {', '.join(tasks)}")


def _spec(task: str, args):
    """The task's spec, with the learning rate (and MNIST file) the user gave, if any."""
    if getattr(args, "mnist", None) is not None and registry.uses_mnist(task):
        spec = registry.spec_of(task, args.mnist)  # DataError (exit 3) if not MNIST
    else:
        spec = registry.spec_of(task)
    if getattr(args, "learning_rate", None) is not None:
        spec = dataclasses.replace(spec, learning_rate=args.learning_rate)
    return spec


def _exit_code_of(runs) -> int:
    """EXIT_NON_FINITE if a loss blew up, EXIT_DISAGREE for any other failure, else 0."""
    failures = {run.failure for run in runs} - {None}
    if "non_finite" in failures:
        return EXIT_NON_FINITE
    return EXIT_DISAGREE if failures else 0


class _Progress:
    """A line on the terminal that counts finished programs; silent when stderr is not a
    terminal, so that a log holds only the tables."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream, self.startups = total, 0, stream, []
        self.live = stream.isatty()
        self.start = time.perf_counter()

    def program_done(self, task, run) -> None:
        self.done += 1
        if run.startup_seconds is not None:
            self.startups.append(run.startup_seconds)
        if self.live:
            self.stream.write(f"\r\033[K[{self.done}/{self.total}] {time.perf_counter() - self.start:5.1f} s  "
                              f"{task} {run.program} ({run.seconds:.1f} s)")
            self.stream.flush()

    def clear(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _runtimes(name: str) -> list[str]:
    """The runtimes --runtime names ("all": every one), each checked to be installed."""
    names = list(runtimes.RUNTIMES) if name == "all" else [name]
    return [runtimes.check(runtime) for runtime in names]


def command_run(args) -> int:
    from tf_rosetta.comparisons import harness

    task = registry.check_task(args.task)
    (runtime,) = _runtimes(args.runtime) if args.runtime != "all" else (None,)
    if runtime is None:
        raise UsageError("run takes one runtime, not all")
    programs = [registry.check_program(args.style, task)] if args.style else list(registry.programs_of(task))
    _check_mnist_applies(args, [task])
    spec = _spec(task, args)
    runs = []
    for program in programs:
        print(f"== {task} / {program}" + ("" if runtime == runtimes.DEFAULT else f" [runtime {runtime}]"), flush=True)
        reason = runtimes.not_applicable(runtime, program, task)
        if reason:
            print(f"not applicable under runtime {runtime}: {reason}")
            continue
        # A program that fails (or whose loss blows up) is one line; the others still run.
        runs.append(harness.run_in_runtime(task, program, spec, runtime))
        print(runs[-1].printed, end="")
        if runs[-1].error:
            print(f"tf-rosetta: {runs[-1].error}", file=sys.stderr, flush=True)
        else:
            spec.report(runs[-1].result)
            for problem in runs[-1].quality_problems:
                print(f"tf-rosetta: {task} {program}: quality bar missed: {problem}", file=sys.stderr, flush=True)
    return _exit_code_of(runs)


def command_compare(args) -> int:
    from tf_rosetta.comparisons import harness

    tasks = _tasks(args.tasks)
    chosen = _runtimes(args.runtime)
    _check_mnist_applies(args, tasks)
    specs = [_spec(task, args) for task in tasks]
    exit_code = 0
    for runtime in chosen:
        print(tables.settings_line(runtime), flush=True)
        progress = _Progress(harness.count_programs(specs, runtime=runtime))
        # Each task's table as soon as its programs are done.
        for comparison in harness.iter_comparisons(specs, jobs=args.jobs, on_program=progress.program_done,
                                                   runtime=runtime):
            progress.clear()
            print()
            print(tables.format_table(comparison, verbose=args.verbose), flush=True)
            if not comparison.ok:
                exit_code = max(exit_code, _exit_code_of(comparison.runs.values()) or EXIT_DISAGREE)
        progress.clear()
        print(f"\ntime: each program's own training and evaluation; the start-up of its process "
              f"(imports, the runtime's first use) is apart: "
              f"{', '.join(f'{seconds:.1f} s' for seconds in progress.startups) or 'none'}; "
              f"{time.perf_counter() - progress.start:.1f} s in all", flush=True)
        if len(chosen) > 1:
            print()
    return exit_code


# The subcommands beyond these: each handler imports its module when the subcommand runs,
# so that `list` or `--help` imports none of them (the divergence catalog alone is 42
# modules; bench's is the benchmark suite). arguments.py declares their options. Each
# returns the exit code.

def command_show(args) -> int:
    from tf_rosetta.comparisons import show

    return show.command_show(args)


def command_plot(args) -> int:
    from tf_rosetta.comparisons import plots

    return plots.command_plot(args)


def command_divergences(args) -> int:
    from tf_rosetta.comparisons.divergences import command

    return command.command_divergences(args)


def command_bench(args) -> int:
    from tf_rosetta.comparisons import bench

    return bench.command_bench(args)


def command_checkpoints(args) -> int:
    from tf_rosetta.comparisons.checkpoints import command

    return command.command_checkpoints(args)


def command_notebooks(args) -> int:
    from tf_rosetta.comparisons import notebooks

    return notebooks.command_notebooks(args)


def command_diff(args) -> int:
    from tf_rosetta.comparisons.diff import command

    return command.command_diff(args)


EXTRA_COMMANDS = ((arguments.show, command_show), (arguments.plot, command_plot),
                  (arguments.divergences, command_divergences), (arguments.bench, command_bench),
                  (arguments.checkpoints, command_checkpoints), (arguments.notebooks, command_notebooks),
                  (arguments.diff, command_diff))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tf-rosetta", description="One learning task, six TensorFlow APIs, proven equal.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="the tasks and styles").set_defaults(handler=command_list)
    run = commands.add_parser("run", help="train one task's programs and print what the seed printed")
    run.add_argument("task")
    run.add_argument("--style", help="one program (default: all)")
    run.set_defaults(handler=command_run)
    compare = commands.add_parser("compare", help="the agreement table of each task (exit 1 if any style disagrees)")
    compare.add_argument("tasks", nargs="*", metavar="TASK", help="default: every task")
    add_jobs_option(compare)
    compare.add_argument("--verbose", action="store_true",
                         help="every problem of a failing program and the pairwise differences, not one line each")
    compare.set_defaults(handler=command_compare)
    for command in (run, compare):
        command.add_argument("--runtime", default=runtimes.DEFAULT, metavar="RUNTIME",
                             help=f"how the programs get Keras: {', '.join(runtimes.RUNTIMES)}, or all "
                                  f"(default {runtimes.DEFAULT}; see docs/install.md)")
        command.add_argument("--learning-rate", type=_learning_rate, metavar="RATE",
                             help="override the spec's learning rate (exit 4 if a loss becomes non-finite)")
        command.add_argument("--mnist", metavar="PATH",
                             help="the MNIST tasks on this MNIST .npz (Keras's format) instead of the default data")
    for declare, handler in EXTRA_COMMANDS:
        declare(commands).set_defaults(handler=handler)
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except (UsageError, registry.UnknownName, runtimes.RuntimeUnavailable) as error:
        print(f"tf-rosetta: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DataError as error:
        print(f"tf-rosetta: {error}", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":
    # Through the imported module: subcommand modules raise comparisons.cli's UsageError,
    # not this __main__ copy's.
    sys.exit(importlib.import_module("tf_rosetta.comparisons.cli").main())
