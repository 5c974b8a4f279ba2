"""What `diff` prints and writes: the verdict lines, a compact table, --json and --plot."""

import json
from pathlib import Path

import numpy as np

from tf_rosetta.comparisons.diff.compare import PARTS, Comparison

HEAD_ROWS = 5
TABLE_ROWS = 20  # about this many rows after the first ones


def table_rows(comparison: Comparison) -> list[int]:
    """The records the table shows: the first few, then every k-th, the first parting one and the last."""
    count = len(comparison.numbers)
    step = max(1, _round_step((count - HEAD_ROWS) / TABLE_ROWS))
    rows = set(range(min(HEAD_ROWS, count)))
    rows.update(record for record in range(count) if (record + 1) % step == 0)
    if comparison.first_parting is not None:
        rows.add(comparison.first_parting)
    if count:
        rows.add(count - 1)
    return sorted(rows)


def _round_step(value: float) -> int:
    """1, 2, 5, 10, 20, 50, ...: steps a reader can count in."""
    if value <= 1:
        return 1
    magnitude = 10 ** int(np.floor(np.log10(value)))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= value)


def format_table(comparison: Comparison) -> str:
    with_floor = comparison.floors is not None
    header = f"{'update':>8}  {'verdict':<16}{'loss |Δ|':>10}  {'largest variable |Δ|':>20}  {'in':<24}"
    header += f"{'x floor':>9}" if with_floor else ""
    lines = [header, "-" * len(header)]
    variables = [name for name in comparison.gaps if name != "loss"]
    for record in table_rows(comparison):
        loss = comparison.gaps.get("loss")
        loss_text = "-" if loss is None or np.isnan(loss[record]) else f"{loss[record]:.3g}"
        name = max(variables, key=lambda v: comparison.gaps[v][record]) if variables else "-"
        gap = comparison.gaps[name][record] if variables else float("nan")
        line = (f"{int(comparison.numbers[record]):>8}  {comparison.verdicts[record]:<16}{loss_text:>10}  "
                f"{gap:>20.3g}  {name[:23]:<24}")
        if with_floor:
            worst, worst_gap = comparison.worst(record)
            floor = comparison.floors[worst][record]
            line += f"{worst_gap / floor:>9.2g}" if floor > 0 else f"{'-':>9}"
        if record == comparison.first_parting:
            line += "  <- first parting"
        lines.append(line.rstrip())
    return "\n".join(lines)


def verdict_line(comparison: Comparison, envelope_note: str, alignment=None, same_count: bool = True) -> str:
    """The verdict of the compared updates; prefixed with what was not comparable, if anything was not."""
    caveats = []
    if alignment is not None and not alignment.complete:
        caveats.append(f"CANNOT ALIGN the variables (above): only the loss and the {len(alignment.pairs)} matched "
                       f"variables compared")
    if not same_count:
        caveats.append("DIFFERENT numbers of updates (above)")
    line = _verdict(comparison, envelope_note)
    return f"verdict: {'; '.join(caveats)}; {line}" if caveats else f"verdict: {line}"


def _verdict(comparison: Comparison, envelope_note: str) -> str:
    count = len(comparison.numbers)
    if comparison.verdict == PARTS:
        first = comparison.first_parting
        return (f"THEY PART at update {int(comparison.numbers[first])} of {count} compared "
                f"({sum(v == PARTS for v in comparison.verdicts)} updates beyond rounding){envelope_note}")
    if comparison.verdict == "bitwise":
        return f"bitwise at every one of the {count} compared updates"
    within = sum(v != "bitwise" for v in comparison.verdicts)
    return (f"within rounding: {count - within} updates bitwise, {within} within "
            f"the float32 rounding measured on A{envelope_note}")


def to_json(path: Path, a, b, alignment, comparison: Comparison, lines: list[str], settings: str) -> None:
    def side(trace):
        return {"script": str(trace.side.script), "runtime": trace.side.runtime, "updates": trace.updates,
                "variables": [{"name": n, "shape": list(s)} for n, s in zip(trace.names, trace.shapes)],
                "seconds": round(trace.seconds, 3), "granularity": trace.meta.get("granularity"),
                "loss_kind": trace.meta.get("loss_kind"), "hooks_fired": trace.meta.get("hooks_fired"),
                "notes": trace.meta.get("notes"), "start": trace.meta.get("start_note")}

    def numbers(array):
        return [None if np.isnan(x) else float(x) for x in np.asarray(array, np.float64)]

    document = {"a": side(a), "b": side(b), "settings": settings, "report": lines,
                "pairs": [{"a": a.names[i], "b": b.names[j]} for i, j in alignment.pairs],
                "unmatched_a": [a.names[i] for i in alignment.unmatched_a],
                "unmatched_b": [b.names[j] for j in alignment.unmatched_b],
                "verdict": comparison.verdict, "loss_note": comparison.loss_note,
                "follows_rerun_seed": comparison.follows_rerun,
                "first_parting_update": None if comparison.first_parting is None
                else int(comparison.numbers[comparison.first_parting]),
                "updates": [int(n) for n in comparison.numbers], "verdicts": comparison.verdicts,
                "gaps": {name: numbers(gap) for name, gap in comparison.gaps.items()},
                "floors": None if comparison.floors is None
                else {name: numbers(floor) for name, floor in comparison.floors.items()},
                "loss_a": numbers(a.loss), "loss_b": numbers(b.loss)}
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")


def to_plot(path: Path, comparison: Comparison, title: str) -> None:
    from tf_rosetta.comparisons.figures import pyplot

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(8, 4.5))
    tiny = np.finfo(np.float32).tiny
    for name, gap in comparison.gaps.items():
        shown = np.where(gap > 0, gap, np.nan)  # bitwise updates leave a gap in the line, not a fake value
        axes.plot(comparison.numbers, shown, label=f"{name}", linewidth=1)
    if comparison.floors is not None:
        floor = np.max(np.stack(list(comparison.floors.values())), axis=0)
        axes.plot(comparison.numbers, floor, "k--", linewidth=1, label="rounding floor (largest)")
    if comparison.first_parting is not None:
        axes.axvline(comparison.numbers[comparison.first_parting], color="red", linewidth=0.8,
                     label="first parting")
    axes.set_yscale("log")
    axes.set_ylim(bottom=tiny)
    axes.set_xlabel("update")
    axes.set_ylabel("|Δ| (largest element)")
    axes.set_title(title, fontsize=9)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
