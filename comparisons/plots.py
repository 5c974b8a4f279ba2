"""The `plot` command: each task's figures, written as PNG.

A task's figures are its loss curves (figures.py) and, when the oracle ran, the figure of
what it learned (learned.py); the activation functions are one more figure of no task.
"""

import time
from pathlib import Path

from tf_rosetta.comparisons.errors import EXIT_DISAGREE
from tf_rosetta.comparisons.figures import Figure, activation_figure, finished_runs, loss_figure, pyplot
from tf_rosetta.comparisons.learned import TASK_FIGURES
from tf_rosetta.implementations import registry


def task_figures(task: str, comparison) -> list[Figure]:
    """The figures of one task: the loss curves, then what the task learned (when the oracle ran)."""
    figures = [loss_figure(comparison)]
    drawer = TASK_FIGURES.get(task)
    if drawer is not None and registry.ORACLE in finished_runs(comparison):
        figures.append(drawer(task, comparison))
    return figures


# Files ----------------------------------------------------------------------------------

def file_name(task: str | None, figure: Figure) -> str:
    return f"{task}-{figure.name}.png" if task else f"{figure.name}.png"


def write(figures: list[Figure], task: str | None, output: Path) -> dict[str, bytes]:
    """Write each figure as PNG in output; returns file name -> PNG bytes and closes the figures."""
    output.mkdir(parents=True, exist_ok=True)
    written = {}
    for figure in figures:
        data = figure.png()
        name = file_name(task, figure)
        (output / name).write_bytes(data)
        written[name] = data
        pyplot().close(figure.figure)
    return written


def command_plot(args) -> int:
    from tf_rosetta.comparisons import harness

    tasks = [registry.check_task(name) for name in args.tasks] or list(registry.TASKS)
    output = Path(args.output)
    all_agree = True
    start = time.perf_counter()
    for task, comparison in harness.run_comparisons(tasks, args.jobs):
        all_agree &= comparison.ok
        for name in write(task_figures(task, comparison), task, output):
            print(output / name)
    for name in write([activation_figure()], None, output):
        print(output / name)
    print(f"{len(tasks)} task(s) in {time.perf_counter() - start:.1f} s"
          + ("" if all_agree else "; NOT ALL STYLES AGREE (see tf-rosetta compare)"))
    return 0 if all_agree else EXIT_DISAGREE
