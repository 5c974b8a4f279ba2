"""The comparison pages: a static HTML page per task, its Markdown twin, and the index.

The page puts the six styles and the NumPy oracle in columns and the shared sections in
rows, so the same section of every program sits side by side; below it, the diff of any
two programs (every pair computed here with difflib, picked with two selects), the
concept map, the agreement table and the figures of one comparison run. Everything is
inline (CSS, JavaScript, PNGs as data URIs): the file works offline and can be moved.
"""

import base64
import difflib
import html
import itertools
import os
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from tf_rosetta.comparisons import agreement, arguments, concepts, notebooks, tables
from tf_rosetta.comparisons.checkpoints.page import checkpoints_html
from tf_rosetta.comparisons.concepts import HEADER, ROOT, SECTIONS
from tf_rosetta.comparisons.divergences import catalog as divergence_catalog
from tf_rosetta.comparisons.divergences import document as divergence_document
from tf_rosetta.implementations import registry

INDEX = "index.html"
# Each program's notebook, where `tf-rosetta notebooks` writes it by default: beside the
# pages' default folder (site/ and notebooks/ in the same folder).
NOTEBOOKS = f"../{arguments.NOTEBOOKS}"


def notebook_link(task: str, program: str) -> str:
    return f"{NOTEBOOKS}/{notebooks.file_name(task, program)}"


def page_name(task: str) -> str:
    return f"{task}.html"


# Sources ----------------------------------------------------------------------------------

def read_programs(task: str) -> dict[str, tuple[str, list[concepts.Section]]]:
    """program -> (its source text, its sections), for every program of the task."""
    programs = {}
    for program in registry.programs_of(task):
        path = concepts.program_path(task, program)
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as error:
            raise concepts.SourceError(f"{path}: cannot read: {error.strerror}") from None
        programs[program] = (source, concepts.split_sections(source, concepts.relative_path(task, program)))
    return programs


def _docstring_title(sections: list[concepts.Section]) -> str:
    for line in sections[0].lines:
        if line.startswith("Title: "):
            return line.removeprefix("Title: ").strip()
    return ""


def highlighted_lines(source: str) -> list[str]:
    """One HTML fragment per source line (pygments closes its spans at each line end)."""
    formatted = highlight(source, PythonLexer(stripnl=False, ensurenl=True), HtmlFormatter(nowrap=True))
    lines = formatted.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    count = len(source.splitlines())
    if len(lines) != count:  # never seen; plain text is better than misaligned anchors
        lines = [html.escape(line) for line in source.splitlines()]
    return lines


def line_id(program: str, line: int) -> str:
    return f"{program}-L{line}"


# The programs' `# tf-rosetta divergences NAME` comments link each NAME to its entry: on the
# HTML page to divergences.html, which `show` writes beside it (it works offline, in the folder
# as a whole, and the entry's anchor scrolls, which it would not in a .md file opened in a
# browser); in the Markdown twin to docs/divergences.md in the checkout, for a code host.
DIVERGENCES_PAGE = divergence_document.HTML_PAGE


def divergence_href(name: str) -> str:
    return f"{DIVERGENCES_PAGE}#{name}"


def diff_lines(a: str, b: str, a_name: str, b_name: str) -> list[str]:
    return list(difflib.unified_diff(a.splitlines(), b.splitlines(), a_name, b_name, lineterm=""))


# HTML -------------------------------------------------------------------------------------

# The page's style and script, inlined into each page (package data files).
ASSETS = Path(__file__).parent / "assets"
CSS = (ASSETS / "page.css").read_text(encoding="utf-8")
SCRIPT = (ASSETS / "page.js").read_text(encoding="utf-8")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _number(value: float) -> str:
    return "0" if value == 0 else f"{value:.2e}"


