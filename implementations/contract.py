"""What every task spec provides and what every program returns."""

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np


def constant(values, dtype=np.float32) -> np.ndarray:
    """A read-only array: a program that updates its weights in place must copy first."""
    array = np.array(values, dtype=dtype)
    array.setflags(write=False)
    return array


class DataError(ValueError):
    """A data file that is missing, unreadable or not what a task expects: one clear line."""


@dataclass(frozen=True)
class Tolerance:
    """How far a style may be from the oracle: |style - oracle| <= atol + rtol * |oracle|."""

    rtol: float
    atol: float
    reason: str

    def allows(self, actual: np.ndarray, expected: np.ndarray) -> bool:
        return bool(np.all(np.abs(actual - expected) <= self.atol + self.rtol * np.abs(expected)))

    def __add__(self, other: "Tolerance") -> "Tolerance":
        # Two styles each within tolerance of the oracle are within the sum of each other.
        return Tolerance(self.rtol + other.rtol, self.atol + other.atol, "sum of both styles' tolerances")


@dataclass(frozen=True, eq=False)
class TrainingResult:
    """What the harness compares: the same names and shapes for every style of a task."""

    losses: np.ndarray  # (spec.loss_count,): by default the loss before each update
    weights: Mapping[str, np.ndarray]  # canonical names and layouts, given by the spec
    predictions: np.ndarray  # the model's output on the spec's probe inputs
    # The task's metrics (spec.metric_names), each computed by the program's own API after
    # training: Keras `evaluate`, ops run in the TF1 session, TF2 ops or `keras.metrics`.
    metrics: Mapping[str, float]
    # Tasks that train epoch by epoch around the step (auto_mpg) also return, per epoch, what the
    # program's loop reported (name -> (epochs,) array: validation loss and metrics, the learning
    # rate in force) and the number of epochs it ran before it stopped; the other tasks leave
    # them empty.
    history: Mapping[str, np.ndarray] = field(default_factory=dict)
    stopped_epoch: int | None = None


@dataclass(frozen=True, eq=False, kw_only=True)
class TaskSpec:
    """Numbers and data shared by every style of one task; never model or loop code."""

    task: str
    title: str
    steps: int
    learning_rate: float
    initial_weights: Mapping[str, np.ndarray]  # canonical name -> array, (in, out) kernels
    probe_inputs: np.ndarray
    tolerance: Tolerance
    style_tolerances: Mapping[str, Tolerance] = field(default_factory=dict)
    # What TrainingResult.losses holds, one value per loss_unit; a task may record a mean per
    # epoch instead, as Keras's history does (then it overrides loss_count).
    loss_record: str = "the loss before each update"
    loss_unit: str = "step"
    # The metrics each program evaluates with its own API, and on which data. "accuracy"
    # must agree exactly between programs; the others within the tolerance.
    metric_names: tuple[str, ...] = ()
    metrics_on: str = ""
    # What the README claims to the bit, asserted so by the tests: quantities ("losses",
    # "weights", "predictions", "metrics") equal to the oracle's in every style, and
    # quantities equal between the styles.
    bitwise_with_oracle: tuple[str, ...] = ()
    bitwise_between_styles: tuple[str, ...] = ()
    # Under another runtime than Keras 3 on TensorFlow (implementations/runtimes.py), every
    # style's tolerance against the oracle, measured there; absent: the runtime's results
    # are held to the default tolerances.
    runtime_tolerances: Mapping[str, Tolerance] = field(default_factory=dict)
    # Style -> the divergence catalog's entries by which its arithmetic differs from the
    # oracle's on purpose (another formula for the same number, a few ulps apart): `compare`
    # names them when that style leaves the run's rounding floor.
    known_differences: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def loss_count(self) -> int:
        return self.steps

    def __post_init__(self):
        if not (self.steps >= 1 and isinstance(self.steps, int)):
            raise ValueError(f"{self.task}: steps must be a positive integer, got {self.steps!r}")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"{self.task}: learning_rate must be a positive number, got {self.learning_rate!r}")

    def with_steps(self, steps: int) -> "TaskSpec":
        """The same task trained for another number of updates (the checkpoint runs' short spec)."""
        return replace(self, steps=steps)

    def tolerance_for(self, style: str, runtime: str = "tensorflow") -> Tolerance:
        if runtime in self.runtime_tolerances:
            return self.runtime_tolerances[runtime]
        return self.style_tolerances.get(style, self.tolerance)

    def quality_problems(self, result: TrainingResult) -> list[str]:
        """Where the result misses the task's quality bar; empty when it meets it."""
        raise NotImplementedError

    def report(self, result: TrainingResult) -> None:
        """Print what the seed program printed."""
        raise NotImplementedError


# Metrics that count whole examples: two programs agree on them only when they are equal.
EXACT_METRICS = frozenset({"accuracy"})
