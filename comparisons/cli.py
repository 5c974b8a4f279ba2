"""The tf-rosetta command: list, run and compare the implementations."""

import argparse
import dataclasses
import importlib
import math
import os
import sys

import implementations  # noqa: F401  (before TensorFlow: fixes its settings)
from implementations import registry
from implementations.contract import DataError

# Distinct exit codes, one per kind of failure.
EXIT_DISAGREE = 1  # a style disagrees with the oracle or misses the quality bar
EXIT_USAGE = 2  # unknown task or style, bad option
EXIT_DATA = 3  # a data file missing, unreadable or of the wrong shape
EXIT_NON_FINITE = 4  # a style's loss became NaN or infinite

# Modules that add a subcommand: each has register(commands), commands being the
# argparse subparsers; a handler it sets returns the exit code.
EXTRA_COMMANDS = ("comparisons.show", "comparisons.plots", "comparisons.divergences", "comparisons.bench")


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _tasks(names: list[str]) -> list[str]:
    return [registry.check_task(name) for name in names] or list(registry.TASKS)


def command_list(args) -> int:
    print("tasks: ", " ".join(registry.TASKS))
    print("styles:", " ".join(registry.STYLES))
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


def _positive_int(text: str) -> int:
    if not (text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def _check_mnist_applies(args, tasks) -> None:
    if getattr(args, "mnist", None) is not None and "logistic_mnist" not in tasks:
        raise UsageError(f"--mnist applies to logistic_mnist only, not to {', '.join(tasks)}")


def _spec(task: str, args):
    """The task's spec, with the learning rate (and MNIST file) the user gave, if any."""
    if getattr(args, "mnist", None) is not None and task == "logistic_mnist":
        from implementations.logistic_mnist.spec import build_spec

        spec = build_spec(args.mnist)  # DataError (exit 3) if the file is not MNIST
    else:
        spec = registry.load_spec(task)
    if getattr(args, "learning_rate", None) is not None:
        spec = dataclasses.replace(spec, learning_rate=args.learning_rate)
    return spec


def _exit_code_of(runs) -> int:
    """EXIT_NON_FINITE if a loss blew up, EXIT_DISAGREE for any other failure, else 0."""
    from comparisons import harness

    if any(run.result is not None and harness._first_non_finite_step(run.result) is not None for run in runs):
        return EXIT_NON_FINITE
    return 0 if all(run.ok for run in runs) else EXIT_DISAGREE


def command_run(args) -> int:
    from comparisons import harness

    task = registry.check_task(args.task)
    programs = [registry.check_program(args.style)] if args.style else list(registry.PROGRAMS)
    _check_mnist_applies(args, [task])
    spec = _spec(task, args)
    runs = []
    for program in programs:
        print(f"== {task} / {program}", flush=True)
        # A program that fails (or whose loss blows up) is one line; the others still run.
        runs.append(harness.run_program(task, program, spec))
        if runs[-1].error:
            print(f"tf-rosetta: {runs[-1].error}", file=sys.stderr, flush=True)
        else:
            spec.report(runs[-1].result)
    return _exit_code_of([run for run in runs if run.error])


def command_compare(args) -> int:
    from comparisons import harness

    tasks = _tasks(args.tasks)
    _check_mnist_applies(args, tasks)
    specs = [_spec(task, args) for task in tasks]
    print(harness.settings_line())
    exit_code = 0
    for comparison in harness.compare_tasks(specs, jobs=args.jobs):
        print()
        print(harness.format_table(comparison))
        if not comparison.ok:
            exit_code = max(exit_code, _exit_code_of(comparison.runs.values()) or EXIT_DISAGREE)
    return exit_code


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
    compare.add_argument("--jobs", type=_positive_int, default=os.cpu_count() or 1, metavar="N",
                         help="train the programs in N processes (default: one per CPU; 1: all in this process)")
    compare.set_defaults(handler=command_compare)
    for command in (run, compare):
        command.add_argument("--learning-rate", type=_learning_rate, metavar="RATE",
                             help="override the spec's learning rate (exit 4 if a loss becomes non-finite)")
        command.add_argument("--mnist", metavar="PATH",
                             help="logistic_mnist on this MNIST .npz (Keras's format) instead of the default data")
    for module_name in EXTRA_COMMANDS:
        importlib.import_module(module_name).register(commands)
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except (UsageError, registry.UnknownName) as error:
        print(f"tf-rosetta: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DataError as error:
        print(f"tf-rosetta: {error}", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":
    # Through the imported module: subcommand modules raise comparisons.cli's UsageError,
    # not this __main__ copy's.
    sys.exit(importlib.import_module("comparisons.cli").main())
