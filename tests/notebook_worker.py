"""Execute generated notebooks top to bottom, each in a fresh kernel, and save what each computed:
for tests/test_notebooks.py.

Usage: python -m tests.notebook_worker NOTEBOOKS_DIR OUT_DIR TASK/PROGRAM ...

Each notebook runs with nbclient in a kernel of its own ("python3": ipykernel's, started with
this interpreter), its working folder a new empty one. One cell is appended before it runs,
never written back to the notebook: it pickles the notebook's `result` (the program's
TrainingResult), the last cell's `comparison` verdict and differences, the kernel's interpreter
and settings, to OUT_DIR/TASK.PROGRAM.pickle. The executed notebook (outputs and all) and the
seconds it took go beside it; a notebook that fails leaves TASK.PROGRAM.error with nbclient's
message.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tf_rosetta.comparisons import notebooks

TIMEOUT = 600  # seconds a cell may take; the longest program trains in about 20 s alone
SETTINGS = ("TF_ENABLE_ONEDNN_OPTS", "OPENBLAS_NUM_THREADS", "KERAS_BACKEND", "TF_USE_LEGACY_KERAS")

SAVE_CELL = """\
import os, pickle, sys
_versus = comparison.runs[{program!r}]
with open({target!r}, "wb") as _file:
    pickle.dump({{"result": result, "verdict": _versus.verdict, "quality": _versus.quality_problems,
                  "versus_oracle": None if _versus.versus_oracle is None else {{
                      quantity: getattr(_versus.versus_oracle, quantity)
                      for quantity in ("losses", "weights", "predictions", "metrics", "floor_multiple")}},
                  "executable": sys.executable,
                  "settings": {{name: os.environ.get(name, "unset") for name in {settings!r}}}}}, _file)
"""


def execute(source: Path, out_dir: Path, task: str, program: str) -> None:
    notebook = nbformat.read(str(source), as_version=4)
    target = out_dir / f"{task}.{program}.pickle"
    notebook.cells.append(nbformat.v4.new_code_cell(
        SAVE_CELL.format(program=program, target=str(target.with_suffix(".partial")), settings=SETTINGS)))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="notebook-cwd-") as folder:
        client = NotebookClient(notebook, kernel_name="python3", timeout=TIMEOUT,
                                resources={"metadata": {"path": folder}})
        try:
            client.execute()
        except Exception as error:  # noqa: BLE001  (the test reports it, with the notebook's traceback)
            (out_dir / f"{task}.{program}.error").write_text(f"{type(error).__name__}: {error}", encoding="utf-8")
            return
        finally:
            nbformat.write(notebook, str(out_dir / f"{task}.{program}.ipynb"))
    (out_dir / f"{task}.{program}.json").write_text(json.dumps({"seconds": time.perf_counter() - start}))
    os.replace(target.with_suffix(".partial"), target)


def main(notebooks_dir: str, out_dir: str, programs: list[str]) -> None:
    for name in programs:
        task, program = name.split("/")
        execute(Path(notebooks_dir) / notebooks.file_name(task, program), Path(out_dir), task, program)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
