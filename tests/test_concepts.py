"""The section split and the concept map: found in the files, pointing at the right lines."""

import re
from pathlib import Path

import pytest

from tf_rosetta.comparisons import concepts
from tf_rosetta.implementations import registry

PROGRAM_FILES = [(task, program) for task in registry.TASKS for program in registry.programs_of(task)]
LINK = re.compile(r"`([^`]+)`((?: \[L\d+\]\([^)]+\))+)")


def _file_lines(task, program):
    return concepts.program_path(task, program).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("task, program", PROGRAM_FILES, ids=[f"{t}-{p}" for t, p in PROGRAM_FILES])
def test_every_program_splits_into_the_header_and_the_five_sections(task, program):
    sections = concepts.read_sections(task, program)
    assert [s.name for s in sections] == ["Header", "Setup", "Prepare the data", "Build the model", "Train", "Evaluate"]
    # Joined back, the sections are the file, and each starts at its heading's own line.
    assert [line for s in sections for line in s.lines] == _file_lines(task, program)
    for section in sections[1:]:
        assert _file_lines(task, program)[section.first_line - 1].strip() == f"# {section.name}"


@pytest.mark.parametrize("source, found", [
    ('"""doc"""\n# Setup\n# Prepare the data\n# Build the model\n# Evaluate\n',
     "['Setup', 'Prepare the data', 'Build the model', 'Evaluate']"),
    ("# Setup\n# Prepare the data\n# Train\n# Build the model\n# Evaluate\n",
     "['Setup', 'Prepare the data', 'Train', 'Build the model', 'Evaluate']"),
])
def test_a_missing_or_misplaced_heading_is_one_clear_line(source, found):
    with pytest.raises(concepts.SourceError) as raised:
        concepts.split_sections(source, "somewhere/tf1_session.py")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"somewhere/tf1_session.py: section headings {found} found; ")
    assert "# Setup, # Prepare the data, # Build the model, # Train, # Evaluate" in message


def _links(markdown_table):
    """(snippet, path, line) for every link of a concept-map table."""
    for snippet, links in LINK.findall(markdown_table):
        for path, line in re.findall(r"\(([^)#]+)#L(\d+)\)", links):
            yield snippet, path, int(line)


@pytest.mark.parametrize("task", registry.TASKS)
def test_every_link_points_at_a_line_that_holds_what_the_map_shows(task):
    table = concepts.markdown_table(task, base="..")
    links = list(_links(table))
    assert links, "the map has no links"
    for snippet, path, line in links:
        file_lines = (Path(concepts.__file__).parent / path).read_text(encoding="utf-8").splitlines()
        shown = snippet.replace("\\|", "|").removesuffix("…")
        assert shown in file_lines[line - 1], f"{path}#L{line} is {file_lines[line - 1]!r}, the map shows {snippet!r}"


def _lines_holding(task, program, text):
    return [number for number, line in enumerate(_file_lines(task, program), 1)
            if text in line and not line.strip().startswith("#")]


# Where a reader of linear_regression expects each concept, written out here and found by
# a plain text search, not by the map's own patterns.
EXPECTED_IN_LINEAR_REGRESSION = [
    ("Model input", "tf1_session", "v1.placeholder("),
    ("Model input", "keras_functional", "keras.Input("),
    ("Model input", "keras_subclassed", "def call(self, x)"),
    ("Create the weights", "tf1_session", "v1.get_variable("),
    ("Create the weights", "eager_tape", "tf.Variable("),
    ("One training step", "tf1_session", "session.run([model.loss, model.train_op]"),
    ("One training step", "keras_sequential", "model.fit("),
    ("Feed the data", "tf1_session", "feed_dict={model.x: spec.x_train"),
    ("Feed the data", "keras_subclassed", "tf.data.Dataset"),
    ("Optimizer", "tf1_session", "v1.train.GradientDescentOptimizer("),
    ("Optimizer", "tf_function", "keras.optimizers.SGD("),
    ("Loss", "keras_functional", 'loss="mse"'),
    ("Loss", "numpy_reference", "loss = np.mean("),
    ("Prediction", "keras_sequential", "model.predict("),
    ("Prediction", "eager_tape", "model(spec.probe_inputs)"),
]


@pytest.mark.parametrize("concept, program, text", EXPECTED_IN_LINEAR_REGRESSION,
                         ids=[f"{c}-{p}" for c, p, _ in EXPECTED_IN_LINEAR_REGRESSION])
def test_linear_regression_map_points_at_the_lines_a_reader_expects(concept, program, text):
    expected = _lines_holding("linear_regression", program, text)
    assert expected, f"the test's own search found no {text!r}"
    found = [hit.line for hit in concepts.concept_map("linear_regression")[concept][program]]
    assert set(expected) <= set(found), f"{concept} in {program}: expected lines {expected}, the map has {found}"


def test_linear_regression_map_has_global_variables_initializer_where_it_is():
    hits = concepts.concept_map("linear_regression")["Create the weights"]["tf1_session"]
    assert [h.line for h in hits if "global_variables_initializer" in h.snippet] == \
        _lines_holding("linear_regression", "tf1_session", "v1.global_variables_initializer()")


@pytest.mark.parametrize("task", registry.TASKS)
def test_every_concept_is_found_in_every_program(task):
    found = concepts.concept_map(task)
    # A concept without a pattern for a program (the oracle saves no checkpoint) shows "—" there.
    patterns = {concept.name: concept.patterns for concept in concepts.CONCEPTS}
    missing = [f"{concept} / {program}" for concept, by_program in found.items()
               for program, hits in by_program.items() if not hits and program in patterns[concept]]
    assert not missing, f"{task}: the concept map finds nothing for {missing}"


def test_a_comment_that_names_an_api_is_not_a_hit():
    source = ('"""doc"""\n# Setup\n# Prepare the data\n# Build the model\n'
              "    # keras.Input would be the Keras way\n    inputs = keras.Input(shape=(1,))\n# Train\n# Evaluate\n")
    sections = concepts.split_sections(source)
    concept = next(c for c in concepts.CONCEPTS if c.name == "Model input")
    assert [hit.line for hit in concepts.find("t", "keras_functional", concept, sections)] == [6]


def test_the_committed_map_is_up_to_date():
    committed = concepts.COMMITTED_MAP.read_text(encoding="utf-8") if concepts.COMMITTED_MAP.exists() else ""
    assert committed == concepts.markdown(), (
        "comparisons/concepts.md is stale (a program changed): regenerate it with `python -m tf_rosetta.comparisons.concepts`")
