"""The agreement harness: run every program of a task in one process and compare them.

Each style is compared with the NumPy oracle (every per-step loss, the final weights and
the probe predictions) within the spec's tolerance, and with every other style within the
sum of their two tolerances.
"""

import concurrent.futures
import itertools
import logging
import multiprocessing
import os
import time
from dataclasses import dataclass, field

import numpy as np

import implementations
from implementations import registry
from implementations.contract import TaskSpec, Tolerance, TrainingResult

QUANTITIES = ("losses", "weights", "predictions")

# Each program builds its own Keras model, so TensorFlow's "retracing" warnings are expected.
logging.getLogger("tensorflow").setLevel(logging.ERROR)


@dataclass
class Difference:
    """The largest |a - b| of each quantity, and whether all stay within the tolerance."""

    losses: float = 0.0
    weights: float = 0.0
    predictions: float = 0.0
    within: bool = True
    bitwise: bool = True
    problems: list[str] = field(default_factory=list)


@dataclass
class StyleRun:
    program: str
    seconds: float
    result: TrainingResult | None = None
    error: str | None = None  # one line, when the program raised or the loss blew up
    quality_problems: list[str] = field(default_factory=list)
    versus_oracle: Difference | None = None

    @property
    def verdict(self) -> str:
        if self.error:
            return "FAILED"
        if self.versus_oracle is None:
            return "oracle"
        if not self.versus_oracle.within:
            return "DISAGREES"
        return "bitwise" if self.versus_oracle.bitwise else "agrees"

    @property
    def ok(self) -> bool:
        return self.error is None and not self.quality_problems and self.verdict != "DISAGREES"


@dataclass
class TaskComparison:
    spec: TaskSpec
    runs: dict[str, StyleRun]
    pairs: dict[tuple[str, str], Difference]

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.runs.values()) and all(d.within for d in self.pairs.values())


def _flatten_weights(result: TrainingResult, names) -> np.ndarray:
    return np.concatenate([np.ravel(result.weights[name]) for name in names])


def difference(actual: TrainingResult, expected: TrainingResult, tolerance: Tolerance) -> Difference:
    """Compare two results quantity by quantity; shapes must match exactly."""
    found = Difference()
    if sorted(actual.weights) != sorted(expected.weights):
        found.problems.append(f"weights named {sorted(actual.weights)}, expected {sorted(expected.weights)}")
    else:
        for name in expected.weights:
            a, e = np.shape(actual.weights[name]), np.shape(expected.weights[name])
            if a != e:
                found.problems.append(f"weight {name} has shape {a}, expected {e}")
    names = sorted(expected.weights)
    weights_comparable = not found.problems  # only names or shapes can have failed so far
    for quantity in QUANTITIES:
        if quantity == "weights":
            if not weights_comparable:
                continue
            a, e = _flatten_weights(actual, names), _flatten_weights(expected, names)
        else:
            a, e = np.asarray(getattr(actual, quantity)), np.asarray(getattr(expected, quantity))
            if a.shape != e.shape:
                found.problems.append(f"{quantity} have shape {a.shape}, expected {e.shape}")
                continue
        a, e = a.astype(np.float64), e.astype(np.float64)
        setattr(found, quantity, float(np.max(np.abs(a - e), initial=0.0)))
        found.bitwise &= bool(np.array_equal(a, e))
        if not tolerance.allows(a, e):
            found.problems.append(f"{quantity} differ by up to {getattr(found, quantity):.3g}, "
                                  f"beyond rtol {tolerance.rtol:g}, atol {tolerance.atol:g}")
    found.within = not found.problems
    found.bitwise &= found.within
    return found


def _first_non_finite_step(result: TrainingResult) -> int | None:
    bad = np.flatnonzero(~np.isfinite(np.asarray(result.losses, dtype=np.float64)))
    return int(bad[0]) if bad.size else None


def run_program(task: str, program: str, spec: TaskSpec | None = None) -> StyleRun:
    """Train one program; a failure becomes one line in the run, never an exception."""
    spec = spec or registry.load_spec(task)
    start = time.perf_counter()
    try:
        # A loss that blows up is reported below in one line, not as NumPy's overflow warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = registry.load(task, program).train(spec)
    except Exception as error:  # noqa: BLE001  (one style failing must not hide the others)
        return StyleRun(program, time.perf_counter() - start, error=f"{task} {program}: {_one_line(error)}")
    run = StyleRun(program, time.perf_counter() - start, result=result)
    try:
        step = _first_non_finite_step(result)
        if step is not None:
            run.error = f"{task} {program}: the loss became non-finite at {spec.loss_unit} {step}"
        else:
            run.quality_problems = spec.quality_problems(result)
    except Exception as error:  # noqa: BLE001  (a malformed result is that style's failure)
        run.error = f"{task} {program}: its result does not fit the task's layout: {_one_line(error)}"
    return run


def _one_line(error: Exception) -> str:
    return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"