def agreement_html(comparison) -> str:
    spec = comparison.spec
    parts = [f'<p class="verdict {"ok" if comparison.ok else "bad"}">'
             f'{_e(spec.task)}: {"all styles agree" if comparison.ok else "NOT ALL STYLES AGREE"}</p>',
             f'<p>{_e(tables.agreement_line())}.</p>']
    if comparison.floors is not None:
        parts.append(f"<p>{_e(tables.floor_line(comparison.floors))}.</p>")
    rows = []
    for program, run in comparison.runs.items():
        difference = run.versus_oracle
        cells = ["—"] * 4 if difference is None else [_number(getattr(difference, q))
                                                       for q in ("losses", "weights", "predictions")] + [
                                                          f"{difference.floor_multiple:.2g}"]
        cells.append(_e(tables.metric_cell(run)))
        quality = "—" if run.error else ("ok" if not run.quality_problems else "MISSED")
        verdict_class = "bad-cell" if run.verdict in ("FAILED", "DISAGREES", "parts (known)") else "good-cell"
        rows.append(f'<tr data-program="{_e(program)}"><td><code>{_e(program)}</code></td>'
                    + "".join(f"<td>{cell}</td>" for cell in cells)
                    + f'<td>{run.seconds:.2f} s</td><td class="{"good-cell" if quality == "ok" else "bad-cell"}">'
                      f'{quality}</td><td class="{verdict_class}">{_e(run.verdict)}</td></tr>')
    parts.append('<table class="data" id="agreement-table"><thead><tr><th>program</th><th>max |Δloss|</th>'
                 '<th>max |Δweight|</th><th>max |Δprediction|</th><th>x floor</th><th>metrics (own API)</th><th>time</th><th>quality</th><th>verdict</th>'
                 '</tr></thead><tbody>' + "".join(rows) + "</tbody></table>")
    if comparison.pairs:
        bitwise = sum(difference.bitwise for difference in comparison.pairs.values())
        parts.append(f"<p>Style pairs: {bitwise} of {len(comparison.pairs)} bitwise identical.</p>")
    problems = [run.error for run in comparison.runs.values() if run.error]
    problems += [f"{program}: quality bar missed: {problem}" for program, run in comparison.runs.items()
                 for problem in run.quality_problems]
    problems += [f"{program}: {problem}" for program, run in comparison.runs.items() if run.versus_oracle
                 for problem in run.versus_oracle.problems]
    problems += [f"{a} vs {b}: {problem}" for (a, b), difference in comparison.pairs.items()
                 for problem in difference.problems]
    if problems:
        parts.append('<ul class="problems">' + "".join(f'<li class="bad-cell">{_e(p)}</li>' for p in problems) + "</ul>")
    parts.append(f'<details><summary>as <code>tf-rosetta compare {_e(spec.task)}</code> prints it</summary>'
                 f'<pre>{_e(tables.format_table(comparison))}</pre></details>')
    return "\n".join(parts)


