"""What `compare` prints: the settings line, each task's table, and the known causes of a
failure. Reads the harness's comparisons; runs nothing."""

import os

import implementations
from implementations import registry, runtimes
from implementations.contract import EXACT_METRICS


RUNTIME_DESCRIPTION = {"tensorflow": "Keras 3 on TensorFlow", "tf_keras": "Keras 2 (tf_keras)",
                       "jax": "Keras 3 on JAX"}


def settings_line(runtime: str = runtimes.DEFAULT) -> str:
    """The process-wide settings that decide whether styles round alike, and the runtime."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(distribution):
        try:
            return version(distribution)
        except PackageNotFoundError:
            return "not installed"

    tensorflow = installed("tensorflow-cpu") if installed("tensorflow") == "not installed" else installed("tensorflow")
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


def format_table(comparison, verbose: bool = False) -> str:
    """The task's table: each program against the oracle, its own metrics and its time. Below it,
    one line per failing program (every problem and the pairwise differences when verbose)."""
    spec, runtime = comparison.spec, comparison.runtime
    lines = [f"{spec.task}: {spec.title}" + ("" if runtime == runtimes.DEFAULT else f" [runtime {runtime}]")]
    if runtime in spec.runtime_tolerances:
        tolerance = spec.runtime_tolerances[runtime]
        lines.append(f"tolerance vs oracle under {runtime}: rtol {tolerance.rtol:g}, atol {tolerance.atol:g} "
                     f"({tolerance.reason})")
    else:
        lines.append(f"tolerance vs oracle: rtol {spec.tolerance.rtol:g}, atol {spec.tolerance.atol:g} "
                     f"({spec.tolerance.reason})")
        for style, tolerance in spec.style_tolerances.items():
            lines.append(f"  {style}: rtol {tolerance.rtol:g}, atol {tolerance.atol:g} ({tolerance.reason})")
    lines.append(f"metrics: each program's own, on {spec.metrics_on}; accuracy must be equal")
    header = (f"{'style':<18} {'max|Δloss|':>10} {'max|Δweight|':>12} {'max|Δpred|':>10} {'metrics':<22} "
              f"{'time':>7}  {'quality':<7}  verdict")
    lines += [header, "-" * len(header)]
    details = []
    for program, run in comparison.runs.items():
        if run.not_applicable:
            lines.append(f"{program:<18} not applicable: {run.not_applicable}")
            continue
        d = run.versus_oracle
        cells = ["—", "—", "—"] if d is None else [_number(getattr(d, q)) for q in ("losses", "weights", "predictions")]
        quality = "—" if run.error else ("ok" if not run.quality_problems else "MISSED")
        lines.append(f"{program:<18} {cells[0]:>10} {cells[1]:>12} {cells[2]:>10} {metric_cell(run):<22} "
                     f"{run.seconds:>6.2f}s  {quality:<7}  {run.verdict}")
        problems = ([run.error] if run.error else []) + [f"quality bar missed: {p}" for p in run.quality_problems]
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
        if verbose:
            details += [f"{spec.task} {a} vs {b}: {p}" for (a, b), d in comparison.pairs.items() for p in d.problems]
    lines += details
    if not comparison.ok:
        lines += known_causes()
    lines.append(f"{spec.task}: {'all styles agree' if comparison.ok else 'NOT ALL STYLES AGREE'}")
    return "\n".join(lines)
