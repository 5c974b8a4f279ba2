"""The divergence catalog: each known difference between the APIs shows with the defaults
and vanishes once aligned, and every implementation file the difference would reach carries
the aligning setting. What the measured numbers must be, by the arithmetic:
test_divergence_arithmetic.py."""

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

from tf_rosetta.comparisons import divergences
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import Bitwise

ENTRIES = {entry.name: entry for entry in divergences.CATALOG}
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


# Every entry, the two costs included: their probes time fits and assert a ratio of times
# (slow-marked in conftest.py, as a timing wants a machine that is not running the suite).
PROBED = list(ENTRIES)
RUNTIME_ENTRIES = ("backend_initial_weights", "keras2_legacy_adam", "fit_cost_by_runtime", "jit_compile_by_backend",
                   "tensorflow_vs_jax", "dropout_masks_by_runtime")


@pytest.mark.parametrize("name", PROBED)
def test_the_difference_shows_with_the_defaults_and_vanishes_once_aligned(name):
    assert ENTRIES[name].problems(measured(name)) == []


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


def test_keep_prob_is_the_fraction_kept_and_rate_the_fraction_dropped():
    from tf_rosetta.comparisons.divergences.entries import dropout_keep_prob

    found = dropout_keep_prob.dropouts()
    kept = {name: dropout_keep_prob.kept_fraction(output) for name, output in found.items()}
    assert kept["v1_keep_prob"] == pytest.approx(0.2, abs=0.01) and found["v1_keep_prob"].max() == 5
    assert kept["v2_rate"] == pytest.approx(0.8, abs=0.01) and found["v2_rate"].max() == 1.25
    assert np.array_equal(found["v1_keep_prob_complement"], found["v2_rate"])
    assert np.array_equal(found["v1_rate"], found["v2_rate"])


def test_keras_dropout_draws_its_t_th_training_mask_with_the_stateless_seed_s_t():
    """Keras 3.15's SeedGenerator starts at [s, 0] and adds [0, 1] per training call (read from its source)."""
    from tf_rosetta.comparisons.divergences.entries import keras_dropout_seed_stream as stream

    keras_masks, guesses = stream.keras_layer_masks(), stream.guessed_masks()
    assert np.array_equal(keras_masks, guesses["stateless [s, t]"])
    assert np.array_equal(keras_masks[0], guesses["stateless [s, 0]"][0])
    assert not np.array_equal(keras_masks[1], guesses["stateless [s, 0]"][1])


def test_tf1_moving_statistics_stay_at_their_start_without_update_ops():
    from tf_rosetta.comparisons.divergences.entries import tf1_update_ops

    forgotten = tf1_update_ops.tf1_moving_statistics(run_update_ops=False)
    features = len(forgotten) // 2
    assert np.all(forgotten[:features] == 0) and np.all(forgotten[features:] == 1)


def test_exponential_moving_average_starts_a_tensors_shadow_at_zero():
    from tf_rosetta.comparisons.divergences.entries import moving_average_update

    # Keras's moving variance starts at 1; the shadow of the variance tensor at 0.
    keras_variance = moving_average_update.keras_moving_statistics()[moving_average_update.FEATURES:]
    ema_variance = moving_average_update.tf1_moving_statistics("ExponentialMovingAverage")[
        moving_average_update.FEATURES:]
    gap = 0.99 ** moving_average_update.STEPS  # what remains of the initial difference of 1
    np.testing.assert_allclose(keras_variance - ema_variance, gap, rtol=1e-5)


def test_fused_batch_norm_averages_the_bessel_corrected_variance():
    from tf_rosetta.comparisons.divergences.entries import batchnorm_fused_variance as fused

    found = fused.batch_variances()
    moments, n = found["tf.nn.moments"], fused.BATCH
    np.testing.assert_allclose(found["fused_batch_norm"] / moments, n / (n - 1), rtol=1e-6)
    assert np.array_equal(found["keras 2-D"], moments)
    if "tf_keras 4-D" in found:  # Keras 2 fuses on 4-D inputs only
        np.testing.assert_allclose(found["tf_keras 4-D"] / moments, n / (n - 1), rtol=1e-6)
        np.testing.assert_allclose(found["tf_keras 2-D"], moments, rtol=1e-6)
    assert fused.batchnorm_defaults()["keras"] == (0.99, 1e-3)


