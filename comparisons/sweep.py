"""The agreement sweep: every task away from its spec's own point, judged by the run's own floor.

Each task at five learning rates from a quarter to four times its spec's, at three other
starting weights (and dropout seeds), and the MNIST tasks on a 60,000-digit file. Every
program must agree with its oracle within FLOOR_MULTIPLE times the run's rounding floor, or
part in a way the harness classifies (comparisons/agreement.py). The table it prints, each
cell a program's largest |Δ| as a multiple of the floor, is docs/agreement.md's.

    python -m tf_rosetta.comparisons.sweep [TASK ...] [--markdown PATH] [--jobs N]
"""

import argparse
import dataclasses
import pickle
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tf_rosetta import implementations  # noqa: F401  (before TensorFlow: fixes its settings)
from tf_rosetta.comparisons import agreement, harness, judge, tables
from tf_rosetta.comparisons.errors import add_jobs_option
from tf_rosetta.implementations import mnist_data, registry

RATE_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)
START_SEEDS = (11, 12, 13)
# The full MNIST's training set size; the file is drawn from the embedded digits.
LARGE_MNIST_SIZE = 60_000


@dataclass(frozen=True)
class Configuration:
    name: str  # as the table shows it: "lr x0.25", "start 11", "60k digits"
    rate_factor: float = 1.0
    start_seed: int | None = None
    mnist_path: str | None = None


def other_start(spec, seed: int):
    """The spec from other starting weights: kernels (2-D) drawn as Keras's default (Glorot
    uniform), scalars uniform in [-2, 2], vectors (zero biases, BatchNorm's ones and zeros)
    kept; a task with dropout draws its masks from another seed too."""
    random = np.random.default_rng(seed)
    weights = {}
    for name in sorted(spec.initial_weights):
        value = np.asarray(spec.initial_weights[name])
        if value.ndim >= 2:
            limit = np.sqrt(6 / (value.shape[0] + value.shape[-1]))
            value = random.uniform(-limit, limit, value.shape)
        elif value.ndim == 0:
            value = random.uniform(-2, 2, ())
        drawn = np.array(value, dtype=np.float32)
        drawn.setflags(write=False)
        weights[name] = drawn
    changes = {"initial_weights": weights}
    if hasattr(spec, "dropout_seed"):
        changes["dropout_seed"] = seed
    return dataclasses.replace(spec, **changes)


def configurations(tasks, large_mnist: str | None) -> list[Configuration]:
    found = [Configuration(f"lr x{factor:g}", rate_factor=factor) for factor in RATE_FACTORS]
    found += [Configuration(f"start {seed}", start_seed=seed) for seed in START_SEEDS]
    if large_mnist and any(registry.uses_mnist(task) for task in tasks):
        found.append(Configuration("60k digits", mnist_path=large_mnist))
    return found


def spec_for(task: str, configuration: Configuration):
    spec = registry.spec_of(task, configuration.mnist_path)
    spec = dataclasses.replace(spec, learning_rate=spec.learning_rate * configuration.rate_factor)
    return other_start(spec, configuration.start_seed) if configuration.start_seed is not None else spec


def write_large_mnist(path: Path, size: int = LARGE_MNIST_SIZE, seed: int = 0) -> Path:
    """A file in Keras's mnist.npz layout: `size` training digits drawn with replacement from
    the embedded subset's training digits, shuffled; its test digits as they are."""
    embedded = mnist_data.load_embedded()
    rows = np.random.default_rng(seed).integers(0, len(embedded.x_train), size)
    np.savez(path, x_train=embedded.x_train[rows], y_train=embedded.y_train[rows],
             x_test=embedded.x_test, y_test=embedded.y_test)
    return path


@dataclass
class Cell:
    multiple: float | None  # the largest |Δ| over the floor; None: the program did not run
    verdict: str
    parting: str = ""  # where and how it parts, when it does


def run(tasks, jobs: int, large_mnist: str | None, log=sys.stderr) -> dict:
    """{(configuration, task): TaskComparison} for every configuration."""
    results = {}
    for configuration in configurations(tasks, large_mnist):
        chosen = [task for task in tasks if configuration.mnist_path is None or registry.uses_mnist(task)]
        start = time.perf_counter()
        for comparison in harness.iter_comparisons([spec_for(task, configuration) for task in chosen], jobs=jobs):
            results[configuration.name, comparison.spec.task] = comparison
            cells = _cells(comparison.floors, comparison.runs)
            worst = max(cells, key=lambda program: cells[program].multiple or float("inf"), default=None)
            if worst is not None:
                print(f"sweep: {configuration.name} {comparison.spec.task}: worst {worst} "
                      f"{_cell(cells[worst])}", file=log, flush=True)
        print(f"sweep: {configuration.name}: {time.perf_counter() - start:.1f} s", file=log, flush=True)
    return results


def trained(results) -> dict:
    """What the runs computed, without the specs' data: enough to judge them again (`judged`)."""
    return {key: ({program: (run.result, run.error, run.not_applicable) for program, run in comparison.runs.items()},
                  list(comparison.floors.runs) if comparison.floors else None)
            for key, comparison in results.items()}


