"""The figures of what each task learned: the fitted curve, decision regions, test digits, the first layer.

Every figure is drawn from one comparison run (the same run the comparison page
shows). Where a figure needs the trained model on more inputs than the spec's probe
inputs (a fitted curve, decision regions), the NumPy oracle is trained again with those
inputs as its probe inputs: the figure then shows the oracle's own model, with no second
copy of it written here.
"""

import dataclasses
import textwrap

import numpy as np

from tf_rosetta.comparisons.figures import COLORS, Figure, finished_runs, pyplot
from tf_rosetta.implementations import registry


def oracle_predictions(task: str, spec, inputs: np.ndarray) -> np.ndarray:
    """The trained oracle's output on `inputs`: the oracle retrained with them as probe inputs."""
    spec = dataclasses.replace(spec, probe_inputs=np.asarray(inputs, dtype=np.float32))
    return np.asarray(registry.load(task, registry.ORACLE).train(spec).predictions)


def fit_figure(task: str, comparison) -> Figure:
    """A one-input regression: the data, the oracle's fitted curve, every style's probe predictions."""
    plt = pyplot()
    spec, runs = comparison.spec, finished_runs(comparison)
    x, y = np.ravel(spec.x_train), np.ravel(spec.y_train)
    probe = np.ravel(spec.probe_inputs)
    low, high = min(x.min(), probe.min()), max(x.max(), probe.max())
    margin = 0.05 * (high - low)
    grid = np.linspace(low - margin, high + margin, 200).reshape(-1, 1)
    curve = np.ravel(oracle_predictions(task, spec, grid))
    figure, axes = plt.subplots(figsize=(8, 5.5))
    axes.scatter(x, y, color="0.55", s=22, label="training data", zorder=2)
    axes.plot(grid.ravel(), curve, color="black", linewidth=2, label="oracle's trained model", zorder=3)
    markers = "osD^v<>"
    for index, (program, run) in enumerate(runs.items()):
        axes.scatter(probe, np.ravel(run.result.predictions), marker=markers[index % len(markers)],
                     s=70 - 7 * index, facecolors="none", edgecolors=COLORS.get(program), linewidths=1.4,
                     label=f"{program}: predictions at the probe inputs", zorder=4)
    weights = ", ".join(f"{name} = {np.ravel(value)[0]:.4g}" for name, value in runs[registry.ORACLE].result.weights.items()
                        if np.size(value) == 1) if registry.ORACLE in runs else ""
    axes.set_title(textwrap.fill(f"{spec.title}: the trained model over the data", 70)
                   + (f"\n(oracle: {weights})" if weights else ""))
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.legend(fontsize=7.5)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    caption = ("The training data, the curve the trained oracle computes, and each program's predictions "
               "at the spec's probe inputs (open markers, one shape per program).")
    return Figure("fit", f"{task}: the fitted model", caption, figure)


