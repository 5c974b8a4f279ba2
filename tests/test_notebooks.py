"""The notebooks: one per program, its code the program's code, and, executed in a fresh kernel
(`pytest -m notebooks`, in .ci/run), the same bits as the program trained by the harness."""

import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tf_rosetta.comparisons import arguments, cli, notebooks, pages, run_files, schedule
from tf_rosetta.comparisons.concepts import SECTIONS, program_path
from tf_rosetta.implementations import registry, runtimes
from tests.standalone_worker import arrays_of

ROOT = Path(__file__).resolve().parents[1]
EVERY = [(task, program) for task in registry.TASKS for program in registry.programs_of(task)]
# Generated but not executed, by name: their workers import train_worker by its module's name,
# which a notebook cell has not (comparisons/notebooks.py, MULTIWORKER_NOTE). They are executed
# all the same, to check that they still fail so and that their note stays true.
NOT_IN_A_KERNEL = [(task, program) for task, program in EVERY if program.startswith("multiworker_")]
EXECUTED = [case for case in EVERY if case not in NOT_IN_A_KERNEL]
WORKERS = 2
MULTIWORKER_ERROR = "train_worker is in a script run by path"


def _ids(cases):
    return [f"{task}-{program}" for task, program in cases]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebooks")
    assert cli.main(["notebooks", "--output", str(folder)]) == 0
    return folder


def _cells(folder, task, program, runtime=runtimes.DEFAULT):
    return nbformat.read(str(folder / notebooks.file_name(task, program, runtime)), as_version=4).cells


def test_every_program_gets_one_notebook_and_nothing_else(written, capsys):
    found = sorted(path.relative_to(written).as_posix() for path in written.rglob("*.ipynb"))
    assert found == sorted(notebooks.file_name(task, program) for task, program in EVERY)
    assert len(found) == len(EVERY) > len(registry.TASKS) * len(registry.PROGRAMS)


def _expected_code(task, program) -> list[str]:
    """The file's non-blank lines between the header docstring and the __main__ block, without
    the Setup heading and the comment lines under it (the notebook's Setup Markdown cell)."""
    lines = program_path(task, program).read_text(encoding="utf-8").splitlines()
    after_docstring = next(index for index in range(1, len(lines)) if lines[index].strip() == '"""') + 1
    main = lines.index('if __name__ == "__main__":')
    body = lines[after_docstring:main]
    setup = body.index("# Setup")
    prose_end = next(index for index in range(setup + 1, len(body)) if not body[index].startswith("#"))
    return [line for line in body[:setup] + body[prose_end:] if line.strip()]


@pytest.mark.parametrize("task, program", EVERY, ids=_ids(EVERY))
def test_the_code_cells_are_the_programs_code_in_order(written, task, program):
    cells = _cells(written, task, program)
    code = [cell.source for cell in cells if cell.cell_type == "code"]
    # First the settings, last the run and the oracle's table: the program's code between.
    program_lines = [line for source in code[1:-2] for line in source.splitlines() if line.strip()]
    assert program_lines == _expected_code(task, program)
    assert "from tf_rosetta import implementations" in code[0] and f'runtimes.activate("{runtimes.DEFAULT}")' in code[0]
    run = "result = train()" if hasattr(registry.load(task, program), "train") else \
        "model = build_model(SPEC)\nresult = evaluate(model, SPEC, fit(model, SPEC))"
    assert run in code[-2] and "SPEC.report(result)" in code[-2]
    assert f'versus_oracle.show(SPEC, "{program}", result, seconds)' in code[-1]


