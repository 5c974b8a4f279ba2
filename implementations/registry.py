"""The tasks and styles of tf-rosetta: one name each, used as file name, pytest id and benchmark row."""

import dataclasses
import functools
import importlib
import os
from types import ModuleType

from tf_rosetta.implementations import contract
from tf_rosetta.implementations.contract import DataError, TaskSpec

TASKS = ("linear_regression", "polynomial_fit", "logistic_mnist", "mammal_bird", "xor", "mnist_mlp", "auto_mpg")
STYLES = (
    "tf1_session",
    "eager_tape",
    "tf_function",
    "keras_sequential",
    "keras_functional",
    "keras_subclassed",
)
ORACLE = "numpy_reference"
PROGRAMS = (ORACLE, *STYLES)  # the programs every task has, the oracle first
# Styles that only some tasks have, after the six: task -> its extra styles.
EXTRA_STYLES: dict[str, tuple[str, ...]] = {}
# tf.distribute: two replicas on one machine, two worker processes (multiworker_keras: Keras 2 only).
EXTRA_STYLES["logistic_mnist"] = ("mirrored_tape", "mirrored_keras", "multiworker_tape", "multiworker_keras")
EXTRA_STYLES["mnist_mlp"] = ("mirrored_tape", "mirrored_keras", "multiworker_tape")
# Styles the harness trains each in a fresh process of its own: MirroredStrategy's default all-reduce
# on CPUs (collective ops) is keyed by counters that restart with each strategy, so a second
# strategy in a process collides with the first (docs/distribute.md). The multi-worker programs'
# workers are fresh processes already (implementations/cluster.py).
FRESH_PROCESS = ("mirrored_tape", "mirrored_keras")
SPEC_MODULE = "spec"
# A task folder may hold the course's negative result as a script of its own (not a style).
COURSE_RESULT_MODULE = "course_negative_result"


class UnknownName(ValueError):
    """A task or style name that tf-rosetta does not have."""


def check_task(task: str) -> str:
    if task not in TASKS:
        raise UnknownName(f"unknown task {task!r}; accepted: {', '.join(TASKS)}")
    return task


def styles_of(task: str) -> tuple[str, ...]:
    """The styles a task has: the six, then any of its own."""
    return (*STYLES, *EXTRA_STYLES.get(check_task(task), ()))


def programs_of(task: str) -> tuple[str, ...]:
    """Every program of a task, the oracle first."""
    return (ORACLE, *styles_of(task))


def all_programs() -> tuple[str, ...]:
    """Every program name of any task, in order."""
    return tuple(dict.fromkeys(program for task in TASKS for program in programs_of(task)))


def check_program(program: str, task: str | None = None) -> str:
    accepted = programs_of(task) if task else all_programs()
    if program not in accepted:
        where = f" for {task}" if task else ""
        raise UnknownName(f"unknown style {program!r}{where}; accepted: {', '.join(accepted)}")
    return program


def load(task: str, program: str) -> ModuleType:
    """The module of one program; its train(spec) returns a TrainingResult."""
    return importlib.import_module(f"tf_rosetta.implementations.{check_task(task)}.{check_program(program, task)}")


def spec_module(task: str) -> ModuleType:
    """A task's spec module; importing it reads no data (a spec with data builds SPEC on first use)."""
    return importlib.import_module(f"tf_rosetta.implementations.{check_task(task)}.{SPEC_MODULE}")


def load_spec(task: str) -> TaskSpec:
    return spec_module(task).SPEC


def spec_of(task: str, data_file: str | None = None) -> TaskSpec:
    """A task's spec on its default data, or (an MNIST task) on the data file given: built once
    per process, so that every spec derived from it shares its arrays (and a worker process
    rebuilds it from the task's name rather than receiving it: TaskSpec.__reduce_ex__)."""
    return _spec_of(check_task(task), None if data_file is None else os.path.abspath(data_file))


@functools.cache
def _spec_of(task: str, data_file: str | None) -> TaskSpec:
    if data_file is None:
        return load_spec(task)
    if not uses_mnist(task):
        raise UnknownName(f"{task} reads no data file")
    return spec_module(task).build_spec(data_file)


def reduced_spec(spec: TaskSpec):
    """How a spec pickles (TaskSpec.__reduce_ex__): its task, data file and the fields that differ
    from spec_of(task, data_file), or None (pickled whole) where that is no spec of a task here."""
    try:
        base = spec_of(spec.task, spec.data_file)
    except Exception:  # noqa: BLE001  (no registered task, or its data unreadable here)
        return None
    if type(base) is not type(spec):
        return None
    changed = {each.name: getattr(spec, each.name) for each in dataclasses.fields(spec)
               if each.init and getattr(spec, each.name) is not getattr(base, each.name)}
    return rebuilt_spec, (spec.task, spec.data_file, getattr(base, "data_description", None), changed)


def rebuilt_spec(task: str, data_file: str | None, data_description: str | None, changed: dict) -> TaskSpec:
    """A pickled spec, in the process that unpickles it: the task's spec there, with the changes."""
    base = spec_of(task, data_file)
    if getattr(base, "data_description", None) != data_description:
        raise DataError(f"{task}: this process reads {getattr(base, 'data_description', None)}, "
                        f"where the spec was built from {data_description}")
    return dataclasses.replace(base, **changed)


contract.SPEC_REDUCER[:] = [reduced_spec]


def task_title(task: str) -> str:
    """The spec's title, without reading data: a spec that loads data lazily says TITLE."""
    module = spec_module(task)
    return getattr(module, "TITLE", None) or module.SPEC.title


def uses_mnist(task: str) -> bool:
    """Whether the task trains on MNIST: its spec module then has build_spec(mnist_path)."""
    return hasattr(spec_module(task), "build_spec")
