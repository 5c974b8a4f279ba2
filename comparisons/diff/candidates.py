"""Which catalog entries could explain a parting: found in the two scripts' code, then fitted to the trace.

Static: every entry's `applies_to` pattern and alignment check (comparisons/divergences), run
on both user files as on the project's programs. An entry is a candidate when its pattern finds
code on one side at least and its check finds the aligning setting missing on one side at least
(for instance B builds Keras `Adam` without `epsilon=`, or A feeds `keep_prob`), or its pattern
finds code on one side only (A's TF1 `AdamOptimizer` keeps its beta powers as B's Keras `Adam`
does not, and nothing aligns that). An entry whose
setting is applied from outside through the environment (`outside_fix`) is a candidate when the
children ran without it, whatever the code.

Evidence: an entry's `evidence` says how its difference shows in a trace (record.EVIDENCE_KINDS);
`fit` says whether what diff observed fits it, and why, in words.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tf_rosetta.comparisons.divergences import CATALOG, program_code

# A first parting gap within this many ulps of the largest value is "a few ulps": rounding.
ROUNDING_ULPS = 256
# A model or loss that computes something else moves the loss by more than this share of itself;
# rounding in one forward pass moves it by a few float32 ulps (1e-7 of itself).
FORWARD_RELATIVE = 1e-4


@dataclass
class Candidate:
    entry: object  # divergences.Divergence
    missing: dict[str, list[str]] = field(default_factory=dict)  # side label -> what its check found
    applies: list[str] = field(default_factory=list)  # the sides whose code the pattern finds
    environment: str = ""  # for an environment fix: what the children ran with instead
    fits: bool | None = None  # None: the entry says nothing about how it shows
    why: str = ""  # what was observed, for or against

    @property
    def name(self) -> str:
        return self.entry.name


def _code(path: Path) -> str | None:
    try:
        return program_code(path)
    except (SyntaxError, ValueError, OSError):
        return None


def static_candidates(path_a: Path, path_b: Path, environment: dict | None = None, entries=CATALOG) -> list[Candidate]:
    """The entries whose difference the two files' code (or the children's environment) could carry."""
    codes = {"A": _code(path_a), "B": _code(path_b)}
    paths = {"A": path_a, "B": path_b}
    found = []
    for entry in entries:
        fix = entry.outside_fix
        if fix is not None and fix.kind == "environment":
            value = (environment or {}).get(fix.name)
            if value is not None and value != fix.value:
                found.append(Candidate(entry, environment=f"{fix.name}={value}"))
            continue
        candidate = Candidate(entry)
        for side, code in codes.items():
            if code is None or not re.search(entry.applies_to, code, re.MULTILINE):
                continue
            candidate.applies.append(side)
            problems = entry.alignment_problems(paths[side], code)
            if problems:
                candidate.missing[side] = [_without_path(problem, paths[side]) for problem in problems]
        # A difference between two APIs (TF1's AdamOptimizer and Keras's Adam) shows as code that
        # only one side has, also where nothing aligns it (the check finds nothing to add).
        if candidate.missing or (len(candidate.applies) == 1 and entry.evidence):
            found.append(candidate)
    return found


def _without_path(problem: str, path: Path) -> str:
    text = problem[len(str(path)):] if problem.startswith(str(path)) else problem
    return text.lstrip(":0123456789 ") or problem


# Evidence -----------------------------------------------------------------------------------

def first_record_gaps(comparison) -> tuple[float, dict[str, float]]:
    """The loss gap (NaN if not compared) and each variable's gap at the first compared record."""
    loss = comparison.gaps.get("loss")
    first_loss = float(loss[0]) if loss is not None and len(loss) else float("nan")
    return first_loss, {name: float(gap[0]) for name, gap in comparison.gaps.items() if name != "loss" and len(gap)}


def parted_variables(comparison, record: int) -> list[str]:
    """The variables beyond the rounding floor (beyond 0 where no floor was measured) at a record."""
    from tf_rosetta.comparisons import agreement

    names = [name for name in comparison.gaps if name != "loss"]
    if comparison.floors is None:
        return [name for name in names if comparison.gaps[name][record] > 0]
    return [name for name in names
            if comparison.gaps[name][record] > agreement.FLOOR_MULTIPLE * comparison.floors[name][record]]


def first_differing_batch(a, b, update: int) -> int | None:
    """The first update, up to this one, whose batches both sides saw and differ (None: none seen to)."""
    if b is None:
        return None
    for number in np.intersect1d(a.number, b.number):
        if number > update:
            break
        batch_a, batch_b = a.batch[np.flatnonzero(a.number == number)[0]], b.batch[np.flatnonzero(b.number == number)[0]]
        if batch_a and batch_b and batch_a != batch_b:
            return int(number)
    return None


