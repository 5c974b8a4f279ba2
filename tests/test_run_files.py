"""What a program wrote, read back (comparisons/run_files.py): TensorBoard scalars from TF1 and TF2 event
files, held to the oracle's series by the judge, and a best checkpoint that must hold the restored weights."""

import types
from pathlib import Path

import numpy as np
import pytest

from tf_rosetta.comparisons import agreement, judge, run_files
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.checkpoint_layout import OBJECT_VALUE, TF_CHECKPOINT, Layout
from tf_rosetta.implementations.contract import TrainingResult

VALUES = np.array([5.25, 4.125, 3.0625], np.float32)
TAGS = types.SimpleNamespace(TAGS={"loop": {"loss": ("logs/train", "loss"), "val_loss": ("logs/validation", "loss")}},
                             ORACLE=("loss", "val_loss"))


def _write_tf1(folder, tag, values, steps):
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        value = v1.placeholder(tf.float32, [])
        summary = v1.summary.scalar(tag, value)
        with v1.Session() as session, v1.summary.FileWriter(str(folder)) as writer:
            for step, number in zip(steps, values):
                writer.add_summary(session.run(summary, {value: number}), step)


def _write_tf2(folder, tag, values, steps):
    import tensorflow as tf


    with tf.summary.create_file_writer(str(folder)).as_default():
        for step, number in zip(steps, values):
            tf.summary.scalar(tag, number, step=step)


def _result(folder, losses=VALUES):
    return TrainingResult(losses=losses, weights={"W": np.ones(2, np.float32)}, predictions=np.zeros(1, np.float32),
                          metrics={}, history={"val_loss": losses + np.float32(1)}, stopped_epoch=len(losses),
                          run_folder=None if folder is None else str(folder))


def test_tf1_and_tf2_scalars_read_back_as_the_float32_written(tmp_path):
    _write_tf1(tmp_path / "logs" / "train", "loss", VALUES, range(3))
    _write_tf2(tmp_path / "logs" / "validation", "loss", VALUES + np.float32(1), range(3))
    series = run_files.tensorboard_series(TAGS, "loop", _result(tmp_path))
    assert series.keys() == {"tensorboard loss", "tensorboard val_loss"}
    assert series["tensorboard loss"].tobytes() == VALUES.tobytes()
    assert series["tensorboard val_loss"].tobytes() == (VALUES + np.float32(1)).tobytes()


def test_the_oracle_logs_its_own_series():
    series = run_files.tensorboard_series(TAGS, "numpy_reference", _result(None))
    assert series["tensorboard loss"].tobytes() == VALUES.tobytes()


@pytest.mark.parametrize("steps", [(1, 2, 3), (0, 0, 1)])
def test_a_scalar_not_one_an_epoch_from_step_0_is_the_programs_failure(tmp_path, steps):
    _write_tf2(tmp_path / "logs" / "train", "loss", VALUES, steps)
    _write_tf2(tmp_path / "logs" / "validation", "loss", VALUES, range(3))
    with pytest.raises(run_files.FileProblem, match="logs/train/loss at steps"):
        run_files.tensorboard_series(TAGS, "loop", _result(tmp_path))


def test_a_tag_not_where_the_mapping_says_is_named(tmp_path):
    _write_tf2(tmp_path / "logs" / "train", "epoch_loss", VALUES, range(3))
    with pytest.raises(run_files.FileProblem, match="scalar 'loss' in logs/train/.*found: logs/train/epoch_loss"):
        run_files.tensorboard_series(TAGS, "loop", _result(tmp_path))


def _floors_and_oracle():
    oracle = _result(None)
    logged = {"tensorboard loss": VALUES, "tensorboard learning_rate": np.full(3, 1e-3, np.float32)}
    oracle = TrainingResult(**{**oracle.__dict__, "history": {**oracle.history, **logged}})
    reruns = [TrainingResult(**{**oracle.__dict__, "losses": VALUES + np.float32(shift),
                                "history": {name: series + np.float32(shift * ("rate" not in name))
                                            for name, series in oracle.history.items()}})
              for shift in (1e-6, 2e-6, -1e-6)]
    return agreement.Floors.measure(oracle, reruns), oracle


def test_a_style_whose_logged_loss_leaves_the_floor_disagrees_and_a_logged_rate_must_be_exact():
    floors, oracle = _floors_and_oracle()
    assert judge.difference(oracle, oracle, floors).within
    history = dict(oracle.history)
    history["tensorboard loss"] = VALUES[::-1].copy()  # logged in the wrong order: the values, other epochs
    wrong = TrainingResult(**{**oracle.__dict__, "history": history})
    found = judge.difference(wrong, oracle, floors)
    assert not found.within and "history tensorboard loss" in found.problems[0]
    history = dict(oracle.history)
    history["tensorboard learning_rate"] = np.nextafter(history["tensorboard learning_rate"], np.float32(1))
    found = judge.difference(TrainingResult(**{**oracle.__dict__, "history": history}), oracle, floors)
    assert not found.within and "tensorboard learning_rate at epoch 1" in found.problems[0]


def test_the_best_checkpoint_must_hold_the_weights_the_program_restored(tmp_path):
    import tensorflow as tf

    weights = {"W": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(3, np.float32)}
    tf.train.Checkpoint(**{name: tf.Variable(value) for name, value in weights.items()}).write(str(tmp_path / "best"))
    layout = Layout(TF_CHECKPOINT, "best", {name: name + OBJECT_VALUE for name in weights}, trainable=())
    restored = TrainingResult(losses=VALUES, weights=weights, predictions=VALUES, metrics={}, run_folder=str(tmp_path))
    run_files.check_best_checkpoint(layout, restored)
    moved = dict(weights, b=np.nextafter(weights["b"], np.float32(2)))
    with pytest.raises(run_files.FileProblem, match=r"holds other weights than those it restored: b \(up to 1.19e-07"):
        run_files.check_best_checkpoint(layout, TrainingResult(**{**restored.__dict__, "weights": moved}))


def test_the_harness_removes_each_programs_run_folder_once_it_is_read(comparison_of):
    runs = {program: run for program, run in comparison_of("auto_mpg").runs.items() if program != registry.ORACLE}
    folders = [run.result.run_folder for run in runs.values() if run.result is not None]
    assert len(folders) == len(runs) and all(folders), "every auto_mpg style returns its run folder"
    assert not [folder for folder in folders if Path(folder).exists()], "left behind after the harness read them"
