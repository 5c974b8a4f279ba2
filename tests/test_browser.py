"""The comparison page in a real browser: Debian's Chromium, driven by Playwright.

Skipped, with the reason, where Chromium or Playwright is missing; in CI (CI=true) that
is a failure instead, since .ci/run installs both.
"""

import os
from pathlib import Path

import pytest

from tf_rosetta.comparisons import concepts, pages, show
from tf_rosetta.implementations import registry

TASK = "linear_regression"
CHROMIUM = os.environ.get("TF_ROSETTA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI") == "true"


def _missing(reason):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: .ci/run installs it, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, comparison_of):
    """Every task's page, from the session's one comparison of each task."""
    output = tmp_path_factory.mktemp("site")
    show.build(list(registry.TASKS), output, {task: comparison_of(task) for task in registry.TASKS},
               log=lambda line: None)
    return output


def _open(browser, site, task):
    """The task's page, loaded from its file; records console errors and any request off the file."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.errors, page.remote_requests = [], []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("request", lambda request: request.url.startswith(("file:", "data:"))
            or page.remote_requests.append(request.url))
    page.goto((site / pages.page_name(task)).as_uri())
    page.wait_for_load_state("load")
    return page


@pytest.fixture(params=registry.TASKS)
def any_page(request, browser, site):
    page = _open(browser, site, request.param)
    page.task = request.param
    yield page
    page.close()


@pytest.fixture
def page(browser, site):
    page = _open(browser, site, TASK)
    yield page
    page.close()


def _source(program, task=TASK):
    return concepts.program_path(task, program).read_text(encoding="utf-8")


def test_page_loads_with_no_console_error_and_no_request_off_the_file(any_page, tmp_path):
    page = any_page
    assert page.title() == f"tf-rosetta: {registry.load_spec(page.task).title}"
    assert page.errors == []
    assert page.remote_requests == []
    for image in page.locator("figure img").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "every figure decodes"
    screenshot = tmp_path / "page.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 20_000, "a rendered page, not a blank one"


def test_every_column_is_there_and_holds_its_file(any_page):
    page = any_page
    headers = page.locator("table.rosetta thead th[data-program]")
    programs = list(registry.programs_of(page.task))
    assert headers.evaluate_all("cells => cells.map(c => c.dataset.program)") == programs
    for program in programs:
        assert page.locator(f'table.rosetta thead th[data-program="{program}"]').is_visible()
        text = page.locator(f'pre.code[data-program="{program}"]').evaluate_all(
            "cells => cells.map(c => c.textContent).join('')")
        assert text == _source(program, page.task)


def test_sections_sit_side_by_side(any_page):
    page = any_page
    """The same section of every program starts at the same height: one row per section."""
    for section in ["Setup", "Prepare the data", "Build the model", "Train", "Evaluate"]:
        tops = page.locator(f'pre.code[data-section="{section}"]').evaluate_all(
            "cells => cells.map(c => Math.round(c.getBoundingClientRect().top))")
        assert len(tops) == len(registry.programs_of(page.task)) and len(set(tops)) == 1, f"{section}: {tops}"


def test_the_diff_view_shows_the_two_chosen_programs(page):
    first, second = "tf1_session", "keras_sequential"
    page.select_option("#diff-a", first)
    page.select_option("#diff-b", second)
    shown = page.locator("pre.diff:visible")
    assert shown.count() == 1
    diff = shown.text_content().splitlines()
    assert diff[:2] == [f"--- {first}.py", f"+++ {second}.py"]
    a_lines, b_lines = _source(first).splitlines(), _source(second).splitlines()
    # A line only one file has must appear with its sign; no line either file lacks may appear.
    for line in set(a_lines) - set(b_lines):
        assert "-" + line in diff, line
    for line in set(b_lines) - set(a_lines):
        assert "+" + line in diff, line
    for line in diff[2:]:
        if line.startswith(("-", "+", " ")):
            assert line[1:] in (a_lines if line[0] == "-" else b_lines if line[0] == "+" else a_lines)
    assert page.locator("#diff-title").inner_text() == f"{first}.py → {second}.py"

    page.select_option("#diff-b", first)
    assert page.locator("pre.diff:visible").count() == 0
    assert page.locator("#diff-same").is_visible()


def test_a_style_can_be_hidden_and_shown_again(page):
    column = page.locator('pre.code[data-program="keras_functional"][data-section="Train"]')
    assert column.is_visible()
    page.uncheck('.toggles input[value="keras_functional"]')
    assert not column.is_visible()
    page.check('.toggles input[value="keras_functional"]')
    assert column.is_visible()


def test_a_concept_link_lands_on_its_line(page):
    link = page.locator('#concept-map td[data-program="tf1_session"] a').first
    target = link.get_attribute("href")
    link.click()
    assert page.evaluate("location.hash") == target
    landed = page.locator(f"{target}:target")
    assert landed.count() == 1 and landed.is_visible()
    assert "v1.placeholder(" in landed.text_content()


def test_the_index_links_to_the_page(browser, site):
    index = browser.new_page()
    errors = []
    index.on("pageerror", lambda error: errors.append(str(error)))
    index.goto((site / "index.html").as_uri())
    index.click(f'a[href="{TASK}.html"]')
    index.wait_for_load_state("load")
    assert index.url.endswith(f"/{TASK}.html") and errors == []
    index.close()

