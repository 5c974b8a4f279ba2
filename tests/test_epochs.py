"""The judge of a task that trains epoch by epoch (auto_mpg): the stop epoch and every epoch's
learning rate must be the oracle's exactly; the floor is measured over the epochs all reruns share."""

import dataclasses

import numpy as np

from tf_rosetta.comparisons import agreement, judge
from tf_rosetta.implementations.contract import TrainingResult


def _result(epochs=5, rate_at_3=0.001, val_shift=0.0):
    rates = np.full(epochs, 0.001, np.float32)
    if epochs > 3:
        rates[3] = rate_at_3
    return TrainingResult(losses=np.linspace(5, 1, epochs).astype(np.float32), weights={"W": np.ones(2, np.float32)},
                          predictions=np.zeros(2, np.float32), metrics={"mae": 1.5},
                          history={"val_loss": np.linspace(6, 2, epochs).astype(np.float32) + np.float32(val_shift),
                                   "learning_rate": rates},
                          stopped_epoch=epochs)


def test_the_same_epochs_and_rates_agree():
    found = judge.difference(_result(), _result())
    assert found.bitwise and not found.problems


def test_another_stop_epoch_is_a_problem():
    found = judge.difference(_result(epochs=4), _result(epochs=5))
    assert not found.within and found.problems == ["stopped after 4 epochs, expected 5"]


def test_a_learning_rate_one_ulp_off_is_a_problem():
    off = float(np.nextafter(np.float32(0.001), np.float32(1)))
    found = judge.difference(_result(rate_at_3=off), _result())
    assert not found.within and found.problems and "learning_rate at epoch 4" in found.problems[0]


def test_the_validation_series_is_held_to_its_floor():
    oracle = _result()
    reruns = [_result(val_shift=shift) for shift in (1e-6, 2e-6, -1e-6)]
    floors = agreement.Floors.measure(oracle, reruns)
    assert set(floors.history) == {"val_loss"}  # the learning rate is exact, no floor
    assert judge.difference(_result(val_shift=1e-6), oracle, floors).within
    assert not judge.difference(_result(val_shift=1.0), oracle, floors).within


def test_a_rerun_that_stops_elsewhere_leaves_the_floor_measured_over_the_shared_epochs():
    oracle = _result(epochs=5)
    reruns = [_result(epochs=4, val_shift=1e-6), _result(epochs=5, val_shift=2e-6), _result(epochs=6, val_shift=-1e-6)]
    floors = agreement.Floors.measure(oracle, reruns)
    assert floors.losses.shape == (5,) and floors.history["val_loss"].shape == (5,)
    assert floors.history["val_loss"][4] == floors.history["val_loss"][3]  # carried on past the shared epochs
    other = dataclasses.replace(_result(epochs=4, val_shift=1e-6))
    assert agreement.parting(oracle, oracle, floors) is None
    assert not judge.difference(other, oracle, floors).within


def test_the_checkpoint_matrix_names_why_it_leaves_auto_mpg_out(tmp_path, capsys):
    from tf_rosetta.comparisons import cli

    assert cli.main(["checkpoints", "auto_mpg", "--output", str(tmp_path / "out")]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.strip().splitlines() == [
        "tf-rosetta: auto_mpg is not in the checkpoint matrix: a run resumed halfway must carry on early "
        "stopping's best loss and patience count and the schedule's epoch, which no style's checkpoint holds "
        "(Keras's callbacks keep them in memory): not built; its checkpoint is the best epoch's, read back and "
        "compared by `tf-rosetta compare`"]
