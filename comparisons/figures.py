"""The Figure type and the figures every build draws: each task's loss curves, the activation functions.

A Figure is one matplotlib figure (drawn with the Agg backend) with its name, title and
caption; each program keeps its colour and dashes in every figure. The loss curves are
drawn from one comparison run (the same run the comparison page shows).
"""

import io
import textwrap
from dataclasses import dataclass

import numpy as np

from tf_rosetta.implementations import registry

DPI = 100
COLORS = {
    "numpy_reference": "black",
    "tf1_session": "tab:blue",
    "eager_tape": "tab:orange",
    "tf_function": "tab:green",
    "keras_sequential": "tab:red",
    "keras_functional": "tab:purple",
    "keras_subclassed": "tab:brown",
}
# Different dashes so that curves lying exactly on top of each other all stay visible.
DASHES = {
    "tf1_session": (0, (6, 3)),
    "eager_tape": (0, (1, 2)),
    "tf_function": (0, (4, 2, 1, 2)),
    "keras_sequential": (2, (6, 5)),
    "keras_functional": (4, (2, 4)),
    "keras_subclassed": (0, (8, 2, 2, 2)),
}


def pyplot():
    """matplotlib, imported when a figure is drawn: the command line starts without it."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, the same output everywhere
    import matplotlib.pyplot as plt

    return plt


@dataclass
class Figure:
    name: str  # the file is TASK-name.png (or name.png for figures of no task)
    title: str
    caption: str  # one sentence for the page: what the reader sees
    figure: object  # matplotlib Figure

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()


def finished_runs(comparison):
    return {program: run for program, run in comparison.runs.items() if run.result is not None and run.error is None}


# Loss curves ----------------------------------------------------------------------------

def loss_figure(comparison) -> Figure:
    """Every program's loss per step (or per epoch: the spec says), and each style's |difference| from the oracle."""
    plt = pyplot()
    spec, runs = comparison.spec, finished_runs(comparison)
    count = spec.loss_count
    unit = getattr(spec, "loss_unit", "step")
    record = getattr(spec, "loss_record", "the loss before each update")
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7.5), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 2]})
    all_positive = all(np.all(np.asarray(run.result.losses) > 0) for run in runs.values())
    oracle = runs.get(registry.ORACLE)
    for program, run in runs.items():
        losses = np.asarray(run.result.losses, dtype=np.float64)
        if program == registry.ORACLE:
            top.plot(np.arange(len(losses)), losses, color=COLORS[program], linewidth=5, alpha=0.25, label=f"{program} (oracle)")
        else:
            top.plot(np.arange(len(losses)), losses, color=COLORS.get(program), linestyle=DASHES.get(program, "--"),
                     linewidth=1.3, label=program)
    if all_positive:
        top.set_yscale("log")
    top.set_title(f"{spec.task}: loss at every {unit}, all {len(runs)} programs")
    top.set_ylabel(textwrap.fill(record + (" (log scale)" if all_positive else ""), 40))
    top.legend(fontsize=8, ncol=2)
    top.grid(alpha=0.3)

    bottom.set_xlabel(unit)
    if oracle is None:
        _note(bottom, "the oracle failed: no differences to show")
        figure.tight_layout()
        return Figure("losses", f"{spec.task}: loss curves", "The oracle failed to run.", figure)
    expected = np.asarray(oracle.result.losses, dtype=np.float64)
    steps = np.arange(len(expected))
    identical, drawn = [], 0
    for program, run in runs.items():
        if program == registry.ORACLE or np.shape(run.result.losses) != expected.shape:
            continue  # a wrong number of losses is the agreement table's finding, not a curve
        difference = np.abs(np.asarray(run.result.losses, dtype=np.float64) - expected)
        if not np.any(difference):
            identical.append(program)
            continue
        zero_steps = int(np.sum(difference == 0))
        label = program + (f" (0 at {zero_steps} of {count} {unit}s)" if zero_steps else "")
        # A log scale cannot show 0: those steps are gaps in the line, counted in the legend.
        bottom.plot(steps, np.where(difference > 0, difference, np.nan), color=COLORS.get(program),
                    linewidth=0.9, alpha=0.85, label=label)
        drawn += 1
    bound = spec.tolerance.atol + spec.tolerance.rtol * np.abs(expected)
    if drawn:
        bottom.set_yscale("log")
        if np.any(bound > 0):
            bottom.plot(steps, bound, color="black", linestyle="--", linewidth=1,
                        label=f"tolerance (atol {spec.tolerance.atol:g}, rtol {spec.tolerance.rtol:g})")
        for program, tolerance in spec.style_tolerances.items():
            if program in runs and program not in identical:
                bottom.plot(steps, tolerance.atol + tolerance.rtol * np.abs(expected), color=COLORS.get(program),
                            linestyle="--", linewidth=1,
                            label=f"{program}'s tolerance (atol {tolerance.atol:g}, rtol {tolerance.rtol:g})")
        bottom.set_ylabel("|loss − oracle loss|, log scale")
        bottom.set_title("difference from the NumPy oracle" +
                         (f"; bitwise identical: {', '.join(identical)}" if identical else ""), fontsize=10)
        bottom.legend(fontsize=7, ncol=2)
        bottom.grid(alpha=0.3)
        caption = (f"Top: {record}, every program, at each of {count} {unit}s. Bottom: each style's "
                   f"absolute difference from the oracle's loss, on a log scale" +
                   (f"; {', '.join(identical)} are bitwise identical to it (difference 0, not drawn)."
                    if identical else "."))
    else:
        bottom.set_title("difference from the NumPy oracle", fontsize=10)
        every = "all " if len(identical) == len(runs) - 1 else ""
        _note(bottom, f"bitwise identical: {every}{len(identical)} styles' losses equal the oracle's\n"
                      f"at every one of the {count} {unit}s (|difference| = 0, which a log scale cannot show)")
        caption = (f"Top: {record}, every program, at each of {count} {unit}s; the curves lie exactly on "
                   f"top of each other. Bottom: every style is bitwise identical to the oracle.")
    figure.tight_layout()
    return Figure("losses", f"{spec.task}: loss curves", caption, figure)


def _note(axes, text):
    axes.set_yticks([])
    for side in ("left", "right", "top"):
        axes.spines[side].set_visible(False)
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=11,
              bbox={"boxstyle": "round", "facecolor": "#eef7ee", "edgecolor": "#5a5"})


# The activation functions of the seeds (000 lines 1-120, 004 lines 440-520) -----------------

ACTIVATIONS = (
    ("sigmoid", r"$1 / (1 + e^{-x})$", lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", r"$\tanh(x)$", np.tanh),
    ("ReLU", r"$\max(0, x)$", lambda x: np.maximum(0, x)),
    ("leaky ReLU", r"$\max(0.1x, x)$", lambda x: np.maximum(0.1 * x, x)),
    ("ELU", r"$x$ if $x \geq 0$, else $e^x - 1$", lambda x: np.where(x >= 0, x, np.expm1(np.minimum(x, 0)))),
    ("identity", r"$x$", lambda x: x),
    ("heaviside", r"$1$ if $x \geq 0$, else $0$", lambda x: (x >= 0).astype(x.dtype)),
)


def activation_figure() -> Figure:
    plt = pyplot()
    x = np.linspace(-4, 4, 801)
    figure, grid = plt.subplots(2, 4, figsize=(13, 6.5))
    panels = np.ravel(grid)
    for axes, (name, formula, function) in zip(panels, ACTIVATIONS):
        axes.plot(x, function(x), linewidth=2, label=formula)
        axes.set_title(name)
        axes.axhline(0, color="0.6", linewidth=0.7)
        axes.axvline(0, color="0.6", linewidth=0.7)
        axes.set_xlabel("x")
        axes.set_ylabel("h(x)")
        axes.legend(fontsize=8, loc="upper left")
        axes.grid(alpha=0.3)
    together = panels[len(ACTIVATIONS)]
    for name, _, function in ACTIVATIONS:
        together.plot(x, function(x), linewidth=1.3, label=name)
    together.set_ylim(-1.5, 2.5)
    together.set_title("all together")
    together.set_xlabel("x")
    together.set_ylabel("h(x)")
    together.legend(fontsize=7, loc="upper left")
    together.grid(alpha=0.3)
    figure.suptitle("Activation functions of the course notes (seed 000 lines 1-120, seed 004 lines 440-520)")
    figure.tight_layout()
    return Figure("activations", "Activation functions", "The activation functions the course notes plot "
                  "(sigmoid, tanh, ReLU, leaky ReLU, ELU, identity, heaviside).", figure)
