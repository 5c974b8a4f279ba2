"""Read a pytest-benchmark JSON of the tf-rosetta benchmarks; print the table and draw the chart.

No TensorFlow here: a saved run can be read and drawn on any machine.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import HARNESS_SCHEDULE, SEED_EXPERIMENT

SCHEDULE_KEYS = ("wall_s", "ideal_s", "wall_over_ideal", "programs_alone_s", "startup_s", "worst_slowdown",
                 "worst_slowdown_program")
SCHEDULE_CPU_KEYS = ("programs_alone_cpu_s", "ideal_cpu_s", "wall_over_ideal_cpu")  # since 2026-12-04
ORDER_KEYS = ("longest_first_tables_s", "longest_first_wall_s", "task_by_task_tables_s", "task_by_task_wall_s")

BASELINES = ("eager_tape", "eager")  # the row every speed-up is measured against
FLOOR = "numpy_reference"  # the row every distance is measured from


class ReportError(ValueError):
    """A file that is not a readable tf-rosetta benchmark JSON: one line."""


@dataclass(frozen=True)
class Row:
    task: str
    variant: str
    steps: int  # steps (or calls) in one timed round
    median_round_s: float
    iqr_round_s: float
    rounds: int
    first_round_s: float | None  # the round that traced and compiled; None if not timed
    what: str = ""
    seed_seconds_per_call: float | None = None
    load_average: float | None = None  # the 1-minute load average when it finished
    schedule: dict | None = None  # the harness schedule's numbers (benchmarks/test_harness_schedule.py)
    order: dict | None = None  # the two orders' table times (the same file), since 2026-12-05

    @property
    def per_step_s(self) -> float:
        return self.median_round_s / self.steps

    @property
    def first_round_extra_s(self) -> float | None:
        """What the first round cost beyond a timed one: tracing, compiling, building."""
        return None if self.first_round_s is None else self.first_round_s - self.median_round_s


@dataclass
class Run:
    rows: list[Row]
    datetime: str = ""
    machine: dict = field(default_factory=dict)  # the tf_rosetta part of machine_info

    def tasks(self) -> list[str]:
        """In the order they ran, seed 002's experiment last."""
        names = list(dict.fromkeys(row.task for row in self.rows))
        return sorted(names, key=lambda name: (name == SEED_EXPERIMENT, name == HARNESS_SCHEDULE))

    def rows_of(self, task: str) -> list[Row]:
        return [row for row in self.rows if row.task == task]

    def find(self, task: str, variant: str) -> Row | None:
        return next((row for row in self.rows if row.task == task and row.variant == variant), None)


def parse(data: dict, source: str = "benchmark JSON") -> Run:
    """The rows of a pytest-benchmark JSON (as loaded); ReportError names what is missing."""
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ReportError(f"{source}: not a pytest-benchmark JSON (no 'benchmarks' list)")
    rows = []
    for benchmark in data["benchmarks"]:
        name = benchmark.get("name", "?") if isinstance(benchmark, dict) else "?"
        try:
            extra, stats = benchmark["extra_info"], benchmark["stats"]
            row = Row(task=str(extra["task"]), variant=str(extra["variant"]), steps=int(extra["steps"]),
                      median_round_s=float(stats["median"]), iqr_round_s=float(stats["iqr"]),
                      rounds=int(stats["rounds"]), first_round_s=extra.get("first_round_s"),
                      what=str(extra.get("what", "")), seed_seconds_per_call=extra.get("seed_seconds_per_call"),
                      load_average=extra.get("load_average"),
                      schedule={**{key: extra[key] for key in SCHEDULE_KEYS},
                                **{key: extra[key] for key in SCHEDULE_CPU_KEYS if key in extra}}
                      if "wall_s" in extra else None,
                      order={key: extra[key] for key in ORDER_KEYS} if "task_by_task_wall_s" in extra else None)
        except (KeyError, TypeError, ValueError) as error:
            raise ReportError(f"{source}: benchmark {name} lacks a tf-rosetta field or value ({error})") from None
        if row.steps < 1 or not (math.isfinite(row.median_round_s) and row.median_round_s > 0):
            raise ReportError(f"{source}: benchmark {name} has steps {row.steps} and median {row.median_round_s}; "
                              "expected a positive number of each")
        rows.append(row)
    if not rows:
        raise ReportError(f"{source}: no benchmarks in it")
    machine = data.get("machine_info", {}).get("tf_rosetta", {}) if isinstance(data.get("machine_info"), dict) else {}
    return Run(rows, datetime=str(data.get("datetime", "")), machine=machine)


