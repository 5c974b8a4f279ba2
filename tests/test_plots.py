"""The figures: labelled, honest about zero differences, and drawn from the trained models."""

import copy
import math
import struct

import numpy as np
import pytest

from tf_rosetta.comparisons import cli, figures, harness, learned, plots
from tf_rosetta.implementations import registry

TASK = "linear_regression"


def _assert_labelled(figure):
    """A title (its own or the figure's), axis labels and a legend wherever data is drawn."""
    figure_title = figure._suptitle.get_text() if figure._suptitle else ""
    for axes in figure.axes:
        if not axes.axison or axes.get_label() == "<colorbar>":
            continue
        has_data = axes.lines or axes.collections
        if not has_data:
            continue
        assert axes.get_title() or figure_title, "a title"
        # Panels stacked on one x axis share the label of the lowest.
        x_labels = [sibling.get_xlabel() for sibling in axes.get_shared_x_axes().get_siblings(axes)]
        assert any(x_labels) and axes.get_ylabel(), f"axis labels on {axes.get_title()!r}"
        assert axes.get_legend() is not None, f"a legend on {axes.get_title()!r}"
    if not any(axes.axison for axes in figure.axes):
        assert figure_title, "a figure of images has a title"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    figures.pyplot().close("all")


@pytest.mark.parametrize("task", registry.TASKS)
def test_every_figure_of_every_task_is_labelled(task, comparison_of):
    drawn = plots.task_figures(task, comparison_of(task))
    expected = {"losses"} | ({learned.TASK_FIGURES[task].__name__.removesuffix("_figure")}
                             if task in learned.TASK_FIGURES else set())
    assert {figure.name for figure in drawn} == expected
    for figure in drawn:
        _assert_labelled(figure.figure)
        assert figure.caption and figure.title


def test_bitwise_identical_losses_get_a_note_not_an_empty_log_panel(comparison_of):
    comparison = comparison_of(TASK)
    assert all(run.versus_oracle.bitwise for p, run in comparison.runs.items() if p != registry.ORACLE)
    top, bottom = figures.loss_figure(comparison).figure.axes
    assert len(top.lines) == len(registry.PROGRAMS), "every program's curve is drawn"
    assert not bottom.lines, "nothing to draw on a log scale"
    notes = [text.get_text() for text in bottom.texts]
    assert len(notes) == 1 and notes[0].startswith("bitwise identical: all 6 styles")


def test_differences_are_drawn_on_a_log_scale_with_the_exact_values(comparison_of):
    comparison = copy.deepcopy(comparison_of(TASK))
    losses = comparison.runs["tf_function"].result.losses
    shifted = losses.copy()
    shifted[::2] += np.float32(1e-3)  # every other step differs; the others stay equal
    object.__setattr__(comparison.runs["tf_function"].result, "losses", shifted)
    top, bottom = figures.loss_figure(comparison).figure.axes
    assert bottom.get_yscale() == "log"
    (line,) = [line for line in bottom.lines if line.get_label().startswith("tf_function")]
    expected = np.abs(shifted.astype(np.float64) - comparison.runs[registry.ORACLE].result.losses.astype(np.float64))
    drawn = line.get_ydata()
    assert np.all(np.isnan(drawn[1::2])), "zero differences are gaps, not fake small values"
    np.testing.assert_array_equal(drawn[::2], expected[::2])
    assert line.get_label() == f"tf_function (0 at {len(losses) // 2} of {len(losses)} steps)"
    assert "bitwise identical: tf1_session, eager_tape, keras_sequential" in bottom.get_title()


def test_linear_fit_is_the_line_y_equals_2x(comparison_of):
    figure = learned.fit_figure(TASK, comparison_of(TASK)).figure
    curve = next(line for line in figure.axes[0].lines if line.get_label() == "oracle's trained model")
    # The seed's data is y = 2x; the spec's quality bar allows 0.05 at the probe inputs.
    np.testing.assert_allclose(curve.get_ydata(), 2 * curve.get_xdata(), atol=0.05)


@pytest.mark.parametrize("task", [t for t in registry.TASKS if learned.TASK_FIGURES.get(t) in
                                  (learned.fit_figure, learned.regions_figure)])
