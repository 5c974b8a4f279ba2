"""What the documents claim is what the specs declare, and what the specs declare holds.

The claims table of docs/agreement.md is written from the specs (comparisons/claims.py) and
must be fresh; each spec's `bitwise` groups are asserted byte for byte for every program by
tests/checks.py (check_bitwise_claims); and each tolerance a spec still states (the checkpoint
matrix and the benchmarks use them) must be within 10x of the worst difference this session's
comparison measured, so that no tolerance quietly allows far more than the programs need.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from tf_rosetta.comparisons import claims
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import QUANTITIES

ROOT = Path(__file__).resolve().parents[1]
# A tolerance this many times the worst measured difference is too loose: tighten it (and one
# the run exceeds states a worst difference that no longer holds).
LOOSEST = 10


def test_the_claims_table_is_fresh():
    page = claims.PAGE.read_text()
    assert claims.rewritten(page) == page, \
        "docs/agreement.md's claims table is stale (a spec's claims changed): run `python -m tf_rosetta.comparisons.claims`"


def test_the_claims_table_says_bitwise_only_where_a_spec_claims_it():
    table = claims.render()
    for task in registry.TASKS:
        row = next(line for line in table.splitlines() if line.startswith(f"| {task} |"))
        said = row.split("|")[2]
        assert ("bitwise" in said) == bool(registry.load_spec(task).bitwise), row


@pytest.mark.parametrize("task", registry.TASKS)
def test_claims_name_programs_and_quantities_of_the_task(task):
    spec = registry.load_spec(task)
    for claim in spec.bitwise:
        assert set(claim.programs) <= set(registry.programs_of(task)), claim
        assert set(claim.quantities) <= set(QUANTITIES), claim
    for runtime, programs in spec.bitwise_across_runtimes.items():
        assert set(programs) <= set(registry.programs_of(task)), (runtime, programs)


def _spec_line(task: str, reason: str) -> str:
    """Where the tolerance is written: its spec file and the line its reason starts on."""
    path = ROOT / "implementations" / task / "spec.py"
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if reason[:24] in line:
            return f"implementations/{task}/spec.py:{number}"
    return f"implementations/{task}/spec.py"


def _worst_share(tolerance, actual, expected) -> float:
    """The largest |actual - expected| as a share of what the tolerance allows there."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    allowed = tolerance.atol + tolerance.rtol * np.abs(expected)
    return float(np.max(np.abs(actual - expected) / allowed))


def tolerance_shares(comparison, runtime="tensorflow") -> dict:
    """id(tolerance) -> (tolerance, worst share of it used, by which program and quantity)."""
    spec, oracle = comparison.spec, comparison.runs[registry.ORACLE].result
    found = {}
    for program, run in comparison.runs.items():
        if program == registry.ORACLE or run.result is None:
            continue
        tolerance = spec.tolerance_for(program, runtime)
        if tolerance.atol == tolerance.rtol == 0:
            continue  # exact: the tightest there is
        pairs = [("losses", run.result.losses, oracle.losses), ("predictions", run.result.predictions, oracle.predictions)]
        pairs += [(f"weights {name}", run.result.weights[name], oracle.weights[name]) for name in oracle.weights]
        for quantity, actual, expected in pairs:
            share = _worst_share(tolerance, actual, expected)
            if id(tolerance) not in found or share > found[id(tolerance)][1]:
                found[id(tolerance)] = (tolerance, share, f"{program} {quantity}")
    return found


def assert_tolerances_tight(task, comparison, runtime="tensorflow"):
    for tolerance, share, where in tolerance_shares(comparison, runtime).values():
        assert share <= 1, (
            f"{task}: {where} is {share:.2f}x the tolerance (atol {tolerance.atol:g}, rtol {tolerance.rtol:g}) "
            f"that {_spec_line(task, tolerance.reason)} states")
        assert share * LOOSEST >= 1, (
            f"{task}: the tolerance (atol {tolerance.atol:g}, rtol {tolerance.rtol:g}) is {1 / share:.0f}x the "
            f"worst difference measured ({where}); tighten it at {_spec_line(task, tolerance.reason)}")


@pytest.mark.parametrize("task", registry.TASKS)
def test_every_tolerance_holds_and_is_within_10x_of_the_worst_measured_difference(task, comparison_of):
    assert_tolerances_tight(task, comparison_of(task))


def test_a_loose_tolerance_fails_naming_its_spec_line(comparison_of):
    """The check above can fail: xor's tolerance made 100x looser is named with its line."""
    import dataclasses

    comparison = comparison_of("xor")
    loose = dataclasses.replace(comparison.spec.tolerance, atol=comparison.spec.tolerance.atol * 100)
    spec = dataclasses.replace(comparison.spec, tolerance=loose)
    with pytest.raises(AssertionError, match=r"tighten it at implementations/xor/spec.py:\d+"):
        assert_tolerances_tight("xor", dataclasses.replace(comparison, spec=spec))


def _readme_block(after: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    assert after in text, f"README shows no `{after}`"
    return text.split(after, 1)[1].split("```", 1)[0].strip("\n").splitlines()


def _without_times(lines) -> list[str]:
    return [re.sub(r"\s+\d+\.\d+s(?= )", " <time>", line).rstrip() for line in lines]


def test_the_readme_shows_what_compare_prints_for_xor(comparison_of):
    """The front page's output is real: this session's xor comparison prints it, but for the times."""
    from tf_rosetta.comparisons import tables

    printed = [tables.settings_line(), "", *tables.format_table(comparison_of("xor")).splitlines()]
    shown = _readme_block("$ tf-rosetta compare xor\n")
    assert _without_times(shown[:-2]) == _without_times(printed)
    assert shown[-2] == "" and shown[-1].startswith("time: each program's own training and evaluation")


def test_the_readme_is_a_front_page():
    """Under 12 KB, and its diff excerpt is a real run's: each line begins a line of the run that
    docs/diff.md shows in full."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) < 12 * 1024, f"README.md is {len(readme.encode())} bytes: move a section to docs/"
    excerpt = readme.split("(excerpt of a real\nrun, `tests/diff_scripts/`):\n\n```\n", 1)[1].split("```", 1)[0]
    shown = (ROOT / "docs" / "diff.md").read_text().splitlines()
    for line in excerpt.strip("\n").splitlines():
        assert any(full.startswith(line) for full in shown), f"README's diff excerpt line not in docs/diff.md's run: {line}"
