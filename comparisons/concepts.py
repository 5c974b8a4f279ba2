"""The anatomy every program shares, found in the code itself.

Two things a reader needs to line programs up: the shared section headings (every
program of a task has them once each, in order) and the concept map, the same idea in
each API (an input, the weights, one training step, ...) with the lines where each
program writes it. Both are searched in the files each time they are shown, so they
cannot go stale; `comparisons/concepts.md` is the committed Markdown copy, checked by a
test against the files. Regenerate it with `python -m tf_rosetta.comparisons.concepts`.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import DataError

ROOT = Path(registry.__file__).resolve().parent.parent
HEADER = "Header"  # the docstring above "# Setup"
SECTIONS = ("Setup", "Prepare the data", "Build the model", "Train", "Evaluate")
COMMITTED_MAP = Path(__file__).with_name("concepts.md")


class SourceError(DataError):
    """A program file without the shared section headings: one clear line."""


def program_path(task: str, program: str) -> Path:
    registry.check_task(task)
    registry.check_program(program)
    return ROOT / "implementations" / task / f"{program}.py"


def relative_path(task: str, program: str) -> str:
    return program_path(task, program).relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class Section:
    name: str  # HEADER or one of SECTIONS
    first_line: int  # 1-based line number in the file
    lines: tuple[str, ...]  # without line endings; the heading comment is the first line


def split_sections(source: str, name: str = "<source>") -> list[Section]:
    """The header and the five sections, in order; joined back they are the whole file."""
    lines = source.splitlines()
    starts = [number for number, line in enumerate(lines) if line.strip().removeprefix("# ") in SECTIONS
              and line.strip().startswith("# ")]
    found = [lines[number].strip()[2:] for number in starts]
    if found != list(SECTIONS):
        raise SourceError(f"{name}: section headings {found} found; every program needs "
                          f"{', '.join('# ' + s for s in SECTIONS)}, once each, in that order")
    bounds = [0, *starts, len(lines)]
    return [Section(section, bounds[index] + 1, tuple(lines[bounds[index]:bounds[index + 1]]))
            for index, section in enumerate((HEADER, *SECTIONS))]


def read_sections(task: str, program: str) -> list[Section]:
    path = program_path(task, program)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror}") from None
    return split_sections(source, relative_path(task, program))


# The concept map ----------------------------------------------------------------------

@dataclass(frozen=True)
class Concept:
    name: str
    idioms: str  # the same idea in each API family, for the summary table
    patterns: dict  # program -> regular expression; the match is what the map shows
    section: str | None = None  # only lines in these sections count ("A|B"; None: anywhere)
    first_only: tuple = ()  # programs where only the first hit counts
    sections_of: tuple = ()  # (program, sections) pairs that replace `section` for that program
    tasks: tuple = ()  # the tasks whose programs have the concept (empty: every task)


# The tf.distribute programs of some tasks write the TF2 step or the Keras model under a strategy.
TF2 = ("eager_tape", "tf_function", "mirrored_tape", "multiworker_tape")
KERAS = ("keras_sequential", "keras_functional", "keras_subclassed", "mirrored_keras", "multiworker_keras")


def _patterns(tf1=None, tf2=None, keras=None, numpy=None, **by_program) -> dict:
    patterns = {"tf1_session": tf1, registry.ORACLE: numpy}
    patterns.update({program: tf2 for program in TF2})
    patterns.update({program: keras for program in KERAS})
    patterns.update(by_program)
    return {program: pattern for program, pattern in patterns.items() if pattern}


CONCEPTS = (
    Concept(
        "Model input",
        "TF1: `v1.placeholder` · TF2: an argument of the model function · Keras: `keras.Input` "
        "(subclassed: the argument of `call`) · NumPy: a function argument",
        _patterns(tf1=r"\bv1\.placeholder\b|\btf\.compat\.v1\.placeholder\b",
                  tf2=r"^\s*def (?!train\b|dataset_fn\b|training_data\b|build_model\b|__init__\b)\w+\((?:self, )?\w+",
                  keras=r"\bkeras\.Input\b",
                  keras_subclassed=r"\bdef call\(self, \w+",
                  numpy=r"^\s*def (?!train\b)\w+\(\w+"),
        section="Prepare the data|Build the model",
        # The model is the first function defined there; a loss or a step function may follow.
        first_only=(*TF2, registry.ORACLE),
        # A subclassed model's class is defined at module level, after the imports.
        sections_of=(("keras_subclassed", "Setup|Build the model"),)),
    Concept(
        "Create the weights",
        "TF1: `v1.get_variable` then `v1.global_variables_initializer` run once · TF2: `tf.Variable` · "
        "Keras: an initializer, applied when the layer is built · NumPy: a copy of the spec's arrays",
        _patterns(tf1=r"\bv1\.get_variable\b|\bv1\.Variable\b|\bv1\.global_variables_initializer\b",
                  tf2=r"\btf\.Variable\b",
                  keras=r"\bkeras\.initializers\.\w+\b|\.set_weights\b|\.build\b",
                  numpy=r"\w+(?:\[[^\]]+\])?\.copy\(\)"),
        section="Build the model"),
    Concept(
        "One training step",
        "TF1: `session.run(train_op)` · TF2: `tape.gradient` then `optimizer.apply_gradients` "
        "(`@tf.function` compiles the step) · Keras: `fit` · NumPy: gradients by hand, `-=`",
        # TF1's auto_mpg runs train_op on each batch through its run_batches.
        _patterns(tf1=r"\b(?:session\.run|run_batches)\(\[?[^\n]*\btrain_op\b",
                  tf2=r"\btape\.gradient\b|\boptimizer\.apply_gradients\b|\boptimizer\.minimize\b|\.assign_sub\b",
                  tf_function=r"@tf\.function\b|\btape\.gradient\b|\boptimizer\.apply_gradients\b"
                              r"|\boptimizer\.minimize\b|\.assign_sub\b",
                  keras=r"\bmodel\.fit\b",
                  numpy=r"\bgradients = [^\n]*|\w+(?:\[\w+\])? -= [^\n]*"),
        section="Build the model|Train"),
    Concept(
        "Save and resume",
        "TF1: a `v1.train.Saver`, `saver.save` and `saver.restore` (names) · TF2: `tf.train.Checkpoint`, "
        "`write` and `read` (objects) · Keras: `save_weights` and `load_weights` (.weights.h5), `save` (.keras), "
        "`export` (SavedModel), or the `ModelCheckpoint` callback · NumPy: none (tf-rosetta checkpoints)",
        {"tf1_session": r"\bv1\.train\.Saver\(\)|\bsaver\.(?:save|restore)\b",
         **{style: r"\btf\.train\.Checkpoint\(|\bcheckpoint\.(?:read|write)\b|\btf\.saved_model\.save\b"
            for style in ("eager_tape", "tf_function")},
         **{style: r"\bmodel\.(?:save_weights|load_weights|save|export)\b|\bkeras\.callbacks\.ModelCheckpoint\("
            for style in ("keras_sequential", "keras_functional", "keras_subclassed")}},
        section="Build the model|Train|Evaluate"),
    Concept(
        "Feed the data",
        "TF1: `feed_dict` · TF2: tensors passed as arguments (or a `tf.data.Dataset`) · "
        "Keras: a `tf.data.Dataset` given to `fit` (arrays, for `validation_split`) · NumPy: the arrays themselves",
        _patterns(tf1=r"\bfeed_dict=",
                  tf2=r"\btf\.constant\(spec\.\w+|\btf\.data\.Dataset\b",
                  keras=r"\btf\.data\.Dataset\b|\bmodel\.fit\(x_train, y_train\b",
                  numpy=r"= spec\.(?:x|y|images|labels|features|inputs)\w*"),
        # Evaluate too: a TF1 program feeds the data again to run its metric ops.
        section="Prepare the data|Train|Evaluate"),
    Concept(
        "Optimizer",
        "TF1: `v1.train.*Optimizer` · TF2 and Keras: `keras.optimizers.*` · NumPy: the update rule by hand",
        _patterns(tf1=r"\b(?:v1|tf\.compat\.v1)\.train\.\w+Optimizer\b",
                  # or the SGD update written out with assign_sub
                  tf2=r"\b(?:tf\.)?keras\.optimizers\.\w+\b|\w+\.assign_sub\([^\n]*learning_rate[^\n]*",
                  keras=r"\b(?:tf\.)?keras\.optimizers\.\w+\b",
                  numpy=r"\w+ = learning_rate \*[^\n]*|\w+(?:\[\w+\])? \+= [^\n]*beta_[^\n]*"
                        r"|\w+(?:\[\w+\])? -= [^\n]*learning_rate[^\n]*"),
        section="Build the model|Train"),
    Concept(
        "Loss",
        "TF1 and TF2: the loss written with `tf` ops · Keras: `loss=` in `compile` · NumPy: `np` ops",
        _patterns(tf1=r"\b(?:loss|cost)\s*=\s*(?:tf|v1|keras)\.[^\n]*",
                  tf2=r"\b(?:loss|cost)\s*=\s*(?:tf|keras)\.[^\n]*|\btf\.reduce_mean\([^\n]*"
                      r"|\btf\.nn\.compute_average_loss\([^\n]*",
                  keras=r"\bloss=(?:\"[^\"]*\"|'[^']*'|[\w.]+(?:\([^)]*\))?)",
                  numpy=r"\b(?:loss|cost)\s*=\s*np\.[^\n]*"),
        section="Build the model|Train"),
    Concept(
        "Prediction",
        "TF1: `session.run` of the output tensor · TF2: call the model function · "
        "Keras: `model.predict` · NumPy: call the model function",
        _patterns(tf1=r"\bsession\.run\([^\n]*probe_inputs",
                  tf2=r"\w+\([^\n]*probe_inputs[^\n]*\)",
                  keras=r"\bmodel\.predict\b",
                  numpy=r"\w+\([^\n]*probe_inputs[^\n]*\)"),
        section="Evaluate"),
)


# The concepts of models that train differently from how they predict (mnist_mlp).
TRAINING_MODE_TASKS = ("mnist_mlp",)
CONCEPTS += (
    Concept(
        "Dropout",
        "TF1 and TF2: `tf.nn.experimental.stateless_dropout(x, rate, seed=[s, step])`, the mask a function of "
        "the seed · Keras: `keras.layers.Dropout(rate, seed=s)`, whose t-th training call draws with seed [s, t] "
        "· NumPy: the same masks from the spec, `np.where(keep, ...)`",
        _patterns(tf1=r"\b(?:tf\.nn\.experimental\.)?stateless_dropout\([^\n]*",
                  # (under a strategy: each replica's rows of the batch's stateless_uniform draw)
                  tf2=r"\b(?:tf\.nn\.experimental\.)?stateless_dropout\([^\n]*|\btf\.random\.stateless_uniform\(",
                  keras=r"\bkeras\.layers\.Dropout\([^\n]*\)",
                  keras_subclassed=r"\bkeras\.layers\.Dropout\([^\n]*\)|\bself\.dropout\([^\n]*\)",
                  # (under a strategy: a Dropout subclass keeping its replica's rows of the batch's draw)
                  mirrored_keras=r"\b\w*Dropout\([^\n]*\bseed=[^\n]*\)|\btf\.random\.stateless_uniform\(",
                  numpy=r"\bspec\.keep_mask\(\w+\)|\bnp\.where\(keep\b[^\n]*"),
        section="Build the model|Train",
        sections_of=(("keras_subclassed", "Setup|Build the model"), ("mirrored_keras", "Setup|Build the model")),
        tasks=TRAINING_MODE_TASKS),
    Concept(
        "Batch statistics",
        "TF1: `tf.nn.moments` and moving-average `assign` ops that the train op runs through `UPDATE_OPS` · "
        "TF2: `tf.nn.moments` and `moving.assign(...)` in the step · Keras: `keras.layers.BatchNormalization()` "
        "· NumPy: `np.mean` over the batch, the moving averages by hand",
        _patterns(tf1=r"\btf\.nn\.moments\([^\n]*\)|\bv1\.assign\(moving_\w+|\bcontrol_dependencies\([^\n]*UPDATE_OPS",
                  tf2=r"\btf\.nn\.moments\([^\n]*\)|\bmoving_\w+\.assign\b",
                  keras=r"\bkeras\.layers\.BatchNormalization\([^\n]*\)",
                  keras_subclassed=r"\bkeras\.layers\.BatchNormalization\([^\n]*\)|\bself\.batch_norm\([^\n]*\)",
                  numpy=r"\bnp\.mean\([^\n]*axis=0\)|\bweights\[\"moving_\w+\"\] ="),
        section="Build the model|Train",
        sections_of=(("keras_subclassed", "Setup|Build the model"),),
        tasks=TRAINING_MODE_TASKS),
    Concept(
        "Training flag",
        "TF1: a `training` placeholder, fed True to train, and `tf.cond` · TF2 and NumPy: a `training` argument "
        "and `if training:` · Keras: implicit, `fit` calls the model with training=True, `evaluate` and `predict` "
        "with False; a subclassed model's `call(x, training)` passes it to its layers",
        _patterns(tf1=r"\bplaceholder_with_default\(False[^\n]*|\btraining: True\b|\btf\.cond\(training\b",
                  tf2=r"\w+\([^()\n]*\btraining=(?:True|False)[^()\n]*\)|\bif training\b",
                  keras=r"\bmodel\.(?:fit|evaluate|predict)\b",
                  keras_subclassed=r"\bdef call\(self, \w+, training[^\n]*\)|\btraining=training\b"
                                   r"|\bmodel\.(?:fit|evaluate|predict)\b",
                  numpy=r"\w+\([^()\n]*\btraining=(?:True|False)[^()\n]*\)|\bif training\b"),
        section="Prepare the data|Build the model|Train|Evaluate",
        sections_of=(("keras_subclassed", "Setup|Build the model|Train|Evaluate"),),
        tasks=TRAINING_MODE_TASKS),
)


def concepts_of(task: str) -> tuple:
    """The concepts a task's programs have: every task's, and those of its kind."""
    return tuple(concept for concept in CONCEPTS if not concept.tasks or task in concept.tasks)


@dataclass(frozen=True)
class Hit:
    line: int  # 1-based
    snippet: str  # the matched text, which the line contains


def _clean(snippet: str, limit: int = 60) -> str:
    snippet = snippet.strip().rstrip("(")
    return snippet if len(snippet) <= limit else snippet[:limit - 1].rstrip() + "…"


def find(task: str, program: str, concept: Concept, sections: list[Section] | None = None) -> list[Hit]:
    """Every line of the program where the concept's pattern matches, in file order."""
    pattern = concept.patterns.get(program)
    if pattern is None:
        return []
    sections = sections if sections is not None else read_sections(task, program)
    names = dict(concept.sections_of).get(program, concept.section)
    allowed = set(names.split("|")) if names else None
    compiled = re.compile(pattern)
    hits = []
    for section in sections:
        if allowed is not None and section.name not in allowed:
            continue
        for offset, line in enumerate(section.lines):
            if line.lstrip().startswith("#"):
                continue  # a comment may name an API without using it
            match = compiled.search(line)
            if match:
                hits.append(Hit(section.first_line + offset, _clean(match.group(0))))
    return hits[:1] if program in concept.first_only else hits


