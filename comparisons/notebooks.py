"""tf-rosetta notebooks: each program as a Jupyter notebook, generated from its file.

The program file stays the source; each notebook is cut from it with nbformat, never edited by
hand. Its shape, and why:

1. A title cell from the header docstring (Title, Description), and how to run the notebook.
2. A first code cell that does what `python -m tf_rosetta.implementations.TASK.PROGRAM` gets before
   TensorFlow is imported: importing the `implementations` package sets TF_ENABLE_ONEDNN_OPTS=0
   and OPENBLAS_NUM_THREADS=1 (a program's own imports put `tensorflow` before it, which is
   harmless under `python -m` only because Python imports the package first), the runtime is
   activated (Keras 3 on TensorFlow, Keras 2, or Keras 3 on JAX), and the distributed programs
   get their two logical CPUs.
3. The Setup section: its prose as a Markdown cell, the module's top-level code (imports,
   helpers, a subclassed model's class) as code.
4. The sections Prepare the data, Build the model, Train and Evaluate are module-level code or
   live in the body of a function: one each (`training_data`, `build_model`, `fit`, `evaluate`,
   implementations/contract.py), or several in one (`train(spec)` of a program of the older
   shape, `train_worker` of a multi-worker program, a TF1 `build_model`). A notebook cannot cut
   a function into cells without changing what it computes (its local names, a TF1 graph's
   `with` blocks, its `return`), so each section's prose is a Markdown cell and the function
   follows whole, as the file has it, comments and all: the code cells joined are the
   program's code.
5. The program's `__main__` block (`SPEC.report(train())`, or build_model, fit and evaluate composed:
   implementations/contract.py) with `result = ` for `SPEC.report(`, and the report.
6. The result against the NumPy oracle: the oracle trained here with its reruns from moved
   starts, `compare`'s table for this program, and the loss curves (comparisons/versus_oracle.py).

No notebook reads anything the program does not: the MNIST tasks read `--mnist`'s default,
Keras's cache or the embedded subset, as the programs do.
"""

import ast
from pathlib import Path

from tf_rosetta.comparisons import concepts
from tf_rosetta.comparisons.errors import UsageError
from tf_rosetta.implementations import contract, registry, runtimes

OUTPUT = "notebooks"
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
DISTRIBUTED = ("mirrored_", "multiworker_")
# A multi-worker program starts its workers with `python -m tf_rosetta.implementations.cluster MODULE
# FUNCTION`: they import the worker function by its module's name, and a notebook's cells have
# none (measured: cluster.run stops with the ValueError below). Generated, not executed:
# tests/test_notebooks.py excludes them by name and checks that they still fail so.
MULTIWORKER_NOTE = ("**Run as a program, not in a notebook kernel.** The two worker processes this program starts "
                    "(`python -m tf_rosetta.implementations.cluster`) import `train_worker` by the name of its module, and a "
                    "function defined in a notebook cell has none: here `train()` stops with `ValueError: "
                    "train_worker is in a script run by path: run its module with python -m`. The notebook shows "
                    "the program's shape; CI does not execute it. Run it with `python -m "
                    "tf_rosetta.implementations.{task}.{program}`.")


def file_name(task: str, program: str, runtime: str = runtimes.DEFAULT) -> str:
    suffix = "" if runtime == runtimes.DEFAULT else f"-{runtime}"
    return f"{task}/{program}{suffix}.ipynb"


def _header(tree: ast.Module, name: str) -> dict:
    docstring = ast.get_docstring(tree, clean=True) or ""
    fields = dict(line.split(": ", 1) for line in docstring.splitlines() if ": " in line)
    if "Title" not in fields:
        raise concepts.SourceError(f"{name}: the header docstring has no 'Title: ' line")
    return fields


# Each __main__ block a program may end with (implementations/contract.py), and what the Run cell does for it.
MAIN_BLOCKS = {
    contract.MAIN_BLOCKS["train"]: "result = train()",
    contract.MAIN_BLOCKS["composed"]: "model = build_model(SPEC)\nresult = evaluate(model, SPEC, fit(model, SPEC))",
}


def _main_block(tree: ast.Module, source: str, name: str) -> ast.If:
    last = tree.body[-1]
    if not isinstance(last, ast.If) or ast.get_source_segment(source, last) not in MAIN_BLOCKS:
        raise concepts.SourceError(f"{name}: the last statement is not one of the __main__ blocks a program ends with: "
                                   + " or ".join(f"`{block}`" for block in MAIN_BLOCKS))
    return last


def _prose(section: concepts.Section) -> list[str]:
    """The comment lines right under the heading, without their '#'."""
    prose = []
    for line in section.lines[1:]:
        text = line.strip()
        if not text.startswith("#"):
            break
        prose.append(text[1:].strip())
    return prose


def _trim(lines: list[str]) -> str:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(lines)


