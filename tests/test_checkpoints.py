"""Checkpoints crossing the APIs: polynomial_fit's matrix here, every task's in `.ci/run`.

The default suite runs polynomial_fit (Adam, whose moments and step must cross) over four
styles, one of each checkpoint format and both Keras model kinds; `tf-rosetta checkpoints`
runs every task and style in `.ci/run` (docs/checkpoints.md).
"""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from tf_rosetta.comparisons import cli
from tf_rosetta.comparisons.checkpoints import formats, matrix
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import DataError

TASK = "polynomial_fit"
STYLES = ("tf1_session", "tf_function", "keras_sequential", "keras_subclassed")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return matrix.run_task(TASK, tmp_path_factory.mktemp("checkpoints") / TASK, styles=STYLES)


@pytest.fixture(scope="module")
def saved(report, tmp_path_factory):
    """Each style's checkpoint after RESUME_AT steps (the matrix's own, reused: no training here)."""
    return {style: report.folder / style / matrix.layout_module(TASK).LAYOUTS[style].file for style in STYLES}


def test_every_style_loads_every_other_styles_checkpoint(report):
    assert set(report.loads) == {(saver, loader) for saver in STYLES for loader in STYLES}
    failed = {cell: outcome.detail for cell, outcome in report.loads.items() if not outcome.ok}
    assert not failed
    # polynomial_fit's styles compute the same probe predictions from the same weights.
    assert {outcome.status for outcome in report.loads.values()} == {"bitwise"}


def test_resuming_in_the_same_style_is_bitwise_the_uninterrupted_run(report):
    for style in STYLES:
        assert report.resumes[style, style].status == "bitwise", report.resumes[style, style].detail


def test_a_tf1_adam_checkpoint_resumes_in_keras_within_the_tolerance(report):
    for resumer in ("keras_sequential", "keras_subclassed", "tf_function"):
        outcome = report.resumes["tf1_session", resumer]
        assert outcome.ok, outcome.detail
        # TF1 forms beta**t by products, Keras by pow: not bitwise, but close (see adam_state_layout).
        assert outcome.status == "within" and outcome.largest < 1e-5  # absolute; the losses are about 1


def test_resuming_without_adams_moments_misses_the_uninterrupted_run(report, saved, tmp_path):
    """The check that the moments carried over is not vacuous: zeroed, the resumed Keras run leaves the tolerance."""
    spec, layouts = registry.load_spec(TASK), matrix.layout_module(TASK)
    state = formats.read_state(saved["tf1_session"], layouts.LAYOUTS["tf1_session"], spec.initial_weights, ("m", "v"))
    assert state.step == layouts.RESUME_AT and all(np.any(m != 0) for m in state.moments["m"].values())
    betas = {"beta_1": spec.beta_1, "beta_2": spec.beta_2}
    full_spec = spec.with_steps(layouts.STEPS)
    uninterrupted = matrix.train_quietly(TASK, "tf1_session", full_spec)
    tolerance = spec.tolerance_for("tf1_session") + spec.tolerance_for("keras_sequential")
    for name, moments in [("carried", state.moments),
                          ("zeroed", {which: {n: np.zeros_like(v) for n, v in slots.items()}
                                      for which, slots in state.moments.items()})]:
        path = formats.write_state(dataclasses.replace(state, moments=moments), layouts.LAYOUTS["keras_sequential"],
                                   saved["keras_sequential"], tmp_path / name, betas)
        resumed = matrix.train_quietly(TASK, "keras_sequential", full_spec, resume_from=str(path),
                                         resumed_at=layouts.RESUME_AT)
        within = tolerance.allows(resumed.losses, uninterrupted.losses[layouts.RESUME_AT:])
        assert within == (name == "carried"), name


def test_the_saved_models_and_keras_files_reload_bitwise(report):
    assert set(report.exports) == {("tf_function", "SavedModel"),
                                   *((style, what) for style in ("keras_sequential", "keras_subclassed")
                                     for what in ("SavedModel", "SavedModel as TFSMLayer", ".keras"))}
    assert all(outcome.status == "bitwise" for outcome in report.exports.values()), report.exports
    assert "serving_default" in report.signatures["keras_sequential"]