def test_the_arithmetic_optimizer_switch_is_put_back():
    from tf_rosetta.comparisons.divergences.entries.batchnorm_gradient_sum_order import arithmetic_optimization

    with arithmetic_optimization(False):
        assert tf.config.optimizer.get_experimental_options()["arithmetic_optimization"] is False
    assert tf.config.optimizer.get_experimental_options().get("arithmetic_optimization", True) is True


@pytest.mark.parametrize("name", list(ENTRIES))
def test_every_file_the_difference_reaches_carries_the_aligning_setting(name):
    entry = ENTRIES[name]
    assert divergences.alignment_problems(entry) == []


def _programs(styles):
    return {divergences.IMPLEMENTATIONS / task / f"{style}.py" for task in registry.TASKS for style in styles}


@pytest.mark.parametrize("name, styles", [
    ("onednn_fusion", registry.STYLES),
    ("tf_thread_pools", registry.STYLES),
    ("default_initializers", registry.STYLES),
    ("keras_jit_compile", [style for style in registry.STYLES if style.startswith("keras_")]),
    ("backend_initial_weights", [style for style in registry.STYLES if style.startswith("keras_")]),
    ("jit_compile_by_backend", [style for style in registry.STYLES if style.startswith("keras_")]),
    ("tensorflow_vs_jax", [style for style in registry.STYLES if style.startswith("keras_")]),
    ("fit_numpy_input", [style for style in registry.STYLES if style.startswith("keras_")]),
    ("fit_logs_running_mean", [style for style in registry.STYLES if style.startswith("keras_")]),
])
def test_the_file_search_finds_every_program_it_must(name, styles):
    """The searches that list the dependent files do find them (a regex that matched nothing would pass)."""
    assert set(divergences.dependent_files(ENTRIES[name])) >= _programs(styles)


TF_STYLES = ("tf1_session", "eager_tape", "tf_function")
KERAS_STYLES = ("keras_sequential", "keras_functional", "keras_subclassed")


@pytest.mark.parametrize("name, styles", [
    ("dropout_keep_prob", TF_STYLES),
    ("stateful_dropout_seed", TF_STYLES),
    ("keras_dropout_seed_stream", registry.STYLES),
    ("keras_seed_state_not_saved", KERAS_STYLES),
    ("xla_stateless_random", registry.STYLES),
    ("keras_training_flag", KERAS_STYLES),
    ("tf1_update_ops", ("tf1_session",)),
    ("moving_average_update", TF_STYLES),
    ("batchnorm_fused_variance", registry.STYLES),
    ("batchnorm_gradient_sum_order", registry.STYLES),
])
def test_the_file_search_finds_the_mnist_mlp_programs_it_must(name, styles):
    """The dropout and BatchNorm entries reach mnist_mlp's programs (and only it has such layers)."""
    expected = {divergences.IMPLEMENTATIONS / "mnist_mlp" / f"{style}.py" for style in styles}
    found = set(divergences.dependent_files(ENTRIES[name]))
    assert found >= expected
    assert {path.parent.name for path in found} == {"mnist_mlp"}


