"""The divergence catalog: each known difference between the APIs shows with the defaults
and vanishes once aligned, the recorded numbers are still what a run measures, and every
implementation file the difference would reach carries the aligning setting."""

import dataclasses
import inspect
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from comparisons import divergences
from implementations import registry

ENTRIES = {entry.name: entry for entry in divergences.CATALOG}
README = Path(divergences.IMPLEMENTATIONS.parent, "README.md")
_measured = {}


def measured(name):
    """Each probe once per session: some train for a few seconds.

    An entry that measures a fact of the platform skips, with its reason, where the
    platform differs (no oneDNN, no OpenBLAS, another vector width).
    """
    reason = ENTRIES[name].platform_problem()
    if reason:
        pytest.skip(f"{name}: {reason}")
    if name not in _measured:
        _measured[name] = ENTRIES[name].probe()
    return _measured[name]


# The cost probe trains 2 x 200 epochs for a timing the tests must not assert; its numbers
# are checked by test_fit_on_numpy_gives_the_same_numbers_at_a_higher_cost instead.
PROBED = [name for name in ENTRIES if name != "fit_numpy_input"]


@pytest.mark.parametrize("name", PROBED)
def test_the_difference_shows_with_the_defaults_and_vanishes_once_aligned(name):
    assert ENTRIES[name].problems(measured(name)) == []


@pytest.mark.parametrize("name", PROBED)
def test_the_recorded_numbers_are_what_a_run_measures(name):
    """Within a factor of 10 (rounding-level sizes move with the CPU); zeros stay zeros."""
    entry, now = ENTRIES[name], measured(name)
    for what in ("default", "aligned"):
        recorded, fresh = getattr(entry.recorded, what), getattr(now, what)
        hint = (f"{name} {what}: recorded {recorded:.3g} on {divergences.MEASURED_ON}, measured {fresh:.3g}; "
                f"re-measure with `tf-rosetta divergences --measure {name}` and update the catalog")
        if recorded == 0:
            assert fresh == 0, hint
        else:
            assert 0.1 <= fresh / recorded <= 10, hint


def test_adam_defaults_and_constants():
    assert tf.compat.v1.train.AdamOptimizer(0.1)._epsilon == 1e-8
    assert keras.optimizers.Adam().epsilon == 1e-7
    # Keras forms 1 - beta in Python (float64) and casts; TF1 subtracts in float32.
    assert np.float32(1 - 0.999) == np.float32(0.001)
    assert np.float32(1) - np.float32(0.999) == np.float32(0.00099998713)
    # Rounding the betas to float32 first makes Keras's float64 subtraction exact in float32.
    assert np.float32(1 - float(np.float32(0.999))) == np.float32(1) - np.float32(0.999)


def test_cross_entropy_clips_probabilities_unless_it_finds_the_logits():
    values = {name: float(np.asarray(value).ravel()[0]) for name, value in divergences.cross_entropies().items()}
    # From logits [100, 0, 0] with label 1: logsumexp - 0 = 100 + log(1 + 2e-100) = 100 in float32.
    for name in ("keras_softmax_output", "graph_tf_softmax", "keras_from_logits", "tf_with_logits"):
        assert values[name] == 100.0, name
    # From probabilities: p_1 = e^-100 / ... is clipped to 1e-7, and -log(1e-7) = 16.118.
    assert values["eager_tf_softmax"] == pytest.approx(-np.log(1e-7), rel=1e-6)


def test_a_raw_squared_error_broadcasts_and_keras_mse_squeezes():
    # y = [1, 2, 3, 4], p = y + 0.5 as a column. Keras: mean(0.5^2) = 0.25. Broadcast (4, 4):
    # p_i - y_j = (i - j) + 0.5; over the 16 pairs the squares sum to 44, so 44 / 16 = 2.75.
    assert divergences.squared_errors(np.array([1, 2, 3, 4], np.float32)) == (2.75, 0.25)
    assert divergences.squared_errors(np.array([[1], [2], [3], [4]], np.float32)) == (0.25, 0.25)


