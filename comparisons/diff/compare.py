"""Two aligned traces compared update by update, against the rounding envelope of A itself.

A user's programs have no oracle, so how far rounding alone can move them is measured on A:
rerun from its own start moved by a few ulps (comparisons.agreement.perturbed, one run per
seed of agreement.SEEDS), the floor of each variable and of the loss at each update is
agreement.floor of those reruns against A. Per update the verdict is "bitwise" (every gap 0),
"within rounding" (every gap within agreement.FLOOR_MULTIPLE times its floor) or "PARTS".
"""

from dataclasses import dataclass, field

import numpy as np

from tf_rosetta.comparisons.diff import align

BITWISE, WITHIN, PARTS = "bitwise", "within rounding", "PARTS"


@dataclass
class Comparison:
    numbers: np.ndarray  # the update each compared record follows
    gaps: dict[str, np.ndarray]  # "loss" and each matched variable (A's name) -> (records,) largest |Δ|
    floors: dict[str, np.ndarray] | None  # the same keys -> (records,) rounding floor; None: not measured
    verdicts: list[str]  # per record
    loss_note: str = ""  # why the loss is not compared, if it is not
    variable_pairs: list[tuple[str, str]] = field(default_factory=list)  # (A's name, B's name)
    # When B parts from A but stays within the floor of one of A's rounding reruns: that rerun's
    # seed (agreement.Parting's "ill-conditioned": rounding alone chose between trajectories).
    follows_rerun: int | None = None

    @property
    def first_parting(self) -> int | None:
        parting = [i for i, verdict in enumerate(self.verdicts) if verdict == PARTS]
        return parting[0] if parting else None

    @property
    def verdict(self) -> str:
        if PARTS in self.verdicts:
            return PARTS
        return WITHIN if WITHIN in self.verdicts else BITWISE

    def worst(self, record: int) -> tuple[str, float]:
        """The quantity with the largest gap at a record, relative to its floor where one is measured."""
        def weight(name):
            gap = self.gaps[name][record]
            if self.floors is None or np.isnan(gap):
                return 0.0 if np.isnan(gap) else gap
            return gap / max(self.floors[name][record], np.finfo(np.float64).tiny)
        name = max(self.gaps, key=weight)
        return name, float(self.gaps[name][record])


def _gap(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    difference = np.abs(left.astype(np.float64) - right.astype(np.float64))
    return difference.reshape(len(difference), -1).max(axis=1, initial=0.0)


def losses_comparable(a, b) -> str:
    """"" when both sides recorded the same kind of loss, else why the loss is not compared."""
    if a.meta.get("loss_kind") != b.meta.get("loss_kind"):
        return (f"losses not compared: A recorded {a.meta.get('loss_kind')}, B {b.meta.get('loss_kind')}")
    missing = [trace.side.label for trace in (a, b) if np.isnan(trace.loss).all()]
    if missing:
        return (f"losses not compared: no loss seen on {' and '.join(missing)} (the optimizer was given gradients "
                f"of no GradientTape, or a TF1 apply_gradients without compute_gradients)")
    return ""


def compare(a, b, alignment: align.Alignment, reruns=()) -> Comparison:
    """reruns: A's traces from perturbed starts, for the floor (none: bitwise or PARTS only)."""
    index_a, index_b = align.common_records(a, b)
    gaps = {}
    loss_note = losses_comparable(a, b)
    if not loss_note:
        gaps["loss"] = np.abs(a.loss[index_a] - b.loss[index_b])
    for i, j in alignment.pairs:
        gaps[a.names[i]] = _gap(a.after[i][index_a], b.after[j][index_b])
    floors = _floors(a, alignment, index_a, reruns, "loss" in gaps) if reruns else None
    multiple = _agreement().FLOOR_MULTIPLE if reruns else None
    verdicts = []
    for record in range(len(index_a)):
        values = {name: gap[record] for name, gap in gaps.items() if not np.isnan(gap[record])}
        if all(value == 0 for value in values.values()):
            verdicts.append(BITWISE)
        elif floors is not None and all(value <= multiple * floors[name][record]
                                        for name, value in values.items()):
            verdicts.append(WITHIN)
        else:
            verdicts.append(PARTS)
    comparison = Comparison(a.number[index_a], gaps, floors, verdicts, loss_note,
                            [(a.names[i], b.names[j]) for i, j in alignment.pairs])
    if PARTS in verdicts and floors is not None:
        comparison.follows_rerun = _followed_rerun(a, b, alignment, index_a, index_b, reruns, floors, multiple)
    return comparison


def _followed_rerun(a, b, alignment, index_a, index_b, reruns, floors, multiple) -> int | None:
    for seed, rerun in zip(_agreement().SEEDS, reruns):
        _, in_a, in_rerun = np.intersect1d(a.number[index_a], rerun.number, return_indices=True)
        if len(in_a) != len(index_a):
            continue
        within = True
        if "loss" in floors:
            within &= bool(np.all(np.abs(rerun.loss[in_rerun] - b.loss[index_b]) <= multiple * floors["loss"]))
        for i, j in alignment.pairs:
            gap = _gap(rerun.after[i][in_rerun], b.after[j][index_b])
            within &= bool(np.all(gap <= multiple * floors[a.names[i]]))
        if within:
            return seed
    return None


def _agreement():
    # Imported when a floor is needed: a bitwise diff needs none.
    from tf_rosetta.comparisons import agreement

    return agreement


def _floors(a, alignment, index_a, reruns, with_loss: bool) -> dict[str, np.ndarray]:
    agreement = _agreement()
    floors = {}
    kept = []
    for rerun in reruns:
        _, in_a, in_rerun = np.intersect1d(a.number[index_a], rerun.number, return_indices=True)
        if len(in_a) != len(index_a):
            raise RuntimeError(f"A's rerun from a perturbed start made {rerun.updates} updates, A {a.updates}: "
                               f"A does not run the same way twice, so no rounding envelope can be measured")
        kept.append(in_rerun)
    if with_loss:
        floors["loss"] = agreement.floor(a.loss[index_a], [r.loss[k] for r, k in zip(reruns, kept)])
    # As compare: every weight's floor is at least MIN_ULPS ulps of the model's largest weight at
    # that update (a bias's update sums terms the size of the kernel's).
    largest = np.zeros(len(index_a))
    for i, _ in alignment.pairs:
        values = np.abs(a.after[i][index_a].astype(np.float64)).reshape(len(index_a), -1)
        largest = np.maximum(largest, values.max(axis=1, initial=0.0))
    least = agreement.MIN_ULPS * np.spacing(largest.astype(np.float32)).astype(np.float64)
    for i, _ in alignment.pairs:
        floors[a.names[i]] = np.maximum(
            agreement.floor(a.after[i][index_a], [r.after[i][k] for r, k in zip(reruns, kept)]), least)
    return floors


def growth(comparison: Comparison) -> str:
    """How the largest gap grows from the first parting update to the last."""
    first = comparison.first_parting
    if first is None:
        return ""
    name, start = comparison.worst(first)
    end = float(comparison.gaps[name][-1])
    count = int(comparison.numbers[-1] - comparison.numbers[first])
    if count == 0 or start <= 0:
        return f"{name}: |Δ| {start:.3g} at update {int(comparison.numbers[first])}, the last compared"
    factor = end / start
    rate = ""
    if factor > 2:
        rate = f", doubling every {count * np.log(2) / np.log(factor):.3g} updates on average"
    return (f"{name}: |Δ| {start:.3g} at update {int(comparison.numbers[first])}, {end:.3g} at update "
            f"{int(comparison.numbers[-1])} (x{factor:.3g}{rate})")
