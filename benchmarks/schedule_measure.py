"""Each program's time alone: what comparisons/schedule.py's SECONDS_ALONE holds.

Benchmark code, kept out of comparisons/: measuring runs the harness, and the harness
orders its work by schedule.py's table, so the measuring code lives beside its other user
(test_harness_schedule.py) rather than in schedule.py, where it made an import cycle.

`python -m benchmarks.schedule_measure` measures the table again (4 minutes here) and
prints it, to paste into comparisons/schedule.py.
"""

import concurrent.futures
import multiprocessing

from tf_rosetta.implementations import registry, runtimes


def _runs_alone(task: str, programs: list[str], runtime: str) -> dict[str, tuple[float, float]]:
    from tf_rosetta.comparisons import harness  # in the fresh process only: the parent need not import TensorFlow

    comparison = harness.compare_task(task, programs, runtime=runtime)
    return {program: (run.seconds, run.cpu_seconds) for program, run in comparison.runs.items() if run.result}


def measure_alone(tasks=registry.TASKS, under=(runtimes.DEFAULT, "tf_keras")) -> dict[tuple[str, str], tuple]:
    """(seconds, CPU seconds) of each program of the tasks, each task's programs one after
    another in a fresh process, under the first runtime of `under` that runs it."""
    context = multiprocessing.get_context("spawn")
    found = {}
    for task in tasks:
        for runtime in under:
            missing = [p for p in registry.programs_of(task) if (task, p) not in found]
            if not missing:
                break
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
                measured = pool.submit(_runs_alone, task, missing, runtime).result()
            found.update({(task, p): times for p, times in measured.items() if p in missing})
    return found


def seconds_alone_table(alone: dict) -> str:
    """SECONDS_ALONE as Python source, each task's programs in the registry's order."""
    lines = ["SECONDS_ALONE = {"]
    for task in registry.TASKS:
        times = ", ".join(f"{program!r}: {alone[task, program][0]:.2f}" for program in registry.programs_of(task))
        lines.append(f"    {task!r}: {{{times}}},")
    return "\n".join([*lines, "}"])


if __name__ == "__main__":
    print(seconds_alone_table(measure_alone()))
