"""Which of A's variables is which of B's, and whether the two runs can be compared update by update.

Each check gives one verdict line, printed before any number: the variables (by order of
creation and shape, or by --map), the start (same values or not), the batches (the same bytes
at each update or not, or not seen) and the number of updates.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tf_rosetta.comparisons.errors import UsageError


class MapError(UsageError):
    """A --map file that does not fit the two scripts' variables: one line, exit 2."""


@dataclass
class Alignment:
    pairs: list[tuple[int, int]]  # (A's variable, B's variable)
    unmatched_a: list[int] = field(default_factory=list)
    unmatched_b: list[int] = field(default_factory=list)
    how: str = ""
    ambiguous: list[str] = field(default_factory=list)  # same-shaped variables that order alone matched

    @property
    def complete(self) -> bool:
        return not self.unmatched_a and not self.unmatched_b


def _describe(trace, index: int) -> str:
    return f"{trace.names[index]} {list(trace.shapes[index])}"


def match_variables(a, b, mapping: list[tuple[str, str]] | None = None, map_name: str = "") -> Alignment:
    if mapping is not None:
        pairs = [(_lookup(a, token_a, "A"), _lookup(b, token_b, "B")) for token_a, token_b in mapping]
        for index_a, index_b in pairs:
            if a.shapes[index_a] != b.shapes[index_b]:
                raise MapError(f"--map {map_name}: A's {_describe(a, index_a)} and B's {_describe(b, index_b)} "
                               f"differ in shape")
        matched_a, matched_b = {p[0] for p in pairs}, {p[1] for p in pairs}
        return Alignment(pairs, [i for i in range(len(a.names)) if i not in matched_a],
                         [i for i in range(len(b.names)) if i not in matched_b], how=f"by --map {map_name}")
    if a.shapes == b.shapes:
        alignment = Alignment(list(zip(range(len(a.names)), range(len(b.names)))), how="by order of creation")
    else:
        # The same shapes in another order (layers built in another order): matched by shape,
        # in order among the same-shaped ones.
        by_shape_a, by_shape_b = defaultdict(list), defaultdict(list)
        for index, shape in enumerate(a.shapes):
            by_shape_a[shape].append(index)
        for index, shape in enumerate(b.shapes):
            by_shape_b[shape].append(index)
        pairs, unmatched_a, unmatched_b = [], [], []
        for shape in dict.fromkeys([*a.shapes, *b.shapes]):
            left, right = by_shape_a.get(shape, []), by_shape_b.get(shape, [])
            pairs += list(zip(left, right))
            unmatched_a += left[len(right):]
            unmatched_b += right[len(left):]
        alignment = Alignment(sorted(pairs), sorted(unmatched_a), sorted(unmatched_b),
                              how="by shape, the order of creation differing")
    # Order settles same-shaped variables, but a reader should see which pairs it chose.
    shapes = defaultdict(list)
    for index_a, index_b in alignment.pairs:
        shapes[a.shapes[index_a]].append((index_a, index_b))
    for shape, same in shapes.items():
        if len(same) > 1:
            alignment.ambiguous.append(", ".join(f"{a.names[i]}={b.names[j]}" for i, j in same)
                                       + f" (all {list(shape)})")
    return alignment


def _lookup(trace, token: str, label: str) -> int:
    if token.startswith("#") and token[1:].isdigit():
        index = int(token[1:])
        if index < len(trace.names):
            return index
    elif trace.names.count(token) == 1:
        return trace.names.index(token)
    elif trace.names.count(token) > 1:
        raise MapError(f"--map: {label} has {trace.names.count(token)} variables named {token!r}: name them by "
                       f"position, #0 to #{len(trace.names) - 1}")
    raise MapError(f"--map: {label} has no variable {token!r}; its variables: "
                   + ", ".join(f"#{i} {_describe(trace, i)}" for i in range(len(trace.names))))


