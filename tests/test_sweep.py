"""The agreement sweep's pieces (comparisons/sweep.py), without its training."""

import numpy as np
import pytest

from tf_rosetta.comparisons import agreement, sweep
from tf_rosetta.implementations import mnist_data, registry
from tests.test_harness import result


def test_another_start_redraws_kernels_and_scalars_and_keeps_the_constants():
    spec = registry.load_spec("mnist_mlp")
    moved = sweep.other_start(spec, 11)
    for name in ("gamma", "beta", "moving_mean", "moving_variance", "b2"):
        assert np.array_equal(moved.initial_weights[name], spec.initial_weights[name]), name
    for name in ("W1", "W2"):
        kernel = moved.initial_weights[name]
        limit = np.sqrt(6 / sum(kernel.shape))
        assert kernel.dtype == np.float32 and np.abs(kernel).max() <= limit
        assert not np.array_equal(kernel, spec.initial_weights[name])
    assert moved.dropout_seed == 11 and spec.dropout_seed != 11
    again = sweep.other_start(spec, 11)
    assert all(np.array_equal(again.initial_weights[n], moved.initial_weights[n]) for n in moved.initial_weights)
    scalars = sweep.other_start(registry.load_spec("polynomial_fit"), 12).initial_weights
    assert all(value.shape == () and -2 <= value <= 2 for value in scalars.values())


def test_the_large_mnist_file_is_in_keras_layout_and_drawn_from_the_embedded_digits(tmp_path):
    path = sweep.write_large_mnist(tmp_path / "mnist.npz", size=3000)
    data = mnist_data.load_full(path)
    embedded = mnist_data.load_embedded()
    assert data.x_train.shape == (3000, 28, 28) and data.x_train.dtype == np.uint8
    assert np.array_equal(data.x_test, embedded.x_test)
    known = {image.tobytes(): label for image, label in zip(embedded.x_train, embedded.y_train)}
    assert all(known[image.tobytes()] == label for image, label in zip(data.x_train[:200], data.y_train[:200]))


def test_every_configuration_is_in_the_sweep_and_the_large_file_only_for_mnist_tasks():
    names = [c.name for c in sweep.configurations(["xor"], "file.npz")]
    assert names == ["lr x0.25", "lr x0.5", "lr x1", "lr x2", "lr x4", "start 11", "start 12", "start 13"]
    assert sweep.configurations(["xor", "mnist_mlp"], "file.npz")[-1].name == "60k digits"


def test_judging_saved_runs_tells_agreement_known_partings_and_failures_apart():
    oracle = result(losses=(3.0, 2.0))
    reruns = [result(losses=(3.0, 2.0 + d)) for d in (1e-6, 2e-6, 3e-6)]
    saved = {("lr x1", "mammal_bird"): (
        {registry.ORACLE: (oracle, None, None),
         "eager_tape": (result(losses=(3.0, 2.0 + 1e-6)), None, None),
         "tf1_session": (result(losses=(3.0, 2.5)), None, None),  # mammal_bird declares tf1_adam_beta_power
         "keras_sequential": (result(losses=(3.0, 2.5)), None, None),
         "tf_function": (None, "mammal_bird tf_function: RuntimeError: boom", None),
         "keras_functional": (None, None, "not under this runtime")},
        reruns)}
    floors, cells = sweep.judged(saved)[("lr x1", "mammal_bird")]
    assert floors.losses[-1] > 0 and "keras_functional" not in cells
    assert cells["eager_tape"].verdict == "agrees" and cells["eager_tape"].multiple <= agreement.FLOOR_MULTIPLE
    assert cells["tf1_session"].verdict == "parts (known)"
    assert cells["keras_sequential"].verdict == "DISAGREES"
    assert cells["tf_function"].verdict == "FAILED"
    problems = sweep.problems(sweep.judged(saved))
    assert [p.split(":")[0] for p in problems] == ["lr x1 mammal_bird keras_sequential", "lr x1 mammal_bird tf_function"]


@pytest.mark.parametrize("constant, text", [
    ("FLOOR_MULTIPLE", "within **16 times** the floor"), ("ULPS", "whole number of ulps in [-2, 2]"),
    ("MIN_ULPS", "At least 4 ulps"), ("SEEDS", "`SEEDS` 1, 2, 3")])
def test_the_agreement_document_states_the_constants_the_code_uses(constant, text):
    from pathlib import Path

    document = (Path(__file__).resolve().parents[1] / "docs" / "agreement.md").read_text()
    value = getattr(agreement, constant)
    expected = {"FLOOR_MULTIPLE": "16", "ULPS": "2", "MIN_ULPS": "4", "SEEDS": "1, 2, 3"}[constant]
    assert (", ".join(map(str, value)) if isinstance(value, tuple) else f"{value:g}") == expected, \
        f"agreement.{constant} changed: update docs/agreement.md ({text!r})"
    assert text in document


def test_what_a_sweep_keeps_can_be_judged_again(tmp_path):
    """--save keeps every run's numbers, --judge reads them back: the same cells without training."""
    import pickle

    from tf_rosetta.comparisons import harness, judge

    oracle = result(losses=(3.0, 2.0))
    floors = agreement.Floors.measure(oracle, [result(losses=(3.0, 2.0 + d)) for d in (1e-6, 2e-6, 3e-6)])
    runs = {registry.ORACLE: harness.StyleRun(registry.ORACLE, 0.1, result=oracle),
            "eager_tape": harness.StyleRun("eager_tape", 0.1, result=result(losses=(3.0, 2.0 + 1e-6))),
            "keras_functional": harness.StyleRun("keras_functional", 0.0, not_applicable="not here")}
    runs["eager_tape"].versus_oracle = judge.difference(runs["eager_tape"].result, oracle, floors)
    comparison = harness.TaskComparison(registry.load_spec("xor"), runs, {}, floors=floors)
    path = tmp_path / "sweep.pickle"
    path.write_bytes(pickle.dumps(sweep.trained({("lr x1", "xor"): comparison})))
    (floors_again, cells), = sweep.judged(pickle.loads(path.read_bytes())).values()
    assert cells == sweep.judged_comparisons({("lr x1", "xor"): comparison})[("lr x1", "xor")][1]
    assert np.array_equal(floors_again.losses, floors.losses) and list(cells) == ["eager_tape"]
