"""The agreement model: how far float32 rounding alone moves a run, measured on that run.

Two float32 programs that compute the same thing in another order round differently at every
op, and a training run carries those differences forward: shrinking them where it converges,
growing them where it is ill-conditioned (a ReLU input near zero, Adam dividing a gradient
near zero by its own size). No tolerance fitted at one configuration can say how much; the
run itself can. Its oracle is trained again from starts moved by a few ulps (`perturbed`,
one seed each), and the spread of those reruns, update by update, is the run's rounding
floor (`Floors`): a program agrees when it stays within FLOOR_MULTIPLE times that floor.

The spread is the second smallest among the pairs of runs (the oracle and its reruns), not
the largest: an ill-conditioned run can take another trajectory for a perturbation this small
(mnist_mlp's default run does, from update 41, for one of the three seeds), and a floor that
spanned both trajectories would pass anything. Two pairs still share a trajectory, and their
spread is how far rounding moves the run along it (the second smallest, not the smallest: two
runs of a converging fit can end in the same float32 values). A rerun that leaves the oracle's floor is
a fork of the run (`Floors.forks`); a program that leaves the floor but stays within it of
one of the reruns took such a fork: the run is ill-conditioned there, and rounding alone
chose (`Parting.kind` "ill-conditioned"). One that is near no rerun computes something else.

Bitwise claims are not made here: the specs state them and the tests assert them byte for byte.
"""

from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Mapping, Sequence

import numpy as np

from tf_rosetta.implementations.contract import EXACT_METRICS, TrainingResult

# Each nonzero starting value moves by a whole number of ulps in [-ULPS, ULPS]: the size of
# the rounding of one op. Exact zeros stay: a zero bias or BatchNorm beta is a choice, not
# a rounded value, and a denormal in its place changes which side of a ReLU an input falls.
ULPS = 2
# Three reruns, three pairs: one rerun has no spread, two give one sample of it.
SEEDS = (1, 2, 3)
# The floor is at least this many ulps of the quantity (of the largest weight, for weights): a
# converging run's reruns can end in the same float32 values while programs that sum in
# another order end an ulp or two apart.
MIN_ULPS = 4
# How far past the floor a program may go. Across the sweep (docs/agreement.md) the programs
# that compute the same ops in another order stay within about 4.5 times the floor; 16 leaves a
# factor of three for other machines of this kind (another vector width sums in other orders),
# and a real difference is far beyond it: Keras Adam's default epsilon against TF1's is 180
# times mammal_bird's floor, 3.5e4 times mnist_mlp's.
FLOOR_MULTIPLE = 16.0
# A rerun is a fork of the run when it ends this many times further from the oracle than
# agreement allows: drift along one trajectory stays within a few times the smallest pair's
# spread, a fork (another side of a ReLU, Adam's step on a gradient that was zero) is a jump.
FORK_RATIO = 10.0