def test_default_initializers_differ_and_explicit_values_do_not():
    defaults = divergences.default_initial_weights()
    limit = np.sqrt(6 / sum(divergences.KERNEL_SHAPE))  # Glorot uniform: U(-limit, limit)
    for name, (kernel, bias) in defaults.items():
        assert kernel.shape == divergences.KERNEL_SHAPE and np.all(np.abs(kernel) <= limit), name
    assert np.abs(defaults["tf1_get_variable"][0] - defaults["keras"][0]).max() > 1e-3
    assert np.any(defaults["tf1_get_variable"][1] != 0), "TF1 draws biases too"
    assert np.all(defaults["keras"][1] == 0), "Keras starts biases at zero"
    assert np.array_equal(defaults["tf_keras"][0], defaults["keras"][0]), "tf.keras is Keras 3 here"
    explicit = divergences.explicit_initial_weights()
    kernel, bias = explicit["numpy"]
    for name, (their_kernel, their_bias) in explicit.items():
        assert np.array_equal(their_kernel, kernel) and np.array_equal(their_bias, bias), name


def test_fit_on_numpy_gives_the_same_numbers_at_a_higher_cost():
    """The numbers are asserted; the cost is counted (iterators built), never timed."""
    epochs = 20
    found = divergences.fit_numpy_versus_dataset(epochs)
    numpy_fit, dataset_fit = found["numpy"], found["dataset"]
    assert np.array_equal(numpy_fit["losses"], dataset_fit["losses"])
    assert np.array_equal(numpy_fit["weights"], dataset_fit["weights"])
    assert dataset_fit["iterators"] == 1
    assert numpy_fit["iterators"] >= epochs, "NumPy input builds a fresh iterator every epoch"


def test_fit_logs_a_running_mean_of_the_epoch():
    found = divergences.fit_logs()
    two = found[2]  # two batches an epoch
    step_pairs = two["step_losses"].reshape(3, 2)
    np.testing.assert_allclose(two["history"], step_pairs.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(two["batch_logs"][1::2], step_pairs.mean(axis=1), rtol=1e-6)
    assert np.abs(two["history"] - step_pairs[:, 1]).max() > 1
    one = found[4]  # one batch an epoch: the log is the step's own loss
    assert np.array_equal(one["history"].astype(np.float32), one["step_losses"].astype(np.float32))


def test_keras_jit_compile_auto_means_xla_on_a_gpu_only(monkeypatch):
    assert inspect.signature(keras.Model.compile).parameters["jit_compile"].default == "auto"

    def compiled_model():
        model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    assert compiled_model().jit_compile is False  # this machine: CPU only
    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
    cpu = tf.config.PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda device_type=None: [cpu, gpu])
    assert compiled_model().jit_compile is True


@pytest.mark.parametrize("name", list(ENTRIES))
def test_every_file_the_difference_reaches_carries_the_aligning_setting(name):
    entry = ENTRIES[name]
    assert divergences.alignment_problems(entry) == []


def _programs(styles):
    return {divergences.IMPLEMENTATIONS / task / f"{style}.py" for task in registry.TASKS for style in styles}


@pytest.mark.parametrize("name, styles", [
    ("onednn_fusion", registry.STYLES),
    ("default_initializers", registry.STYLES),
    ("keras_jit_compile", [style for style in registry.STYLES if style.startswith("keras_")]),
    ("fit_numpy_input", [style for style in registry.STYLES if style.startswith("keras_")]),
    ("fit_logs_running_mean", [style for style in registry.STYLES if style.startswith("keras_")]),
])
def test_the_file_search_finds_every_program_it_must(name, styles):
    """The searches that list the dependent files do find them (a regex that matched nothing would pass)."""
    assert set(divergences.dependent_files(ENTRIES[name])) >= _programs(styles)


# A source that lacks each setting: the alignment check must catch it.
UNALIGNED = {
    "adam_epsilon": "optimizer = keras.optimizers.Adam(0.01, beta_1=spec.beta_1, beta_2=spec.beta_2)\n",
    "adam_one_minus_beta": "optimizer = keras.optimizers.Adam(0.01, epsilon=1e-8)\n",
    "cross_entropy_on_probabilities": "import keras\nmodel.compile(loss=keras.losses.CategoricalCrossentropy())\n",
    "default_initializers": "W = tf.Variable(tf.random.normal([2, 3]))\n",
    "fit_numpy_input": "model.fit(x_train, y_train, epochs=10, steps_per_epoch=1)\n",
    "fit_logs_running_mean": "model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(2), epochs=10)\n",
    "keras_jit_compile": "model.compile(optimizer='sgd', loss='mse')\n",
}