def _cells(floors, runs: dict) -> dict:
    """{program: Cell} from each program's judged run (the oracle and programs not run left out)."""
    cells = {}
    for program, style_run in runs.items():
        if program == registry.ORACLE or style_run.not_applicable:
            continue
        difference = style_run.versus_oracle
        if style_run.result is None or difference is None:
            cells[program] = Cell(None, "FAILED", style_run.error or "no floor")
            continue
        parting = ""
        if difference.parting is not None:
            where = difference.parting
            parting = (f"{where.kind} from update {where.update}" if where.update is not None
                       else f"{where.kind} in its {where.quantity}")
            if difference.confirmed_by:
                parting += f", {', '.join(difference.confirmed_by)} (confirmed)"
            elif difference.explained_by:
                parting += f", {', '.join(difference.explained_by)} (declared)"
        cells[program] = Cell(difference.floor_multiple, style_run.verdict, parting)
    return cells


def judged_comparisons(results: dict) -> dict:
    """{(configuration, task): (floors, {program: Cell})} as the harness judged each run."""
    return {key: (comparison.floors, _cells(comparison.floors, comparison.runs)) for key, comparison in results.items()}


def judged(saved: dict) -> dict:
    """The same from what a --save kept, judged again (without the specs: a declared entry is
    named, not confirmed by running its oracle variant)."""
    found = {}
    for (configuration, task), (results, reruns) in saved.items():
        known = registry.load_spec(task).known_differences
        oracle = results[registry.ORACLE][0]
        floors = agreement.Floors.measure(oracle, reruns) if oracle is not None and reruns else None
        runs = {}
        for program, (result, error, not_applicable) in results.items():
            runs[program] = harness.StyleRun(program, 0.0, result=result, error=error, not_applicable=not_applicable)
            if result is not None and floors is not None and program != registry.ORACLE:
                runs[program].versus_oracle = judge.difference(result, oracle, floors,
                                                                 tuple(known.get(program, ())))
        found[configuration, task] = (floors, _cells(floors, runs))
    return found


def problems(results) -> list[str]:
    """Every program that neither agrees nor parts in a classified, explained way (on a fork of
    the run, or by a difference its spec declares)."""
    found = []
    for (configuration, task), (floors, cells) in results.items():
        if floors is None:
            found.append(f"{configuration} {task}: no floor (the oracle or a rerun failed)")
        for program, cell in cells.items():
            if cell.verdict in ("bitwise", "agrees", "ill-conditioned", "parts (known)"):
                continue
            found.append(f"{configuration} {task} {program}: {cell.verdict} {cell.parting}".rstrip())
    return found


def markdown(results, tasks) -> str:
    lines = [f"Measured with `python -m tf_rosetta.comparisons.sweep` on {machine()}.", "",
             f"Each cell: the program's largest \\|Δ\\| from the oracle as a multiple of the run's floor "
             f"(agreement: up to {agreement.FLOOR_MULTIPLE:g}); `=` bitwise; ✗ parts (the note says how). "
             f"Forks: the oracle's reruns that take another trajectory.", ""]
    for task in tasks:
        programs = registry.styles_of(task)
        rows = [(name, entry) for (name, each_task), entry in results.items() if each_task == task]
        if not rows:
            continue
        lines += [f"### {task}", "", "| configuration | forks | " + " | ".join(programs) + " |",
                  "|---|---|" + "---|" * len(programs)]
        for name, (floors, cells) in rows:
            forks = floors.forks if floors is not None else []
            fork_cell = ", ".join(f"seed {seed} from {'update ' + str(p.update) if p.update is not None else p.quantity}"
                                  for seed, p in forks) or "—"
            lines.append(f"| {name} | {fork_cell} | " + " | ".join(_cell(cells.get(p)) for p in programs) + " |")
        lines.append("")
    return "\n".join(lines)


def _cell(cell: Cell | None) -> str:
    if cell is None:
        return "n/a"
    if cell.multiple is None:
        return f"✗ {cell.verdict}"
    if cell.verdict == "bitwise":
        return "="
    text = f"{cell.multiple:.2g}"
    return text if cell.verdict == "agrees" else f"{text} ✗ {cell.parting}"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{time.strftime('%Y-%m-%d')}, {platform.machine()} {model}, TensorFlow {tables.tensorflow_version()}, "
            f"Keras {tables.installed('keras')}, NumPy {np.__version__}")


# Tasks the sweep leaves out, with the reason (printed when named).
NOT_SWEPT = {
    "auto_mpg": "early stopping: at another rate or start the oracle's reruns may stop at other epochs, and "
                "a floor across stop epochs is not defined yet (implementations/auto_mpg/README.md)",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tf_rosetta.comparisons.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", metavar="TASK", help="default: every task")
    parser.add_argument("--markdown", metavar="PATH", help="also write the table as Markdown")
    parser.add_argument("--save", metavar="PATH", help="keep what every run computed (a pickle), to judge again")
    parser.add_argument("--judge", metavar="PATH", help="judge the runs a --save kept instead of training")
    add_jobs_option(parser)
    args = parser.parse_args(argv)
    tasks = [registry.check_task(task) for task in args.tasks] or list(registry.TASKS)
    for task in [task for task in tasks if task in NOT_SWEPT]:
        print(f"sweep: {task} left out: {NOT_SWEPT[task]}", file=sys.stderr)
    tasks = [task for task in tasks if task not in NOT_SWEPT]
    if args.judge:
        results = judged(pickle.loads(Path(args.judge).read_bytes()))
    else:
        with tempfile.TemporaryDirectory() as folder:
            large = str(write_large_mnist(Path(folder) / "mnist60k.npz"))
            results = run(tasks, args.jobs, large)
        if args.save:
            Path(args.save).write_bytes(pickle.dumps(trained(results)))
        results = judged_comparisons(results)
    tasks = [task for task in tasks if any(task == each for _, each in results)]
    text = markdown(results, tasks)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    found = problems(results)
    for problem in found:
        print(f"sweep: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
