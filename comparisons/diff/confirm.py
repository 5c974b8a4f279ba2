"""Confirm a candidate by running the fix: B (or both sides) again with the entry's aligning setting
applied from outside the script (its `outside_fix`), compared with A as the first run was.

An argument fix re-runs B alone, its child giving every construction of the fix's class the
argument (overrides.py); an environment fix re-runs both sides with the variable set, since the
environment is read at import by both. The floor is the one measured on A's first run.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tf_rosetta.comparisons.diff import align, runner
from tf_rosetta.comparisons.diff.compare import PARTS, compare


# A fix that shrinks the largest gap this many times is the main cause, whatever remains.
MAIN_CAUSE_FACTOR = 100


@dataclass
class Rerun:
    """What re-running a side needs: command.py fills it while its temporary folder exists."""

    sides: list  # runner.Side for A and B
    folder: Path
    settings: str
    steps: int | None
    timeout: float
    mapping: list | None = None
    map_name: str = ""
    b_start: dict | None = None  # B's start values under --init-from a
    reruns: list = field(default_factory=list)  # A's rounding reruns, for the floor
    environment: dict = field(default_factory=dict)  # what the children ran with

    def run(self, fix, a):
        """(A, B) with the fix applied: A is the first run's unless the fix is an environment variable."""
        if fix.kind == "argument":
            override = {"target": fix.target, "name": fix.name, "value": fix.value}
            (b,) = runner.run_all([runner.start(self.sides[1], self.folder, f"B-fix-{fix.name}", self.settings,
                                                self.steps, set_values=self.b_start, override=override)],
                                  self.timeout)
            return a, b
        extra = {fix.name: str(fix.value)}
        return tuple(runner.run_all(
            [runner.start(self.sides[0], self.folder, f"A-fix-{fix.name}", self.settings, self.steps,
                          extra_environment=extra),
             runner.start(self.sides[1], self.folder, f"B-fix-{fix.name}", self.settings, self.steps,
                          set_values=self.b_start, extra_environment=extra)], self.timeout))


def largest_gap(comparison) -> float:
    return max((float(np.nanmax(gap, initial=0.0)) for name, gap in comparison.gaps.items() if name != "loss"),
               default=0.0)


def confirm(entry, a, comparison, rerun: Rerun) -> tuple[str, object, object]:
    """One line, whether the gap closed with the entry's fix applied from outside; and A and the
    comparison of the re-run (None, None if it failed), for what remains."""
    fix = entry.outside_fix
    who = "A and B" if fix.kind == "environment" else "B"
    try:
        a_fixed, b_fixed = rerun.run(fix, a)
    except runner.ScriptFailed as failed:
        return f"not confirmed: with {fix.says} the re-run failed: {failed}", None, None
    alignment = align.match_variables(a_fixed, b_fixed, rerun.mapping, rerun.map_name)
    fixed = compare(a_fixed, b_fixed, alignment, rerun.reruns)
    before, after = largest_gap(comparison), largest_gap(fixed)
    count = len(fixed.numbers)
    applied = f"{who} re-run with it, applied from outside the script"
    if not count:
        line = f"not confirmed: with {fix.says} no update could be compared"
    elif fixed.verdict != PARTS and alignment.complete:
        how = "bitwise equal to" if after == 0 else f"within {after:.2g} of"
        line = (f"confirmed: with {fix.says} {'B is' if who == 'B' else 'A and B are'} {how} "
                f"{'A' if who == 'B' else 'each other'} at every one of the {count} updates (the largest gap was "
                f"{before:.3g}; {applied})")
    elif after <= before / MAIN_CAUSE_FACTOR:
        line = (f"confirmed as the main cause: with {fix.says} the largest gap falls from {before:.3g} to "
                f"{after:.3g} ({before / after:.3g}x smaller; {applied}); a smaller difference remains, parting "
                f"from update {int(fixed.numbers[fixed.first_parting])}")
    else:
        shrank = f", {before / after:.3g}x smaller" if 0 < after < before else ""
        line = (f"not confirmed: with {fix.says} B still parts, at update {int(fixed.numbers[fixed.first_parting])} "
                f"(largest gap {after:.3g}, was {before:.3g}{shrank})")
    return line, a_fixed, fixed