def program_cells(task: str, program: str) -> tuple[dict, list[tuple[str, str]], str]:
    """The header fields, the program's cells, ("markdown" | "code", text), in file order, and
    what its __main__ block runs, as the Run cell's code."""
    name = concepts.relative_path(task, program)
    source = concepts.program_path(task, program).read_text(encoding="utf-8")
    sections = concepts.split_sections(source, name)
    tree = ast.parse(source)
    header = _header(tree, name)
    main = _main_block(tree, source, name)
    lines = source.splitlines()
    setup = sections[1]
    setup_prose = set(range(setup.first_line, setup.first_line + 1 + len(_prose(setup))))  # 1-based
    headings = {section.first_line: section for section in sections[2:]}
    cells = [("markdown", "\n".join([f"## {setup.name}", "", *_prose(setup)]))]
    pending: list[str] = []
    start = tree.body[0].end_lineno + 1  # after the docstring
    for statement in tree.body[1:-1]:
        end = statement.end_lineno
        inside = [headings[number] for number in sorted(headings) if start <= number <= end]
        chunk = [lines[number - 1] for number in range(start, end + 1) if number not in setup_prose]
        if inside:
            if _trim(pending):
                cells.append(("code", _trim(pending)))
            pending = []
            if len(inside) > 1:
                function = f"`{statement.name}`" if isinstance(statement, ast.FunctionDef) else "one statement"
                cells.append(("markdown", f"The next {len(inside)} sections are the body of {function}, whose cell "
                                          "follows them whole, as in the file: a cell boundary inside it would "
                                          "change what it computes."))
            cells += [("markdown", "\n".join([f"## {section.name}", "", *_prose(section)])) for section in inside]
            cells.append(("code", _trim(chunk)))
        else:
            pending += chunk
        start = end + 1
    pending += lines[start - 1:main.lineno - 1]
    if _trim(pending):
        cells.append(("code", _trim(pending)))
    found = [text.splitlines()[0][3:] for kind, text in cells if kind == "markdown" and text.startswith("## ")]
    if found != list(concepts.SECTIONS):
        raise concepts.SourceError(f"{name}: sections {found} found outside top-level statements; "
                                   f"each heading must sit in the module's code or in one function's body")
    return header, cells, MAIN_BLOCKS[ast.get_source_segment(source, main)]


def _first_cell(program: str, runtime: str) -> str:
    lines = ["# Before TensorFlow is imported, as `python -m` does: importing the package sets",
             "# TF_ENABLE_ONEDNN_OPTS=0 and OPENBLAS_NUM_THREADS=1, on which the agreement with the",
             "# NumPy oracle relies, and the runtime decides what `import keras` gives (docs/install.md, Runtimes).",
             "from tf_rosetta import implementations",
             "from tf_rosetta.implementations import runtimes",
             "",
             f'runtimes.activate("{runtime}")']
    if program.startswith(DISTRIBUTED):
        lines += ["",
                  "# Two logical CPUs for the two replicas, before TensorFlow's first op (docs/distribute.md).",
                  "from tf_rosetta.implementations import devices",
                  "",
                  "devices.two_logical_cpus()"]
    return "\n".join(lines)


def notebook(task: str, program: str, runtime: str = runtimes.DEFAULT):
    """The program's notebook (an nbformat NotebookNode)."""
    import nbformat.v4 as v4

    header, cells, run = program_cells(task, program)
    module = f"tf_rosetta.implementations.{task}.{program}"
    title = [f"# {header['Title']}", "", header.get("Description", ""), "",
             f"Generated by `tf-rosetta notebooks` from [`{concepts.relative_path(task, program)}`]"
             f"(../../{concepts.relative_path(task, program)}), the program `python -m {module}` runs; "
             f"runtime `{runtime}`. It needs the project installed in the kernel's environment "
             "(`pip install -e .` in the project's folder; in Colab, `!pip install` the project first)."]
    reason = runtimes.not_applicable(runtime, program, task)
    if program.startswith("multiworker_"):
        title += ["", MULTIWORKER_NOTE.format(task=task, program=program)]
    if reason:
        title += ["", f"**Not applicable under runtime `{runtime}`:** {reason}"]
    built = [v4.new_markdown_cell("\n".join(title)), v4.new_code_cell(_first_cell(program, runtime))]
    built += [v4.new_markdown_cell(text) if kind == "markdown" else v4.new_code_cell(text) for kind, text in cells]
    built += [
        v4.new_markdown_cell("## Run\n\nWhat the program's `__main__` block does: train with the spec's data and "
                             "starting weights, then print what the course's program printed."),
        v4.new_code_cell(f"import time\n\nstarted = time.perf_counter()\n{run}\n"
                         "seconds = time.perf_counter() - started\nSPEC.report(result)"),
        v4.new_markdown_cell("## Against the NumPy oracle\n\nThe oracle trained here, and again from starts moved by "
                             "a few ulps (the run's rounding floor), then `tf-rosetta compare`'s table for this "
                             "program and the loss curves: the same numbers `compare` gives for this program."),
        v4.new_code_cell(f'from tf_rosetta.comparisons import versus_oracle\n\n'
                         f'comparison = versus_oracle.show(SPEC, "{program}", result, seconds)'),
    ]
    return v4.new_notebook(cells=built, metadata={"kernelspec": KERNEL, "language_info": {"name": "python"},
                                                  "tf_rosetta": {"task": task, "program": program,
                                                                 "runtime": runtime}})


def write_notebooks(tasks, output: Path, runtime: str = runtimes.DEFAULT) -> list[Path]:
    """One notebook per program of each task under output/TASK/; the paths written."""
    import nbformat

    written = []
    for task in tasks:
        for program in registry.programs_of(task):
            path = output / file_name(task, program, runtime)
            built = notebook(task, program, runtime)
            nbformat.validate(built)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(built, str(path))
            except OSError as error:
                raise UsageError(f"--output {output}: cannot write {path}: {error.strerror}") from None
            written.append(path)
    return written


def command_notebooks(args) -> int:
    import importlib.util

    tasks = [registry.check_task(task) for task in args.tasks] or list(registry.TASKS)
    runtime = runtimes.check(args.runtime)
    if importlib.util.find_spec("nbformat") is None:
        raise UsageError("notebooks needs the nbformat package, which is not installed: "
                         "pip install -e '.[notebooks]' (see docs/notebooks.md)")
    written = write_notebooks(tasks, Path(args.output), runtime)
    print(f"wrote {len(written)} notebooks under {args.output}/ (runtime {runtime})")
    return 0
