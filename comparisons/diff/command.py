"""The `diff` command: run two training scripts, each unmodified in a process of its own,
and compare them update by update (docs/diff.md). Its options: comparisons/arguments.py."""

import sys
import tempfile
import time
from pathlib import Path

from tf_rosetta.comparisons.diff import align, report, runner
from tf_rosetta.comparisons.diff.compare import BITWISE, PARTS, compare, growth
from tf_rosetta.comparisons.errors import EXIT_DISAGREE, EXIT_SCRIPT_FAILED, UsageError
from tf_rosetta.implementations import runtimes
from tf_rosetta.implementations.contract import DataError


def _script(text: str, label: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise DataError(f"{label}: no such file: {text}" if not path.exists() else f"{label}: not a file: {text}")
    return path.resolve()


def _runtime(name: str, option: str) -> str:
    if name not in runtimes.RUNTIMES:
        raise UsageError(f"{option}: unknown runtime {name!r}; accepted: {', '.join(runtimes.RUNTIMES)}")
    return runtimes.check(name)


def command_diff(args) -> int:
    sides = [runner.Side("A", _script(args.a, "A"), _runtime(args.a_runtime, "--a-runtime")),
             runner.Side("B", _script(args.b, "B"), _runtime(args.b_runtime, "--b-runtime"))]
    mapping = align.read_map(_script(args.map, "--map")) if args.map else None
    timeout = args.timeout
    start_time = time.perf_counter()
    for side in sides:
        print(f"{side.label}: {side.script} [runtime {side.runtime}]")
    settings = runner.settings_line(args.settings)
    print(settings, flush=True)
    lines = []

    def say(line):
        lines.append(line)
        print(line, flush=True)

    try:
        with tempfile.TemporaryDirectory(prefix="tf-rosetta-diff-") as folder:
            folder = Path(folder)
            a, b = runner.run_all([runner.start(side, folder, side.label, args.settings, args.steps)
                                   for side in sides], timeout)
            alignment = align.match_variables(a, b, mapping, args.map or "")
            init_note, b_start = "", None
            if args.init_from == "a" and alignment.pairs:
                values = b_start = {b.keys[j]: a.initial[i] for i, j in alignment.pairs}
                (b,) = runner.run_all([runner.start(sides[1], folder, "B-from-A", args.settings, args.steps,
                                                    set_values=values)], timeout)
                alignment = align.match_variables(a, b, mapping, args.map or "")
                init_note = (f"B started from A's values (--init-from a: set by the tracer before B's first "
                             f"update; {b.meta.get('start_note') or 'none set'})")
            say(align.variables_line(a, b, alignment))
            start_text, _ = align.start_line(a, b, alignment, init_note)
            say(start_text)
            updates_text, same_count = align.updates_line(a, b, args.steps)
            say(updates_text)
            index_a, index_b = align.common_records(a, b)
            say(align.batches_line(a, b, index_a, index_b)[0])
            comparison = compare(a, b, alignment)
            reruns, envelope_note = [], ""
            if comparison.verdict != BITWISE and len(comparison.numbers):
                from tf_rosetta.comparisons import agreement

                reruns = runner.run_all([runner.start(sides[0], folder, f"A-perturbed-{seed}", args.settings,
                                                      args.steps, perturb_seed=seed) for seed in agreement.SEEDS],
                                        timeout)
                comparison = compare(a, b, alignment, reruns)
                envelope_note = (f" (floor: A rerun from its start and learning rate moved by a few ulps, seeds "
                                 f"{', '.join(map(str, agreement.SEEDS))}; within = at most "
                                 f"{agreement.FLOOR_MULTIPLE}x the floor)")
            # Explained here, while the folder exists: confirming a cause runs B (or both) again.
            # Imported here: the catalog it reads is not needed by a diff that fails on its input.
            from tf_rosetta.comparisons.diff import explain
            from tf_rosetta.comparisons.diff.confirm import Rerun

            rerun = Rerun(sides, folder, args.settings, args.steps, timeout, mapping, args.map or "", b_start,
                          reruns, runner.settings_environment(args.settings)[0])
            explanation = explain.explain(a, b, alignment, comparison, rerun)
    except runner.ScriptFailed as failed:
        print(f"tf-rosetta: {failed}", file=sys.stderr, flush=True)
        return EXIT_SCRIPT_FAILED
    if comparison.loss_note:
        say(comparison.loss_note)
    for trace in (a, b):
        for note in trace.meta.get("notes", []):
            say(f"note ({trace.side.label}): {note}")
    print()
    print(report.format_table(comparison))
    print()
    say(report.verdict_line(comparison, envelope_note, alignment, same_count))
    if comparison.verdict == PARTS:
        say(f"growth: {growth(comparison)}")
        if comparison.follows_rerun is not None:
            say(f"kind: ill-conditioned: B stays within the floor of A's rerun from seed {comparison.follows_rerun}: "
                f"rounding alone chose between trajectories (docs/agreement.md)")
        elif reruns:
            say("kind: B computes something else: it follows none of A's rounding reruns")
    for line in explanation:
        say(line)
    seconds = time.perf_counter() - start_time
    say(f"time: A {a.seconds:.1f} s, B {b.seconds:.1f} s"
        + (f", {len(reruns)} reruns of A for the rounding floor" if reruns else "") + f"; {seconds:.1f} s in all")
    if args.json:
        report.to_json(Path(args.json), a, b, alignment, comparison, lines, settings)
    if args.plot:
        report.to_plot(Path(args.plot), comparison, f"|Δ| by update: {a.side.script.name} vs {b.side.script.name}")
    agrees = comparison.verdict != PARTS and alignment.complete and same_count and len(comparison.numbers) > 0
    return 0 if agrees else EXIT_DISAGREE