# A source that lacks each setting: the alignment check must catch it.
UNALIGNED = {
    "adam_epsilon": "optimizer = keras.optimizers.Adam(0.01, beta_1=spec.beta_1, beta_2=spec.beta_2)\n",
    "adam_state_layout": "optimizer = keras.optimizers.Adam(0.01)\n"
                         "def restore(model, path):\n    tf.train.Checkpoint(model).read(path).assert_consumed()\n",
    "adam_one_minus_beta": "optimizer = keras.optimizers.Adam(0.01, epsilon=1e-8)\n",
    "cross_entropy_on_probabilities": "import keras\nmodel.compile(loss=keras.losses.CategoricalCrossentropy())\n",
    "default_initializers": "W = tf.Variable(tf.random.normal([2, 3]))\n",
    "fit_numpy_input": "model.fit(x_train, y_train, epochs=10, steps_per_epoch=1)\n",
    "fit_logs_running_mean": "model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(2), epochs=10)\n",
    "keras_jit_compile": "model.compile(optimizer='sgd', loss='mse', jit_compile=True)\n",
    "dropout_keep_prob": "hidden = tf.compat.v1.nn.dropout(hidden, keep_prob=0.8)\n",
    "stateful_dropout_seed": "hidden = tf.nn.dropout(hidden, rate=0.2, seed=spec.dropout_seed)\n",
    "keras_dropout_seed_stream": "hidden = tf.nn.experimental.stateless_dropout(hidden, rate=0.2, seed=[1, 0])\n",
    "keras_seed_state_not_saved": "model = keras.Sequential([keras.layers.Dropout(0.2, seed=1)])\n"
                                  "model.optimizer.build(model.trainable_variables)\nmodel.load_weights(path)\n",
    "keras_training_flag": "with tf.GradientTape() as tape:\n    loss = loss_fn(y, model(x))\n"
                           "model = keras.Sequential([keras.layers.Dense(128), keras.layers.Dropout(0.2, seed=1)])\n",
    "tf1_update_ops": "mean, variance = tf.nn.moments(hidden, axes=[0])\n"
                      "train = optimizer.minimize(loss)\nsession = tf.compat.v1.Session()\n",
    "moving_average_update": "mean, variance = tf.nn.moments(hidden, axes=[0])\n"
                             "update = tf.compat.v1.train.ExponentialMovingAverage(0.99).apply([mean, variance])\n",
    "batchnorm_fused_variance": "y, mean, variance = tf.compat.v1.nn.fused_batch_norm(x, gamma, beta, "
                                "is_training=True)\n",
    "xla_stateless_random": "step = tf.function(train_step, jit_compile=True)\n"
                            "hidden = tf.nn.experimental.stateless_dropout(hidden, 0.2, seed=[1, step])\n",
    "per_replica_loss_mean": "loss = tf.reduce_mean(per_example)\nlosses = strategy.run(step, args=(x, y))\n",
    "multi_worker_input_split": "strategy = tf.distribute.MultiWorkerMirroredStrategy()\n"
                                "options.experimental_distribute.auto_shard_policy = "
                                "tf.data.experimental.AutoShardPolicy.OFF\n",
    "batchnorm_per_replica_statistics": "strategy = tf.distribute.MirroredStrategy()\n"
                                        "hidden = keras.layers.BatchNormalization()(hidden)\n",
    "replica_dropout_masks": "strategy = tf.distribute.MirroredStrategy()\n"
                             "hidden = keras.layers.Dropout(0.2, seed=1)(hidden)\n",
    "backend_initial_weights": "model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])\n",
    "keras2_legacy_adam": "optimizer = keras.optimizers.Adam(0.01, epsilon=1e-8)\n",
    "fit_cost_by_runtime": "model.fit(x_train, y_train, epochs=10, steps_per_epoch=1)\n",
    "jit_compile_by_backend": "model.compile(optimizer='sgd', loss='mse', jit_compile=False)\n",
    "tf_thread_pools": "import tensorflow as tf\ntf.config.threading.set_intra_op_parallelism_threads(1)\n",
    "tensorboard_tags_by_api": "with writer.as_default(step=epoch):\n    tf.summary.scalar('loss', loss)\n",
}


@pytest.mark.parametrize("name", list(UNALIGNED))
def test_the_alignment_check_catches_a_file_without_the_setting(name):
    entry, source = ENTRIES[name], UNALIGNED[name]
    assert re.search(entry.applies_to, source, re.MULTILINE), "the sample must be one the difference reaches"
    assert entry.alignment_problems(Path("sample.py"), source)


