"""The arguments of the subcommands beyond list, run and compare, declared without their modules.

Every tf-rosetta call builds the whole parser, so declaring a subcommand must not import
the module that does its work: the divergence catalog imports its 36 entries, bench the
benchmark suite's report code, show and plot the page and figure code. Each function here
adds one subcommand's parser and returns it; cli.py sets its handler, which imports the
module when the subcommand runs. What the parser cannot check without those modules (an
entry's name, a saved bench run) the handler checks, with the same one-line error and
exit 2.

Of the project it imports only errors.py and the runtimes' registry; bench.py and the
benchmarks take the two bench names below from here.
"""

import argparse

from tf_rosetta.comparisons.errors import add_jobs_option, positive_int
from tf_rosetta.implementations import runtimes

SITE = "site"  # where show and plot write by default
NOTEBOOKS = "notebooks"  # where notebooks writes by default (not committed: .gitignore)
BENCH_OUTPUT = "bench-results"
MAX_ROUNDS = 1000
# The bench names that are not tasks, here so that `bench --help` names them without the
# suite (benchmarks/__init__.py takes them from here). Seed 002's experiment: a Keras model
# called eagerly and under tf.function.
SEED_EXPERIMENT = "eager_vs_graph"
# The harness's own schedule: `compare` of every task against its ideal.
HARNESS_SCHEDULE = "harness_schedule"


def show(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "show", help="the comparison pages (HTML and Markdown), or two programs side by side in the terminal")
    parser.add_argument("tasks", nargs="*", metavar="TASK", help="default: every task, plus an index page")
    parser.add_argument("--style", action="append", metavar="STYLE",
                        help="print this program in the terminal; twice: two programs in columns")
    parser.add_argument("--output", default=SITE, metavar="DIR", help=f"default: {SITE}/")
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    add_jobs_option(parser)
    parser.add_argument("--width", type=int, help="terminal width for --style columns (default: the terminal's)")
    return parser


def plot(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("plot", help="the figures of each task (loss curves, fitted model) as PNG")
    parser.add_argument("tasks", nargs="*", metavar="TASK", help="default: every task")
    parser.add_argument("--output", default=SITE, metavar="DIR", help=f"default: {SITE}/")
    add_jobs_option(parser)
    return parser


def divergences(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("divergences", help="where the APIs differ by default, how much, and the "
                                                     "setting that aligns them")
    # The names are checked when the command runs (catalog.check_names): listing them here
    # would import every entry on every call.
    parser.add_argument("names", nargs="*", metavar="NAME", help="default: every entry")
    parser.add_argument("--markdown", action="store_true", help="the catalog as Markdown: docs/divergences.md "
                        "(`tf-rosetta divergences --markdown > docs/divergences.md` regenerates it)")
    parser.add_argument("--measure", action="store_true", help="re-measure every entry on this machine")
    return parser


def rounds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ROUNDS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_ROUNDS}, got {text!r}")
    return value


def bench(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("bench", help="time one training step of each task in each API (minutes)")
    parser.add_argument("tasks", nargs="*", metavar="TASK",
                        help=f"default: every task and {SEED_EXPERIMENT} (seed 002's experiment); "
                             f"{HARNESS_SCHEDULE}: compare's wall time against its ideal schedule")
    parser.add_argument("--rounds", type=rounds, default=5,
                        help="the fewest timed rounds of each benchmark; short ones get more (default 5)")
    parser.add_argument("--output", default=BENCH_OUTPUT, metavar="DIR",
                        help=f"where the JSON and the chart go (default {BENCH_OUTPUT}/)")
    # Read when the command runs (bench.command_bench): the reader is the suite's report code.
    parser.add_argument("--compare", metavar="PATH", help="a saved bench JSON to compare with")
    parser.add_argument("--runtime", default=runtimes.DEFAULT, metavar="RUNTIME",
                        help=f"{', '.join(runtimes.RUNTIMES)} or all (default {runtimes.DEFAULT}); another "
                             "runtime times the Keras rows (fit, train_on_batch), in a process of its own "
                             "(docs/install.md, Runtimes)")
    return parser


def checkpoints(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "checkpoints", help="save in each style, load and resume in every other (exit 1 if any cell fails)")
    parser.add_argument("tasks", nargs="*", metavar="TASK", help="default: every task")
    parser.add_argument("--inspect", metavar="PATH",
                        help="list a checkpoint's variables (prefix or .weights.h5) and the weights they map to")
    parser.add_argument("--output", metavar="DIR", help="keep the checkpoints in DIR, a new or empty folder")
    add_jobs_option(parser)
    return parser


def notebooks(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("notebooks", help="each program as a Jupyter notebook, generated from its file")
    parser.add_argument("tasks", nargs="*", metavar="TASK", help="default: every task")
    parser.add_argument("--output", default=NOTEBOOKS, metavar="DIR", help=f"default: {NOTEBOOKS}/")
    parser.add_argument("--runtime", default=runtimes.DEFAULT, metavar="RUNTIME",
                        help=f"the runtime the first cell activates: {', '.join(runtimes.RUNTIMES)} "
                             f"(default {runtimes.DEFAULT}; see docs/install.md)")
    return parser


# diff: what the command needs before it imports comparisons/diff (docs/diff.md).
DIFF_SETTINGS = ("package", "tensorflow")
DIFF_TIMEOUT = 900.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def diff(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "diff", help="run two training scripts unmodified and compare them update by update (exit 1 if they part)")
    parser.add_argument("a", metavar="A.py", help="the first script (the old program, say)")
    parser.add_argument("b", metavar="B.py", help="the second script (its port)")
    for label in ("a", "b"):
        parser.add_argument(f"--{label}-runtime", default=runtimes.DEFAULT, metavar="RUNTIME",
                            help=f"how {label.upper()} gets Keras: {', '.join(runtimes.RUNTIMES)} "
                                 f"(default {runtimes.DEFAULT}; jax: Keras fit only)")
    parser.add_argument("--steps", type=positive_int, metavar="N", help="stop both scripts after N updates")
    parser.add_argument("--timeout", type=_seconds, default=DIFF_TIMEOUT, metavar="SECONDS",
                        help=f"stop a script that runs longer, exit 5 (default {DIFF_TIMEOUT:g})")
    parser.add_argument("--init-from", choices=("a",),
                        help="start B from A's initial values (set by the tracer before B's first update)")
    parser.add_argument("--map", metavar="FILE", help="which variable of A is which of B: lines 'A_NAME B_NAME' "
                                                      "(a name or #N, the N-th variable)")
    parser.add_argument("--settings", choices=DIFF_SETTINGS, default="package",
                        help="package (default): tf-rosetta's, oneDNN off so that eager and graph code round alike; "
                             "tensorflow: TensorFlow's defaults, oneDNN on")
    parser.add_argument("--json", metavar="PATH", help="write every number as JSON")
    parser.add_argument("--plot", metavar="PATH", help="write |Δ| by update per variable as a PNG (log scale)")
    return parser
