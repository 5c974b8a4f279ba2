"""The agreement harness: run every program of a task and compare them.

The harness runs the programs in worker processes; comparisons/judge.py judges each. Each style is compared with the NumPy oracle (every per-step loss, the final weights, the
probe predictions and the metrics each program evaluated with its own API) within a multiple
of the run's own rounding floor, measured by training the oracle again from starts moved by a
few ulps (comparisons/agreement.py). Metrics that count examples (accuracy) move only as far
as the oracle's reruns move them. Pairs of styles are reported (bitwise or not, the largest
difference) but not judged: two styles within the floor of the oracle are within twice it of
each other.
"""

import concurrent.futures
import contextlib
import io
import itertools
import logging
import multiprocessing
import os
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from tf_rosetta.comparisons import agreement, run_files, schedule
from tf_rosetta.comparisons.judge import Difference, confirm, difference
from tf_rosetta.implementations import devices, registry, runtimes
from tf_rosetta.implementations import contract
from tf_rosetta.implementations.contract import TaskSpec, TrainingResult

# Each program builds its own Keras model, so TensorFlow's "retracing" warnings are expected.
logging.getLogger("tensorflow").setLevel(logging.ERROR)


@dataclass
class StyleRun:
    program: str
    seconds: float
    result: TrainingResult | None = None
    cpu_seconds: float = 0.0  # the process's CPU time (all threads, and processes it started) in `seconds`
    error: str | None = None  # one line, when the program raised or the loss blew up
    non_finite_step: int | None = None  # the first loss that became NaN or infinite
    quality_problems: list[str] = field(default_factory=list)
    versus_oracle: Difference | None = None
    printed: str = ""  # what the program printed (a Keras summary, say) while it trained
    # Set on the first run in a process: that process's start-up (imports and the runtime's
    # first use), which the program's own `seconds` leaves out.
    startup_seconds: float | None = None
    not_applicable: str | None = None  # why the program cannot run under this runtime
    warnings: list[str] = field(default_factory=list)  # what the program warned, one line each

    @property
    def failure(self) -> str | None:
        """None, or the kind of failure: "non_finite", "error", "quality" or "disagrees"."""
        if self.non_finite_step is not None:
            return "non_finite"
        if self.error:
            return "error"
        if self.quality_problems:
            return "quality"
        if self.versus_oracle is not None and not self.versus_oracle.within:
            parting = self.versus_oracle.parting
            return None if parting is not None and parting.kind == "ill-conditioned" else "disagrees"
        return None

    @property
    def verdict(self) -> str:
        if self.not_applicable:
            return "not applicable"
        if self.error:
            return "FAILED"
        if self.versus_oracle is None:
            return "oracle"
        if not self.versus_oracle.within:
            parting = self.versus_oracle.parting
            if parting is not None and parting.kind == "ill-conditioned":
                return "ill-conditioned"
            return "parts (known)" if self.versus_oracle.explained_by else "DISAGREES"
        return "bitwise" if self.versus_oracle.bitwise else "agrees"

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass
class TaskComparison:
    spec: TaskSpec
    runs: dict[str, StyleRun]
    pairs: dict[tuple[str, str], Difference]
    runtime: str = runtimes.DEFAULT
    floors: agreement.Floors | None = None  # None when the oracle or its reruns failed

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.runs.values()) and self.floors is not None


def _first_non_finite_step(result: TrainingResult) -> int | None:
    bad = np.flatnonzero(~np.isfinite(np.asarray(result.losses, dtype=np.float64)))
    return int(bad[0]) if bad.size else None


_startup = {"seconds": None, "reported": False, "fresh": False}  # fresh: a process for one FRESH_PROCESS program


def start_process(runtime: str = runtimes.DEFAULT) -> None:
    """Enter the runtime and pay its first-use costs (imports, the first eager op, graph
    and session), so that none lands on the time of whichever program comes first."""
    if _startup["seconds"] is not None:
        return
    start = time.perf_counter()
    runtimes.activate(runtime)
    import keras
    import tensorflow as tf

    with contextlib.suppress(devices.DevicesAlreadyInitialized):  # (then the distributed programs say so)
        devices.two_logical_cpus()  # before the first op; the one-device programs compute the same bits
    tf.constant([1.0]) + 1.0
    tf.function(lambda x: x * 2.0)(tf.constant([1.0]))
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None])
        doubled = x * 2.0
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(doubled, {x: [1.0]})
    keras.activations.relu(np.ones(1, np.float32))  # the backend's first tensor (Keras 2 has no keras.ops)
    _startup["seconds"] = time.perf_counter() - start


def run_program(task: str, program: str, spec: TaskSpec | None = None) -> StyleRun:
    """Train one program; a failure becomes one line in the run, never an exception. A program
    of registry.FRESH_PROCESS trains in a fresh process of this process's runtime, which this
    one waits for (its start-up is that run's)."""
    if program in registry.FRESH_PROCESS and not _startup["fresh"]:
        return _in_fresh_process(task, program, spec)
    run = _run_program(task, program, spec)
    if _startup["seconds"] is not None and not _startup["reported"]:
        run.startup_seconds, _startup["reported"] = _startup["seconds"], True
    return run


