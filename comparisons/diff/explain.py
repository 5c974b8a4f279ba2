"""Why two scripts part, from the divergence catalog: the report's lines after the table.

`explain` gets everything diff measured: the two traces (runner.Trace: names, values per
update, losses, batch digests, the hooks' notes), the alignment and the comparison, and,
when it may run the scripts again, a confirm.Rerun. It returns the lines the report prints.

1. The candidates: the catalog entries whose difference the two files' code carries, and on
   which side the aligning setting is missing (candidates.static_candidates).
2. Fitted to the evidence: the first parting update, the variables that part first, the first
   loss (candidates.fit), ranked (candidates.rank).
3. Confirmed, where the entry's setting can be applied from outside: B run again with it
   (confirm.confirm).
4. Unexplained when no entry fits: where they part, the place to look and an entry to write.
"""

import dataclasses

import numpy as np

from tf_rosetta.comparisons.diff import candidates as found_in
from tf_rosetta.comparisons.diff.compare import PARTS

CONFIRM_AT_MOST = 2  # re-runs for the best-fitting candidates with an outside fix


def explain(a, b, alignment, comparison, rerun=None) -> list[str]:
    if comparison.verdict != PARTS:
        return []
    environment = rerun.environment if rerun is not None else {}
    ranked = found_in.rank(_fitted(a, b, comparison, environment))
    fitting = [candidate for candidate in ranked if candidate.fits]
    lines = []
    if not fitting:
        lines += unexplained(a, b, comparison)
    else:
        lines.append(f"why: {len(fitting)} catalog {'entry fits' if len(fitting) == 1 else 'entries fit'} the code "
                     f"and what was observed, the likeliest first:")
        confirmed = 0
        for number, candidate in enumerate(fitting, 1):
            lines += describe(number, candidate, comparison)
            if candidate.entry.outside_fix is not None and rerun is not None and confirmed < CONFIRM_AT_MOST:
                from tf_rosetta.comparisons.diff import confirm

                confirmed += 1
                line, a_fixed, fixed = confirm.confirm(candidate.entry, a, comparison, rerun)
                lines.append("   " + line)
                if fixed is not None and fixed.verdict == PARTS:
                    lines += remains(a_fixed, None, fixed, [c for c in ranked if c is not candidate])
            elif candidate.entry.outside_fix is None:
                lines.append("   not confirmed by a re-run: its setting is in the script's code, not applied from "
                             "outside")
            lines.append(f"   the change: {candidate.entry.aligned_by}")
    against = [candidate for candidate in ranked if candidate.fits is False]
    if against:
        lines.append("in the code, not in the evidence: " + "; ".join(f"{c.name} ({c.why})" for c in against))
    silent = [candidate.name for candidate in ranked if candidate.fits is None]
    if silent:
        lines.append(f"in the code, but diff cannot tell how they show: {', '.join(silent)}")
    return lines


def remains(a, b, fixed, others) -> list[str]:
    """What parts once the confirmed fix is applied: the other candidates fitted to that re-run."""
    others = [dataclasses.replace(candidate) for candidate in others]  # the first fit stays for the report
    for candidate in others:
        found_in.fit(candidate, a, fixed, b)
    fitting = [candidate.name for candidate in found_in.rank(others) if candidate.fits]
    name, gap = found_in.largest_variable_gap(fixed, fixed.first_parting)
    where = f"from update {int(fixed.numbers[fixed.first_parting])}, |Δ| {gap:.3g} in {name} there"
    if not fitting:
        return [f"   what remains ({where}) fits no other entry"]
    return [f"   what remains ({where}) fits: " + "; ".join(f"{name} (tf-rosetta divergences {name})"
                                                          for name in fitting)]


def _fitted(a, b, comparison, environment) -> list:
    candidates = found_in.static_candidates(a.side.script, b.side.script, environment)
    for candidate in candidates:
        found_in.fit(candidate, a, comparison, b)
    return candidates


def describe(number: int, candidate, comparison) -> list[str]:
    entry = candidate.entry
    where = candidate.environment and f"both ran with {candidate.environment}"
    if not where:  # found by its pattern on one side, with no setting the code could carry
        where = f"only {candidate.applies[0]}'s code has it (its pattern: {entry.applies_to})"
    if candidate.missing:
        where = "; ".join(f"{side}: {'; '.join(problems)}" for side, problems in sorted(candidate.missing.items()))
        aligned = [side for side in candidate.applies if side not in candidate.missing]
        if aligned:
            where += f"; {', '.join(aligned)}: aligned"
    first = comparison.first_parting
    name, gap = found_in.largest_variable_gap(comparison, first)
    unit = entry.unit or ""
    return [f"{number}. {entry.name}: {entry.title}",
            f"   in the code: {where}",
            f"   fits: {candidate.why}",
            f"   size: recorded {entry.recorded.default:.3g}{unit} ({entry.quantity}); here |Δ| {gap:.3g} in {name} "
            f"at update {int(comparison.numbers[first])}",
            f"   the whole entry: tf-rosetta divergences {entry.name}"]


def unexplained(a, b, comparison) -> list[str]:
    first = comparison.first_parting
    update = int(comparison.numbers[first])
    parted = found_in.parted_variables(comparison, first)
    loss, _ = found_in.first_record_gaps(comparison)
    seen = []
    if "loss" in comparison.gaps and not np.isnan(comparison.gaps["loss"][first]) and comparison.gaps["loss"][first] > 0:
        seen.append(f"the loss of update {update} differs by {comparison.gaps['loss'][first]:.3g}")
    batches = _batches_part(a, b, update)
    if batches:
        seen.append(batches)
    return [f"why: unexplained: no catalog entry fits. They part at update {update}, first in "
            f"{', '.join(parted) if parted else 'the loss'}" + (f"; {'; '.join(seen)}" if seen else "")
            + ": that is where to look, and a difference no entry explains is a new catalog entry to write "
              "(comparisons/divergences/README.md)"]


def _batches_part(a, b, update: int) -> str:
    batch = found_in.first_differing_batch(a, b, update)
    return f"the batches differ from update {batch} on" if batch is not None else ""
