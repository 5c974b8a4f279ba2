"""A spec crosses to a worker process as its task, data file and changed fields, not its arrays
(TaskSpec.__reduce_ex__): the worker builds the task's data once (registry.spec_of)."""

import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tf_rosetta.comparisons import agreement
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import DataError

ROOT = Path(__file__).resolve().parents[1]


def _arrays(spec) -> dict:
    found = {}
    for each in dataclasses.fields(spec):
        value = getattr(spec, each.name)
        if isinstance(value, np.ndarray):
            found[each.name] = value
        elif each.name == "initial_weights":
            found.update({f"initial_weights/{name}": array for name, array in value.items()})
    return found


def test_an_mnist_spec_and_its_reruns_pickle_small():
    spec = registry.spec_of("logistic_mnist")
    assert len(pickle.dumps(spec)) < 1_000  # was 16.8 MB: every array of the task
    rerun = agreement.rerun_spec(spec, 1)
    assert len(pickle.dumps(rerun)) < 100_000  # the moved start only (W: 784 x 10 float32)


@pytest.mark.parametrize("task", ["logistic_mnist", "mnist_mlp", "xor"])
def test_a_changed_spec_unpickled_in_a_fresh_process_has_every_byte(task, tmp_path):
    spec = dataclasses.replace(agreement.rerun_spec(registry.spec_of(task), 2), learning_rate=0.0123)
    (tmp_path / "spec.pickle").write_bytes(pickle.dumps(spec))
    code = ("import pickle, sys, numpy as np; from tf_rosetta import implementations; "
            f"spec = pickle.loads(open({str(tmp_path / 'spec.pickle')!r}, 'rb').read()); "
            f"np.savez({str(tmp_path / 'there.npz')!r}, **{{k.replace('/', '.'): v for k, v in __import__('tests.test_spec_pickling', fromlist=['_arrays'])._arrays(spec).items()}}); "
            "print(spec.learning_rate, spec.steps)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [repr(0.0123), str(spec.steps)]
    there = np.load(tmp_path / "there.npz")
    here = {name.replace("/", "."): array for name, array in _arrays(spec).items()}
    assert sorted(there.files) == sorted(here)
    for name, array in here.items():
        assert there[name].dtype == array.dtype and there[name].tobytes() == array.tobytes(), name


def test_a_process_that_reads_other_data_refuses_the_spec_in_one_line(monkeypatch):
    spec = registry.spec_of("logistic_mnist")
    rebuild, (task, data_file, description, changed) = spec.__reduce_ex__(4)
    assert rebuild is registry.rebuilt_spec
    with pytest.raises(DataError, match="this process reads .* where the spec was built from other digits"):
        rebuild(task, data_file, "other digits", changed)


def test_a_spec_of_no_registered_task_pickles_whole():
    spec = dataclasses.replace(registry.spec_of("xor"), task="toy")
    back = pickle.loads(pickle.dumps(spec))
    assert back.task == "toy" and np.array_equal(back.x_train, spec.x_train)
