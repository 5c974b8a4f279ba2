"""The tf-rosetta command: list, run and compare the implementations."""

import argparse
import importlib
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
EXTRA_COMMANDS = ()


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


def command_run(args) -> int:
    task = registry.check_task(args.task)
    programs = [registry.check_program(args.style)] if args.style else list(registry.PROGRAMS)
    spec = registry.load_spec(task)
    for program in programs:
        module = registry.load(task, program)
        print(f"== {task} / {program}")
        spec.report(module.train(spec))
    return 0


def command_compare(args) -> int:
    from comparisons import harness

    tasks = _tasks(args.tasks)
    print(harness.settings_line())
    all_agree = True
    for task in tasks:
        comparison = harness.compare_task(task)
        print()
        print(harness.format_table(comparison))
        all_agree &= comparison.ok
    return 0 if all_agree else EXIT_DISAGREE


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
    compare.set_defaults(handler=command_compare)
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
    sys.exit(main())
