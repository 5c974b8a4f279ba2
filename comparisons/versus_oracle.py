"""A notebook's last cell: the program's result, trained in the notebook, against the NumPy oracle.

`compare` judges a program by the oracle and the oracle's reruns from starts moved by a few
ulps (the run's rounding floor, comparisons/agreement.py). The notebook has the program's
result already; this trains the oracle and its reruns here (a second or less: NumPy) and
gives the comparison the harness would build from the same runs, with `compare`'s table and
the loss figure of `tf-rosetta plot`. The comparison is built by the harness's own
`compare_runs`, not a copy of it, so the numbers cannot drift from `compare`'s.
"""

from tf_rosetta.comparisons import figures, harness, run_files, tables
from tf_rosetta.implementations import registry, runtimes


def comparison_of(spec, program: str, result, seconds: float):
    """The harness's comparison of this result with the oracle trained here."""
    result = run_files.read_back(spec.task, program, result)  # its files, as the harness reads them
    mine = harness.StyleRun(program, seconds, result=result, quality_problems=spec.quality_problems(result))
    reruns = [harness.run_program(spec.task, registry.ORACLE, rerun) for rerun in harness.rerun_specs(spec)]
    # The oracle's notebook is judged by its reruns alone: its table has the floor and its own row.
    runs = {registry.ORACLE: mine if program == registry.ORACLE
            else harness.run_program(spec.task, registry.ORACLE, spec)}
    runs[program] = mine
    return harness.compare_runs(spec, runs, runtimes.current(), reruns)


def show(spec, program: str, result, seconds: float):
    """Print compare's table for this program, display the loss curves, return the comparison."""
    comparison = comparison_of(spec, program, result, seconds)
    print(tables.format_table(comparison))
    try:
        from IPython.display import Image, display
    except ImportError:  # outside a notebook: the table is the answer
        return comparison
    figure = figures.loss_figure(comparison)
    display(Image(data=figure.png()))
    figures.pyplot().close(figure.figure)
    return comparison