def fit(candidate: Candidate, a, comparison, b=None) -> None:
    """Set candidate.fits and .why from what the comparison observed (b: for its batches)."""
    first = comparison.first_parting
    kind = candidate.entry.evidence
    if first is None or not kind:
        candidate.fits, candidate.why = None, ""
        return
    update = int(comparison.numbers[first])
    _, variables = first_record_gaps(comparison)
    parted = parted_variables(comparison, first)
    if kind == "optimizer":
        every = set(parted) == set(variables) and bool(variables)
        loss_there = _loss_parts(comparison, first)
        candidate.fits = update == 1 and every and not loss_there
        candidate.why = (f"parts at update {update}, in {len(parted)} of {len(variables)} variables"
                         + (", the first loss not compared" if loss_there is None else
                            ", the first loss the same" if not loss_there else
                            f", but the first loss already differs by {loss_there:.3g}")
                         + ("" if candidate.fits else ": an optimizer's difference shows in every variable "
                                                      "at update 1, after the same first loss"))
    elif kind == "forward":
        # The loss of the first parting update was computed from weights that had not parted yet.
        loss_there = _loss_parts(comparison, first)
        own = abs(float(a.loss[_record_index(a, comparison, first)])) if loss_there else 0.0
        candidate.fits = bool(loss_there) and loss_there >= FORWARD_RELATIVE * own
        batch = first_differing_batch(a, b, update)
        if candidate.fits and batch is not None:
            candidate.fits = False
            candidate.why = (f"the batches differ from update {batch}: another batch, not the forward pass, "
                             f"moves the loss")
            return
        candidate.why = (f"the loss of update {update}, computed from weights that had not parted, differs by "
                         f"{loss_there:.3g}" if candidate.fits else
                         ("the losses are not compared" if loss_there is None else
                          f"the loss of update {update} is within rounding" if not loss_there else
                          f"the loss of update {update} differs by {loss_there:.3g}, less than "
                          f"{FORWARD_RELATIVE:g} of itself")
                         + ": a difference in the forward pass or the loss shows first in the loss")
    elif kind == "batches":
        batch = first_differing_batch(a, b, update)
        candidate.fits = batch is not None
        candidate.why = (f"the batches differ from update {batch}, and the runs part at update {update}"
                         if candidate.fits else
                         f"the batches are not seen to differ up to update {update}: a difference of batch "
                         "order shows in the batches first")
    elif kind == "rounding":
        name, gap = largest_variable_gap(comparison, first)
        scale = max((float(np.max(np.abs(values[_record_index(a, comparison, first)]), initial=0.0))
                     for values, own in zip(a.after, a.names) if own in comparison.gaps), default=0.0)
        ulps = gap / float(np.spacing(np.float32(scale))) if scale > 0 else float("inf")
        candidate.fits = ulps <= ROUNDING_ULPS
        candidate.why = (f"the first parting gap, {gap:.3g} in {name} at update {update}, is {ulps:.3g} ulps of the "
                         f"largest value" + ("" if candidate.fits else
                                             f": more than the {ROUNDING_ULPS} ulps of another kernel's rounding"))


def largest_variable_gap(comparison, record: int) -> tuple[str, float]:
    names = [name for name in comparison.gaps if name != "loss"]
    if not names:
        return "loss", float(comparison.gaps["loss"][record])
    name = max(names, key=lambda n: comparison.gaps[n][record])
    return name, float(comparison.gaps[name][record])


def _loss_parts(comparison, record: int) -> float | None:
    """The loss gap at a record if it is beyond the floor (0.0 if within it), None if not compared."""
    from tf_rosetta.comparisons import agreement

    loss = comparison.gaps.get("loss")
    if loss is None or np.isnan(loss[record]):
        return None
    gap = float(loss[record])
    if comparison.floors is not None and gap <= agreement.FLOOR_MULTIPLE * comparison.floors["loss"][record]:
        return 0.0
    return gap


def _record_index(a, comparison, record: int) -> int:
    return int(np.flatnonzero(a.number == comparison.numbers[record])[0])


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Fitting the evidence first, then entries that say nothing, then those the evidence contradicts;
    within each, a setting missing on one side only before one missing on both; then the catalog's order."""
    order = {entry.name: index for index, entry in enumerate(CATALOG)}
    return sorted(candidates, key=lambda c: ({True: 0, None: 1, False: 2}[c.fits],
                                             0 if len(c.missing) == 1 or c.environment else 1, order[c.name]))