def load(path) -> Run:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as error:
        raise ReportError(f"{path}: cannot read it ({error.strerror or error})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: not JSON ({error})") from None
    return parse(data, source=str(path))


def baseline_of(run: Run, task: str) -> Row | None:
    return next((row for name in BASELINES if (row := run.find(task, name))), None)


def speed_up(row: Row, baseline: Row | None) -> float | None:
    """How many times faster a step is than the baseline's (eager) step."""
    return None if baseline is None else baseline.per_step_s / row.per_step_s


def times_floor(row: Row, floor: Row | None) -> float | None:
    """How many times the NumPy oracle's step a step takes (1.0: as fast as the floor)."""
    return None if floor is None else row.per_step_s / floor.per_step_s


def format_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "—"
    sign, magnitude = ("-" if seconds < 0 else ""), abs(seconds)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if magnitude >= scale or unit == "ns":
            return f"{sign}{magnitude / scale:.3g} {unit}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}x" if value >= 1000 else f"{value:.3g}x"


def machine_line(run: Run) -> str:
    machine = run.machine
    if not machine:
        return f"run {run.datetime or 'of unknown date'} (no machine information)"
    load = machine.get("load_average_at_start") or [float("nan")]
    gpus = machine.get("gpus", "none")
    return (f"run {run.datetime}; {machine.get('cpu_model', '?')}, {machine.get('cpus_usable', '?')} CPUs, "
            f"GPU: {', '.join(gpus) if isinstance(gpus, list) else gpus}; TensorFlow {machine.get('tensorflow', '?')}, "
            f"Keras {machine.get('keras', '?')}, TF_ENABLE_ONEDNN_OPTS={machine.get('TF_ENABLE_ONEDNN_OPTS', '?')}; "
            f"load average {load[0]:.2f} at the start (timings under load are slower)")


LEGEND = """\
steps: the steps in a round (the spec's run, or its first steps, from its initial weights); rounds: how many were timed
a round: the median time of the timed rounds
per step: a round's median time / the steps in it
vs eager: how many times faster than the eager step (eager_tape)
x numpy:  how many times the NumPy oracle's step (numpy_reference, the floor)
first round: what the first round, which traced and compiled, took beyond a timed round
iqr: the spread of the rounds (interquartile range / median); load: the 1-minute load average after the row
     (above the CPU count, other work was slowing the timings down)"""


def format_schedule(row: Row) -> str:
    """The harness schedule: compare's wall time against its ideal, and the worst slow-down."""
    numbers = row.schedule
    startups = ", ".join(f"{seconds:.1f} s" for seconds in numbers["startup_s"])
    by_cpu = "" if "ideal_cpu_s" not in numbers else (
        f"by their CPU time alone ({numbers['programs_alone_cpu_s']:.1f} s: most use a little more than a core), "
        f"the ideal is {numbers['ideal_cpu_s']:.1f} s; wall / that {numbers['wall_over_ideal_cpu']:.2f}\n")
    return (f"{HARNESS_SCHEDULE}: {row.what}\n"
            f"wall {numbers['wall_s']:.1f} s; ideal {numbers['ideal_s']:.1f} s (the programs alone, "
            f"{numbers['programs_alone_s']:.1f} s, over the cores, plus a start-up: {startups}); "
            f"wall / ideal {numbers['wall_over_ideal']:.2f}\n" + by_cpu +
            f"the program slowed most inside compare: {numbers['worst_slowdown_program']}, "
            f"{numbers['worst_slowdown']:.2f}x its time alone (programs under 0.5 s alone left out)")


def format_order(row: Row) -> str:
    """When each table came in both orders of the harness (comparisons/schedule.py)."""
    numbers = row.order

    def times(order):
        return ", ".join(f"{seconds:.1f}" for seconds in numbers[f"{order}_tables_s"])

    return (f"{row.what}\n"
            f"tables at {times('task_by_task')} s of {numbers['task_by_task_wall_s']:.1f} s task by task; "
            f"at {times('longest_first')} s of {numbers['longest_first_wall_s']:.1f} s longest first; "
            f"wall ratio {numbers['task_by_task_wall_s'] / numbers['longest_first_wall_s']:.2f}")