def concept_map(task: str) -> dict[str, dict[str, list[Hit]]]:
    """concept name -> program -> hits, for every program of the task."""
    sections = {program: read_sections(task, program) for program in registry.programs_of(task)}
    return {concept.name: {program: find(task, program, concept, sections[program])
                           for program in registry.programs_of(task)}
            for concept in concepts_of(task)}


def group_hits(hits: list[Hit]) -> list[tuple[str, list[int]]]:
    """(snippet, line numbers) in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for hit in hits:
        groups.setdefault(hit.snippet, []).append(hit.line)
    return list(groups.items())


def _markdown_cell(hits: list[Hit], link) -> str:
    if not hits:
        return "—"
    parts = []
    for snippet, lines in group_hits(hits):
        code = snippet.replace("|", "\\|").replace("`", "'")
        parts.append(f"`{code}` " + " ".join(f"[L{line}]({link(line)})" for line in lines))
    return "<br>".join(parts)


def markdown_table(task: str, base: str = "..") -> str:
    """The task's concept map as a Markdown table; links are relative to `base`."""
    found = concept_map(task)
    programs = registry.programs_of(task)
    rows = ["| concept | " + " | ".join(programs) + " |", "|---|" + "---|" * len(programs)]
    for concept in concepts_of(task):
        cells = []
        for program in programs:
            path = f"{base}/{relative_path(task, program)}"
            cells.append(_markdown_cell(found[concept.name][program], lambda line, path=path: f"{path}#L{line}"))
        rows.append(f"| {concept.name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def markdown(tasks=None, base: str = "..") -> str:
    """The whole concept map: the idioms, then one table per task."""
    tasks = list(tasks or registry.TASKS)
    lines = ["# The concept map", "",
             "The same idea in each API, with the lines where each program writes it. Generated from the",
             "code by `python -m tf_rosetta.comparisons.concepts` (a test fails when this file is stale); `tf-rosetta show`",
             "renders the same map on each task's page.", "",
             "| concept | in each API |", "|---|---|"]
    lines += [f"| {concept.name} | {concept.idioms}"
              + (f" (in {', '.join(f'`{task}`' for task in concept.tasks)})" if concept.tasks else "") + " |"
              for concept in CONCEPTS]
    for task in tasks:
        lines += ["", f"## {registry.task_title(task)} (`{task}`)", "", markdown_table(task, base)]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = markdown()
    if argv == ["--check"]:
        stale = not COMMITTED_MAP.exists() or COMMITTED_MAP.read_text(encoding="utf-8") != text
        print(f"{COMMITTED_MAP.relative_to(ROOT)}: {'stale' if stale else 'up to date'}")
        return 1 if stale else 0
    COMMITTED_MAP.write_text(text, encoding="utf-8")
    print(f"wrote {COMMITTED_MAP.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
