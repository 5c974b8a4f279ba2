"""What `compare` prints: the settings line, each task's table, and the known causes of a
failure. Reads the harness's comparisons; runs nothing."""

import os

from tf_rosetta import implementations
from tf_rosetta.comparisons import agreement
from tf_rosetta.implementations import registry, runtimes
from tf_rosetta.implementations.contract import EXACT_METRICS


RUNTIME_DESCRIPTION = {"tensorflow": "Keras 3 on TensorFlow", "tf_keras": "Keras 2 (tf_keras)",
                       "jax": "Keras 3 on JAX"}


def installed(distribution: str) -> str:
    """The installed version of a distribution, or "not installed"."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def tensorflow_version() -> str:
    """TensorFlow's version, from whichever wheel provides it (tensorflow-cpu on x86-64)."""
    return installed("tensorflow-cpu") if installed("tensorflow") == "not installed" else installed("tensorflow")


def settings_line(runtime: str = runtimes.DEFAULT) -> str:
    """The process-wide settings that decide whether styles round alike, and the runtime."""
    tensorflow = tensorflow_version()
    keras = {"tf_keras": installed("tf-keras"), "jax": installed("keras")}.get(runtime, installed("keras"))
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset")
    line = (f"runtime {runtime}: {RUNTIME_DESCRIPTION[runtime]}"
            + (f" {installed('jax')}" if runtime == "jax" else "")
            + f"; TensorFlow {tensorflow}, Keras {keras}, TF_ENABLE_ONEDNN_OPTS={onednn} "
            f"({'oneDNN fusion off' if onednn == '0' else 'oneDNN fusion may be on'})")
    if implementations.TENSORFLOW_IMPORTED_FIRST:
        line += "; WARNING: TensorFlow was imported before tf-rosetta set this"
    return line


def _number(value: float) -> str:
    return "0" if value == 0 else f"{value:.2e}"


def metric_cell(run) -> str:
    """The program's own metrics, as it computed them."""
    if run.result is None:
        return "—"
    return " ".join(f"{name} {value:.4f}" if name in EXACT_METRICS else f"{name} {value:.3g}"
                    for name, value in run.result.metrics.items())


# Process-wide settings that the divergence catalog knows to break agreement: (variable,
# the value tf-rosetta sets or None for a variable it leaves unset, the entry that explains
# the difference).
KNOWN_SETTINGS = (("TF_ENABLE_ONEDNN_OPTS", "0", "onednn_fusion"), ("OPENBLAS_NUM_THREADS", "1", "blas_threads"),
                  ("TF_NUM_INTRAOP_THREADS", None, "tf_thread_pools"))


def known_causes() -> list[str]:
    """A line per process-wide setting in force that the catalog knows to change the numbers."""
    return [f"{variable}={os.environ[variable]} is in force (tf-rosetta "
            f"{'leaves it unset' if value is None else f'sets {value}'}): a known cause of "
            f"differences, see `tf-rosetta divergences {entry}`"
            for variable, value, entry in KNOWN_SETTINGS if os.environ.get(variable, value) != value]


def agreement_line() -> str:
    """How compare judges agreement, in one line (comparisons/agreement.py)."""
    return (f"agreement: within {agreement.FLOOR_MULTIPLE:g}x the run's rounding floor, the spread of the oracle "
            f"retrained from starts moved by up to {agreement.ULPS} ulps (seeds "
            f"{', '.join(map(str, agreement.SEEDS))}), at least {agreement.MIN_ULPS} ulps")


def floor_line(floors) -> str:
    weights = max(floors.weights.values(), default=0.0)
    return (f"floor at the end: losses {_number(floors.losses[-1])}, weights {_number(weights)} (largest), "
            f"predictions {_number(floors.predictions)}")