def _run_all(work: list[tuple[str, str, TaskSpec]], jobs: int) -> list[StyleRun]:
    """run_program over (task, program, spec) triples, in `jobs` worker processes if above 1.

    Each worker imports TensorFlow once and trains whole programs, so a program's numbers
    do not depend on where it ran (the determinism test checks this across processes)."""
    if jobs <= 1 or len(work) <= 1:
        return [run_program(*item) for item in work]
    # spawn, not fork: a forked TensorFlow runtime is not safe to use.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(min(jobs, len(work)), mp_context=context) as pool:
        # Eager styles take longest (one Python dispatch per op): start them first.
        order = sorted(range(len(work)), key=lambda i: work[i][1] != "eager_tape")
        futures = {i: pool.submit(run_program, *work[i]) for i in order}
        return [futures[i].result() for i in range(len(work))]


def _compare_runs(spec: TaskSpec, runs: dict[str, StyleRun]) -> TaskComparison:
    oracle = runs[registry.ORACLE].result
    if oracle is not None:
        for program, run in runs.items():
            if program != registry.ORACLE and run.error is None:
                run.versus_oracle = difference(run.result, oracle, spec.tolerance_for(program))
    pairs = {}
    finished = [p for p in runs if p != registry.ORACLE and runs[p].error is None]
    for a, b in itertools.combinations(finished, 2):
        pairs[a, b] = difference(runs[a].result, runs[b].result, spec.tolerance_for(a) + spec.tolerance_for(b))
    return TaskComparison(spec, runs, pairs)


def compare_tasks(specs: list[TaskSpec], programs=registry.PROGRAMS, jobs: int = 1) -> list[TaskComparison]:
    """Run the oracle and the given styles of each task, then compare each style with the
    oracle and with each other; with jobs > 1 the programs train in that many processes."""
    programs = [registry.ORACLE] + [p for p in programs if p != registry.ORACLE]
    work = [(spec.task, program, spec) for spec in specs for program in programs]
    runs = iter(_run_all(work, jobs))
    return [_compare_runs(spec, {program: next(runs) for program in programs}) for spec in specs]


def compare_task(task: str, programs=registry.PROGRAMS, spec: TaskSpec | None = None, jobs: int = 1) -> TaskComparison:
    """compare_tasks for one task (its default spec unless one is given)."""
    return compare_tasks([spec or registry.load_spec(task)], programs, jobs)[0]


def settings_line() -> str:
    """The process-wide settings that decide whether styles round alike."""
    import keras
    import tensorflow as tf

    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset")
    line = (f"TensorFlow {tf.__version__}, Keras {keras.__version__}, TF_ENABLE_ONEDNN_OPTS={onednn} "
            f"({'oneDNN fusion off' if onednn == '0' else 'oneDNN fusion may be on'})")
    if implementations.TENSORFLOW_IMPORTED_FIRST:
        line += "; WARNING: TensorFlow was imported before tf-rosetta set this"
    return line


def _number(value: float) -> str:
    return "0" if value == 0 else f"{value:.2e}"


def format_table(comparison: TaskComparison) -> str:
    spec = comparison.spec
    lines = [f"{spec.task}: {spec.title}",
             f"tolerance vs oracle: rtol {spec.tolerance.rtol:g}, atol {spec.tolerance.atol:g} ({spec.tolerance.reason})"]
    for style, tolerance in spec.style_tolerances.items():
        lines.append(f"  {style}: rtol {tolerance.rtol:g}, atol {tolerance.atol:g} ({tolerance.reason})")
    header = f"{'style':<18} {'max|Δloss|':>10} {'max|Δweight|':>12} {'max|Δpred|':>10} {'time':>8}  {'quality':<7}  verdict"
    lines += [header, "-" * len(header)]
    details = []
    for program, run in comparison.runs.items():
        d = run.versus_oracle
        if d is None:
            cells = ["—", "—", "—"]
        else:
            cells = [_number(getattr(d, q)) for q in QUANTITIES]
        quality = "—" if run.error else ("ok" if not run.quality_problems else "MISSED")
        lines.append(f"{program:<18} {cells[0]:>10} {cells[1]:>12} {cells[2]:>10} {run.seconds:>7.2f}s  {quality:<7}  {run.verdict}")
        details += [run.error] if run.error else []
        details += [f"{spec.task} {program}: quality bar missed: {p}" for p in run.quality_problems]
        details += [f"{spec.task} {program}: {p}" for p in (d.problems if d else [])]
    if comparison.pairs:
        bitwise = sum(d.bitwise for d in comparison.pairs.values())
        worst_pair, worst = max(comparison.pairs.items(),
                                key=lambda item: max(item[1].losses, item[1].weights, item[1].predictions))
        largest = max(worst.losses, worst.weights, worst.predictions)
        lines.append(f"style pairs: {bitwise} of {len(comparison.pairs)} bitwise identical; "
                     f"largest difference {largest:.2e} ({worst_pair[0]} vs {worst_pair[1]})")
        details += [f"{spec.task} {a} vs {b}: {p}" for (a, b), d in comparison.pairs.items() for p in d.problems]
    lines += details
    lines.append(f"{spec.task}: {'all styles agree' if comparison.ok else 'NOT ALL STYLES AGREE'}")
    return "\n".join(lines)