def perturbed(arrays: Mapping[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    """The arrays with each nonzero float moved by a seeded whole number of ulps in [-ULPS, ULPS]."""
    random = np.random.default_rng(seed)
    moved = {}
    for name in sorted(arrays):  # sorted: the same draws whatever the mapping's order
        array = np.asarray(arrays[name])
        if not np.issubdtype(array.dtype, np.floating):
            moved[name] = array
            continue
        steps = random.integers(-ULPS, ULPS + 1, array.shape) * (array != 0)
        value = array.copy()
        for step in range(ULPS):
            value = np.where(steps > step, np.nextafter(value, array.dtype.type(np.inf)), value)
            value = np.where(steps < -step, np.nextafter(value, array.dtype.type(-np.inf)), value)
        value = value.astype(array.dtype)
        value.setflags(write=False)
        moved[name] = value
    return moved


def moved_rate(rate: float, seed: int) -> float:
    """The learning rate moved by a seeded 1 or 2 float32 ulps, up or down (never 0: every
    program rounds its step size, and TF1's Adam forms it from running products of the betas)."""
    steps = int(np.random.default_rng([seed, 1]).choice([-2, -1, 1, 2]))
    value = np.float32(rate)
    for _ in range(abs(steps)):
        value = np.nextafter(value, np.float32(np.inf) if steps > 0 else np.float32(-np.inf))
    return float(value)


def rerun_spec(spec, seed: int):
    """The spec of the oracle's rerun for a seed: its start and its learning rate moved."""
    return replace(spec, initial_weights=perturbed(spec.initial_weights, seed),
                   learning_rate=moved_rate(spec.learning_rate, seed))


def _ulps(magnitude: np.ndarray) -> np.ndarray:
    return np.spacing(np.abs(np.asarray(magnitude, np.float32))).astype(np.float64)


def _per_update(values: np.ndarray) -> np.ndarray:
    """(updates, ...) -> (updates, rest) in float64."""
    values = np.asarray(values, np.float64)
    return values.reshape(len(values), -1) if values.ndim else values.reshape(1, 1)


def _pair_curves(members: list[np.ndarray]) -> list[np.ndarray]:
    """For each pair of members, the largest |Δ| at each update, carried forward as a running
    maximum (a difference, once made, does not undo itself)."""
    curves = []
    for a, b in combinations(members, 2):
        gap = np.max(np.abs(a - b), axis=1, initial=0.0)
        curves.append(np.maximum.accumulate(gap) if len(gap) else gap)
    return curves


def _second_smallest(curves: list[np.ndarray]) -> np.ndarray:
    """At each update, the second smallest of the pairs' spreads (the smallest with one pair):
    two runs that happen to round alike (a converging run's reruns can end in the same float32
    values) do not set the floor alone."""
    stacked = np.sort(np.stack(curves), axis=0)
    return stacked[min(1, len(stacked) - 1)]


def floor(reference: np.ndarray, perturbed_runs: Sequence[np.ndarray]) -> np.ndarray:
    """The rounding floor of a quantity, per update: arrays shaped (updates, ...) give (updates,).

    The runs are the reference and its reruns from perturbed starts. At each update, the
    second smallest of the pairs' running largest |Δ|: in a run that forks (one rerun of
    three, or two and two), two pairs still share a trajectory, and their spread is how far
    rounding moves the run along it; a fork is found apart (`forks`). At least MIN_ULPS ulps of the reference's largest magnitude at that update."""
    reference = _per_update(reference)
    curves = _pair_curves([reference] + [_per_update(run) for run in perturbed_runs])
    spread = _second_smallest(curves) if curves else np.zeros(len(reference))
    return np.maximum(spread, MIN_ULPS * _ulps(np.max(np.abs(reference), axis=1, initial=0.0)))


# Per-epoch series that every program must reproduce exactly (the rate the schedule set, and
# as its TensorBoard logs hold it: comparisons/run_files.py).
EXACT_HISTORY = frozenset({"learning_rate", "tensorboard learning_rate"})


def _epoch_floor(reference: np.ndarray, perturbed_runs: Sequence[np.ndarray]) -> np.ndarray:
    """floor(), for runs that may end at another update (early stopping): measured over the
    updates all of them ran, the last value carried on to the reference's end. A rerun that
    stopped elsewhere is a fork of the run, which the floor does not span."""
    common = min([len(reference)] + [len(run) for run in perturbed_runs])
    measured = floor(np.asarray(reference)[:common], [np.asarray(run)[:common] for run in perturbed_runs])
    if common == len(reference):
        return measured
    return np.concatenate([measured, np.full(len(reference) - common, measured[-1] if common else 0.0)])


@dataclass
class Floors:
    """The floor of every quantity of one run: losses per update, the rest once, at the end."""

    losses: np.ndarray
    weights: dict[str, float]
    predictions: float
    metrics: dict[str, float]
    # A task that reports per epoch (TrainingResult.history): each series' floor, per epoch.
    history: dict[str, np.ndarray] = field(default_factory=dict)
    runs: list[TrainingResult] = field(default_factory=list, repr=False)  # the perturbed reruns
    _oracle: TrainingResult | None = field(default=None, repr=False)

    @classmethod
    def measure(cls, oracle: TrainingResult, reruns: Sequence[TrainingResult]) -> "Floors":
        # A weight's update sums terms the size of the model's other numbers: a small bias
        # next to a kernel of 2 rounds at the kernel's ulps, not its own.
        largest_weight = max((float(np.max(np.abs(value), initial=0.0)) for value in oracle.weights.values()),
                             default=0.0)
        metrics = {}
        for name, value in oracle.metrics.items():
            values = [float(value)] + [float(run.metrics[name]) for run in reruns]
            spreads = sorted(abs(a - b) for a, b in combinations(values, 2))
            spread = spreads[min(1, len(spreads) - 1)] if spreads else 0.0
            # Counted metrics (accuracy) move by whole examples: no ulp floor under them.
            metrics[name] = spread if name in EXACT_METRICS else max(spread, MIN_ULPS * float(_ulps(value)))
        return cls(
            losses=_epoch_floor(oracle.losses, [run.losses for run in reruns]),
            history={name: _epoch_floor(series, [run.history[name] for run in reruns])
                     for name, series in oracle.history.items() if name not in EXACT_HISTORY},
            weights={name: max(float(floor(value[None], [run.weights[name][None] for run in reruns])[0]),
                               MIN_ULPS * float(_ulps(largest_weight)))
                     for name, value in oracle.weights.items()},
            predictions=float(floor(np.asarray(oracle.predictions)[None],
                                    [np.asarray(run.predictions)[None] for run in reruns])[0]),
            metrics=metrics, runs=list(reruns), _oracle=oracle)

    @property
    def forks(self) -> list[tuple[int, "Parting"]]:
        """(seed, where it parts) of each rerun that leaves the oracle's floor: the run forks."""
        if not self.runs:
            return []
        oracle = self._oracle
        found = []
        for seed, rerun in zip(SEEDS, self.runs):
            outside = parting(rerun, oracle, self, reruns=False)
            if outside is not None and outside.ratio > FORK_RATIO:
                found.append((seed, outside))
        return found


@dataclass
class Gap:
    """How far one program is from the oracle, in units of the allowed FLOOR_MULTIPLE x floor."""

    ratio: float  # the largest |Δ| / (FLOOR_MULTIPLE * floor) over updates and variables; <= 1 agrees
    where: str  # the quantity (and variable or update) at that largest ratio


@dataclass
class Parting:
    """Where a program leaves the floor, and what kind of parting it is."""

    update: int | None  # the first update whose loss left the floor (None: the losses stayed within)
    quantity: str  # the first quantity found outside: "losses", "weights W1", "predictions", "metrics accuracy"
    ratio: float
    kind: str  # "ill-conditioned" (within the floor of one of the oracle's reruns) or "computes something else"
    nearest_rerun: int | None = None  # the seed of the rerun it follows, when ill-conditioned


def _ratio(actual, expected, allowed) -> np.ndarray:
    gap = np.abs(np.asarray(actual, np.float64) - np.asarray(expected, np.float64))
    allowed = FLOOR_MULTIPLE * np.asarray(allowed, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap == 0, 0.0, gap / allowed)


def ratios(actual: TrainingResult, expected: TrainingResult, floors: Floors) -> dict[str, np.ndarray | float]:
    """Each quantity's |Δ| / (FLOOR_MULTIPLE x floor): "losses" per update, then one number per
    weight ("weights W1"), "predictions" and metric ("metrics accuracy")."""
    found = {"losses": _ratio(actual.losses, expected.losses, floors.losses)}
    for name in expected.weights:
        gap = np.max(np.abs(np.asarray(actual.weights[name], np.float64) - expected.weights[name]), initial=0.0)
        found[f"weights {name}"] = float(_ratio(gap, 0.0, floors.weights[name]))
    gap = np.max(np.abs(np.asarray(actual.predictions, np.float64) - expected.predictions), initial=0.0)
    found["predictions"] = float(_ratio(gap, 0.0, floors.predictions))
    for name in expected.metrics:
        found[f"metrics {name}"] = float(_ratio(actual.metrics[name], expected.metrics[name], floors.metrics[name]))
    for name, allowed in floors.history.items():
        found[f"history {name}"] = _ratio(actual.history[name], expected.history[name], allowed)
    return found


def largest(found: dict) -> Gap:
    """The quantity furthest from the oracle in units of the allowed multiple. A counted metric
    whose reruns all count alike has a floor of 0: it is named only when nothing finite is out."""
    items = [(name, float(np.max(value, initial=0.0))) for name, value in found.items()]
    finite = [item for item in items if np.isfinite(item[1])]
    where, ratio = max(finite, key=lambda item: item[1])
    if ratio <= 1 and len(finite) < len(items):
        where, ratio = next(item for item in items if not np.isfinite(item[1]))
    if where == "losses":
        where = f"losses at update {int(np.argmax(found['losses']))}"
    return Gap(ratio, where)


def parting(actual: TrainingResult, expected: TrainingResult, floors: Floors, reruns: bool = True) -> Parting | None:
    """None when every quantity is within the floor; else where the program first leaves it
    (and, unless reruns is False, whether it follows one of the oracle's reruns)."""
    found = ratios(actual, expected, floors)
    outside = [name for name, value in found.items() if np.max(value, initial=0.0) > 1]
    if not outside:
        return None
    beyond = np.flatnonzero(found["losses"] > 1)
    update = int(beyond[0]) if beyond.size else None
    first = "losses" if update is not None else outside[0]
    ratio = float(np.max(found[first], initial=0.0))
    # Does it follow one of the oracle's reruns instead? Then rounding chose between trajectories.
    for seed, rerun in zip(SEEDS, floors.runs if reruns else []):
        if np.shape(rerun.losses) != np.shape(actual.losses):
            continue  # stopped at another epoch: the program did not follow it
        if all(np.max(value, initial=0.0) <= 1 for value in ratios(actual, rerun, floors).values()):
            return Parting(update, first, ratio, "ill-conditioned", seed)
    return Parting(update, first, ratio, "computes something else")