# Idiomatic sources that carry the setting: the alignment check must accept them.
ALIGNED = [
    ("adam_state_layout", "model.optimizer = keras.optimizers.Adam(0.01)\n"
                          "def restore(model, path):\n    tf.train.Checkpoint(model).read(path).assert_consumed()\n"),
    ("adam_state_layout", "optimizer = keras.optimizers.Adam(0.01)\ndef restore(model, path):\n"
                          "    tf.train.Checkpoint(W=model.W, optimizer=optimizer).read(path)\n"),
    ("default_initializers", "model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])\n"
                             "model.set_weights([spec.initial_weights['W'], spec.initial_weights['b']])\n"),
    ("default_initializers", "self.hidden_layer = keras.layers.Dense(2, activation='sigmoid')\n"
                             "model = XorModel()\nmodel.build((None, 2))\n"
                             "model.hidden_layer.kernel.assign(spec.W1)\n"),
    ("default_initializers", "W = tf.Variable(spec.initial_weights['W'])\n"),
    ("default_initializers", "W = v1.get_variable('W', initializer=spec.initial_weights['W'])\n"),
    ("dropout_keep_prob", "hidden = tf.nn.experimental.stateless_dropout(hidden, spec.dropout_rate, seed)\n"),
    ("dropout_keep_prob", "hidden = tf.compat.v1.nn.dropout(hidden, rate=0.2)\n"),
    ("keras_dropout_seed_stream", "hidden = tf.nn.experimental.stateless_dropout(hidden, rate=spec.dropout_rate,\n"
                                  "    seed=[spec.dropout_seed, step])\n"),
    ("keras_dropout_seed_stream", "keras.layers.Dropout(spec.dropout_rate, seed=spec.dropout_seed)\n"),
    ("keras_seed_state_not_saved", "self.dropout = keras.layers.Dropout(0.2, seed=1)\nmodel.load_weights(path)\n"
                                   "model.dropout.seed_generator.state.assign([1, int(model.optimizer.iterations)])\n"),
    ("keras_training_flag", "class MLP(keras.Model):\n    def call(self, x, training=None):\n"
                            "        return self.dropout(self.batch_norm(x, training=training), training=training)\n"
                            "self.dropout = keras.layers.Dropout(0.2, seed=1)\n"),
    ("keras_training_flag", "with tf.GradientTape() as tape:\n    logits = model(x, training=True)\n"
                            "model = keras.Sequential([keras.layers.BatchNormalization()])\n"),
    ("tf1_update_ops", "mean, variance = tf.nn.moments(hidden, axes=[0])\n"
                       "with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):\n"
                       "    train = optimizer.minimize(loss)\nsession = v1.Session()\n"),
    ("moving_average_update", "mean, variance = tf.nn.moments(hidden, axes=[0])\n"
                              "v1.assign(moving_mean, moving_mean * momentum + mean * (1.0 - momentum))\n"),
]


@pytest.mark.parametrize("name, source", ALIGNED)
def test_the_alignment_check_accepts_the_idiomatic_forms(name, source):
    entry = ENTRIES[name]
    assert re.search(entry.applies_to, source, re.MULTILINE), "the sample must be one the difference reaches"
    assert entry.alignment_problems(Path("sample.py"), source) == []


def test_a_setting_named_only_in_a_comment_does_not_count(tmp_path):
    path = tmp_path / "keras_sequential.py"
    path.write_text('"""Title: uses epsilon=1e-8"""\n# epsilon=1e-8, as TF1\n'
                    'optimizer = keras.optimizers.Adam(0.01, beta_1=spec.beta_1, beta_2=spec.beta_2)\n')
    code = divergences.program_code(path)
    assert "epsilon" not in code
    assert ENTRIES["adam_epsilon"].alignment_problems(path, code)


