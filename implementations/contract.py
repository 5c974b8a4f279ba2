"""What every task spec provides and what every program returns.

A program (implementations/<task>/<style>.py) is run by `train(program, spec)` below, which
`compare`, the notebooks' harness and the checkpoint matrix use. A program of a task with a
checkpoint_layout.py (the checkpoint matrix of comparisons/checkpoints/) is written as small
functions, so that its training path holds no line of saving or resuming:

    build_model(spec) -> model          # the objects training updates, at spec's start
    fit(model, spec) -> losses          # spec.steps updates from the model's current state
    evaluate(model, spec, losses) -> TrainingResult

and its `__main__` block composes them, as a reader would:

    model = build_model(SPEC)
    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))

A program that must compose them otherwise (a TF1 session to close, workers to start) or
that is written in one piece (the NumPy oracles, auto_mpg) defines `train(spec=SPEC) ->
TrainingResult` instead, and its `__main__` block is `SPEC.report(train())`.

A last section "Save and resume", in its API's idiom:

    save(model, folder)                 # the checkpoint (its layout's file) and any export
    restore(model, path)                # the weights, the optimizer's state and step

`model` is whatever the API trains: a keras.Model, a tf.Module with its optimizer, a TF1
session with its graph's tensors. The checkpoint matrix saves with build_model, fit, evaluate,
save; it resumes with build_model, restore, fit(model, spec.after(steps done)), evaluate;
it loads with build_model, restore, evaluate. `spec.after` starts a batch order where the
checkpoint stopped, so fit needs no step counter of its own.
"""

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


QUANTITIES = ("losses", "weights", "predictions", "metrics")


@dataclass(frozen=True)
class Bitwise:
    """A claim made to the bit: every program named computes these quantities byte for byte
    alike (the oracle among them for a claim against it). The checks assert each claim for
    every program it names, and the agreement table says exactly these claims."""

    programs: tuple[str, ...]
    quantities: tuple[str, ...] = ("losses", "weights", "predictions")

    def __post_init__(self):
        unknown = [quantity for quantity in self.quantities if quantity not in QUANTITIES]
        if unknown or len(self.programs) < 2:
            raise ValueError(f"a bitwise claim names two programs or more and quantities of {QUANTITIES}: {self}")


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
    # The folder where such a program wrote its files (its best checkpoint, its TensorBoard
    # logs), which the harness reads back (comparisons/run_files.py); None: it wrote none.
    run_folder: str | None = None


# How a spec pickles by name: implementations/registry.py, which imports this module, puts its
# reducer here (a spec -> (function, arguments), or None to pickle it whole).
SPEC_REDUCER: list = []


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
    # What the documents claim to the bit, asserted so for every program named: groups of
    # programs computing the same bytes (with the oracle, or among themselves).
    bitwise: tuple[Bitwise, ...] = ()
    # Runtime -> the programs that compute under it the bytes they compute under Keras 3 on
    # TensorFlow (losses, weights, predictions, metrics); asserted by the slow set.
    bitwise_across_runtimes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # How the agreement table explains what is not bitwise (docs/agreement.md, generated).
    agreement_note: str = ""
    # Under another runtime than Keras 3 on TensorFlow (implementations/runtimes.py), every
    # style's tolerance against the oracle, measured there; absent: the runtime's results
    # are held to the default tolerances.
    runtime_tolerances: Mapping[str, Tolerance] = field(default_factory=dict)
    # Style -> the divergence catalog's entries by which its arithmetic differs from the
    # oracle's on purpose (another formula for the same number, a few ulps apart): `compare`
    # names them when that style leaves the run's rounding floor.
    known_differences: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The data file the spec was built from (an MNIST task's --mnist); None: the task's default.
    data_file: str | None = None

    def __reduce_ex__(self, protocol):
        """Pickled as its task, its data file and the fields that differ from that spec, where
        the registry can say (registry.reduced_spec): a worker process builds the task's data once
        instead of receiving every array of it with every program it runs (16 MB an MNIST spec,
        190 MB on a 60,000-digit file)."""
        reduced = SPEC_REDUCER[0](self) if SPEC_REDUCER else None
        return reduced or super().__reduce_ex__(protocol)

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

    def bitwise_claims_of(self, program: str) -> list[Bitwise]:
        return [claim for claim in self.bitwise if program in claim.programs]

    def after(self, steps: int) -> "TaskSpec":
        """The rest of this run once `steps` of its updates are done: what a resumed program
        trains (a task with a batch order starts it at that step)."""
        return self.with_steps(self.steps - steps)

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


# The two __main__ blocks a program ends with, by its shape (the docstring above).
MAIN_BLOCKS = {
    "train": 'if __name__ == "__main__":\n    SPEC.report(train())',
    "composed": 'if __name__ == "__main__":\n    model = build_model(SPEC)\n'
                '    SPEC.report(evaluate(model, SPEC, fit(model, SPEC)))',
}


def train(program, spec) -> "TrainingResult":
    """Train a program module on spec: its own `train(spec)`, or build_model, fit, evaluate."""
    if hasattr(program, "train"):
        return program.train(spec)
    model = program.build_model(spec)
    return program.evaluate(model, spec, program.fit(model, spec))
