"""The reading views: the HTML page (parsed here; tests/test_browser.py runs it in Chromium),
the Markdown page, the terminal columns and the `show` command."""

import copy
import html
import re
from html.parser import HTMLParser

import pytest

from tf_rosetta.comparisons import cli, concepts, harness, pages, show
from tf_rosetta.implementations import registry

TASK = "linear_regression"
SECTION_NAMES = ["Header", "Setup", "Prepare the data", "Build the model", "Train", "Evaluate"]


def _source(program, task=TASK):
    return concepts.program_path(task, program).read_text(encoding="utf-8")


class _CodeCells(HTMLParser):
    """The text of each <pre class="code ..."> cell, as (program, section, text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "pre" and "code" in (attrs.get("class") or "").split():
            self._current = [attrs["data-program"], attrs["data-section"], []]

    def handle_endtag(self, tag):
        if tag == "pre" and self._current:
            program, section, text = self._current
            self.cells.append((program, section, "".join(text)))
            self._current = None

    def handle_data(self, data):
        if self._current:
            self._current[2].append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory, comparison_of):
    output = tmp_path_factory.mktemp("site")
    show.build([TASK], output, {TASK: comparison_of(TASK)}, log=lambda line: None)
    return output


def test_build_writes_the_page_the_markdown_the_figures_and_the_index(site):
    names = {path.name for path in site.iterdir()}
    assert {f"{TASK}.html", f"{TASK}.md", f"{TASK}-losses.png", f"{TASK}-fit.png", "index.html",
            "activations.png", "divergences.html"} <= names
    index = (site / "index.html").read_text()
    assert f'href="{TASK}.html"' in index
    # The catalog the programs' comments link to, beside the pages, linked from the index and each page.
    assert 'href="divergences.html"' in index and 'href="divergences.html"' in (site / f"{TASK}.html").read_text()
    assert '<section id="adam_epsilon">' in (site / "divergences.html").read_text()
    for task in registry.TASKS:
        assert f"<code>{task}</code>" in index


def test_every_column_holds_its_file_cut_at_the_sections(site):
    parser = _CodeCells()
    parser.feed((site / f"{TASK}.html").read_text())
    assert [p for p, _, _ in parser.cells] == [p for _ in SECTION_NAMES for p in registry.PROGRAMS], \
        "one row per section, one cell per program in each, in the registry's order"
    for program in registry.PROGRAMS:
        cells = [(section, text) for p, section, text in parser.cells if p == program]
        assert [section for section, _ in cells] == SECTION_NAMES
        assert "".join(text for _, text in cells) == _source(program)
        for section, text in cells[1:]:
            assert text.splitlines()[0].strip() == f"# {section}"


def test_the_page_is_self_contained(site):
    page = (site / f"{TASK}.html").read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page), "no CDN, no remote file"
    assert "<style>" in page and "<script>" in page
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(images) == 2 and all(src.startswith("data:image/png;base64,") for src in images)


def test_the_page_holds_a_diff_for_every_ordered_pair(site):
    page = (site / f"{TASK}.html").read_text()
    pairs = re.findall(r'<pre class="diff" data-a="(\w+)" data-b="(\w+)" hidden>', page)
    assert sorted(pairs) == sorted((a, b) for a in registry.PROGRAMS for b in registry.PROGRAMS if a != b)
    for program in registry.PROGRAMS:
        assert page.count(f'<option value="{program}"') == 2, "each program in both selects"


def test_the_page_shows_the_agreement_and_the_concept_map(site, comparison_of):
    page = (site / f"{TASK}.html").read_text()
    assert "All six styles agree with the NumPy oracle" in page
    table = page[page.index('id="agreement-table"'):]
    for program in registry.PROGRAMS:
        assert f'<tr data-program="{program}"><td><code>{program}</code></td>' in table
    assert table.count(">bitwise<") == len(registry.STYLES)
    # A concept link targets the id of the line that holds it.
    for program, line in re.findall(r'<a href="#(\w+)-L(\d+)" data-line', page):
        assert f'id="{program}-L{line}"' in page


def test_the_page_shows_where_each_style_keeps_each_weight(site):
    from tf_rosetta.comparisons.checkpoints import matrix

    page = (site / f"{TASK}.html").read_text()
    table = page[page.index('id="checkpoint-table"'):page.index("</table>", page.index('id="checkpoint-table"'))]
    layouts = matrix.layout_module(TASK).LAYOUTS
    for style in registry.STYLES:
        assert f"<code>{style}</code>" in table and f"<code>{layouts[style].file}</code>" in table
    for name in registry.load_spec(TASK).initial_weights:
        row = table[table.index(f"<tr><th><code>{name}</code></th>"):]
        row = row[:row.index("</tr>")]
        assert [html.unescape(key) for key in re.findall(r"<td><code>(.*?)</code></td>", row)] == [
            str(layouts[style].key(name)) for style in registry.STYLES]


def test_the_markdown_holds_each_program_section_by_section(site):
    markdown = (site / f"{TASK}.md").read_text()
    headings = re.findall(r"^### (.+)$", markdown, flags=re.M)
    assert headings[:len(SECTION_NAMES)] == SECTION_NAMES
    blocks = re.findall(r"^#### (\w+) \(\[lines (\d+)-(\d+)\]\(([^)]+)\)\)\n\n```python\n(.*?)```$",
                        markdown, flags=re.M | re.S)
    assert len(blocks) == len(SECTION_NAMES) * len(registry.PROGRAMS)
    for program in registry.PROGRAMS:
        mine = [block for block in blocks if block[0] == program]
        assert "".join(code for *_, code in mine) == _source(program)
        for _, first, last, link, code in mine:
            assert link.endswith(f"{TASK}/{program}.py#L{first}-L{last}")
            assert (site / link.split("#")[0]).resolve() == concepts.program_path(TASK, program)
    assert "![linear_regression: loss curves](linear_regression-losses.png)" in markdown


def _column_numbers(output, column, side):
    numbers = []
    for row in output.splitlines()[2:]:
        if row.startswith("──"):
            continue
        text = row[:column] if side == "left" else row[column + 3:]
        if text[:4].strip().isdigit() and text[4:5] in (" ", ""):  # the number field, not a wrapped line
            numbers.append(int(text[:4]))
    return numbers


@pytest.mark.parametrize("left, right", [("tf1_session", "keras_functional"), ("eager_tape", "tf_function")])
def test_terminal_columns_show_every_line_of_both_once_in_order(left, right):
    width = 120
    output = show.terminal_columns(TASK, left, right, width=width)
    assert all(len(row) <= width for row in output.splitlines())
    column = (width - 3) // 2
    for side, program in (("left", left), ("right", right)):
        assert _column_numbers(output, column, side) == list(range(1, len(_source(program).splitlines()) + 1))
    bars = [row.split()[1:-1] for row in output.splitlines() if row.startswith("── ")]
    assert [" ".join(bar) for bar in bars] == SECTION_NAMES


def test_terminal_columns_put_equal_lines_face_to_face():
    output = show.terminal_columns(TASK, "eager_tape", "tf_function", width=160)
    row = next(r for r in output.splitlines() if "optimizer = keras.optimizers.SGD" in r)
    assert row.count("self.optimizer = keras.optimizers.SGD(learning_rate)") == 2
    assert row[(160 - 3) // 2 + 1] == " ", "an identical line is unmarked"
    added = next(r for r in output.splitlines() if "return [train_step(x_train, y_train)" in r)
    assert added[(160 - 3) // 2 + 1] == ">", "a line only tf_function has is marked >"


@pytest.mark.parametrize("argv, message", [
    (["show", "--style", "tf1_session"], "name exactly one TASK"),
    (["show", TASK, TASK, "--style", "tf1_session"], "name exactly one TASK"),
    (["show", TASK, "--style", "tf1_session", "--style", "eager_tape", "--style", "tf_function"], "at most two"),
    (["show", TASK, "--style", "tf1_session", "--style", "eager_tape", "--width", "40"], "too narrow"),
    (["show", TASK, "--style", "keras"], "accepted: numpy_reference"),
    (["show", "linear"], "accepted: linear_regression"),
    (["plot", "linear"], "accepted: linear_regression"),
    (["plot", TASK, "--jobs", "0"], "argument --jobs: must be a whole number of at least 1, got '0'"),
    (["show", "--jobs", "x"], "argument --jobs: must be a whole number of at least 1, got 'x'"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert cli.main(argv) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and message in captured.err


def test_one_style_prints_the_file_with_its_line_numbers(capsys):
    assert cli.main(["show", TASK, "--style", "keras_subclassed"]) == 0
    printed = capsys.readouterr().out.splitlines()
    code = [line[5:] for line in printed if not line.startswith("──")]
    assert code == _source("keras_subclassed").splitlines()


def test_show_command_builds_and_opens_the_page(tmp_path, monkeypatch, comparison_of, capsys):
    opened = []
    done = comparison_of(TASK)  # before the patch: the fixture calls it
    monkeypatch.setattr(harness, "compare_tasks", lambda specs, jobs=1, **_: [done for spec in specs])
    monkeypatch.setattr(show.webbrowser, "open", lambda uri: opened.append(uri) or True)
    assert cli.main(["show", TASK, "--output", str(tmp_path / "out"), "--open"]) == 0
    assert (tmp_path / "out" / f"{TASK}.html").is_file()
    assert opened == [(tmp_path / "out" / f"{TASK}.html").resolve().as_uri()]
    assert "all styles agree" in capsys.readouterr().out


def test_show_exits_1_and_says_so_when_a_style_disagrees(tmp_path, monkeypatch, comparison_of):
    disagreeing = copy.deepcopy(comparison_of(TASK))
    disagreeing.runs["tf_function"].versus_oracle.within = False
    disagreeing.runs["tf_function"].versus_oracle.problems.append("weights differ by up to 1e-3")
    monkeypatch.setattr(harness, "compare_tasks", lambda specs, jobs=1, **_: [disagreeing for spec in specs])
    assert cli.main(["show", TASK, "--output", str(tmp_path)]) == cli.EXIT_DISAGREE
    page = (tmp_path / f"{TASK}.html").read_text()
    assert "NOT ALL STYLES AGREE" in page and ">DISAGREES<" in page and "weights differ by up to 1e-3" in page


def test_a_program_without_its_headings_is_one_line_and_exit_3(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "keras_sequential.py"
    broken.write_text(_source("keras_sequential").replace("    # Train\n", ""))
    real = concepts.program_path
    monkeypatch.setattr(concepts, "program_path",
                        lambda task, program: broken if program == "keras_sequential" else real(task, program))
    monkeypatch.setattr(concepts, "relative_path", lambda task, program: f"implementations/{task}/{program}.py")
    assert cli.main(["show", TASK, "--style", "keras_sequential"]) == cli.EXIT_DATA
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"tf-rosetta: implementations/{TASK}/keras_sequential.py: ")


def test_every_task_gets_its_page(tmp_path, monkeypatch, comparison_of):
    """`tf-rosetta show` with no task: every page, its figures and the index, from one run each."""
    runs = []
    done = {task: comparison_of(task) for task in registry.TASKS}  # before the patch: the fixture calls it
    monkeypatch.setattr(harness, "compare_tasks",
                        lambda specs, jobs=1, **_: [runs.append(spec.task) or done[spec.task] for spec in specs])
    code = cli.main(["show", "--output", str(tmp_path)])
    assert runs == list(registry.TASKS), "one comparison per task"
    assert code == (0 if all(comparison_of(task).ok for task in registry.TASKS) else cli.EXIT_DISAGREE)
    for task in registry.TASKS:
        page = (tmp_path / f"{task}.html").read_text()
        assert page.count('<pre class="code highlight"') == len(SECTION_NAMES) * len(registry.programs_of(task))
        assert (tmp_path / f"{task}-losses.png").is_file()
    index = (tmp_path / "index.html").read_text()
    assert all(f'href="{task}.html"' in index for task in registry.TASKS)


def test_diff_lines_are_unified_diffs():
    a, b = _source("eager_tape"), _source("tf_function")
    lines = pages.diff_lines(a, b, "eager_tape.py", "tf_function.py")
    assert lines[:2] == ["--- eager_tape.py", "+++ tf_function.py"]
    assert "+    @tf.function" in lines and "+    return [train_step(x_train, y_train).numpy() for step in range(spec.steps)]" in lines
    assert pages.diff_lines(a, a, "a", "b") == []