@pytest.mark.parametrize("task, program", EVERY, ids=_ids(EVERY))
def test_each_section_is_a_markdown_cell_with_the_prose_under_its_heading(written, task, program):
    cells = _cells(written, task, program)
    headings = [cell.source.splitlines()[0][3:] for cell in cells
                if cell.cell_type == "markdown" and cell.source.startswith("## ")]
    assert headings[:len(SECTIONS)] == list(SECTIONS) and headings[len(SECTIONS):] == ["Run", "Against the NumPy oracle"]
    source = program_path(task, program).read_text(encoding="utf-8").splitlines()
    for section in SECTIONS:
        heading = next(index for index, line in enumerate(source) if line.strip() == f"# {section}")
        first_prose = source[heading + 1].strip().removeprefix("# ")
        cell = next(cell for cell in cells if cell.source.startswith(f"## {section}\n"))
        assert first_prose and first_prose in cell.source
    title = next(line for line in source if line.startswith("Title: ")).removeprefix("Title: ")
    assert cells[0].source.startswith(f"# {title}\n")


def test_the_package_is_imported_before_tensorflow_and_two_cpus_set_only_where_needed(written):
    tensorflow = re.compile(r"^\s*(?:import|from) (?:tensorflow|keras)\b")
    for task, program in EVERY:
        code = [cell.source for cell in _cells(written, task, program) if cell.cell_type == "code"]
        lines = [line for source in code for line in source.splitlines()]
        assert lines.index("from tf_rosetta import implementations") < next((i for i, line in enumerate(lines) if tensorflow.match(line)), len(lines))
        assert ("devices.two_logical_cpus()" in code[0]) == program.startswith(("mirrored_", "multiworker_"))


def test_only_the_multiworker_notebooks_say_they_run_as_programs(written):
    for task, program in EVERY:
        title = _cells(written, task, program)[0].source
        assert ("not in a notebook kernel" in title) == ((task, program) in NOT_IN_A_KERNEL)
        assert (MULTIWORKER_ERROR in title) == ((task, program) in NOT_IN_A_KERNEL)


def test_another_runtime_is_activated_first_and_a_program_it_cannot_run_says_so(tmp_path, capsys):
    assert cli.main(["notebooks", "xor", "--runtime", "jax", "--output", str(tmp_path)]) == 0
    assert "wrote 7 notebooks" in capsys.readouterr().out
    keras = _cells(tmp_path, "xor", "keras_functional", "jax")
    tf1 = _cells(tmp_path, "xor", "tf1_session", "jax")
    assert 'runtimes.activate("jax")' in keras[1].source and "Not applicable" not in keras[0].source
    assert "Not applicable under runtime `jax`" in tf1[0].source


@pytest.mark.parametrize("argv, says", [
    (["notebooks", "xorr"], "unknown task 'xorr'"),
    (["notebooks", "xor", "--runtime", "pytorch"], "unknown runtime 'pytorch'"),
])
def test_bad_input_is_one_line_and_exit_2(argv, says, capsys):
    assert cli.main(argv) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1 and says in captured.err