def test_the_alignment_check_catches_a_bitwise_claim_across_eager_and_graph_code(monkeypatch):
    entry = ENTRIES["batchnorm_gradient_sum_order"]
    path = divergences.IMPLEMENTATIONS / "mnist_mlp" / "eager_tape.py"
    code = divergences.program_code(path)
    assert entry.alignment_problems(path, code) == []
    claimed = dataclasses.replace(registry.load_spec("mnist_mlp"),
                                  bitwise=(Bitwise(("eager_tape", "tf_function"), ("losses",)),))
    monkeypatch.setattr(registry, "load_spec", lambda name: claimed)
    assert entry.alignment_problems(path, code)
    assert entry.alignment_problems(path, code + "\ntf.config.optimizer.set_experimental_options("
                                                "{'arithmetic_optimization': False})\n") == []


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


@pytest.mark.parametrize("variable", ["TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"])
def test_the_alignment_check_catches_a_package_that_sizes_the_thread_pools(variable, monkeypatch, tmp_path):
    entry, sample = ENTRIES["tf_thread_pools"], "import tensorflow as tf\n"
    monkeypatch.setattr(divergences.programs, "IMPLEMENTATIONS", tmp_path)
    (tmp_path / "__init__.py").write_text(f'import os\n# {variable} stays unset\n'
                                          'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")\n')
    assert entry.alignment_problems(Path("sample.py"), sample) == []
    (tmp_path / "__init__.py").write_text(f'import os\nos.environ.setdefault("{variable}", "1")\n')
    assert entry.alignment_problems(Path("sample.py"), sample)


def test_the_page_lists_every_entry_with_its_files(capsys):
    from tf_rosetta.comparisons import cli

    assert cli.main(["divergences"]) == 0
    out = capsys.readouterr().out
    for entry in divergences.CATALOG:
        assert f"\n{entry.name}: {entry.title}" in out
        assert f"probe:         comparisons/divergences/entries/{entry.name}.py" in out
    jit_files = divergences.dependent_files(ENTRIES["keras_jit_compile"])
    assert f"files ({len(jit_files)}):" in out


def test_one_entry_prints_its_lesson_and_the_path_of_its_probe(capsys):
    from tf_rosetta.comparisons import cli

    assert cli.main(["divergences", "cross_entropy_on_probabilities"]) == 0
    out = capsys.readouterr().out
    entry = ENTRIES["cross_entropy_on_probabilities"]
    words = " ".join(out.split())
    for paragraph in entry.body:  # the docstring's paragraphs, wrapped for the terminal
        assert paragraph in words
    assert "-log(1e-7) = 16.12" in words
    path = Path(divergences.IMPLEMENTATIONS.parent, "comparisons/divergences/entries/cross_entropy_on_probabilities.py")
    assert "probe:         comparisons/divergences/entries/cross_entropy_on_probabilities.py" in out and path.exists()
    assert f"aligned by:    {entry.aligned_by}" in out
    assert "tested:        at least 80 with the defaults, at most 0 aligned" in out
    assert out.count("\ncross_entropy_on_probabilities: ") == 1  # one entry, after the table


def test_each_lesson_is_its_module_docstring_headed_by_its_name():
    for name, entry in ENTRIES.items():
        module = divergences.entry_module(name)
        assert entry.lesson is module.__doc__, f"{name}: ENTRY takes lesson=__doc__"
        assert module.__doc__.startswith(f"{name}: "), f"entries/{name}.py: the docstring starts with {name + ': '!r}"
        assert "\n" not in entry.title and len(entry.title) <= 110, f"{name}: the headline is one line"
        assert entry.body, f"{name}: the lesson says more than its headline"
        assert not hasattr(entry, "differs")

