"""Every program's TrainingResult and every checkpoint run, saved to compare byte for byte.

A refactoring check, not a benchmark: run it before and after a change and compare.

    python benchmarks/result_snapshot.py programs OUT [TASK ...]    # the harness's runner
    python benchmarks/result_snapshot.py checkpoints OUT [TASK ...] # the checkpoint matrix
    python benchmarks/result_snapshot.py compare BEFORE AFTER

`programs` trains every program of the tasks (default: all) with harness._run_all in two
worker processes and saves each TrainingResult to OUT/programs/<task>.<program>.npz.
`checkpoints` runs matrix.run_task for each task (one spawned process a task), saves its
printed matrix to OUT/checkpoints/<task>.txt, every TrainingResult the matrix trained (in
call order) to OUT/checkpoints/<task>.runs.npz and every tensor of every checkpoint file the
programs wrote to OUT/checkpoints/<task>.files.npz. `compare` compares every array of every
.npz byte for byte (dtype, shape, bytes) and every .txt line for line; exit 1 on a difference.
"""

import concurrent.futures
import multiprocessing
import sys
import tempfile
from pathlib import Path

import numpy as np


def _flatten(result, prefix: str) -> dict:
    arrays = {f"{prefix}losses": np.asarray(result.losses), f"{prefix}predictions": np.asarray(result.predictions)}
    arrays.update({f"{prefix}weights/{name}": np.asarray(value) for name, value in result.weights.items()})
    arrays.update({f"{prefix}metrics/{name}": np.asarray(value) for name, value in result.metrics.items()})
    return arrays


def programs(out: Path, tasks) -> None:
    from tf_rosetta.comparisons import harness
    from tf_rosetta.implementations import registry

    work = [(task, program, registry.load_spec(task)) for task in tasks for program in registry.programs_of(task)]
    (out / "programs").mkdir(parents=True, exist_ok=True)
    for index, run in harness._run_all(work, jobs=2):
        task, program, _ = work[index]
        if run.error:
            print(f"FAILED {task} {program}: {run.error}", flush=True)
            continue
        np.savez(out / "programs" / f"{task}.{program}.npz", **_flatten(run.result, ""))
        print(f"{task} {program}: {run.seconds:.1f} s", flush=True)


def _checkpoint_task(task: str, out: str) -> str:
    from tf_rosetta.comparisons import harness
    from tf_rosetta.comparisons.checkpoints import command, formats, matrix

    harness.start_process()
    calls, original = [], matrix.train_quietly

    def recording(task_, style, spec, *args, **kwargs):
        result = original(task_, style, spec, *args, **kwargs)
        calls.append((style, spec.steps, result))
        return result

    matrix.train_quietly = recording
    folder = Path(tempfile.mkdtemp(prefix=f"snapshot-{task}-"))
    report = matrix.run_task(task, folder / "run")
    out = Path(out) / "checkpoints"
    (out / f"{task}.txt").write_text(command.format_report(report).replace(str(folder), "FOLDER") + "\n")
    runs = {}
    for number, (style, steps, result) in enumerate(calls):
        runs.update(_flatten(result, f"{number:03d}.{style}.{steps}/"))
    np.savez(out / f"{task}.runs.npz", **runs)
    layouts = matrix.layout_module(task)
    files = {}
    for style in report.styles:
        path = folder / "run" / style / layouts.LAYOUTS[style].file
        files.update({f"{style}/{key}": value for key, value in formats.read_tensors(path).items()})
    np.savez(out / f"{task}.files.npz", **files)
    return f"{task}: {'ok' if report.ok else 'NOT ok'}, {len(calls)} trainings"


def checkpoints(out: Path, tasks) -> None:
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        for future in concurrent.futures.as_completed([pool.submit(_checkpoint_task, t, str(out)) for t in tasks]):
            print(future.result(), flush=True)


def compare(before: Path, after: Path) -> int:
    differences, compared = [], 0
    for old in sorted(before.rglob("*")):
        if old.is_dir():
            continue
        new = after / old.relative_to(before)
        if not new.exists():
            differences.append(f"{new}: missing")
            continue
        if old.suffix == ".txt":
            compared += 1
            if old.read_text() != new.read_text():
                differences.append(f"{new}: text differs")
            continue
        a, b = np.load(old), np.load(new)
        if sorted(a.files) != sorted(b.files):
            differences.append(f"{new}: keys {sorted(set(a.files) ^ set(b.files))}")
        for key in sorted(set(a.files) & set(b.files)):
            compared += 1
            x, y = a[key], b[key]
            if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                differences.append(f"{new} {key}: differs")
    print("\n".join(differences) or f"{compared} arrays and texts: byte for byte the same")
    return 1 if differences else 0


if __name__ == "__main__":
    command, out, *rest = sys.argv[1:]
    if command == "compare":
        sys.exit(compare(Path(out), Path(rest[0])))
    from tf_rosetta.implementations import registry

    tasks = rest or list(registry.TASKS)
    {"programs": programs, "checkpoints": checkpoints}[command](Path(out), tasks)