def regions_figure(task: str, comparison) -> Figure:
    """Decision regions of the trained oracle over the plane of its two inputs."""
    plt = pyplot()
    spec = comparison.spec
    x, labels = np.asarray(spec.x_train, dtype=np.float64), np.asarray(spec.y_train)
    low, high = x.min(axis=0) - 0.3, x.max(axis=0) + 0.3
    first, second = np.meshgrid(np.linspace(low[0], high[0], 241), np.linspace(low[1], high[1], 241))
    grid = np.column_stack([first.ravel(), second.ravel()])
    outputs = oracle_predictions(task, spec, grid)
    names = getattr(spec, "class_names", None)
    figure, axes = plt.subplots(figsize=(7.5, 6))
    # A mesh of cells, one per grid point, rows along the second input: crisp edges.
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        probability = np.ravel(outputs).reshape(first.shape)
        mesh = axes.pcolormesh(first, second, probability, cmap="RdBu_r", vmin=0, vmax=1, alpha=0.8,
                               shading="nearest")
        figure.colorbar(mesh, ax=axes, label="oracle's output")
        axes.contour(first, second, probability, levels=[0.5], colors="black", linewidths=1.5)
        classes = np.ravel(labels).astype(int)
        names = names or ("0", "1")
        colors = ["tab:blue", "tab:red"]
        boundary = "the black line is output 0.5"
    else:
        region = np.argmax(outputs, axis=1).reshape(first.shape)
        from matplotlib.colors import ListedColormap

        count = outputs.shape[1]
        colors = list(plt.get_cmap("tab10").colors[:count])
        axes.pcolormesh(first, second, region, cmap=ListedColormap(colors), vmin=-0.5, vmax=count - 0.5,
                        alpha=0.35, shading="nearest")
        classes = np.argmax(labels, axis=1) if labels.ndim == 2 else labels.astype(int)
        names = names or tuple(str(index) for index in range(count))
        boundary = "each colour is the class the oracle picks there"
    for index, name in enumerate(names):
        chosen = classes == index
        if np.any(chosen):
            points, counts = np.unique(x[chosen], axis=0, return_counts=True)
            axes.scatter(points[:, 0], points[:, 1], s=100, color=colors[index], edgecolors="black",
                         linewidths=1.2, zorder=3, label=f"training examples: {name}")
            for point, count in zip(points, counts):
                if count > 1:  # repeated examples sit on one point
                    axes.annotate(f"×{count}", point, xytext=(9, 6), textcoords="offset points", fontsize=10)
    feature_names = {"mammal_bird": ("fur", "wings")}.get(task, ("first input", "second input"))
    axes.set_xlabel(feature_names[0])
    axes.set_ylabel(feature_names[1])
    axes.set_title(textwrap.fill(spec.title, 60) + "\ndecision regions of the trained oracle")
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    caption = (f"The trained oracle's output over the plane of the two inputs ({boundary}), with the training "
               f"examples; the agreement table compares every style with this oracle.")
    figure.tight_layout()
    return Figure("regions", f"{task}: decision regions", caption, figure)