@pytest.mark.parametrize("name", list(UNALIGNED))
def test_the_alignment_check_catches_a_file_without_the_setting(name):
    entry, source = ENTRIES[name], UNALIGNED[name]
    assert re.search(entry.applies_to, source, re.MULTILINE), "the sample must be one the difference reaches"
    assert entry.alignment_problems(Path("sample.py"), source)


# Idiomatic sources that carry the setting: the alignment check must accept them.
ALIGNED = [
    ("default_initializers", "model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])\n"
                             "model.set_weights([spec.initial_weights['W'], spec.initial_weights['b']])\n"),
    ("default_initializers", "self.hidden_layer = keras.layers.Dense(2, activation='sigmoid')\n"
                             "model = XorModel()\nmodel.build((None, 2))\n"
                             "model.hidden_layer.kernel.assign(spec.W1)\n"),
    ("default_initializers", "W = tf.Variable(spec.initial_weights['W'])\n"),
    ("default_initializers", "W = v1.get_variable('W', initializer=spec.initial_weights['W'])\n"),
]


@pytest.mark.parametrize("name, source", ALIGNED)
def test_the_alignment_check_accepts_the_idiomatic_forms(name, source):
    entry = ENTRIES[name]
    assert re.search(entry.applies_to, source, re.MULTILINE), "the sample must be one the difference reaches"
    assert entry.alignment_problems(Path("sample.py"), source) == []


def test_a_setting_named_only_in_a_comment_does_not_count(tmp_path):
    path = tmp_path / "keras_sequential.py"
    path.write_text('"""Title: uses jit_compile=False"""\n# jit_compile=False: XLA off\n'
                    'model.compile(optimizer="sgd", loss="mse")\n')
    code = divergences.program_code(path)
    assert "jit_compile" not in code
    assert ENTRIES["keras_jit_compile"].alignment_problems(path, code)


def test_the_alignment_check_catches_targets_that_would_broadcast(monkeypatch):
    task = registry.TASKS[0]
    spec = registry.load_spec(task)
    assert spec.y_train.ndim == spec.x_train.ndim == 2
    flat = dataclasses.replace(spec, y_train=spec.y_train.ravel())  # (n,) targets for (n, 1) predictions
    monkeypatch.setattr(registry, "load_spec", lambda name: flat)
    path = divergences.IMPLEMENTATIONS / task / "eager_tape.py"
    assert ENTRIES["mse_broadcast"].alignment_problems(path, path.read_text())


@pytest.mark.parametrize("name", ["onednn_fusion", "blas_threads"])
def test_the_alignment_check_catches_a_package_that_no_longer_sets_the_variable(name, monkeypatch, tmp_path):
    (tmp_path / "__init__.py").write_text('import os\nos.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")\n')
    monkeypatch.setattr(divergences.programs, "IMPLEMENTATIONS", tmp_path)
    assert ENTRIES[name].alignment_problems(Path("sample.py"), "import tensorflow as tf\n")


def test_the_page_lists_every_entry_with_its_files(capsys):
    from comparisons import cli

    assert cli.main(["divergences"]) == 0
    out = capsys.readouterr().out
    for entry in divergences.CATALOG:
        assert f"\n{entry.name}: {entry.title}" in out
    jit_files = divergences.dependent_files(ENTRIES["keras_jit_compile"])
    assert f"files ({len(jit_files)}):" in out