def format_task(run: Run, task: str, previous: Run | None = None) -> str:
    rows = run.rows_of(task)
    if rows and any(row.schedule is not None or row.order is not None for row in rows):
        return "\n".join(format_schedule(row) if row.schedule is not None else format_order(row)
                         for row in rows if row.schedule is not None or row.order is not None)
    baseline, floor = baseline_of(run, task), run.find(task, FLOOR)
    unit = "call" if task == SEED_EXPERIMENT else "step"
    width = max([32] + [len(row.variant) for row in rows])  # rows of another runtime are named for it
    header = (f"{'variant':<{width}} {'steps':>5} {'rounds':>6} {'a round':>9} {'iqr':>5} {'per ' + unit:>10} "
              f"{'vs eager':>9} {'x numpy':>8} {'first round':>12} {'load':>5}")
    if previous is not None:
        header += f" {'saved':>10} {'now/saved':>9}"
    lines = [f"{task}: per {unit}", header, "-" * len(header)]
    for row in rows:
        extra = row.first_round_extra_s
        load = "—" if row.load_average is None else f"{row.load_average:.1f}"
        line = (f"{row.variant:<{width}} {row.steps:>5} {row.rounds:>6} {format_duration(row.median_round_s):>9} "
                f"{row.iqr_round_s / row.median_round_s:>5.0%} {format_duration(row.per_step_s):>10} "
                f"{_ratio(speed_up(row, baseline)):>9} {_ratio(times_floor(row, floor)):>8} "
                f"{('+' if extra is not None and extra >= 0 else '') + format_duration(extra):>12} {load:>5}")
        if previous is not None:
            old = previous.find(task, row.variant)
            line += (f" {format_duration(old.per_step_s if old else None):>10} "
                     f"{_ratio(row.per_step_s / old.per_step_s if old else None):>9}")
        lines.append(line)
    seed_rows = [row for row in rows if row.seed_seconds_per_call]
    if seed_rows:
        seed = {row.variant: row.seed_seconds_per_call for row in seed_rows}
        here = {row.variant: row.per_step_s for row in seed_rows}
        parts = [f"{variant} {format_duration(seconds)}" for variant, seconds in seed.items()]
        line = f"seed 002 on its machine (10,000 calls): {', '.join(parts)} a call"
        if {"eager", "tf_function"} <= seed.keys():
            line += (f"; graph {seed['eager'] / seed['tf_function']:.3g}x faster "
                     f"(here {here['eager'] / here['tf_function']:.3g}x; 10,000 calls would take "
                     f"{here['eager'] * 1e4:.3g} s and {here['tf_function'] * 1e4:.3g} s)")
        lines.append(line)
    return "\n".join(lines)


def format_report(run: Run, previous: Run | None = None) -> str:
    parts = [machine_line(run), LEGEND]
    if previous is not None:
        parts.append(f"compared with the saved {machine_line(previous)}")
    parts += [format_task(run, task, previous) for task in run.tasks()]
    return "\n\n".join(parts)


def has_step_times(run: Run) -> bool:
    """Whether the run has a task to chart: the harness schedule alone has no step times."""
    return any(task != HARNESS_SCHEDULE for task in run.tasks())