def _verdict_line(comparison) -> str:
    """Agreement and quality apart, in one line."""
    task, runs = comparison.spec.task, [run for run in comparison.runs.values() if not run.not_applicable]
    failed = [run.program for run in runs if run.error]
    parted = [run.program for run in runs if run.verdict in ("DISAGREES", "parts (known)")]
    forked = [run.program for run in runs if run.verdict == "ill-conditioned"]
    missed = [run for run in runs if run.quality_problems]
    if comparison.floors is None:
        return f"{task}: NO FLOOR: the oracle or its reruns failed, nothing could be judged"
    if failed or parted:
        agreement_part = "NOT ALL STYLES AGREE"
    elif forked:
        agreement_part = (f"all styles agree but {', '.join(forked)}, which took another trajectory of an "
                          f"ill-conditioned run")
    else:
        agreement_part = "all styles agree"
    if not missed:
        return f"{task}: {agreement_part}"
    if len(missed) == len(runs) and len({tuple(run.quality_problems) for run in missed}) == 1:
        return f"{task}: {agreement_part}; all miss the quality bar: {missed[0].quality_problems[0]}"
    return f"{task}: {agreement_part}; quality bar missed by {', '.join(run.program for run in missed)}"


def format_table(comparison, verbose: bool = False) -> str:
    """The task's table: each program against the oracle, its own metrics and its time. Below it,
    one line per failing program (every problem and the pairwise differences when verbose)."""
    spec, runtime = comparison.spec, comparison.runtime
    lines = [f"{spec.task}: {spec.title}" + ("" if runtime == runtimes.DEFAULT else f" [runtime {runtime}]"),
             agreement_line()]
    if comparison.floors is not None:
        lines.append(floor_line(comparison.floors))
    lines.append(f"metrics: each program's own, on {spec.metrics_on}")
    header = (f"{'style':<18} {'max|Δloss|':>10} {'max|Δweight|':>12} {'max|Δpred|':>10} {'x floor':>7} "
              f"{'metrics':<22} {'time':>7}  {'quality':<7}  verdict")
    lines += [header, "-" * len(header)]
    details = []
    all_missed = all(run.quality_problems for run in comparison.runs.values() if not run.not_applicable)
    for program, run in comparison.runs.items():
        if run.not_applicable:
            lines.append(f"{program:<18} not applicable: {run.not_applicable}")
            continue
        d = run.versus_oracle
        cells = ["—", "—", "—"] if d is None else [_number(getattr(d, q)) for q in ("losses", "weights", "predictions")]
        multiple = "—" if d is None else ("≠" if d.floor_multiple == float("inf") else f"{d.floor_multiple:.2g}")
        quality = "—" if run.error else ("ok" if not run.quality_problems else "MISSED")
        lines.append(f"{program:<18} {cells[0]:>10} {cells[1]:>12} {cells[2]:>10} {multiple:>7} "
                     f"{metric_cell(run):<22} {run.seconds:>6.2f}s  {quality:<7}  {run.verdict}")
        problems = [run.error] if run.error else []
        if not all_missed or verbose:  # one line below the table says it when every program missed alike
            problems += [f"quality bar missed: {p}" for p in run.quality_problems]
        problems += [f"vs {registry.ORACLE}: {p}" for p in (d.problems if d else [])]
        if problems and verbose:
            details += [f"{spec.task} {program}: {problem.removeprefix(f'{spec.task} {program}: ')}" for problem in problems]
        elif problems:
            more = f" (+{len(problems) - 1} more; --verbose lists them)" if len(problems) > 1 else ""
            details.append(f"{spec.task} {program}: {problems[0].removeprefix(f'{spec.task} {program}: ')}{more}")
    if comparison.pairs:
        bitwise = sum(d.bitwise for d in comparison.pairs.values())
        worst_pair, worst = max(comparison.pairs.items(),
                                key=lambda item: max(item[1].losses, item[1].weights, item[1].predictions))
        largest = max(worst.losses, worst.weights, worst.predictions)
        lines.append(f"style pairs: {bitwise} of {len(comparison.pairs)} bitwise identical; "
                     f"largest difference {largest:.2e} ({worst_pair[0]} vs {worst_pair[1]})")
    lines += details
    if not comparison.ok:
        lines += known_causes()
    lines.append(_verdict_line(comparison))
    return "\n".join(lines)
