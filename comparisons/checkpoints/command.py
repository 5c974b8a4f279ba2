"""`tf-rosetta checkpoints`: the matrices, the resumes, and --inspect for a user's own file."""

import concurrent.futures
import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tf_rosetta.comparisons.errors import EXIT_DISAGREE, UsageError
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.checkpoint_layout import TF1_SAVER
from tf_rosetta.implementations.contract import DataError


def _run_task(task: str, folder: str):
    from tf_rosetta.comparisons.checkpoints import matrix

    return matrix.run_task(task, Path(folder))


def _start_worker():
    from tf_rosetta.comparisons import harness

    harness.start_process()


def iter_reports(tasks, output: Path, jobs: int):
    """Each task's TaskCheckpoints as it finishes, its files under output/<task>."""
    if jobs <= 1 or len(tasks) <= 1:
        _start_worker()
        for task in tasks:
            yield _run_task(task, str(output / task))
        return
    context = multiprocessing.get_context("spawn")  # a forked TensorFlow runtime is not safe to use
    with concurrent.futures.ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=context,
                                                initializer=_start_worker) as pool:
        futures = [pool.submit(_run_task, task, str(output / task)) for task in tasks]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()


def format_report(report) -> str:
    styles = report.styles
    width = max(len(style) for style in styles) + 2
    lines = [f"{report.task}: each style's checkpoint, loaded into each style (rows: saved by, columns: loaded "
             "into; weights bit for bit; cells: the probe predictions, bitwise or their largest |Δ|)"]
    lines.append(" " * width + "".join(f"{style:>{width}}" for style in styles))
    for saver in styles:
        lines.append(f"{saver:<{width}}" + "".join(f"{report.loads[saver, loader].cell():>{width}}"
                                                    for loader in styles))
    lines.append("resumed: trained on from the checkpoint to the end; losses and final weights against the "
                 "saver's uninterrupted run (bitwise or the largest |Δ|)")
    label_width = 2 * width + 6
    for (saver, resumer), outcome in report.resumes.items():
        lines.append(f"  {saver + ' -> ' + resumer:<{label_width}}{outcome.cell()}")
    lines.append("reloaded for inference, without the program: the probe predictions")
    for (style, what), outcome in report.exports.items():
        signatures = f"   signatures: {report.signatures[style]}" if what == "SavedModel" and style in \
            report.signatures else ""
        lines.append(f"  {style + ' ' + what:<{label_width}}{outcome.cell()}{signatures}")
    problems = [(name, outcome) for kind in ("loads", "resumes", "exports")
                for name, outcome in getattr(report, kind).items() if outcome.detail]
    for (first, second), outcome in problems:
        lines.append(f"FAILED: {first} {second}: {outcome.detail}")
    return "\n".join(lines)


def _describe(path: str) -> list[str]:
    """Every variable of a checkpoint and the canonical weight (task, style) it maps to."""
    from tf_rosetta.comparisons.checkpoints import formats, matrix

    tensors = formats.read_tensors(path)
    kind = formats.format_of(path)
    meaning, matches = {}, []
    for task in registry.TASKS:
        spec, layouts = registry.load_spec(task), matrix.layout_module(task)
        for style, layout in layouts.LAYOUTS.items():
            if layout.format != kind:
                continue
            try:
                formats.read_state(path, layout, spec.initial_weights, ())
            except DataError:
                continue
            matches.append(f"{task} {style}")
            rule = formats.SLOT_RULES[kind]
            for name in spec.initial_weights:
                key = layout.key(name)
                meaning.setdefault(key.name, []).append(f"{name}" if key.index is None else f"{name} = {key}")
                if key.name in layout.trainable:
                    index = layout.trainable.index(key.name)
                    for which in ("m", "v"):
                        meaning.setdefault(rule.moment(key.name, index, which), []).append(f"Adam {which} of {name}")
            meaning.setdefault(rule.step, []).append("the step count")
    if kind == TF1_SAVER:
        meaning.update({"beta1_power": ["beta_1 ** (step + 1)"], "beta2_power": ["beta_2 ** (step + 1)"]})
    lines = [f"{path}: {kind}, {len(tensors)} variables; "
             + (f"the layout of {', '.join(dict.fromkeys(matches))}" if matches else "no task's layout matches")]
    width = max(len(name) for name in tensors) + 2 if tensors else 10
    for name in sorted(tensors):
        value = tensors[name]
        shape = f"{value.dtype}{list(value.shape)}"
        lines.append(f"  {name:<{width}}{shape:<18}{', '.join(dict.fromkeys(meaning.get(name, [])))}")
    return lines


def _checked_output(path: str | None) -> Path | None:
    if path is None:
        return None
    output = Path(path)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise UsageError(f"--output {path}: exists and is not an empty folder; give a new or empty folder")
    return output


def command_checkpoints(args) -> int:
    if args.inspect is not None:
        if args.tasks:
            raise UsageError("--inspect takes a checkpoint path, not tasks")
        print("\n".join(_describe(args.inspect)))
        return 0
    from tf_rosetta.comparisons.checkpoints import matrix

    tasks = [registry.check_task(name) for name in args.tasks] or [t for t in registry.TASKS
                                                                   if t not in matrix.NOT_IN_THE_MATRIX]
    for task in tasks:
        if task in matrix.NOT_IN_THE_MATRIX:
            raise UsageError(f"{task} is not in the checkpoint matrix: {matrix.NOT_IN_THE_MATRIX[task]}")
    output = _checked_output(args.output)
    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=".tf-rosetta-checkpoints-", dir=output.parent if output else None))
    exit_code = 0
    try:
        for report in iter_reports(tasks, work, args.jobs):
            print(format_report(report) + "\n", flush=True)
            if not report.ok:
                exit_code = EXIT_DISAGREE
        if output is not None:
            if output.exists():
                output.rmdir()
            work.rename(output)  # every task written: the folder appears whole, or not at all
            print(f"checkpoints written to {output}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"time: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return exit_code