def draw_chart(run: Run, path, previous: Run | None = None) -> Path:
    """One panel per task: the median time of a step of each variant, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = [task for task in run.tasks() if task != HARNESS_SCHEDULE]  # a schedule, not step times
    columns = 2 if len(tasks) > 1 else 1
    panel_rows = math.ceil(len(tasks) / columns)
    figure, axes = plt.subplots(panel_rows, columns, figsize=(7.5 * columns, 4.6 * panel_rows + 1.0), squeeze=False)
    for axis in axes.flat[len(tasks):]:
        axis.set_visible(False)
    height = 0.4 if previous is not None else 0.7
    offset = height / 2 if previous is not None else 0.0
    for axis, task in zip(axes.flat, tasks):
        rows = run.rows_of(task)
        positions = list(range(len(rows)))[::-1]  # the first row at the top
        now = [row.per_step_s * 1e6 for row in rows]
        shown = list(now)
        bars = axis.barh([p + offset for p in positions], now, height=height, color="tab:blue", label="this run")
        if previous is not None:
            old = [(old_row.per_step_s * 1e6 if (old_row := previous.find(task, row.variant)) else float("nan"))
                   for row in rows]
            axis.barh([p - offset for p in positions], old, height=height, color="tab:gray", label="saved run")
            shown += [value for value in old if math.isfinite(value)]
        for bar, value in zip(bars, now):
            axis.annotate(format_duration(value * 1e-6), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                          xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        seed = [(p, row.seed_seconds_per_call * 1e6) for p, row in zip(positions, rows) if row.seed_seconds_per_call]
        if seed:
            axis.scatter([value for _, value in seed], [p - 0.25 for p, _ in seed], marker="D", color="tab:orange",
                         zorder=3, label="seed 002, on its own machine")
            for p, value in seed:
                axis.annotate(format_duration(value * 1e-6), (value, p - 0.25), xytext=(6, 0),
                              textcoords="offset points", va="center", fontsize=7, color="tab:orange")
            shown += [value for _, value in seed]
        axis.set_xscale("log")
        axis.set_xlim(min(shown) / 3, max(shown) * 10)
        axis.set_yticks(positions, [row.variant for row in rows], fontsize=8)
        unit = "call" if task == SEED_EXPERIMENT else "step"
        axis.set_xlabel(f"microseconds per {unit} (log scale)")
        axis.set_title(f"{task}: model(x) on a 60x28x28 batch, seed 002" if task == SEED_EXPERIMENT else task,
                       fontsize=10)
        axis.grid(axis="x", which="major", alpha=0.4)
        if previous is not None or seed:
            axis.legend(loc="upper right", fontsize=7)
    machine = run.machine
    load = (machine.get("load_average_at_start") or [float("nan")])[0]
    figure.suptitle(f"tf-rosetta: time of one training step in each API (median round / steps in it)\n"
                    f"{machine.get('cpu_model', '?')}, {machine.get('cpus_usable', '?')} CPUs, TensorFlow "
                    f"{machine.get('tensorflow', '?')}, Keras {machine.get('keras', '?')}, load average {load:.1f}; "
                    f"{run.datetime[:16].replace('T', ' ')}", fontsize=11)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


# docs/performance.md's step table, written from the run saved beside it.
SAVED_RUN = Path(__file__).resolve().parents[1] / "docs" / "performance-bench.json"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
BEGIN = "<!-- step table: generated by `python -m benchmarks.report` from docs/performance-bench.json; do not edit -->"
END = "<!-- end of the step table -->"


def format_markdown(run: Run) -> str:
    """Time per training step, a row per variant and a column per task, with the machine."""
    from tf_rosetta.implementations.registry import TASKS  # no TensorFlow

    tasks = sorted((task for task in run.tasks() if task not in (SEED_EXPERIMENT, HARNESS_SCHEDULE)),
                   key=lambda task: TASKS.index(task) if task in TASKS else len(TASKS))
    variants = list(dict.fromkeys(row.variant for task in tasks for row in run.rows_of(task)))
    variants.sort(key=lambda variant: variant.startswith("diff "))  # the diff tracer's rows last
    lines = [f"Saved {machine_line(run)}. Reproduce: `tf-rosetta bench` (its JSON is the saved file).", "",
             "| variant | " + " | ".join(tasks) + " |", "|---" * (len(tasks) + 1) + "|"]
    for variant in variants:
        cells = []
        for task in tasks:
            row, floor = run.find(task, variant), run.find(task, FLOOR)
            if row is None:
                cells.append("—")
                continue
            ratio = times_floor(row, floor)
            cells.append(format_duration(row.per_step_s) + ("" if variant == FLOOR or ratio is None
                                                            else f" ({_ratio(ratio)} numpy)"))
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rewritten(page: str, run: Run) -> str:
    if BEGIN not in page or END not in page:
        raise ReportError(f"{PAGE}: the step table's markers are missing")
    before, rest = page.split(BEGIN, 1)
    return before + BEGIN + "\n" + format_markdown(run) + "\n" + END + rest.split(END, 1)[1]


if __name__ == "__main__":
    PAGE.write_text(rewritten(PAGE.read_text(), load(SAVED_RUN)))
    print(f"wrote the step table of {PAGE} from {SAVED_RUN}")