def _columns_html(task: str, programs) -> str:
    head = ['<th scope="col">section</th>']
    for program, (source, sections) in programs.items():
        head.append(f'<th scope="col" class="col-{program}" data-program="{program}">{program}'
                    f'<br><small>{_e(_docstring_title(sections))}</small>'
                    f'<br><small><a href="{_e(notebook_link(task, program))}">notebook</a></small></th>')
    highlighted = {program: highlighted_lines(source) for program, (source, _) in programs.items()}
    for program, lines in highlighted.items():
        found = divergence_document.references_by_line(concepts.program_path(task, program))
        for line, references in found.items():
            lines[line - 1] = divergence_document.link_names(lines[line - 1], references, divergence_href)
    rows = []
    for index, name in enumerate((HEADER, *SECTIONS)):
        cells = [f'<th scope="row">{_e(name)}</th>']
        for program, (_, sections) in programs.items():
            section = sections[index]
            lines = "".join(f'<span class="line" id="{line_id(program, section.first_line + offset)}" '
                            f'data-n="{section.first_line + offset}">{text}\n</span>'
                            for offset, text in enumerate(highlighted[program][section.first_line - 1:
                                                                                section.first_line - 1 + len(section.lines)]))
            cells.append(f'<td class="col-{program}"><pre class="code highlight" data-program="{program}" '
                         f'data-section="{_e(name)}">{lines}</pre></td>')
        rows.append(f'<tr id="section-{index}" data-section="{_e(name)}">' + "".join(cells) + "</tr>")
    toggles = " ".join(f'<label><input type="checkbox" value="{program}" checked> {program}</label>'
                       for program in programs)
    hide_rules = " ".join(f".hide-{program} .col-{program} {{ display: none; }}" for program in programs)
    folder = Path(os.path.relpath(concepts.program_path(task, registry.ORACLE), ROOT)).parent.as_posix()
    return (f'<style>{hide_rules}</style><p class="muted">Each column is one file of <code>{_e(folder)}/</code>, '
            f'cut at its section headings; the line numbers are the file\'s own.</p>'
            f'<p class="toggles">Show: {toggles} <label class="wrap"><input type="checkbox" id="wrap-lines" checked> '
            f'wrap long lines</label></p>'
            f'<div class="scroll"><table class="rosetta" id="rosetta"><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _diff_html(programs) -> str:
    names = list(programs)
    options_a = "".join(f'<option value="{p}"{" selected" if p == registry.STYLES[0] else ""}>{p}</option>'
                        for p in names)
    options_b = "".join(f'<option value="{p}"{" selected" if p == registry.STYLES[-1] else ""}>{p}</option>'
                        for p in names)
    blocks = []
    for a, b in itertools.permutations(names, 2):
        rendered = []
        for index, line in enumerate(diff_lines(programs[a][0], programs[b][0], f"{a}.py", f"{b}.py")):
            if index < 2:  # the ---/+++ header; a removed "--" line further down is a deletion
                kind = "file"
            elif line.startswith("@@"):
                kind = "hunk"
            elif line.startswith("+"):
                kind = "add"
            elif line.startswith("-"):
                kind = "del"
            else:
                kind = "ctx"
            rendered.append(f'<span class="{kind}">{_e(line)}\n</span>')
        body = "".join(rendered) if rendered else "(the two files are identical)"
        blocks.append(f'<pre class="diff" data-a="{a}" data-b="{b}" hidden>{body}</pre>')
    return (f'<p><label>from <select id="diff-a">{options_a}</select></label> '
            f'<label>to <select id="diff-b">{options_b}</select></label> '
            f'<span class="muted">a unified diff (<code>-</code> only in the first, <code>+</code> only in the '
            f'second), computed when this page was built</span></p>'
            f'<p id="diff-title" class="muted"></p>'
            f'<p id="diff-same" hidden>Choose two different programs.</p>'
            f'<noscript><p>The diff view needs JavaScript.</p></noscript>' + "".join(blocks))


def concepts_html(task: str, link) -> str:
    """The task's concept map; link(program, line) is the href of one line."""
    found = concepts.concept_map(task)
    programs = registry.programs_of(task)
    head = "<th>concept</th>" + "".join(f"<th><code>{_e(p)}</code></th>" for p in programs)
    rows = []
    for concept in concepts.concepts_of(task):
        cells = [f'<td><b>{_e(concept.name)}</b></td>']
        for program in programs:
            groups = concepts.group_hits(found[concept.name][program])
            cell = "<br>".join(f"<code>{_e(snippet)}</code> "
                               + " ".join(f'<a href="{_e(link(program, line))}" data-line="{line}">L{line}</a>'
                                          for line in lines)
                               for snippet, lines in groups) or "—"
            cells.append(f'<td data-program="{program}">{cell}</td>')
        rows.append(f'<tr data-concept="{_e(concept.name)}">' + "".join(cells) + "</tr>")
    idioms = "".join(f"<li><b>{_e(c.name)}</b>: {_e(c.idioms).replace('`', '')}</li>"
                     for c in concepts.concepts_of(task))
    return (f'<div class="scroll"><table class="data concepts" id="concept-map"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div><details><summary>the idioms, API by API</summary><ul>{idioms}</ul>'
            f'</details><p class="muted">Found by searching the files when this page was built; each link jumps '
            f'to the line in the columns above.</p>')


def _figures_html(figures) -> str:
    parts = []
    for name, (figure, data) in figures.items():
        parts.append(f'<figure id="figure-{_e(figure.name)}"><img alt="{_e(figure.title)}" '
                     f'src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'
                     f'<figcaption>{_e(figure.caption)} <span class="muted">({_e(name)})</span></figcaption></figure>')
    return "\n".join(parts)


def _page(title: str, body: str, script: str = "") -> str:
    style = HtmlFormatter().get_style_defs(".highlight")
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{_e(title)}</title><style>{CSS}\n{style}</style></head>\n<body>\n{body}\n'
            + (f"<script>{script}</script>\n" if script else "") + "</body></html>\n")


def task_html(task: str, comparison, figures, settings: str = "") -> str:
    """The comparison page of one task. figures: file name -> (figures.Figure, PNG bytes)."""
    programs = read_programs(task)
    spec = comparison.spec
    body = f"""<header>
<p class="crumbs"><a href="{INDEX}">tf-rosetta</a> / <code>{_e(task)}</code></p>
<h1>{_e(spec.title)}</h1>
<p class="verdict {'ok' if comparison.ok else 'bad'}">{'All six styles agree with the NumPy oracle'
    if comparison.ok else 'NOT ALL STYLES AGREE with the NumPy oracle'}
 <span class="muted">(within {agreement.FLOOR_MULTIPLE:g}x the run's rounding floor)</span></p>
<nav><a href="#code">side by side</a><a href="#diff">diff two programs</a><a href="#concepts">concept map</a>
<a href="#agreement">agreement</a><a href="#checkpoints">checkpoints</a><a href="#figures">figures</a>
<a href="{DIVERGENCES_PAGE}">divergences</a></nav>
</header>
<main>
<section id="code"><h2>Side by side, section by section</h2>{_columns_html(task, programs)}</section>
<section id="diff"><h2>Diff two programs</h2>{_diff_html(programs)}</section>
<section id="concepts"><h2>Concept map</h2>{concepts_html(task, lambda program, line: '#' + line_id(program, line))}</section>
<section id="agreement"><h2>Agreement</h2>{agreement_html(comparison)}
<p class="muted">{_e(settings)}</p></section>
<section id="checkpoints"><h2>Checkpoints: where each style keeps each weight</h2>{checkpoints_html(task)}</section>
<section id="figures"><h2>Figures</h2>{_figures_html(figures)}</section>
</main>"""
    return _page(f"tf-rosetta: {spec.title}", body, SCRIPT)


