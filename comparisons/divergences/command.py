"""`tf-rosetta divergences`: the terminal page and the command (the Markdown page is document.py's)."""

import sys
import textwrap

from .catalog import CATALOG, check_names
from .document import facts, number, render_markdown
from .programs import alignment_problems, dependent_files
from .record import MEASURED_ON


def render_text(entries=CATALOG, measured: dict | None = None, not_measurable: dict | None = None) -> str:
    """The terminal page: a summary table, then each entry: its lesson, numbers, setting, files and probe.

    measured: fresh Measured results by entry name; not_measurable: why this machine could not
    measure an entry, by name.
    """
    lines = ["Known differences between the APIs", f"recorded: {MEASURED_ON}", ""]
    header = f"{'divergence':<31} {'defaults':>9} {'aligned':>9}  {'files':>5}  aligning setting"
    lines += [header, "-" * 100]
    for entry in entries:
        lines.append(f"{entry.name:<31} {number(entry.recorded.default):>9} {number(entry.recorded.aligned):>9}  "
                     f"{len(dependent_files(entry)):>5}  {entry.setting}")
    for entry in entries:
        lines += ["", f"{entry.name}: {entry.title}", ""]
        for paragraph in entry.body:
            lines += [*textwrap.wrap(paragraph, width=90, initial_indent="  ",
                                     subsequent_indent="    " if paragraph.startswith("- ") else "  ",
                                     break_on_hyphens=False, break_long_words=False), ""]
        for label, text in facts(entry):
            lines.append(f"  {label + ':':<15}{text}")
            if label == "details" or (label == "measured" and not entry.recorded.details):
                lines += _now(entry, measured, not_measurable)
        lines += [f"  PROBLEM: {problem}" for problem in alignment_problems(entry)]
    return "\n".join(lines)


def _now(entry, measured, not_measurable) -> list[str]:
    """The fresh measurement (--measure), under the recorded one."""
    if measured and entry.name in measured:
        now = measured[entry.name]
        return ([f"  measured now:  {number(now.default)}{entry.unit} with the defaults, "
                 f"{number(now.aligned)}{entry.unit} aligned" + (f"; {now.details}" if now.details else "")]
                + [f"  PROBLEM: {problem}" for problem in entry.problems(now)])
    if not_measurable and entry.name in not_measurable:
        return [f"  measured now:  not on this machine: {not_measurable[entry.name]}"]
    return []


def _first_line(error: Exception) -> str:
    return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"


def command_divergences(args) -> int:
    entries = check_names(args.names)
    if args.markdown:
        print(render_markdown(entries), end="")
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
