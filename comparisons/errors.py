"""Exit codes and the one-line usage error that every tf-rosetta command shares."""

import argparse
import os

EXIT_OK = 0
EXIT_DISAGREE = 1  # a style disagrees with the oracle or misses the quality bar
EXIT_USAGE = 2  # unknown task or style, bad option
EXIT_DATA = 3  # a data file missing, unreadable or of the wrong shape
EXIT_NON_FINITE = 4  # a style's loss became NaN or infinite
# diff: a user's script that fails on its own (raises, exits with an error, runs past the
# timeout, or makes no training update the tracer can see)
EXIT_SCRIPT_FAILED = 5


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


def positive_int(text: str) -> int:
    if not (text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def add_jobs_option(parser) -> None:
    """--jobs N, the same for every command that trains programs."""
    parser.add_argument("--jobs", type=positive_int, default=default_jobs(), metavar="N",
                        help="train the programs in N processes (default: one per CPU; 1: all in this process)")