def _in_fresh_process(task: str, program: str, spec: TaskSpec | None) -> StyleRun:
    context = multiprocessing.get_context("spawn")  # spawn, not fork: a forked TensorFlow runtime is not safe
    start = time.perf_counter()
    try:
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context, initializer=_start_fresh,
                                                    initargs=(runtimes.current(),)) as pool:
            return pool.submit(run_program, task, program, spec).result()
    except Exception as error:  # noqa: BLE001  (the process died: that program's failure, in one line)
        return StyleRun(program, time.perf_counter() - start, error=f"{task} {program}: {_one_line(error)}")


def _start_fresh(runtime: str) -> None:
    _startup["fresh"] = True
    start_process(runtime)


def _cpu_seconds() -> float:
    """This process's CPU time, its threads' and its waited-for child processes' (the workers
    of a multi-worker program)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _run_program(task: str, program: str, spec: TaskSpec | None = None) -> StyleRun:
    spec = spec or registry.load_spec(task)
    printed = io.StringIO()
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    try:
        # A loss that blows up is reported below in one line, not as NumPy's overflow warnings.
        # What the program prints (Keras's summary) is kept with its run, not mixed into ours.
        # Its warnings too (Keras warns that fit's default shuffle=True does not apply to a Dataset).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), contextlib.redirect_stdout(printed), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            result = contract.train(registry.load(task, program), spec)
    except Exception as error:  # noqa: BLE001  (one style failing must not hide the others)
        return StyleRun(program, time.perf_counter() - start, error=f"{task} {program}: {_one_line(error)}",
                        printed=printed.getvalue(), warnings=_warning_lines(caught))
    run = StyleRun(program, time.perf_counter() - start, result=result, cpu_seconds=_cpu_seconds() - cpu_start,
                   printed=printed.getvalue(), warnings=_warning_lines(caught))
    try:
        run.non_finite_step = _first_non_finite_step(result)
        if run.non_finite_step is not None:
            run.error = f"{task} {program}: the loss became non-finite at {spec.loss_unit} {run.non_finite_step}"
        else:
            # Its files read back (auto_mpg: TensorBoard scalars, the best checkpoint), in its worker.
            run.result = result = run_files.read_back(task, program, result)
            run.quality_problems = spec.quality_problems(result)
            missing = sorted(set(spec.metric_names) ^ set(result.metrics))
            if missing:
                run.error = (f"{task} {program}: its metrics are {sorted(result.metrics)}, "
                             f"the task's are {list(spec.metric_names)}")
    except run_files.FileProblem as error:
        run.error = f"{task} {program}: {error}"
    except Exception as error:  # noqa: BLE001  (a malformed result is that style's failure)
        run.error = f"{task} {program}: its result does not fit the task's layout: {_one_line(error)}"
    finally:
        # The program's files are read: its run folder (auto_mpg: logs, best checkpoint) is the harness's to remove.
        if getattr(result, "run_folder", None):
            shutil.rmtree(result.run_folder, ignore_errors=True)
    return run


def run_in_runtime(task: str, program: str, spec: TaskSpec, runtime: str = runtimes.DEFAULT) -> StyleRun:
    """run_program under the runtime: here if this process is in it (or can still enter
    it), else in a worker process of that runtime."""
    return next(_run_all([(task, program, spec)], 1, runtime))[1]


def _warning_lines(caught) -> list[str]:
    return list(dict.fromkeys(f"{w.category.__name__}: {str(w.message).strip().splitlines()[0]}" for w in caught))


def _one_line(error: Exception) -> str:
    return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"


def _in_worker(task: str, program: str, spec: TaskSpec) -> StyleRun:
    """run_program, in a worker. The pool pickles the function it is given by name when a worker
    frees up, not when it is submitted: a test that replaces run_program here in the meantime
    must not break a training that runs in the background."""
    return run_program(task, program, spec)


def _run_all(work: list[tuple[str, str, TaskSpec]], jobs: int, runtime: str = runtimes.DEFAULT,
             order=schedule.task_by_task):
    """(index, StyleRun) for each (task, program, spec) of work, as each finishes; in `jobs`
    worker processes if above 1 or if the runtime is not this process's.

    Each worker takes its runtime, imports TensorFlow once and trains whole programs, so a
    program's numbers do not depend on where it ran (the standalone runs check this)."""
    in_this_process = (jobs <= 1 or len(work) <= 1) and (
        runtime == runtimes.current() or not any(name in sys.modules for name in ("tensorflow", "keras")))
    if in_this_process:
        start_process(runtime)
        for index, item in enumerate(work):
            yield index, run_program(*item)
        return
    # spawn, not fork: a forked TensorFlow runtime is not safe to use.
    context = multiprocessing.get_context("spawn")
    names = [(task, program) for task, program, _ in work]
    with concurrent.futures.ProcessPoolExecutor(max(1, min(jobs, len(work))), mp_context=context,
                                                initializer=start_process, initargs=(runtime,)) as pool:
        # The pool hands out programs in the order submitted: each free worker takes the next.
        futures = {pool.submit(_in_worker, *work[index]): index for index in order(names)}
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future.result()