def read_map(path: Path) -> list[tuple[str, str]]:
    """Lines `A_NAME B_NAME` (a name, or #N for the N-th variable); # starts a comment line."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        words = line.split()
        if not words or (line.lstrip().startswith("#") and not line.lstrip()[1:2].isdigit()):
            continue
        if len(words) != 2:
            raise MapError(f"--map {path}: line {number} should be two names, A's then B's: {line.strip()!r}")
        pairs.append((words[0], words[1]))
    return pairs


def variables_line(a, b, alignment: Alignment) -> str:
    if alignment.complete:
        line = f"variables: {len(alignment.pairs)} matched {alignment.how}"
        if alignment.ambiguous:
            line += f"; same-shaped, matched by order (--map FILE to change): {'; '.join(alignment.ambiguous)}"
        return line
    parts = []
    if alignment.unmatched_a:
        parts.append("only A has " + ", ".join(_describe(a, i) for i in alignment.unmatched_a))
    if alignment.unmatched_b:
        parts.append("only B has " + ", ".join(_describe(b, i) for i in alignment.unmatched_b))
    return (f"variables: CANNOT ALIGN: A updates {len(a.names)}, B {len(b.names)}; {len(alignment.pairs)} matched "
            f"{alignment.how}; {'; '.join(parts)}")


def start_line(a, b, alignment: Alignment, init_note: str = "") -> tuple[str, bool]:
    gaps = [(float(np.max(np.abs(a.initial[i].astype(np.float64) - b.initial[j].astype(np.float64)), initial=0.0)),
             b.names[j]) for i, j in alignment.pairs]
    differing = [(gap, name) for (gap, name), (i, j) in zip(gaps, alignment.pairs)
                 if not np.array_equal(a.initial[i], b.initial[j])]
    prefix = f"start: {init_note}; " if init_note else "start: "
    if not differing:
        return prefix + "the same values, bit for bit", True
    worst = max(differing)
    return (prefix + f"DIFFERENT values in {len(differing)} of {len(gaps)} variables (largest |Δ| {worst[0]:.3g} "
            f"in {worst[1]}); --init-from a starts B from A's values"), False


def common_records(a, b) -> tuple[np.ndarray, np.ndarray]:
    """The records of A and B that follow the same update (both sides record at the coarser one)."""
    common, index_a, index_b = np.intersect1d(a.number, b.number, return_indices=True)
    return index_a, index_b


def updates_line(a, b, steps: int | None) -> tuple[str, bool]:
    stopped = f" (--steps {steps} stopped them)" if steps and (a.meta.get("stopped") or b.meta.get("stopped")) else ""
    granularity = ""
    for trace in (a, b):
        if trace.meta.get("granularity", "every update") != "every update":
            granularity += f"; {trace.side.label} recorded {trace.meta['granularity']}"
    if a.updates == b.updates:
        return f"updates: {a.updates} each{stopped}{granularity}", True
    return (f"updates: DIFFERENT numbers: A made {a.updates}, B {b.updates}; the first "
            f"{min(a.updates, b.updates)} compared{stopped}{granularity}"), False


def batches_line(a, b, index_a, index_b) -> tuple[str, bool | None]:
    """The batch verdict, and True (same), False (differ) or None (not seen on a side)."""
    unseen = [trace for trace, index in ((a, index_a), (b, index_b)) if len(index) and not all(trace.batch[index])]
    if unseen:
        why = "; ".join(f"{trace.side.label}: " + ("Keras on JAX keeps the batch inside jax.jit"
                                                   if trace.side.runtime == "jax" else
                                                   "a TF2 loop hands the optimizer gradients, not the batch")
                        for trace in unseen)
        return f"batches: not seen ({why}): check the data order yourself", None
    same = a.batch[index_a] == b.batch[index_b]
    if same.all():
        return f"batches: the same bytes at every one of the {len(index_a)} compared updates", True
    first = int(np.flatnonzero(~same)[0])
    return (f"batches: DIFFERENT from update {int(a.number[index_a[first]])} on ({int((~same).sum())} of "
            f"{len(same)} differ): another order, shuffling or other data"), False