def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert cli.main(["notebooks", "xor", "--output", str(blocker)]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith(f"tf-rosetta: --output {blocker}: cannot write ")


def test_each_page_links_each_programs_notebook_where_both_commands_write_by_default(tmp_path):
    assert cli.main(["notebooks", "mammal_bird", "--output", str(tmp_path / arguments.NOTEBOOKS)]) == 0
    columns = pages._columns_html("mammal_bird", pages.read_programs("mammal_bird"))
    for program in registry.programs_of("mammal_bird"):
        link = pages.notebook_link("mammal_bird", program)
        assert f'href="{link}"' in columns
        assert (tmp_path / arguments.SITE / link).resolve().is_file()


def test_listing_does_not_import_the_notebook_modules():
    code = ("import sys\nfrom tf_rosetta.comparisons import cli\ncli.main(['list'])\n"
            "print(sorted(m for m in sys.modules if m in ('tf_rosetta.comparisons.notebooks', 'nbformat', 'nbclient')))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "[]"


# Executed: `pytest -m notebooks` (.ci/run) ---------------------------------------------------

def _shares(cases, workers):
    """The cases split among the workers, the longest program first to the least loaded."""
    shares, loads = [[] for _ in range(workers)], [0.0] * workers
    for index in schedule.longest_first(cases):
        least = loads.index(min(loads))
        shares[least].append(cases[index])
        loads[least] += schedule.seconds_alone(*cases[index])
    return shares


class ExecutedNotebooks:
    """Every notebook executed by WORKERS processes (tests/notebook_worker.py), started once."""

    def __init__(self, folder: Path):
        self.source, self.out = folder / "notebooks", folder / "executed"
        self.out.mkdir()
        assert cli.main(["notebooks", "--output", str(self.source)]) == 0
        self.workers = []
        for share in _shares(EXECUTED + NOT_IN_A_KERNEL, WORKERS):
            log = (folder / f"worker{len(self.workers)}.log").open("w")
            self.workers.append((subprocess.Popen(
                [sys.executable, "-m", "tests.notebook_worker", str(self.source), str(self.out),
                 *(f"{task}/{program}" for task, program in share)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT), log))

    def of(self, task, program, timeout=3600):
        done, failed = self.out / f"{task}.{program}.pickle", self.out / f"{task}.{program}.error"
        deadline = time.monotonic() + timeout
        while not (done.exists() or failed.exists()):
            if all(worker.poll() is not None for worker, _ in self.workers) and not (done.exists() or failed.exists()):
                pytest.fail(f"the notebook workers exited before {task} {program}")
            if time.monotonic() > deadline:
                pytest.fail(f"{task} {program}: its notebook did not finish within {timeout} s")
            time.sleep(0.2)
        if failed.exists():
            return failed.read_text(encoding="utf-8")
        with done.open("rb") as file:
            return pickle.load(file)

    def stop(self):
        for worker, log in self.workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            log.close()


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    runs = ExecutedNotebooks(tmp_path_factory.mktemp("executed-notebooks"))
    yield runs
    runs.stop()
    shutil.rmtree(runs.source, ignore_errors=True)


def _bitwise(a, b) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.notebooks
@pytest.mark.parametrize("task, program", EXECUTED, ids=_ids(EXECUTED))
def test_the_notebook_computes_the_harness_bits_and_shows_compares_numbers(task, program, executed, comparison_of):
    saved = executed.of(task, program)
    assert not isinstance(saved, str), f"{task} {program}: its notebook failed: {saved[-3000:]}"
    harness_run = comparison_of(task).runs[program]
    # Its files read back as the harness reads a program's (auto_mpg's TensorBoard logs, best checkpoint).
    mine = arrays_of(run_files.read_back(task, program, saved["result"]))
    theirs = arrays_of(harness_run.result)
    assert sorted(mine) == sorted(theirs)
    differing = [name for name in theirs if not _bitwise(mine[name], theirs[name])]
    assert not differing, f"in its notebook, {program} computed other numbers for {differing}"
    # The kernel ran this interpreter, with the package's settings and the default runtime.
    assert os.path.realpath(saved["executable"]) == os.path.realpath(sys.executable)
    assert saved["settings"] == {"TF_ENABLE_ONEDNN_OPTS": "0", "OPENBLAS_NUM_THREADS": "1",
                                 **runtimes.ENVIRONMENT[runtimes.DEFAULT]}
    # The last cell: compare's verdict and differences from the oracle, for the same bits.
    assert saved["verdict"] == harness_run.verdict and saved["quality"] == harness_run.quality_problems
    expected = harness_run.versus_oracle
    assert saved["versus_oracle"] == (None if expected is None else {
        quantity: getattr(expected, quantity)
        for quantity in ("losses", "weights", "predictions", "metrics", "floor_multiple")})


@pytest.mark.notebooks
@pytest.mark.parametrize("task, program", NOT_IN_A_KERNEL, ids=_ids(NOT_IN_A_KERNEL))
def test_a_multiworker_notebook_still_fails_in_a_kernel_as_its_note_says(task, program, executed):
    """When it runs, this fails: then execute it with the others and drop its note."""
    saved = executed.of(task, program)
    assert isinstance(saved, str) and MULTIWORKER_ERROR in saved
