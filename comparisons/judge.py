"""Judging one program's result against another's: the largest difference of each quantity,
bitwise or not, and against the oracle whether it stays within the run's rounding floor
(comparisons/agreement.py), where it parts and what explains it."""

from dataclasses import dataclass, field

import numpy as np

from tf_rosetta.comparisons import agreement
from tf_rosetta.implementations.contract import TaskSpec, TrainingResult


@dataclass
class Difference:
    """The largest |a - b| of each quantity, and whether all stay within the rounding floor."""

    losses: float = 0.0
    weights: float = 0.0
    predictions: float = 0.0
    metrics: float = 0.0
    history: float = 0.0  # the per-epoch series, where a task has them
    within: bool = True
    bitwise: bool = True
    problems: list[str] = field(default_factory=list)
    # Against the oracle: the largest |Δ| as a multiple of the floor, and where the program
    # leaves FLOOR_MULTIPLE times it (None: it does not).
    floor_multiple: float = 0.0
    worst: str = ""
    parting: agreement.Parting | None = None
    explained_by: tuple[str, ...] = ()  # the spec's known differences, when it parts computing otherwise
    # Of those, the ones whose oracle variant the program follows within the floor, run to confirm.
    confirmed_by: tuple[str, ...] = ()


def _flatten_weights(result: TrainingResult, names) -> np.ndarray:
    return np.concatenate([np.ravel(result.weights[name]) for name in names])


def _problems_of_layout(actual: TrainingResult, expected: TrainingResult) -> list[str]:
    problems = []
    if sorted(actual.weights) != sorted(expected.weights):
        problems.append(f"weights named {sorted(actual.weights)}, expected {sorted(expected.weights)}")
    else:
        for name in expected.weights:
            a, e = np.shape(actual.weights[name]), np.shape(expected.weights[name])
            if a != e:
                problems.append(f"weight {name} has shape {a}, expected {e}")
    stop_differs = actual.stopped_epoch != expected.stopped_epoch  # said once, below, not as a shape
    if np.shape(actual.losses) != np.shape(expected.losses) and not stop_differs:
        problems.append(f"losses have shape {np.shape(actual.losses)}, expected {np.shape(expected.losses)}")
    if np.shape(actual.predictions) != np.shape(expected.predictions):
        problems.append(f"predictions have shape {np.shape(actual.predictions)}, "
                        f"expected {np.shape(expected.predictions)}")
    if sorted(actual.metrics) != sorted(expected.metrics):
        problems.append(f"metrics named {sorted(actual.metrics)}, expected {sorted(expected.metrics)}")
    problems += _problems_of_epochs(actual, expected)
    return problems


def _problems_of_epochs(actual: TrainingResult, expected: TrainingResult) -> list[str]:
    """A task that trains epoch by epoch (auto_mpg): the same epoch to stop at, the same series
    of that length, and every epoch's learning rate exactly: the schedule's rule has no rounding
    to excuse."""
    if actual.stopped_epoch != expected.stopped_epoch:
        return [f"stopped after {actual.stopped_epoch} epochs, expected {expected.stopped_epoch}"]
    if sorted(actual.history) != sorted(expected.history):
        return [f"history of {sorted(actual.history)}, expected {sorted(expected.history)}"]
    problems = [f"history {name} has shape {np.shape(actual.history[name])}, expected {np.shape(series)}"
                for name, series in expected.history.items() if np.shape(actual.history[name]) != np.shape(series)]
    for name in agreement.EXACT_HISTORY & set(expected.history) if not problems else ():
        differing = np.flatnonzero(np.asarray(actual.history[name]) != np.asarray(expected.history[name]))
        if differing.size:
            problems.append(f"{name} at epoch {differing[0] + 1} is {actual.history[name][differing[0]]!r}, "
                            f"expected {expected.history[name][differing[0]]!r}")
    return problems