def test_inspect_names_each_variable_and_the_weight_it_maps_to(saved, capsys):
    assert cli.main(["checkpoints", "--inspect", str(saved["keras_sequential"])]) == 0
    out = capsys.readouterr().out
    assert f"the layout of {TASK} keras_sequential, {TASK} keras_functional\n" in out
    assert "layers/dense/vars/0" in out and "a = layers/dense/vars/0[0, 0]" in out
    assert "Adam m of a" in out and "the step count" in out
    assert cli.main(["checkpoints", "--inspect", str(saved["tf1_session"])]) == 0
    out = capsys.readouterr().out
    assert "a/Adam_1" in out and "Adam v of a" in out and "beta_1 ** (step + 1)" in out


def test_tf1_beta_powers_are_float32_products():
    # TF1's AdamOptimizer keeps beta1_power = beta1**(t+1) as t float32 products; pow may round otherwise.
    products = np.float32(0.9)
    for _ in range(20):
        products = np.float32(products * np.float32(0.9))
    assert formats._beta_power(0.9, 20) == products


@pytest.mark.parametrize("damage, message", [
    ("missing", "no TensorFlow checkpoint there"),
    ("truncated", "not a readable TensorFlow checkpoint"),
])
def test_a_missing_or_truncated_checkpoint_is_one_line_naming_the_file(saved, tmp_path, damage, message):
    prefix = tmp_path / "model.ckpt"
    if damage == "truncated":
        for part in saved["tf1_session"].parent.glob("model.ckpt.*"):
            data = part.read_bytes()
            (tmp_path / part.name).write_bytes(data[:len(data) // 2])
    with pytest.raises(DataError, match=message) as raised:
        formats.read_tensors(prefix)
    assert str(prefix) in str(raised.value) and "\n" not in str(raised.value)


def test_a_truncated_weights_file_is_one_line(saved, tmp_path):
    path = tmp_path / "model.weights.h5"
    path.write_bytes(saved["keras_sequential"].read_bytes()[:300])
    with pytest.raises(DataError, match=f"{path}: not a readable .weights.h5 file"):
        formats.read_tensors(path)


def test_a_checkpoint_of_another_task_names_the_file_the_variable_and_what_was_expected(saved):
    mammal = registry.load_spec("mammal_bird")
    for style, message in [("keras_sequential", "variable 'layers/dense/vars/0' (weight W1) has shape [2, 1], "
                                                "expected [2, 10]"),
                           ("tf1_session", "no variable 'W1' (weight W1); is it a checkpoint of this task and style?")]:
        layout = matrix.layout_module("mammal_bird").LAYOUTS[style]
        with pytest.raises(DataError) as raised:
            formats.read_state(saved[style], layout, mammal.initial_weights, ())
        assert str(raised.value) == f"{saved[style]}: {message}"


def test_a_variable_of_the_wrong_shape_names_it_and_the_expected_shape(saved):
    spec, layouts = registry.load_spec(TASK), matrix.layout_module(TASK)
    wrong = {**spec.initial_weights, "a": np.zeros((2, 2), np.float32)}
    with pytest.raises(DataError, match=r"variable 'a' \(weight a\) has shape \[\], expected \[2, 2\]"):
        formats.read_state(saved["tf1_session"], layouts.LAYOUTS["tf1_session"], wrong, ())


@pytest.mark.parametrize("style", ["tf1_session", "keras_sequential"])
def test_a_failed_write_leaves_nothing_behind(saved, tmp_path, monkeypatch, style):
    spec, layouts = registry.load_spec(TASK), matrix.layout_module(TASK)
    state = formats.read_state(saved[style], layouts.LAYOUTS[style], spec.initial_weights, ("m", "v"))

    def write_half_then_fail(skeleton_path, target, values):  # a full disk, halfway through the file
        target.write_bytes(b"half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(formats, "_save_h5" if style.startswith("keras") else "_save_tf", write_half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        formats.write_state(state, layouts.LAYOUTS[style], saved[style], tmp_path / "out",
                            {"beta_1": spec.beta_1, "beta_2": spec.beta_2})
    assert list(tmp_path.iterdir()) == []


def test_inspect_of_no_such_file_exits_3_in_one_line():
    completed = subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", "checkpoints", "--inspect", "/no/such/file"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 3
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tf-rosetta: /no/such/file: ")


def test_output_must_be_a_new_or_empty_folder(tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("")
    assert cli.main(["checkpoints", TASK, "--output", str(tmp_path / "full")]) == cli.EXIT_USAGE
    assert "exists and is not an empty folder" in capsys.readouterr().err
