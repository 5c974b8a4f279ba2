"""The tasks and styles of tf-rosetta: one name each, used as file name, pytest id and benchmark row."""

import importlib
from types import ModuleType

from implementations.contract import TaskSpec

TASKS = ("linear_regression", "polynomial_fit", "logistic_mnist", "mammal_bird", "xor")
STYLES = (
    "tf1_session",
    "eager_tape",
    "tf_function",
    "keras_sequential",
    "keras_functional",
    "keras_subclassed",
)
ORACLE = "numpy_reference"
PROGRAMS = (ORACLE, *STYLES)  # every program of a task, the oracle first
SPEC_MODULE = "spec"


class UnknownName(ValueError):
    """A task or style name that tf-rosetta does not have."""


def check_task(task: str) -> str:
    if task not in TASKS:
        raise UnknownName(f"unknown task {task!r}; accepted: {', '.join(TASKS)}")
    return task


def check_program(program: str) -> str:
    if program not in PROGRAMS:
        raise UnknownName(f"unknown style {program!r}; accepted: {', '.join(PROGRAMS)}")
    return program


def load(task: str, program: str) -> ModuleType:
    """The module of one program; its train(spec) returns a TrainingResult."""
    return importlib.import_module(f"implementations.{check_task(task)}.{check_program(program)}")


def load_spec(task: str) -> TaskSpec:
    return importlib.import_module(f"implementations.{check_task(task)}.{SPEC_MODULE}").SPEC