def digits_figure(task: str, comparison, count: int = 40) -> Figure:
    """The first test digits, each with the label the oracle predicts; mistakes in red."""
    plt = pyplot()
    spec, runs = comparison.spec, finished_runs(comparison)
    images = np.asarray(spec.probe_inputs)[:count]
    truth = np.asarray(spec.y_test)[:count]
    predicted = {program: np.argmax(np.asarray(run.result.predictions)[:count], axis=1) for program, run in runs.items()}
    shown = predicted.get(registry.ORACLE, next(iter(predicted.values())))
    same = all(np.array_equal(labels, shown) for labels in predicted.values())
    columns = 10
    rows = -(-len(images) // columns)
    figure, grid = plt.subplots(rows, columns, figsize=(columns * 0.95, rows * 1.15 + 0.9))
    for index, axes in enumerate(np.ravel(grid)):
        axes.axis("off")
        if index >= len(images):
            continue
        side = int(round(np.sqrt(images[index].size)))
        axes.imshow(images[index].reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
        right = shown[index] == truth[index]
        axes.set_title(f"{shown[index]}" if right else f"{shown[index]} (true {truth[index]})",
                       color="black" if right else "red", fontsize=9)
    wrong = int(np.sum(shown != truth))
    accuracy = float(np.mean(np.argmax(np.asarray(runs[registry.ORACLE].result.predictions), axis=1)
                             == np.asarray(spec.y_test))) if registry.ORACLE in runs else float("nan")
    figure.suptitle(f"{task}: the first {len(images)} test digits, predicted label above each "
                    f"({wrong} wrong, in red)\noracle test accuracy {accuracy:.4f}; "
                    + ("every program predicts the same labels" if same else "the programs' labels DIFFER"),
                    fontsize=10)
    figure.tight_layout()
    caption = (f"The first {len(images)} test images with the label the oracle predicts (red: wrong, with the "
               f"true label); {'all programs predict the same labels for them' if same else 'programs differ'}.")
    return Figure("digits", f"{task}: test digits", caption, figure)


def hidden_activations(spec, weights, images) -> np.ndarray:
    """mnist_mlp's hidden units after BatchNorm and ReLU, in inference mode (moving statistics), in float64.

    The oracle's forward pass restated from its trained weights (a test checks that these
    activations through W2 and b2 give the oracle's logits).
    """
    x = np.asarray(images, np.float64).reshape(len(images), -1)
    w = {name: np.asarray(value, np.float64) for name, value in weights.items()}
    scale = w["gamma"] / np.sqrt(w["moving_variance"] + spec.batchnorm_epsilon)
    return np.maximum((x @ w["W1"] - w["moving_mean"]) * scale + w["beta"], 0)


def first_layer_figure(task: str, comparison) -> Figure:
    """The first layer: what training changed in each hidden unit's weights (28x28 images), and its response per digit.

    The change, W1 after training minus W1 at the start: the Glorot start is noise of the
    same size, which would hide it.
    """
    plt = pyplot()
    spec, runs = comparison.spec, finished_runs(comparison)
    weights = runs[registry.ORACLE].result.weights
    kernel = np.asarray(weights["W1"], np.float64)  # (784, units)
    change = kernel - np.asarray(spec.initial_weights["W1"], np.float64)
    units = kernel.shape[1]
    side = int(round(np.sqrt(kernel.shape[0])))
    columns = 16
    rows = -(-units // columns)
    figure = plt.figure(figsize=(13, 11))
    outer = figure.add_gridspec(2, 1, height_ratios=[rows, 3.4], hspace=0.12, top=0.92, bottom=0.06,
                                left=0.06, right=0.97)
    grid = outer[0].subgridspec(rows, columns, wspace=0.06, hspace=0.06)
    for unit in range(rows * columns):
        axes = figure.add_subplot(grid[unit // columns, unit % columns])
        axes.axis("off")
        if unit < units:
            limit = np.abs(change[:, unit]).max() or 1
            axes.imshow(change[:, unit].reshape(side, side), cmap="RdBu_r", vmin=-limit, vmax=limit)
    # The mean activation of each unit over the test images of each digit, in inference mode.
    labels = np.asarray(spec.y_test)
    activations = hidden_activations(spec, weights, spec.probe_inputs)
    by_digit = np.stack([activations[labels == digit].mean(axis=0) for digit in range(10)])
    heat = figure.add_subplot(outer[1])
    image = heat.imshow(by_digit, aspect="auto", cmap="viridis", interpolation="nearest")
    figure.colorbar(image, ax=heat, label="mean activation", fraction=0.03, pad=0.01)
    heat.set_yticks(range(10))
    heat.set_xlabel(f"hidden unit (0-{units - 1}, in the order of the images above)")
    heat.set_ylabel("test digit")
    heat.set_title("each unit's mean activation (after BatchNorm with the moving statistics, and ReLU) "
                   "over the test images of each digit", fontsize=10)
    styles = [program for program in runs if program != registry.ORACLE]
    spread = max((float(np.max(np.abs(np.asarray(runs[program].result.weights["W1"], np.float64) - kernel)))
                  for program in styles), default=0.0)
    figure.suptitle(f"{task}: what {spec.steps} steps of training changed in the first layer: W1 after minus W1 "
                    f"before, one {side}x{side} image per hidden unit\n(the oracle's; red +, blue −, each image on "
                    f"its own scale; every style's W1 is within {spread:.2g} of the oracle's)", fontsize=11)
    caption = (f"Top: for each of the {units} hidden units, the change training made to its weights on the "
               f"{side}x{side} pixels (the oracle's W1 after minus before; red positive, blue negative; the border "
               f"pixels, always 0 in MNIST, never change). Bottom: each unit's mean activation over the test images "
               f"of each digit, in inference mode. Every style's W1 is within {spread:.2g} of the oracle's.")
    return Figure("first_layer", f"{task}: the learned first layer", caption, figure)


TASK_FIGURES = {
    "linear_regression": fit_figure,
    "polynomial_fit": fit_figure,
    "xor": regions_figure,
    "mammal_bird": regions_figure,
    "logistic_mnist": digits_figure,
    "mnist_mlp": first_layer_figure,
}