def index_html(output: Path, verdicts: dict, extra_figures) -> str:
    rows = []
    for task in registry.TASKS:
        title = registry.task_title(task)
        if (output / page_name(task)).exists():
            link = f'<a href="{page_name(task)}">{_e(title)}</a>'
        else:
            link = f'{_e(title)} <span class="muted">(no page yet: <code>tf-rosetta show {_e(task)}</code>)</span>'
        verdict = verdicts.get(task, "")
        rows.append(f"<tr><td><code>{_e(task)}</code></td><td class=\"text\">{link}</td>"
                    f"<td class=\"text\">{_e(verdict)}</td></tr>")
    body = f"""<header><h1>tf-rosetta</h1>
<p>One learning task, six TensorFlow APIs, proven equal: each page shows the programs of one task side by side,
the diff of any two, where each API writes the same concept, and the agreement with the NumPy oracle.</p></header>
<main><section><h2>Tasks</h2><table class="data" id="tasks"><thead><tr><th>task</th><th>page</th>
<th>verdict (this build)</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
<p class="muted">Styles: {", ".join(registry.STYLES)}; oracle: {registry.ORACLE}.</p>
<p>Where the APIs differ by default, and the settings that align them: <a href="{DIVERGENCES_PAGE}">the divergence
catalog</a> (each program's <code># tf-rosetta divergences NAME</code> comment links to its entry).</p></section>
<section id="figures"><h2>The activation functions of the course notes</h2>{_figures_html(extra_figures)}</section>
</main>"""
    return _page("tf-rosetta", body)


def divergences_html() -> str:
    """The catalog's page in the site: every entry under the anchor the programs' comments link to."""
    return _page("tf-rosetta: known differences between the APIs", divergence_document.render_html())


# Markdown ---------------------------------------------------------------------------------

def divergence_links_markdown(task: str, program: str, section, base: str) -> list[str]:
    """Below a section's code in the Markdown twin: its `tf-rosetta divergences` names, linked."""
    last = section.first_line + len(section.lines) - 1
    found = divergence_document.references_by_line(concepts.program_path(task, program))
    names = [name for line, each in found.items() if section.first_line <= line <= last
             for names in each for name in names]
    names = list(dict.fromkeys(names))
    if not names:
        return []
    return ["Divergences named here: " + ", ".join(f"[`{name}`]({base}/docs/divergences.md#{name})"
                                                   for name in names), ""]


def task_markdown(task: str, comparison, figure_names: dict, output: Path) -> str:
    """The page for a code host: sections as headings, each program's code under them."""
    programs = read_programs(task)
    base = Path(os.path.relpath(ROOT, output.resolve())).as_posix()
    spec = comparison.spec
    lines = [f"# {spec.title} (`{task}`)", "",
             f"**{'All six styles agree with the NumPy oracle.' if comparison.ok else 'NOT ALL STYLES AGREE.'}** "
             f"Generated by `tf-rosetta show {task}`; the HTML page `{page_name(task)}` shows the same with the "
             "programs in columns.", "",
             "Notebooks (`tf-rosetta notebooks " + task + "` writes them): "
             + ", ".join(f"[{program}]({notebook_link(task, program)})" for program in programs) + ".",
             "", "## Agreement", "", "```text", tables.format_table(comparison), "```", ""]
    lines += ["## Figures", ""]
    for name, figure in figure_names.items():
        lines += [f"![{figure.title}]({name})", "", figure.caption, ""]
    lines += ["## Concept map", "", concepts.markdown_table(task, base), ""]
    lines += ["## The programs, section by section", ""]
    for index, name in enumerate((HEADER, *SECTIONS)):
        lines += [f"### {name}", ""]
        for program, (_, sections) in programs.items():
            section = sections[index]
            path = f"{base}/{concepts.relative_path(task, program)}"
            last = section.first_line + len(section.lines) - 1
            lines += [f"#### {program} ([lines {section.first_line}-{last}]({path}#L{section.first_line}-L{last}))",
                      "", "```python", *section.lines, "```", ""]
            lines += divergence_links_markdown(task, program, section, base)
    lines += ["## Diffs, one style to the next", ""]
    names = list(programs)
    for a, b in zip(names, names[1:]):
        lines += [f"<details><summary>{a} → {b}</summary>", "", "```diff",
                  *diff_lines(programs[a][0], programs[b][0], f"{a}.py", f"{b}.py"), "```", "", "</details>", ""]
    return "\n".join(lines)
