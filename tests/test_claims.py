"""The README's agreement table claims bitwise equality exactly where the specs do, and the
specs' claims are asserted bitwise for every program (tests/checks.py, check_bitwise_claims)."""

from pathlib import Path

import pytest

from implementations import registry

README = Path(__file__).resolve().parents[1] / "README.md"
TRAINING = {"losses", "weights"}
EVERYTHING = {"losses", "weights", "predictions"}


def _agreement_cell(task: str) -> str:
    # The front page's table, or the task's own README (a task newer than the front page's table).
    task_readme = README.parent / "implementations" / task / "README.md"
    rows = [line for line in README.read_text().splitlines() if line.startswith(f"| {task} |")]
    rows = rows or [line for line in task_readme.read_text().splitlines() if line.startswith(f"| {task} |")]
    agreement_rows = [row for row in rows if "bitwise" in row or "within" in row or "tolerance" in row or "atol" in row]
    assert agreement_rows, f"README's agreement table has no row for {task}"
    return agreement_rows[-1].split("|")[3].strip()


@pytest.mark.parametrize("task", registry.TASKS)
def test_readme_claims_bitwise_exactly_where_the_spec_does(task):
    spec, cell = registry.load_spec(task), _agreement_cell(task)
    with_oracle, between = set(spec.bitwise_with_oracle), set(spec.bitwise_between_styles)
    if EVERYTHING <= with_oracle:
        assert cell.startswith("bitwise identical"), cell
    elif TRAINING <= with_oracle:
        assert "training bitwise identical" in cell, cell
    if EVERYTHING <= between:
        assert "bitwise equal to each other" in cell, cell
    if not (with_oracle or between):
        assert "bitwise" not in cell, f"the README claims bitwise for {task}, the spec does not: {cell}"


@pytest.mark.parametrize("task", registry.TASKS)
def test_claims_name_known_quantities(task):
    spec = registry.load_spec(task)
    for quantity in (*spec.bitwise_with_oracle, *spec.bitwise_between_styles):
        assert quantity in ("losses", "weights", "predictions", "metrics")