def test_an_unknown_entry_is_one_line_and_exit_2(capsys):
    from comparisons import cli

    assert cli.main(["divergences", "adam_epsilom"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"tf-rosetta: unknown divergence 'adam_epsilom'; accepted: {', '.join(ENTRIES)}"]


def test_the_readme_section_is_the_rendered_catalog():
    completed = subprocess.run([sys.executable, "-m", "comparisons.cli", "divergences", "--markdown"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == divergences.render_markdown()
    assert divergences.render_markdown() in README.read_text(), \
        "README's 'Known differences between the APIs' is stale: paste `tf-rosetta divergences --markdown`"


def test_each_entry_is_one_module_named_after_it_and_listed_in_order():
    assert divergences.entry_modules() == sorted(divergences.ORDER), \
        "every module of comparisons/divergences/entries/ (not starting with _) is listed in catalog.ORDER"
    assert len(set(divergences.ORDER)) == len(divergences.ORDER)
    for name in divergences.ORDER:
        assert divergences.entry_module(name).ENTRY is ENTRIES[name]


def test_every_divergence_comment_in_the_programs_names_an_entry():
    """`# tf-rosetta divergences ENTRY` in implementations/**/*.py: a misspelt entry fails here."""
    assert divergences.reference_problems() == []


def test_a_misspelt_divergence_comment_is_caught(tmp_path):
    path = tmp_path / "program.py"
    path.write_text('"""Docstrings do not count: tf-rosetta divergences not_an_entry."""\n'
                    "import keras  # tf-rosetta divergences keras_jit_compile: XLA off\n"
                    "# tf-rosetta divergences --measure adam_epsilon adam_one_minus_beta\n"
                    'text = "strings do not count: tf-rosetta divergences neither"\n'
                    "# tf-rosetta divergences adam_epsilom\n"
                    "# see `tf-rosetta divergences`\n")
    assert divergences.references(path) == [(2, ["keras_jit_compile"]), (3, ["adam_epsilon", "adam_one_minus_beta"]),
                                            (5, ["adam_epsilom"]), (6, [])]
    problems = divergences.reference_problems([path])
    assert len(problems) == 2
    assert "program.py:5: names 'adam_epsilom', not an entry" in problems[0]
    assert "program.py:6: `tf-rosetta divergences` names no entry" in problems[1]


def test_platform_facts_skip_with_the_reason_where_the_platform_differs(monkeypatch):
    """The hooks themselves, on a pretended platform (the probes skip where a hook gives a reason)."""
    from comparisons.divergences import machine
    from comparisons.divergences.entries import onednn_fusion

    blas, onednn, jit = ENTRIES["blas_threads"], ENTRIES["onednn_fusion"], ENTRIES["keras_jit_compile"]
    assert all(entry.platform_problem() == "" for name, entry in ENTRIES.items()
               if name not in ("blas_threads", "onednn_fusion", "keras_jit_compile"))
    monkeypatch.setattr(machine, "numpy_blas", lambda: "accelerate")
    assert "not OpenBLAS" in blas.platform_problem()
    monkeypatch.setattr(machine, "numpy_blas", lambda: "scipy-openblas")
    monkeypatch.setattr(machine, "usable_cores", lambda: 1)
    assert "one core" in blas.platform_problem()
    monkeypatch.setattr(machine, "architecture", lambda: "aarch64")
    assert "aarch64" in onednn.platform_problem()
    monkeypatch.setattr(machine, "architecture", lambda: "x86_64")
    monkeypatch.setattr(machine, "vector_width", lambda: "AVX2")
    assert "AVX2" in onednn.platform_problem() and "AVX2" in jit.platform_problem()
    monkeypatch.setattr(machine, "vector_width", lambda: divergences.record.RECORDED_VECTOR_WIDTH)
    assert jit.platform_problem() == ""
    monkeypatch.setattr(onednn_fusion, "eager_versus_graph_by_setting", lambda: {"1": (False, 0.0), "0": (False, 0.0)})
    assert "no oneDNN" in onednn.platform_problem()


def test_measure_says_why_an_entry_is_not_measured_here(capsys, monkeypatch):
    from comparisons import cli
    from comparisons.divergences import machine

    monkeypatch.setattr(machine, "numpy_blas", lambda: "accelerate")
    assert cli.main(["divergences", "--measure", "blas_threads"]) == 0
    assert "measured now:  not on this machine: NumPy's BLAS here is accelerate, not OpenBLAS" in capsys.readouterr().out