def test_the_oracle_retrained_on_other_inputs_is_the_same_model(task, comparison_of):
    """The curve and region figures retrain the oracle with their own inputs: same model, same outputs."""
    comparison = comparison_of(task)
    again = learned.oracle_predictions(task, comparison.spec, comparison.spec.probe_inputs)
    np.testing.assert_array_equal(again, comparison.runs[registry.ORACLE].result.predictions)


def test_activation_functions_have_their_textbook_values():
    figure = figures.activation_figure().figure
    lines = {axes.get_title(): axes.lines[0] for axes in figure.axes[:7]}

    def value(name, x):
        line = lines[name]
        index = int(np.argmin(np.abs(line.get_xdata() - x)))
        assert line.get_xdata()[index] == pytest.approx(x)
        return line.get_ydata()[index]

    assert value("sigmoid", 0) == pytest.approx(0.5)
    assert value("sigmoid", 2) == pytest.approx(1 / (1 + math.exp(-2)))
    assert value("tanh", 1) == pytest.approx(0.7615941559557649)
    assert value("ReLU", -2) == 0 and value("ReLU", 3) == pytest.approx(3)
    assert value("leaky ReLU", -2) == pytest.approx(-0.2) and value("leaky ReLU", 2) == pytest.approx(2)
    assert value("ELU", -1) == pytest.approx(math.exp(-1) - 1) and value("ELU", 1.5) == pytest.approx(1.5)
    assert value("identity", -3) == pytest.approx(-3)
    assert value("heaviside", 0) == 1 and value("heaviside", -0.01) == 0
    _assert_labelled(figure)


def _png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plot_command_writes_each_figure_as_png(tmp_path, monkeypatch, comparison_of, capsys):
    runs = []
    done = {TASK: comparison_of(TASK)}  # before the patch: the fixture calls it
    monkeypatch.setattr(harness, "compare_tasks",
                        lambda specs, jobs=1: [runs.append(spec.task) or done[spec.task] for spec in specs])
    assert cli.main(["plot", TASK, "--output", str(tmp_path)]) == 0
    assert runs == [TASK]
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == ["activations.png", f"{TASK}-fit.png", f"{TASK}-losses.png"]
    assert _png_size((tmp_path / f"{TASK}-losses.png").read_bytes()) == (900, 750)
    out = capsys.readouterr().out
    assert str(tmp_path / f"{TASK}-losses.png") in out


@pytest.mark.parametrize("task", [t for t in registry.TASKS if learned.TASK_FIGURES.get(t) is learned.regions_figure])
def test_each_training_example_lies_in_the_region_of_its_class(task, comparison_of):
    comparison = comparison_of(task)
    axes = learned.regions_figure(task, comparison).figure.axes[0]
    (mesh,) = [c for c in axes.collections if hasattr(c, "get_coordinates")]
    corners = mesh.get_coordinates()  # (rows + 1, columns + 1, 2): the cells' corners
    region = np.asarray(mesh.get_array()).reshape(corners.shape[0] - 1, corners.shape[1] - 1)
    labels = np.asarray(comparison.spec.y_train)
    for point, label in zip(np.asarray(comparison.spec.x_train), labels):
        column = np.searchsorted(corners[0, :, 0], point[0]) - 1
        row = np.searchsorted(corners[:, 0, 1], point[1]) - 1
        value = region[row, column]
        if labels.shape[1] > 1:  # one-hot: the cell holds the class the oracle picks
            assert value == np.argmax(label), f"{point} lies in the region of class {value}"
        else:  # one output: the cell holds it, above 0.5 for class 1
            assert (value > 0.5) == bool(label[0]), f"{point}: output {value}, label {label[0]}"


def test_the_first_layer_figure_restates_the_oracles_hidden_layer(comparison_of):
    """The activations drawn, through W2 and b2, are the oracle's logits: the same model, not another."""
    comparison = comparison_of("mnist_mlp")
    spec, oracle = comparison.spec, comparison.runs[registry.ORACLE].result
    activations = learned.hidden_activations(spec, oracle.weights, spec.probe_inputs)
    logits = activations @ np.asarray(oracle.weights["W2"], np.float64) + np.asarray(oracle.weights["b2"], np.float64)
    np.testing.assert_allclose(logits, oracle.predictions, atol=1e-4)
    assert np.all(activations >= 0) and np.any(activations > 0)
