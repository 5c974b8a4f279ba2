"""The `show` command: build the site of comparison pages, or read programs in the terminal.

The site is each task's HTML page and Markdown twin (pages.py) with its figures
(plots.py), from one comparison run per task, and the index. With --style, one program
is printed with its line numbers, or two side by side, section by section.
"""

import difflib
import itertools
import shutil
import time
import webbrowser
from pathlib import Path

from tf_rosetta.comparisons import concepts, tables
from tf_rosetta.comparisons.errors import EXIT_DISAGREE, UsageError
from tf_rosetta.comparisons.pages import DIVERGENCES_PAGE, INDEX, divergences_html, index_html, page_name, task_html, task_markdown
from tf_rosetta.implementations import registry


# Terminal ---------------------------------------------------------------------------------

def _wrap(text: str, width: int) -> list[str]:
    text = text.expandtabs(4)
    return [text[start:start + width] for start in range(0, len(text), width)] or [""]


def terminal_columns(task: str, left: str, right: str, width: int = 160) -> str:
    """Two programs side by side, section by section; equal lines face each other.

    The gutter marks each row as in `sdiff`: ' ' the same line, '|' changed, '<' only on
    the left, '>' only on the right.
    """
    if width < 60:
        raise ValueError(f"width {width} is too narrow for two columns; accepted: 60 or more")
    sections = {program: concepts.read_sections(task, program) for program in (left, right)}
    column = (width - 3) // 2
    number_width = 4
    text_width = column - number_width - 1
    out = [f"{left:<{column}} │ {right}", "═" * width]
    for left_section, right_section in zip(sections[left], sections[right]):
        out.append(f"── {left_section.name} ".ljust(width, "─"))
        a, b = left_section.lines, right_section.lines
        # Matched without indentation: TF1 builds its graph one block deeper than the others.
        matcher = difflib.SequenceMatcher(None, [line.strip() for line in a], [line.strip() for line in b],
                                          autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            for offset_a, offset_b in itertools.zip_longest(range(a1, a2), range(b1, b2)):
                left_text = _numbered(left_section, offset_a, text_width)
                right_text = _numbered(right_section, offset_b, text_width)
                if offset_a is None:
                    row_mark = ">"
                elif offset_b is None:
                    row_mark = "<"
                else:
                    row_mark = " " if a[offset_a] == b[offset_b] else "|"
                for index, (chunk_a, chunk_b) in enumerate(itertools.zip_longest(left_text, right_text, fillvalue="")):
                    out.append(f"{chunk_a:<{column}} {row_mark if index == 0 else ' '} {chunk_b}".rstrip())
    return "\n".join(out)


def _numbered(section, offset, text_width) -> list[str]:
    if offset is None:
        return [""]
    chunks = _wrap(section.lines[offset], text_width)
    number = section.first_line + offset
    return [f"{number:>4} {chunks[0]}"] + [f"{'':>4} {chunk}" for chunk in chunks[1:]]


def terminal_program(task: str, program: str) -> str:
    out = []
    for section in concepts.read_sections(task, program):
        out.append(f"── {section.name} ".ljust(80, "─"))
        out += [f"{section.first_line + offset:>4} {line}" for offset, line in enumerate(section.lines)]
    return "\n".join(out)


# Building the site ----------------------------------------------------------------------

def build(tasks, output: Path, comparisons: dict | None = None, log=print, jobs: int = 1) -> dict:
    """Write each task's page, Markdown and figures, the divergence catalog, the index and the activation figure.

    comparisons: task -> TaskComparison already run; the other tasks are compared once
    each (in `jobs` processes), and that run serves the page, the Markdown and the figures
    alike. Returns task -> ok.
    """
    from tf_rosetta.comparisons import harness, plots
    from tf_rosetta.comparisons.figures import activation_figure

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    verdicts = {}
    given = comparisons or {}
    start = time.perf_counter()
    runs = harness.run_comparisons([task for task in tasks if task not in given], jobs)
    for task in tasks:
        comparison = given[task] if task in given else next(runs)[1]
        trained = time.perf_counter() - start
        # After the first comparison: importing TensorFlow here must not delay the workers' start.
        settings = tables.settings_line()
        figures = plots.task_figures(task, comparison)
        pngs = plots.write(figures, task, output)
        named = dict(zip(pngs, figures))
        (output / page_name(task)).write_text(
            task_html(task, comparison, {name: (named[name], data) for name, data in pngs.items()}, settings),
            encoding="utf-8")
        (output / f"{task}.md").write_text(task_markdown(task, comparison, named, output), encoding="utf-8")
        verdicts[task] = comparison.ok
        log(f"{output / page_name(task)}: {'all styles agree' if comparison.ok else 'NOT ALL STYLES AGREE'} "
            f"(comparison ready after {trained:.1f} s, page and figures in {time.perf_counter() - start - trained:.1f} s)")
        start = time.perf_counter()
    (output / DIVERGENCES_PAGE).write_text(divergences_html(), encoding="utf-8")
    activation = activation_figure()
    pngs = plots.write([activation], None, output)
    index_verdicts = {task: "all styles agree" if ok else "NOT ALL STYLES AGREE" for task, ok in verdicts.items()}
    (output / INDEX).write_text(index_html(output, index_verdicts,
                                           {name: (activation, data) for name, data in pngs.items()}),
                                encoding="utf-8")
    log(f"{output / INDEX}")
    return verdicts


def command_show(args) -> int:
    tasks = [registry.check_task(name) for name in args.tasks]
    styles = [registry.check_program(name) for name in args.style or []]
    if styles:
        if len(tasks) != 1:
            raise UsageError("show --style prints programs in the terminal: name exactly one TASK")
        if len(styles) > 2:
            raise UsageError(f"show takes at most two --style options (two columns), got {len(styles)}")
        if len(styles) == 1:
            print(terminal_program(tasks[0], styles[0]))
        else:
            width = args.width or shutil.get_terminal_size((160, 40)).columns
            try:
                print(terminal_columns(tasks[0], *styles, width=width))
            except ValueError as error:
                raise UsageError(str(error)) from None
        return 0
    start = time.perf_counter()
    output = Path(args.output)
    tasks = tasks or list(registry.TASKS)
    verdicts = build(tasks, output, jobs=args.jobs)
    print(f"{len(verdicts)} page(s) in {time.perf_counter() - start:.1f} s; open {output / INDEX}")
    if args.open:
        target = output / (page_name(tasks[0]) if len(tasks) == 1 else INDEX)
        if not webbrowser.open(target.resolve().as_uri()):
            print(f"no web browser found to open {target}; open it in any browser (it is a plain file)")
    return 0 if all(verdicts.values()) else EXIT_DISAGREE