def difference(actual: TrainingResult, expected: TrainingResult, floors: agreement.Floors | None = None,
               known: tuple[str, ...] = ()) -> Difference:
    """The largest |a - b| of each quantity and whether they are bitwise equal; against the
    oracle (floors given), also whether each stays within FLOOR_MULTIPLE times the floor, and
    where it parts: `known` names the catalog entries by which the program computes otherwise."""
    found = Difference(problems=_problems_of_layout(actual, expected))
    if found.problems:
        found.within = found.bitwise = False
        return found
    names = sorted(expected.weights)
    pairs = {"losses": (actual.losses, expected.losses),
             "weights": (_flatten_weights(actual, names), _flatten_weights(expected, names)),
             "predictions": (actual.predictions, expected.predictions),
             "metrics": ([actual.metrics[name] for name in sorted(expected.metrics)],
                         [expected.metrics[name] for name in sorted(expected.metrics)]),
             "history": ([actual.history[name] for name in sorted(expected.history)],
                         [expected.history[name] for name in sorted(expected.history)])}
    for quantity, (a, e) in pairs.items():
        a, e = np.asarray(a, np.float64), np.asarray(e, np.float64)
        setattr(found, quantity, float(np.max(np.abs(a - e), initial=0.0)))
        found.bitwise &= bool(np.array_equal(a, e))
    if floors is None:
        return found
    ratios = agreement.ratios(actual, expected, floors)
    largest = agreement.largest(ratios)
    found.floor_multiple, found.worst = largest.ratio * agreement.FLOOR_MULTIPLE, largest.where
    found.parting = agreement.parting(actual, expected, floors)
    if found.parting is not None:
        where = (f"from update {found.parting.update}" if found.parting.update is not None
                 else f"in its {found.parting.quantity}")
        found.problems.append(f"leaves the rounding floor {where}: {largest.where} at "
                              f"{found.floor_multiple:.3g}x the floor (agreement: up to "
                              f"{agreement.FLOOR_MULTIPLE:g}x); {_kind_line(found.parting, known)}")
    found.within = found.parting is None
    if found.parting is not None and found.parting.kind != "ill-conditioned":
        found.explained_by = known
    found.bitwise &= found.within
    return found


def _kind_line(parting: agreement.Parting, known: tuple[str, ...]) -> str:
    if parting.kind == "ill-conditioned":
        return (f"ill-conditioned: it stays within the floor of the oracle retrained from a start moved by "
                f"{agreement.ULPS} ulps (seed {parting.nearest_rerun}), so rounding alone chose its trajectory")
    if known:
        return ("computes something else, as its spec declares: "
                + "; ".join(f"`tf-rosetta divergences {name}`" for name in known))
    return (f"computes something else, and no catalog entry is declared for it: look at "
            f"{parting.quantity} first")


def confirm(spec: TaskSpec, result: TrainingResult, floors: agreement.Floors, found: Difference) -> None:
    """Run the oracle with each declared entry's arithmetic in place of its own: the entries whose
    variant the program follows within the floor explain its parting, confirmed."""
    from tf_rosetta.comparisons.divergences import catalog  # only when a program parts: the catalog is large

    confirmed, refuted = [], []
    for name in found.explained_by:
        variant = catalog.BY_NAME[name].oracle_variant
        if variant is None:
            continue
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            variant_result = variant(spec.task)(spec)
        (refuted if agreement.parting(result, variant_result, floors, reruns=False) else confirmed).append(name)
    found.confirmed_by = tuple(confirmed)
    if confirmed:
        found.problems[-1] += (f"; confirmed: the oracle with that arithmetic ({', '.join(confirmed)}) stays within "
                               f"the floor of it at every update")
    elif refuted:
        found.explained_by = ()
        found.problems[-1] += (f"; not confirmed: the oracle with that arithmetic ({', '.join(refuted)}) parts from "
                               f"it too, so something else differs")
