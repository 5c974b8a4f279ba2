"""What the tracer records in a diff child, and the trace file it leaves for the runner.

One record per training update: its number (1-based, counted by the tracer), the loss the
update differentiated (NaN where no hook saw one), a digest of the batch it consumed ("" where
no hook saw it) and every variable it updated, read after the update. The variables are those
of the first update, in its order; their values before that update are kept apart.
"""

import hashlib
import json
import os
import sys

import numpy as np

TRACE_FORMAT = 1


class Recorder:
    def __init__(self, out_path: str, max_updates: int | None = None, set_values: dict | None = None,
                 perturb_seed: int | None = None):
        self.out_path, self.max_updates = out_path, max_updates
        self.set_values = set_values or {}  # variable key -> array to start from
        self.perturb_seed = perturb_seed
        self.started = False  # whether the values were set (or perturbed) before the first update
        self.start_note = ""
        self.names: list[str] | None = None
        self.keys: list[str] = []
        self.initial: list[np.ndarray] = []
        self.after: list[list[np.ndarray]] = []
        self.losses: list[float] = []
        self.digests: list[str] = []
        self.numbers: list[int] = []
        self.updates = 0  # every update seen, recorded or not
        self.hooks_installed: list[str] = []
        self.hooks_fired: dict[str, int] = {}
        self.notes: list[str] = []
        self.granularity = "every update"
        self.loss_kind = "the loss each update differentiated"
        self.written = False

    # Called by the hooks ----------------------------------------------------------------

    def fired(self, hook: str) -> None:
        self.hooks_fired[hook] = self.hooks_fired.get(hook, 0) + 1

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def start_values(self, keys_and_values: list[tuple[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """The values to give the variables before the first update, by key: the given ones
        (--init-from), or the current ones moved by a few ulps (the rounding reruns)."""
        if self.started:
            return {}
        self.started = True
        if self.perturb_seed is not None:
            from tf_rosetta.comparisons import agreement

            moved = agreement.perturbed({key: value for key, value in keys_and_values}, self.perturb_seed)
            self.start_note = f"started from its own values moved by a few ulps (seed {self.perturb_seed})"
            return moved
        if self.set_values:
            found = {key: self.set_values[key] for key, _ in keys_and_values if key in self.set_values}
            self.start_note = f"started {len(found)} of {len(self.set_values)} variables from the given values"
            return found
        return {}

    def moved_rate(self, rate: float) -> float:
        """The learning rate of a rounding rerun: moved by the seed's ulps (agreement.moved_rate)."""
        from tf_rosetta.comparisons import agreement

        moved = agreement.moved_rate(rate, self.perturb_seed)
        self.note(f"learning rate {rate!r} moved to {moved!r}")
        return moved

    def first_update(self, names: list[str], keys: list[str], values: list[np.ndarray]) -> None:
        self.names, self.keys = list(names), list(keys)
        self.initial = [np.array(value, copy=True) for value in values]

    def same_variables(self, keys: list[str]) -> bool:
        if self.names is None:
            return True
        if list(keys) != self.keys:
            self.note("an update changed other variables than the first (a second optimizer?): "
                      "only updates of the first update's variables are recorded")
            return False
        return True

    def record(self, values: list[np.ndarray], loss, digest: str | None) -> None:
        self.updates += 1
        self.numbers.append(self.updates)
        self.after.append([np.array(value, copy=True) for value in values])
        self.losses.append(float(np.asarray(loss).reshape(())) if loss is not None and np.size(loss) == 1
                           else float("nan"))
        self.digests.append(digest or "")
        if self.max_updates is not None and self.updates >= self.max_updates:
            # --steps: the program has made the updates asked for. Stop it here, whatever it
            # would do next (its own loop, a callback, a traced while_loop).
            self.write(stopped=True)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)

    def skip_update(self) -> None:
        self.updates += 1

    # The trace file ---------------------------------------------------------------------

    def write(self, stopped: bool = False, error: str | None = None) -> None:
        if self.written:
            return
        self.written = True
        meta = {"format": TRACE_FORMAT, "names": self.names or [], "keys": self.keys,
                "shapes": [list(np.shape(value)) for value in self.initial],
                "dtypes": [str(np.asarray(value).dtype) for value in self.initial],
                "updates": self.updates, "stopped": stopped, "error": error,
                "hooks_installed": self.hooks_installed, "hooks_fired": self.hooks_fired,
                "notes": self.notes, "granularity": self.granularity, "loss_kind": self.loss_kind,
                "start_note": self.start_note}
        arrays = {"meta": np.array(json.dumps(meta)), "loss": np.array(self.losses, np.float64),
                  "number": np.array(self.numbers, np.int64), "batch": np.array(self.digests, dtype=str)}
        for index, value in enumerate(self.initial):
            arrays[f"initial/{index}"] = value
            arrays[f"after/{index}"] = (np.stack([record[index] for record in self.after]) if self.after
                                        else np.zeros((0, *np.shape(value)), np.asarray(value).dtype))
        partial = self.out_path + ".partial.npz"
        np.savez(partial, **arrays)
        os.replace(partial, self.out_path)


def digest(arrays) -> str:
    """A digest of a batch that does not depend on how the program holds it: each array's
    shape and bytes (floating point as float32, what the models compute in), then the
    arrays' digests sorted, so that a feed_dict {x, y} and Keras's (x, y) give the same."""
    parts = []
    for array in arrays:
        if array is None:
            continue
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(np.float32)
        parts.append(hashlib.sha1(repr(array.shape).encode() + np.ascontiguousarray(array).tobytes()).hexdigest())
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()[:16] if parts else ""
