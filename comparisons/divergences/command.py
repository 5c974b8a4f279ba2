"""`tf-rosetta divergences`: the terminal page, the README section, and the command."""

import sys
import textwrap
from pathlib import Path

from .catalog import CATALOG, check_names
from .programs import alignment_problems, dependent_files
from .record import MEASURED_ON


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if value == float("inf"):
        return "—"
    return f"{value:.3g}"


def _files_summary(paths: list[Path]) -> str:
    by_task = {}
    for path in paths:
        by_task.setdefault(path.parent.name, []).append(path.stem)
    return "; ".join(f"{task}: {', '.join(programs)}" for task, programs in by_task.items()) or "none"


def render_text(entries=CATALOG, measured: dict | None = None, not_measurable: dict | None = None) -> str:
    """The terminal page: a summary table, then each entry in full with the files that depend on it.

    measured: fresh Measured results by entry name; not_measurable: why this machine could not
    measure an entry, by name.
    """
    lines = ["Known differences between the APIs", f"recorded: {MEASURED_ON}", ""]
    header = f"{'divergence':<31} {'defaults':>9} {'aligned':>9}  {'files':>5}  aligning setting"
    lines += [header, "-" * 100]
    for entry in entries:
        lines.append(f"{entry.name:<31} {_number(entry.recorded.default):>9} {_number(entry.recorded.aligned):>9}  "
                     f"{len(dependent_files(entry)):>5}  {entry.setting}")
    for entry in entries:
        files = dependent_files(entry)
        lines += ["", f"{entry.name}: {entry.title}",
                  f"  what differs:  {entry.differs}",
                  f"  measured:      {_number(entry.recorded.default)}{entry.unit} with the defaults, "
                  f"{_number(entry.recorded.aligned)}{entry.unit} aligned ({entry.quantity})"]
        if entry.recorded.details:
            lines.append(f"                 {entry.recorded.details}")
        if measured and entry.name in measured:
            now = measured[entry.name]
            lines.append(f"  measured now:  {_number(now.default)}{entry.unit} with the defaults, "
                         f"{_number(now.aligned)}{entry.unit} aligned"
                         + (f"; {now.details}" if now.details else ""))
            lines += [f"  PROBLEM: {problem}" for problem in entry.problems(now)]
        if not_measurable and entry.name in not_measurable:
            lines.append(f"  measured now:  not on this machine: {not_measurable[entry.name]}")
        if entry.aligned_at_most == float("inf"):
            lines.append(f"  tested:        {entry.why}")
        else:
            lines.append(f"  tested:        at least {_number(entry.default_at_least)} with the defaults, at most "
                         f"{_number(entry.aligned_at_most)} aligned ({entry.why})")
        if entry.not_measured:
            lines.append(f"  not measured:  {entry.not_measured}")
        lines.append(f"  aligned by:    {entry.aligned_by}")
        lines.append(f"  {f'files ({len(files)}):':<15}{_files_summary(files)}")
        lines += [f"  PROBLEM: {problem}" for problem in alignment_problems(entry)]
    return "\n".join(lines)


def render_markdown(entries=CATALOG) -> str:
    """The README section: one row per entry; `tf-rosetta divergences` gives each in full, with its files."""
    lines = [
        "## Known differences between the APIs",
        "",
        textwrap.fill(
            "Where two APIs differ by default they give different numbers. Each row is a test "
            "(`tests/test_divergences.py`) that fails if the difference vanishes or its alignment stops "
            "working, and a check that every program it reaches carries the aligning setting. "
            "`tf-rosetta divergences` prints each entry in full with the files that depend on it; "
            "`--measure` re-measures on your machine. Recorded on " + MEASURED_ON + ".", width=90,
            break_on_hyphens=False, break_long_words=False),
        "",
        "| difference | with the defaults | aligned | aligning setting |",
        "|---|---|---|---|",
    ]
    for entry in entries:
        cells = [entry.title, f"{_number(entry.recorded.default)}{entry.unit} ({entry.quantity})",
                 f"{_number(entry.recorded.aligned)}{entry.unit}", entry.setting]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def _first_line(error: Exception) -> str:
    return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"


def command_divergences(args) -> int:
    entries = check_names(args.names)
    if args.markdown:
        print(render_markdown(entries))
        return 0
    measured, not_measurable, failed = {}, {}, []
    for entry in entries if args.measure else []:
        try:
            reason = entry.platform_problem()
            if reason:
                not_measurable[entry.name] = reason
            else:
                measured[entry.name] = entry.probe()
        except Exception as error:  # noqa: BLE001  (one probe failing must not hide the others)
            failed.append(f"tf-rosetta: probe {entry.name} failed: {_first_line(error)}")
    print(render_text(entries, measured, not_measurable))
    for line in failed:
        print(line, file=sys.stderr)
    failing = [entry for entry in entries if alignment_problems(entry) or
               (entry.name in measured and entry.problems(measured[entry.name]))]
    return 1 if failing or failed else 0
