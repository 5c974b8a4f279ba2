"""The programs' `# tf-rosetta divergences NAME` comments, linked from the comparison pages to the catalog."""

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tf_rosetta.comparisons import concepts, pages
from tf_rosetta.comparisons.divergences import BY_NAME, catalog, document
from tf_rosetta.implementations import registry


class _Anchors(HTMLParser):
    """Every element id of a page, and each code line's links (line id -> [(href, text)])."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self._line, self._href = set(), {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "span" and "line" in (attrs.get("class") or "").split():
            self._line = attrs["id"]
        if tag == "a" and self._line:
            self._href = [attrs.get("href"), ""]

    def handle_data(self, data):
        if self._href is not None:
            self._href[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.setdefault(self._line, []).append(tuple(self._href))
            self._href = None


def _parsed(text: str) -> _Anchors:
    parser = _Anchors()
    parser.feed(text)
    return parser


@pytest.fixture(scope="module")
def catalog_page():
    return _parsed(pages.divergences_html())


def test_every_entry_has_its_anchor_on_both_pages(catalog_page):
    markdown = document.PAGE.read_text(encoding="utf-8")
    for name in BY_NAME:
        assert name in catalog_page.ids
        assert markdown.count(f'<a id="{name}"></a>') == 1


@pytest.mark.parametrize("task", list(registry.TASKS))
def test_every_name_in_every_divergence_comment_links_to_its_entry(task, catalog_page):
    found = _parsed(pages._columns_html(task, pages.read_programs(task)))
    references = 0
    for program in registry.programs_of(task):
        for line, names in catalog.references(concepts.program_path(task, program)):
            links = found.links.get(pages.line_id(program, line), [])
            for name in names:
                references += 1
                href = f"{pages.DIVERGENCES_PAGE}#{name}"
                assert (href, name) in links, f"{task}/{program}.py:{line}: {name} is not a link to {href}"
                assert name in catalog_page.ids, f"{href}: no such anchor on the catalog page"
    # Every link on the columns is one of those names: nothing else in the code became a link.
    assert sum(len(links) for links in found.links.values()) == references


def test_the_programs_name_entries_in_their_comments():
    """The test above has something to check: the programs carry ~100 such comments."""
    count = sum(len(names) for task in registry.TASKS for program in registry.programs_of(task)
                for _, names in catalog.references(concepts.program_path(task, program)))
    assert count >= 50


def test_several_names_options_and_text_after_them():
    line = ('<span class="c1"># tf-rosetta divergences --measure adam_epsilon adam_one_minus_beta: '
            'unlike adam_epsilon&#39;s default</span>')
    linked = document.link_names(line, [["adam_epsilon", "adam_one_minus_beta"]], pages.divergence_href)
    assert re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(\w+)</a>', linked) == [
        ("divergences.html#adam_epsilon", "adam_epsilon"),
        ("divergences.html#adam_one_minus_beta", "adam_one_minus_beta")]
    # The text after the names stays text, even where it repeats a name.
    assert linked.endswith(": unlike adam_epsilon&#39;s default</span>")
    # A name that is part of a longer word is not linked in its place.
    linked = document.link_names("# tf-rosetta divergences not_adam_epsilon adam_epsilon", [["adam_epsilon"]],
                                 pages.divergence_href)
    assert linked.count("<a ") == 1
    assert linked.startswith("# tf-rosetta divergences not_adam_epsilon <a ")


def test_the_markdown_twin_links_every_name_to_the_committed_page(tmp_path):
    """Below each section's code, the twin links the section's names to docs/divergences.md in the
    checkout, reached from the folder the twin is written to, at an anchor that exists."""
    output = tmp_path / "site"
    output.mkdir()
    base = Path(os.path.relpath(concepts.ROOT, output.resolve())).as_posix()
    anchors = set(re.findall(r'^<a id="(\w+)"></a>$', document.PAGE.read_text(encoding="utf-8"), flags=re.M))
    checked = 0
    for task in registry.TASKS:
        for program, (_, sections) in pages.read_programs(task).items():
            references = catalog.references(concepts.program_path(task, program))
            for section in sections:
                text = "\n".join(pages.divergence_links_markdown(task, program, section, base))
                last = section.first_line + len(section.lines) - 1
                for name in {name for line, names in references if section.first_line <= line <= last
                             for name in names}:
                    target = f"{base}/docs/divergences.md#{name}"
                    assert f"[`{name}`]({target})" in text, f"{task}/{program}.py, {section.name}: {name}"
                    assert name in anchors
                    checked += 1
    assert checked >= 50
    assert (output / base / "docs" / "divergences.md").resolve() == document.PAGE.resolve()
