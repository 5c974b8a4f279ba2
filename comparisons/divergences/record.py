"""What an entry is: the Divergence record, one Measured result, and where the recorded numbers come from."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

# Where and when the recorded numbers were measured (each probe, once, by --measure).
MEASURED_ON = ("2026-11-25, x86-64 AMD EPYC (AVX-512), Linux, TensorFlow 2.21.0 (tensorflow-cpu), "
               "Keras 3.15.1, NumPy 2.4.6")
# The same machine, as the platform checks compare it (see machine.py).
RECORDED_ARCHITECTURE = "x86_64"
RECORDED_VECTOR_WIDTH = "AVX-512"


@dataclass(frozen=True)
class Measured:
    """One measurement: the difference with each API's defaults, and once aligned."""

    default: float
    aligned: float
    details: str = ""  # what else the probe saw (values, costs)


@dataclass(frozen=True)
class OutsideFix:
    """How `tf-rosetta diff` applies an entry's aligning setting to a user's script from outside,
    to confirm that the entry explains a parting (comparisons/diff/confirm.py).

    kind "argument": every construction of `target` (a dotted name, e.g. "keras.optimizers.Adam"),
    or every call where `target` names a method ("keras.Model.__call__"), gets `name=value`,
    whatever the script passed; kind "environment": the children run with the
    environment variable `name=value` (read at import, so both sides are run again).
    """

    kind: str  # "argument" or "environment"
    name: str  # the argument or the environment variable
    value: object
    target: str = ""  # for "argument": the class whose constructor, or the method, gets it
    says: str = ""  # the change as the user makes it, e.g. "Keras `Adam(epsilon=1e-8)`"


# How an entry's difference shows in `tf-rosetta diff`'s trace (comparisons/diff/candidates.py):
# "optimizer": every variable parts at the first update while the first loss is the same (the
#   update rule differs, the forward pass does not);
# "forward": the loss of the first update already differs (the model or the loss computes
#   something else before any update);
# "rounding": the first parting gap is a few ulps of the values (another kernel's rounding);
# "batches": the batches differ at or before the first parting update (another order of the data).
EVIDENCE_KINDS = ("optimizer", "forward", "rounding", "batches")


def no_platform_problem() -> str:
    return ""


@dataclass(frozen=True)
class Divergence:
    name: str  # also the name of the entry's module in entries/
    # The lesson, told once: the entry module's docstring (`lesson=__doc__`). Its first line is
    # "NAME: the headline." (the title); the paragraphs after it say what differs, why, and how
    # the probe sees it.
    lesson: str
    quantity: str  # what the two measured numbers are
    setting: str  # the aligning setting, in a few words (the summary table's cell)
    aligned_by: str  # the change to make, short; the reasons are the lesson's
    recorded: Measured  # measured on MEASURED_ON (or as its details say)
    # The probe's verdict: the default difference is at least default_at_least and the
    # aligned one at most aligned_at_most (each with the reason in why).
    default_at_least: float
    aligned_at_most: float
    why: str
    probe: Callable[[], Measured]
    applies_to: str  # regex: the program files in which the difference would show
    # One dependent file's problems: empty when it carries the aligning setting.
    alignment_problems: Callable[[Path, str], list[str]]
    not_measured: str = ""  # what this machine cannot measure
    unit: str = ""  # of the measured numbers, where not a plain difference
    # Why this machine cannot show the difference as recorded ("" when it can): for a probe
    # that measures a fact of the platform (a oneDNN build, OpenBLAS's threads, the vector
    # width). The tests skip the probe with this reason; --measure says so instead of measuring.
    platform_problem: Callable[[], str] = no_platform_problem
    # For an entry that a program's spec declares (`known_differences`): the task's oracle with
    # the entry's arithmetic in place of its own, task -> train(spec), or None where that
    # cannot be written. `compare` runs it to confirm that the entry explains a parting.
    oracle_variant: Callable[[str], Callable] | None = None
    # For `tf-rosetta diff` (comparisons/diff/explain.py): how the difference shows in two traces
    # (one of EVIDENCE_KINDS, "" where diff cannot tell), and how its aligning setting can be
    # applied to a user's script from outside (None where only an edit of the script can).
    evidence: str = ""
    outside_fix: OutsideFix | None = None

    def _paragraphs(self) -> list[str]:
        """The docstring's paragraphs, each as one line; each item of a list ("- ...") as a paragraph of its own."""
        found = []
        for paragraph in self.lesson.strip().split("\n\n"):
            if paragraph.lstrip().startswith("- "):
                found += ["- " + " ".join(item.split()) for item in re.split(r"^\s*- ", paragraph, flags=re.M)
                          if item.strip()]
            elif paragraph.strip():
                found.append(" ".join(paragraph.split()))
        return found

    @property
    def title(self) -> str:
        """The lesson in one line: the docstring's headline without "NAME: " and its full stop."""
        headline = self._paragraphs()[0]
        if not headline.startswith(f"{self.name}: "):
            raise ValueError(f"entries/{self.name}.py: the docstring starts {headline[:40]!r}, "
                             f"not {self.name + ': '!r}")
        headline = headline.removeprefix(f"{self.name}: ").removesuffix(".")
        return headline[:1].upper() + headline[1:]

    @property
    def body(self) -> list[str]:
        """The lesson's paragraphs after the headline, each as one line of text."""
        return self._paragraphs()[1:]

    def problems(self, measured: Measured) -> list[str]:
        """Why a fresh measurement does not show the difference and its alignment."""
        found = []
        if not measured.default >= self.default_at_least:
            found.append(f"{self.name}: the default difference {measured.default:.3g} is below "
                         f"{self.default_at_least:g}: has it vanished?")
        if not measured.aligned <= self.aligned_at_most:
            found.append(f"{self.name}: once aligned the difference {measured.aligned:.3g} is above "
                         f"{self.aligned_at_most:g}: the alignment no longer works")
        return found


def max_difference(a, b) -> float:
    """max |a - b|, in float64."""
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