def test_an_unknown_entry_is_one_line_and_exit_2(capsys):
    from tf_rosetta.comparisons import cli

    assert cli.main(["divergences", "adam_epsilom"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"tf-rosetta: unknown divergence 'adam_epsilom'; accepted: {', '.join(ENTRIES)}"]


def test_the_committed_page_is_the_rendered_catalog():
    """docs/divergences.md is what `tf-rosetta divergences --markdown` prints: a test fails when it is stale."""
    completed = subprocess.run([sys.executable, "-m", "tf_rosetta.comparisons.cli", "divergences", "--markdown"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == divergences.render_markdown()
    committed = divergences.document.PAGE.read_text(encoding="utf-8") if divergences.document.PAGE.exists() else ""
    assert committed == divergences.render_markdown(), (
        "docs/divergences.md is stale (an entry or a program changed): regenerate it with "
        f"`{divergences.document.REGENERATE}`")


def test_the_page_names_each_entry_with_its_anchor_lesson_numbers_and_probe():
    page = divergences.render_markdown()
    table, sections = page.split('\n<a id="', 1)
    for entry in divergences.CATALOG:
        assert f"| [`{entry.name}`](#{entry.name}) |" in table
        section = page.split(f'<a id="{entry.name}"></a>', 1)[1].split("\n<a id=", 1)[0]
        assert f"## `{entry.name}`: " in section
        assert f"- probe: [comparisons/divergences/entries/{entry.name}.py](../comparisons/divergences/entries/" \
               f"{entry.name}.py)" in section
        assert "- measured: " in section and "- aligned by: " in section and "- tested: " in section
        assert len(section.split("\n\n")) >= 3, f"{entry.name}: the lesson's paragraphs"
    # The links from docs/ to the probes resolve in the checkout.
    for target in re.findall(r"\]\((\.\./[^)#]+)\)", page):
        assert (divergences.document.PAGE.parent / target).exists(), target


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
    from tf_rosetta.comparisons.divergences import machine
    from tf_rosetta.comparisons.divergences.entries import onednn_fusion

    blas, onednn, jit = ENTRIES["blas_threads"], ENTRIES["onednn_fusion"], ENTRIES["keras_jit_compile"]
    pools = ENTRIES["tf_thread_pools"]
    assert all(entry.platform_problem() == "" for name, entry in ENTRIES.items()
               if name not in ("blas_threads", "onednn_fusion", "keras_jit_compile", "tf_thread_pools")
               and not ENTRIES[name].probe.__module__.endswith(RUNTIME_ENTRIES))
    monkeypatch.setattr(machine, "numpy_blas", lambda: "accelerate")
    assert "not OpenBLAS" in blas.platform_problem()
    monkeypatch.setattr(machine, "numpy_blas", lambda: "scipy-openblas")
    monkeypatch.setattr(machine, "usable_cores", lambda: 2)
    assert pools.platform_problem() == ""
    monkeypatch.setattr(machine, "usable_cores", lambda: 1)
    assert "one core" in blas.platform_problem() and "one core" in pools.platform_problem()
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
    from tf_rosetta.comparisons import cli
    from tf_rosetta.comparisons.divergences import machine

    monkeypatch.setattr(machine, "numpy_blas", lambda: "accelerate")
    assert cli.main(["divergences", "--measure", "blas_threads"]) == 0
    assert "measured now:  not on this machine: NumPy's BLAS here is accelerate, not OpenBLAS" in capsys.readouterr().out


def test_a_loss_averaged_per_replica_doubles_the_update_on_two_replicas():
    from tf_rosetta.comparisons.divergences.entries import per_replica_loss_mean

    found = per_replica_loss_mean.updates_in_a_process_of_their_own()
    one = np.array(found["one_device"][0])
    near = 1e-5 * np.abs(one).max()  # the order of the sums: rounding of the largest terms
    np.testing.assert_allclose(found["replica_mean"][0], 2 * one, rtol=0, atol=2 * near)
    np.testing.assert_allclose(found["global_batch"][0], one, rtol=0, atol=near)
    assert found["one_device"][1] == pytest.approx(np.log(10), rel=1e-6)  # zero weights: ln 10
    assert found["replica_mean"][1] == pytest.approx(2 * np.log(10), rel=1e-6)
    assert {path.stem for path in divergences.dependent_files(ENTRIES["per_replica_loss_mean"])} == {
        "mirrored_tape", "multiworker_tape"}


def test_auto_sharding_splits_tensors_as_stated_and_files_otherwise():
    from tf_rosetta.comparisons.divergences.entries import multi_worker_input_split as entry

    found = entry.measure_splits()  # {pipeline: (unseen share, the stated split?, worker 0's ids, worker 1's)}
    assert found["stated halves"][:2] == (0.0, True)
    assert found["tensors, AUTO"][:2] == (0.0, True), "the programs' in-memory input, auto-sharded by DATA"
    assert found["tensors, OFF"][2] == found["tensors, OFF"][3] == [0, 1, 2, 3], "both workers the same half"
    assert found["files, AUTO"][2:] == ([0, 1, 2, 3], [24, 25, 26, 27]), "one file each"
    assert {path.stem for path in divergences.dependent_files(ENTRIES["multi_worker_input_split"])} == {
        "multiworker_tape", "multiworker_keras"}


def test_batchnorm_normalizes_each_replica_with_its_part_unless_synchronized():
    from tf_rosetta.comparisons.divergences.entries import batchnorm_per_replica_statistics as entry

    found = entry.normalized_in_a_process_of_their_own()
    outputs = {setting: np.array(found[setting][0]) for setting in found}
    half = entry.ROWS // 2
    # Each replica's part normalized by itself: every feature has mean 0 over each half.
    np.testing.assert_allclose(outputs["per_replica"][:half].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(outputs["per_replica"][half:].mean(axis=0), 0, atol=1e-5)
    # One device (and synchronized): mean 0 over the whole batch, not over each half.
    assert np.abs(outputs["one_device"][:half].mean(axis=0)).max() > 0.1
    np.testing.assert_allclose(outputs["synchronized"], outputs["one_device"], atol=1e-5)


def test_a_seeded_dropout_drops_the_same_units_on_every_replica():
    from tf_rosetta.comparisons.divergences.entries import replica_dropout_masks as entry

    found = entry.masks_in_a_process_of_their_own()
    half = entry.ROWS // 2
    assert np.array_equal(found["keras_per_replica"][half:], found["keras_per_replica"][:half])
    assert np.array_equal(found["keras_per_replica"][:half], found["one_device"][:half]), "the first replica's rows"
    assert not np.array_equal(found["one_device"][half:], found["one_device"][:half])
    assert np.array_equal(found["own_rows"], found["one_device"])


# Between runtimes (docs/install.md, Runtimes): the probes above run each runtime in a child process;
# where a runtime's package is missing their platform_problem says so and they skip.

def _runtimes_missing(*names):
    from tf_rosetta.comparisons.divergences.entries import _runtimes

    return _runtimes.missing(*names)


@pytest.mark.skipif(bool(_runtimes_missing("tf_keras", "jax")), reason=_runtimes_missing("tf_keras", "jax") or "-")
def test_fit_on_numpy_gives_the_same_numbers_in_every_runtime():
    """fit_cost_by_runtime: the numbers are asserted, the cost is not timed."""
    from tf_rosetta.comparisons.divergences.entries import fit_cost_by_runtime as entry

    found = entry.costs_by_runtime(epochs=5)
    reference = found["tensorflow"]["dataset"]["numbers"]
    for runtime in entry.RUNTIMES:
        for source in ("numpy", "dataset"):
            assert found[runtime][source]["numbers"] == reference, (runtime, source)


def test_a_keras_program_under_jax_needs_its_tasks_jax_tolerance(monkeypatch):
    from tf_rosetta.comparisons.divergences.entries import tensorflow_vs_jax

    path = divergences.IMPLEMENTATIONS / "linear_regression" / "keras_sequential.py"
    spec = registry.load_spec("linear_regression")
    assert tensorflow_vs_jax.states_a_jax_tolerance(path, "") == []
    monkeypatch.setattr(registry, "load_spec", lambda task: dataclasses.replace(spec, runtime_tolerances={}))
    assert tensorflow_vs_jax.states_a_jax_tolerance(path, "")
    assert tensorflow_vs_jax.states_a_jax_tolerance(path.with_name("tf1_session.py"), "") == []  # not run there


def test_a_seeded_dropout_must_be_not_applicable_where_its_masks_differ(monkeypatch):
    from tf_rosetta.comparisons.divergences.entries import dropout_masks_by_runtime
    from tf_rosetta.implementations import runtimes

    path = divergences.IMPLEMENTATIONS / "mnist_mlp" / "keras_functional.py"
    assert dropout_masks_by_runtime.not_applicable_where_masks_differ(path, "") == []
    monkeypatch.setattr(runtimes, "DISAGREES_BY_TASK", {})
    assert len(dropout_masks_by_runtime.not_applicable_where_masks_differ(path, "")) == 2


def test_keras_2_defaults_that_the_runtime_entries_state():
    tf_keras = pytest.importorskip("tf_keras")
    # jit_compile_by_backend: Keras 2 compiles without XLA unless told; Keras 3 says "auto".
    assert inspect.signature(tf_keras.Model.compile).parameters["jit_compile"].default is None
    assert inspect.signature(keras.Model.compile).parameters["jit_compile"].default == "auto"
    # keras2_legacy_adam: Keras 2 keeps the fused Adam of TensorFlow 2.10 as legacy, same epsilon as Keras 3.
    assert tf_keras.optimizers.legacy.Adam().epsilon == keras.optimizers.Adam().epsilon == 1e-7


def test_a_tf1_adam_program_needs_its_spec_to_declare_the_running_beta_powers(monkeypatch):
    from tf_rosetta.comparisons.divergences.entries import tf1_adam_beta_power

    path = divergences.IMPLEMENTATIONS / "mammal_bird" / "tf1_session.py"
    assert tf1_adam_beta_power.declared_in_the_spec(path, "") == []
    spec = registry.load_spec("mammal_bird")
    monkeypatch.setattr(registry, "load_spec", lambda task: dataclasses.replace(spec, known_differences={}))
    assert tf1_adam_beta_power.declared_in_the_spec(path, "")


def test_tf1_keeps_its_beta_powers_as_a_running_float32_product():
    from tf_rosetta.comparisons.divergences.entries import tf1_adam_beta_power

    beta1_power, beta2_power = tf1_adam_beta_power.tf1_beta_powers(steps=30)
    # Written out here, not taken from the entry: TF1 starts each at its beta and multiplies.
    running_1, running_2 = [np.float32(0.9)], [np.float32(0.999)]
    for _ in range(29):
        running_1.append(running_1[-1] * np.float32(0.9))
        running_2.append(running_2[-1] * np.float32(0.999))
    assert beta1_power.tobytes() == np.array(running_1, np.float32).tobytes()
    assert beta2_power.tobytes() == np.array(running_2, np.float32).tobytes()
    powers = np.float32(0.999) ** np.arange(1, 31, dtype=np.float32)
    assert not np.array_equal(beta2_power, powers), "the power rounds otherwise within 30 steps"


@pytest.mark.parametrize("task", ["mammal_bird", "polynomial_fit", "mnist_mlp"])
def test_the_oracle_with_tf1_s_running_powers_computes_what_tf1_session_computes(task, comparison_of):
    """The entry's oracle variant explains TF1's distance from the oracle: it lands where
    tf1_session lands, much closer than the oracle does."""
    from tf_rosetta.comparisons.divergences.entries import tf1_adam_beta_power

    comparison = comparison_of(task)
    tf1 = comparison.runs["tf1_session"].result.losses.astype(np.float64)
    oracle = comparison.runs[registry.ORACLE].result.losses.astype(np.float64)
    variant = tf1_adam_beta_power.oracle_with_running_powers(task)(comparison.spec).losses.astype(np.float64)
    assert np.max(np.abs(variant - oracle)) > 0, "the variant computes otherwise"
    assert np.max(np.abs(variant - tf1)) < np.max(np.abs(oracle - tf1)) / 2