def compare_runs(spec: TaskSpec, runs: dict[str, StyleRun], runtime: str,
                 reruns: list[StyleRun]) -> TaskComparison:
    """The task's comparison from its runs (the oracle's among them) and the oracle's reruns."""
    oracle = runs[registry.ORACLE].result
    floors = None
    if oracle is not None and all(rerun.result is not None and rerun.error is None for rerun in reruns):
        floors = agreement.Floors.measure(oracle, [rerun.result for rerun in reruns])
    finished = [p for p in runs if p != registry.ORACLE and runs[p].error is None and not runs[p].not_applicable]
    if floors is not None:
        for program in finished:
            found = difference(runs[program].result, oracle, floors, tuple(spec.known_differences.get(program, ())))
            if found.explained_by:
                confirm(spec, runs[program].result, floors, found)
            runs[program].versus_oracle = found
    pairs = {(a, b): difference(runs[a].result, runs[b].result) for a, b in itertools.combinations(finished, 2)}
    return TaskComparison(spec, runs, pairs, runtime, floors)


def rerun_specs(spec: TaskSpec) -> list[TaskSpec]:
    """The spec with its start and learning rate moved by a few ulps, once per seed: the oracle's reruns."""
    return [agreement.rerun_spec(spec, seed) for seed in agreement.SEEDS]


def _programs(task: str, programs) -> list[str]:
    """The oracle, then those of the given programs (default: all) that the task has."""
    return [registry.ORACLE] + [p for p in registry.styles_of(task) if programs is None or p in programs]


def iter_comparisons(specs: list[TaskSpec], programs=None, jobs: int = 1, on_program=None,
                     runtime: str = runtimes.DEFAULT, order=schedule.task_by_task):
    """Each task's comparison as soon as all its programs have trained (in the order they
    finish): the oracle and the given styles (default: the task's all), each style compared
    with the oracle and with each other, under the runtime. on_program(task, StyleRun) is
    called as each program finishes. A program the runtime cannot run is "not applicable".
    The oracle's reruns from perturbed starts (the rounding floor) train beside them. `order`
    (comparisons/schedule.py) gives the order in which the workers take the programs."""
    wanted = [_programs(spec.task, programs) for spec in specs]
    runs = [dict() for _ in specs]
    reruns = [dict() for _ in specs]
    work, task_of, rerun_of = [], [], []
    for task_index, (spec, names) in enumerate(zip(specs, wanted)):
        for program in names:
            reason = runtimes.not_applicable(runtime, program, spec.task)
            if reason:
                runs[task_index][program] = StyleRun(program, 0.0, not_applicable=reason)
            else:
                work.append((spec.task, program, spec))
                task_of.append(task_index)
                rerun_of.append(None)
        for seed, rerun in zip(agreement.SEEDS, rerun_specs(spec)):
            work.append((spec.task, registry.ORACLE, rerun))
            task_of.append(task_index)
            rerun_of.append(seed)
    for index, run in _run_all(work, jobs, runtime, order):
        task_index = task_of[index]
        if rerun_of[index] is not None:
            reruns[task_index][rerun_of[index]] = run
        else:
            runs[task_index][run.program] = run
            if on_program is not None:
                on_program(work[index][0], run)
        if len(runs[task_index]) == len(wanted[task_index]) and len(reruns[task_index]) == len(agreement.SEEDS):
            yield compare_runs(specs[task_index], {p: runs[task_index][p] for p in wanted[task_index]}, runtime,
                                [reruns[task_index][seed] for seed in agreement.SEEDS])


def count_programs(specs: list[TaskSpec], programs=None, runtime: str = runtimes.DEFAULT) -> int:
    """How many programs iter_comparisons will train."""
    return sum(1 for spec in specs for program in _programs(spec.task, programs)
               if not runtimes.not_applicable(runtime, program, spec.task))


def compare_tasks(specs: list[TaskSpec], programs=None, jobs: int = 1,
                  runtime: str = runtimes.DEFAULT, order=schedule.task_by_task) -> list[TaskComparison]:
    """iter_comparisons, all of them, in the order of specs."""
    found = {comparison.spec.task: comparison
             for comparison in iter_comparisons(specs, programs, jobs, runtime=runtime, order=order)}
    return [found[spec.task] for spec in specs]


def compare_task(task: str, programs=None, spec: TaskSpec | None = None, jobs: int = 1,
                 runtime: str = runtimes.DEFAULT) -> TaskComparison:
    """compare_tasks for one task (its default spec unless one is given)."""
    return compare_tasks([spec or registry.load_spec(task)], programs, jobs, runtime)[0]


def run_comparisons(tasks, jobs: int = 1):
    """(task, its comparison) for the named tasks with their default specs, in the given order."""
    tasks = list(tasks)
    yield from zip(tasks, compare_tasks([registry.load_spec(task) for task in tasks], jobs=jobs))
