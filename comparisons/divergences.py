"""The divergence catalog: where two TensorFlow APIs give different numbers by default.

Each entry says what differs, how big (a number measured on a named machine and versions,
kept here as data), the setting that aligns the APIs, and which implementation files
depend on that setting (found by searching them, so the list cannot go stale). Each entry
carries the probe that measured it: tests/test_divergences.py runs every probe and fails
if a difference vanished or its alignment stopped working, and
``tf-rosetta divergences --measure`` re-measures on the machine at hand.
"""

import ast
import dataclasses
import json
import os
import random
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import implementations
from implementations import registry

IMPLEMENTATIONS = Path(implementations.__file__).parent

# Where and when the recorded numbers were measured (each probe, once, by --measure).
MEASURED_ON = ("2026-11-25, x86-64 AMD EPYC (AVX-512), Linux, TensorFlow 2.21.0 (tensorflow-cpu), "
               "Keras 3.15.1, NumPy 2.4.6")


@dataclass(frozen=True)
class Measured:
    """One measurement: the difference with each API's defaults, and once aligned."""

    default: float
    aligned: float
    details: str = ""  # what else the probe saw (values, costs)


@dataclass(frozen=True)
class Divergence:
    name: str
    title: str
    differs: str  # what differs, and why
    quantity: str  # what the two measured numbers are
    setting: str  # the aligning setting, in a few words
    aligned_by: str  # the aligning setting, in full
    recorded: Measured  # measured on MEASURED_ON (or as its details say)
    # The probe's verdict: the default difference is at least default_at_least and the
    # aligned one at most aligned_at_most (each with the reason in why).
    default_at_least: float
    aligned_at_most: float
    why: str
    probe: Callable[[], Measured]
    applies_to: str  # regex: the program files in which the difference would show
    # One dependent file's problems: empty when it carries the aligning setting.
    alignment_problems: Callable[[Path, str], list[str]]
    not_measured: str = ""  # what this machine cannot measure
    unit: str = ""  # of the measured numbers, where not a plain difference

    def problems(self, measured: Measured) -> list[str]:
        """Why a fresh measurement does not show the difference and its alignment."""
        found = []
        if not measured.default >= self.default_at_least:
            found.append(f"{self.name}: the default difference {measured.default:.3g} is below "
                         f"{self.default_at_least:g}: has it vanished?")
        if not measured.aligned <= self.aligned_at_most:
            found.append(f"{self.name}: once aligned the difference {measured.aligned:.3g} is above "
                         f"{self.aligned_at_most:g}: the alignment no longer works")
        return found


# --------------------------------------------------------------------------------------
# Probes: each measures one difference with the defaults, and once aligned.

def _max_difference(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


ADAM_STEPS = 200
ADAM_LEARNING_RATE = 0.01
# Keras's defaults as written; TF1's are the same decimals rounded to float32.
FLOAT32_BETAS = {"beta_1": float(np.float32(0.9)), "beta_2": float(np.float32(0.999))}


def _adam_problem(scale: float):
    """A least-squares fit whose gradients are about `scale` (1e-6: where epsilon matters)."""
    generator = np.random.RandomState(0)
    x = generator.normal(size=(20, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 + 0.1 * generator.normal(size=(20, 1))).astype(np.float32)
    return x * np.float32(np.sqrt(scale)), y * np.float32(np.sqrt(scale))


def _tf1_adam(x, y) -> np.ndarray:
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        W = v1.get_variable("W", initializer=np.zeros((3, 1), np.float32))
        b = v1.get_variable("b", initializer=np.zeros(1, np.float32))
        loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
        train_op = v1.train.AdamOptimizer(ADAM_LEARNING_RATE).minimize(loss)  # TF1's defaults
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            for _ in range(ADAM_STEPS):
                session.run(train_op)
            return np.concatenate([session.run(W).ravel(), session.run(b)])


def _keras_adam(x, y, **settings) -> np.ndarray:
    import keras
    import tensorflow as tf

    W, b = tf.Variable(np.zeros((3, 1), np.float32)), tf.Variable(np.zeros(1, np.float32))
    optimizer = keras.optimizers.Adam(ADAM_LEARNING_RATE, **settings)
    for _ in range(ADAM_STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [W, b]), [W, b]))
    return np.concatenate([W.numpy().ravel(), b.numpy()])


_adam_runs = {}


def _adam_versus_tf1(**settings) -> float:
    """max |Δweight| of Keras Adam with these settings vs TF1 AdamOptimizer's defaults."""
    key = tuple(sorted(settings.items()))
    if key not in _adam_runs:
        x, y = _adam_problem(1e-6)
        if "tf1" not in _adam_runs:
            _adam_runs["tf1"] = _tf1_adam(x, y)
        _adam_runs[key] = _max_difference(_keras_adam(x, y, **settings), _adam_runs["tf1"])
    return _adam_runs[key]


def probe_adam_epsilon() -> Measured:
    return Measured(default=_adam_versus_tf1(**FLOAT32_BETAS),
                    aligned=_adam_versus_tf1(epsilon=1e-8, **FLOAT32_BETAS))


def probe_adam_one_minus_beta() -> Measured:
    keras_constant = float(np.float32(1 - 0.999))  # Keras: 1 - beta in float64, then float32
    tf1_constant = float(np.float32(1) - np.float32(0.999))  # TF1: in float32
    return Measured(default=_adam_versus_tf1(epsilon=1e-8),
                    aligned=_adam_versus_tf1(epsilon=1e-8, **FLOAT32_BETAS),
                    details=f"1 - beta_2: Keras {keras_constant:.8g}, TF1 {tf1_constant:.8g}")


def eager_versus_graph() -> float:
    """max |Δ| of losses and weights: a 2-2-1 sigmoid net on XOR, eager steps vs tf.function."""
    import tensorflow as tf

    generator = np.random.RandomState(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([[0], [1], [1], [0]], np.float32)
    initial = [generator.uniform(-1, 1, (2, 2)).astype(np.float32), np.zeros(2, np.float32),
               generator.uniform(-1, 1, (2, 1)).astype(np.float32), np.zeros(1, np.float32)]

    def train(compiled):
        variables = [tf.Variable(value) for value in initial]

        def step():
            with tf.GradientTape() as tape:
                hidden = tf.sigmoid(tf.matmul(x, variables[0]) + variables[1])
                output = tf.sigmoid(tf.matmul(hidden, variables[2]) + variables[3])
                loss = tf.reduce_mean(tf.square(output - y))
            for variable, gradient in zip(variables, tape.gradient(loss, variables)):
                variable.assign_sub(0.1 * gradient)
            return loss

        step = tf.function(step) if compiled else step
        losses = [step().numpy() for _ in range(500)]
        return np.concatenate([losses, *[variable.numpy().ravel() for variable in variables]])

    return _max_difference(train(False), train(True))


def _eager_versus_graph_in_a_process(onednn: str) -> subprocess.Popen:
    # TensorFlow reads TF_ENABLE_ONEDNN_OPTS once, at import: one process per setting.
    environment = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": onednn, "TF_CPP_MIN_LOG_LEVEL": "2"}
    source = ("import json, os; from comparisons.divergences import eager_versus_graph; "
              "print(json.dumps([os.environ['TF_ENABLE_ONEDNN_OPTS'], eager_versus_graph()]))")
    return subprocess.Popen([sys.executable, "-c", source], env=environment, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def probe_onednn() -> Measured:
    processes = {onednn: _eager_versus_graph_in_a_process(onednn) for onednn in ("1", "0")}
    found = {}
    for onednn, process in processes.items():
        out, err = process.communicate(timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"the TF_ENABLE_ONEDNN_OPTS={onednn} process failed: {err.strip()[-500:]}")
        setting, found[onednn] = json.loads(out.strip().splitlines()[-1])
        assert setting == onednn, f"the child saw TF_ENABLE_ONEDNN_OPTS={setting}"
    return Measured(default=found["1"], aligned=found["0"])


def blas_products() -> list:
    """x @ w and x.T @ d in float32 NumPy, the products of logistic_mnist's oracle (256 x 784 x 10)."""
    generator = np.random.RandomState(0)
    x = generator.rand(256, 784).astype(np.float32)
    w = generator.randn(784, 10).astype(np.float32)
    d = generator.randn(256, 10).astype(np.float32)
    return np.concatenate([(x @ w).ravel(), (x.T @ d).ravel()]).tolist()


def probe_blas_threads() -> Measured:
    # OpenBLAS reads its thread count once, when NumPy is imported: one process per setting.
    source = "import json; from comparisons.divergences import blas_products; print(json.dumps(blas_products()))"
    processes = {name: subprocess.Popen([sys.executable, "-c", source], text=True, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env={**os.environ, "OPENBLAS_NUM_THREADS": threads})
                 for name, threads in [("one", "1"), ("two", "2"), ("one again", "1")]}
    found = {}
    for name, process in processes.items():
        out, err = process.communicate(timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"the {name} BLAS thread process failed: {err.strip()[-500:]}")
        found[name] = np.array(json.loads(out.strip().splitlines()[-1]), np.float32)
    return Measured(default=_max_difference(found["one"], found["two"]),
                    aligned=_max_difference(found["one"], found["one again"]),
                    details=f"{int(np.sum(found['one'] != found['two']))} of {found['one'].size} products differ")


def _cross_entropies():
    import keras
    import tensorflow as tf

    logits = tf.constant([[100.0, 0.0, 0.0]])
    wrong_label = tf.constant([[0.0, 1.0, 0.0]])
    loss = keras.losses.categorical_crossentropy

    @tf.function
    def in_a_graph(logits):
        return loss(wrong_label, tf.nn.softmax(logits))

    return {
        # A Keras softmax output carries its logits; Keras's loss takes the log-softmax of those.
        "keras_softmax_output": loss(wrong_label, keras.activations.softmax(logits)),
        # An eager tf.nn.softmax tensor carries nothing: the loss clips it to [1e-7, 1 - 1e-7].
        "eager_tf_softmax": loss(wrong_label, tf.nn.softmax(logits)),
        # In a graph the loss finds the Softmax op and takes its input: logits again.
        "graph_tf_softmax": in_a_graph(logits),
        "keras_from_logits": loss(wrong_label, logits, from_logits=True),
        "tf_with_logits": tf.nn.softmax_cross_entropy_with_logits(wrong_label, logits),
    }


def probe_cross_entropy() -> Measured:
    values = {name: float(np.asarray(value).ravel()[0]) for name, value in _cross_entropies().items()}
    return Measured(default=abs(values["keras_softmax_output"] - values["eager_tf_softmax"]),
                    aligned=abs(values["keras_from_logits"] - values["tf_with_logits"]),
                    details=", ".join(f"{name} {value:.6g}" for name, value in values.items()))


def _squared_errors(targets):
    import keras
    import tensorflow as tf

    predictions = np.array([[1.5], [2.5], [3.5], [4.5]], np.float32)  # (4, 1), like Dense(1)
    raw = float(tf.reduce_mean(tf.square(targets - predictions)))
    keras_mse = float(keras.losses.MeanSquaredError()(targets, predictions))
    return raw, keras_mse


def probe_mse_broadcast() -> Measured:
    targets = np.array([1, 2, 3, 4], np.float32)
    raw, keras_mse = _squared_errors(targets)  # (4,) targets
    raw_2d, keras_2d = _squared_errors(targets.reshape(4, 1))
    return Measured(default=abs(raw - keras_mse), aligned=max(abs(raw_2d - keras_2d), abs(raw_2d - keras_mse)),
                    details=f"targets (4,): raw {raw:g}, keras 'mse' {keras_mse:g}; "
                            f"targets (4, 1): raw {raw_2d:g}, keras 'mse' {keras_2d:g}")


INITIALIZER_SEED = 1
KERNEL_SHAPE = (2, 3)


def default_initial_weights() -> dict:
    """A (2, 3) kernel and a (3,) bias from each API's default initialiser, seed 1."""
    import keras
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(INITIALIZER_SEED)
        W = v1.get_variable("W", shape=KERNEL_SHAPE)  # default: glorot_uniform_initializer
        b = v1.get_variable("b", shape=KERNEL_SHAPE[1:])  # a bias too: TF1 has no zero default
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            tf1_kernel, tf1_bias = session.run([W, b])
    found = {"tf1_get_variable": (tf1_kernel, tf1_bias)}
    # set_random_seed seeds Python's and NumPy's global generators too: put them back after.
    python_state, numpy_state = random.getstate(), np.random.get_state()
    for name, layers in [("tf_keras", tf.keras.layers), ("keras", keras.layers)]:
        keras.utils.set_random_seed(INITIALIZER_SEED)
        dense = layers.Dense(KERNEL_SHAPE[1])
        dense.build((None, KERNEL_SHAPE[0]))
        found[name] = (dense.kernel.numpy(), dense.bias.numpy())
    random.setstate(python_state)
    np.random.set_state(numpy_state)
    return found


def explicit_initial_weights() -> dict:
    """The same kernel and bias given as NumPy values to each API, as the specs do."""
    import keras
    import tensorflow as tf

    v1 = tf.compat.v1
    kernel = (np.arange(6, dtype=np.float32).reshape(KERNEL_SHAPE) - 2.5) / np.float32(3)
    bias = np.array([0.1, -0.2, 0.3], np.float32)
    graph = tf.Graph()
    with graph.as_default():
        W, b = v1.get_variable("W", initializer=kernel), v1.get_variable("b", initializer=bias)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            found = {"tf1_get_variable": tuple(session.run([W, b]))}
    found["tf_variable"] = (tf.Variable(kernel).numpy(), tf.Variable(bias).numpy())
    dense = keras.layers.Dense(3, kernel_initializer=keras.initializers.Constant(kernel),
                               bias_initializer=keras.initializers.Constant(bias))
    dense.build((None, 2))
    found["keras"] = (dense.kernel.numpy(), dense.bias.numpy())
    found["numpy"] = (kernel, bias)
    return found


def _largest_pairwise_difference(weights: dict) -> float:
    values = [np.concatenate([kernel.ravel(), bias.ravel()]) for kernel, bias in weights.values()]
    return max(_max_difference(a, b) for a in values for b in values)


def probe_initializers() -> Measured:
    defaults = default_initial_weights()
    tf1_kernel, tf1_bias = defaults["tf1_get_variable"]
    keras_kernel, keras_bias = defaults["keras"]
    return Measured(default=_max_difference(tf1_kernel, keras_kernel),
                    aligned=_largest_pairwise_difference(explicit_initial_weights()),
                    details=f"kernel TF1 vs Keras 3 {_max_difference(tf1_kernel, keras_kernel):.3g} "
                            f"(Glorot limit {np.sqrt(6 / sum(KERNEL_SHAPE)):.3g}); "
                            f"tf.keras vs Keras 3 {_max_difference(defaults['tf_keras'][0], keras_kernel):.3g}; "
                            f"bias: TF1 max |b| {np.abs(tf1_bias).max():.3g}, Keras max |b| {np.abs(keras_bias).max():.3g}")


FIT_X = np.array([[1], [2], [3], [4]], np.float32)
FIT_Y = 2 * FIT_X


def _small_model():
    import keras

    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(
        1, kernel_initializer=keras.initializers.Constant([[0.5]]), bias_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", jit_compile=False)
    return model


def fit_numpy_versus_dataset(epochs: int) -> dict:
    """Keras fit, one full batch an epoch, from NumPy arrays and from a repeated tf.data.Dataset.

    Counts how often fit builds a fresh iterator over its data: the cost NumPy input pays
    every epoch.
    """
    import tensorflow as tf
    from keras.src.trainers import epoch_iterator

    found = {}
    real_enumerate = epoch_iterator.EpochIterator._enumerate_iterator
    for source in ("numpy", "dataset"):
        model, builds = _small_model(), []

        def counting(self):
            # Wrap this iterator's own _get_iterator (TF backend: its tf.data pipeline) once.
            if "_get_iterator" not in vars(self):
                get_iterator = self._get_iterator
                self._get_iterator = lambda: builds.append(1) or get_iterator()
            return real_enumerate(self)

        epoch_iterator.EpochIterator._enumerate_iterator = counting
        try:
            start = time.perf_counter()
            if source == "numpy":
                history = model.fit(FIT_X, FIT_Y, batch_size=len(FIT_X), epochs=epochs, shuffle=False, verbose=0)
            else:
                dataset = tf.data.Dataset.from_tensor_slices((FIT_X, FIT_Y)).batch(len(FIT_X)).repeat()
                history = model.fit(dataset, epochs=epochs, steps_per_epoch=1, shuffle=False, verbose=0)
            seconds = time.perf_counter() - start
        finally:
            epoch_iterator.EpochIterator._enumerate_iterator = real_enumerate
        found[source] = {"losses": np.array(history.history["loss"], np.float32),
                         "weights": np.concatenate([w.ravel() for w in model.get_weights()]),
                         "iterators": len(builds), "seconds_per_epoch": seconds / epochs}
    return found


def probe_fit_numpy() -> Measured:
    found = fit_numpy_versus_dataset(epochs=200)
    numbers = max(_max_difference(found["numpy"][key], found["dataset"][key]) for key in ("losses", "weights"))
    return Measured(default=1000 * found["numpy"]["seconds_per_epoch"],
                    aligned=1000 * found["dataset"]["seconds_per_epoch"],
                    details=f"losses and weights differ by {numbers:g}; iterators built over 200 epochs: "
                            f"NumPy {found['numpy']['iterators']}, tf.data {found['dataset']['iterators']}; "
                            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def fit_logs() -> dict:
    """The losses Keras logs, and the loss of each step, with two batches an epoch and with one."""
    import keras
    import tensorflow as tf

    class StepLosses(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batch_logs.append(logs["loss"])

    found = {}
    for batch_size in (2, 4):
        model, batch_logs = _small_model(), []
        dataset = tf.data.Dataset.from_tensor_slices((FIT_X, FIT_Y)).batch(batch_size)
        history = model.fit(dataset, epochs=3, shuffle=False, verbose=0, callbacks=[StepLosses()])
        # Each step's own loss, before its update: the same SGD written out eagerly.
        W, b = tf.Variable([[0.5]]), tf.Variable([0.0])
        optimizer, step_losses = keras.optimizers.SGD(0.01), []
        for _ in range(3):
            for start in range(0, len(FIT_X), batch_size):
                x, y = FIT_X[start:start + batch_size], FIT_Y[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
                optimizer.apply_gradients(zip(tape.gradient(loss, [W, b]), [W, b]))
                step_losses.append(float(loss))
        found[batch_size] = {"history": np.array(history.history["loss"]), "batch_logs": np.array(batch_logs),
                             "step_losses": np.array(step_losses)}
    return found


def probe_fit_logs() -> Measured:
    found = fit_logs()
    two, one = found[2], found[4]
    return Measured(default=_max_difference(two["history"], two["step_losses"][1::2]),
                    aligned=_max_difference(one["history"], one["step_losses"]),
                    details=f"2 batches an epoch: history {np.round(two['history'], 4).tolist()}, "
                            f"step losses {np.round(two['step_losses'], 4).tolist()}")


def _xor_start():
    """XOR's four points and two kernels drawn once from a fixed NumPy seed (biases start at zero)."""
    generator = np.random.RandomState(0)
    kernels = [generator.uniform(-1, 1, (2, 2)).astype(np.float32), generator.uniform(-1, 1, (2, 1)).astype(np.float32)]
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([[0], [1], [1], [0]], np.float32)
    return x, y, kernels


def xor_fit(jit_compile) -> tuple:
    """A 2-2-1 sigmoid net trained on XOR by Keras fit: (losses and weights, resolved jit_compile)."""
    import keras
    import tensorflow as tf

    x, y, kernels = _xor_start()
    model = keras.Sequential([keras.Input(shape=(2,))] + [
        keras.layers.Dense(kernel.shape[1], activation="sigmoid",
                           kernel_initializer=keras.initializers.Constant(kernel)) for kernel in kernels])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=jit_compile)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat()
    history = model.fit(dataset, epochs=300, steps_per_epoch=1, shuffle=False, verbose=0)
    numbers = np.concatenate([history.history["loss"], *[w.ravel() for w in model.get_weights()]])
    return numbers, model.jit_compile


def xor_tape() -> np.ndarray:
    """The same training as xor_fit, written as an eager GradientTape loop."""
    import keras
    import tensorflow as tf

    x, y, kernels = _xor_start()
    variables = [tf.Variable(kernels[0]), tf.Variable(np.zeros(2, np.float32)),
                 tf.Variable(kernels[1]), tf.Variable(np.zeros(1, np.float32))]
    optimizer, losses = keras.optimizers.SGD(0.1), []
    for _ in range(300):
        with tf.GradientTape() as tape:
            hidden = tf.sigmoid(tf.matmul(x, variables[0]) + variables[1])
            loss = tf.reduce_mean(tf.square(y - tf.sigmoid(tf.matmul(hidden, variables[2]) + variables[3])))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        losses.append(float(loss))
    return np.concatenate([losses, *[variable.numpy().ravel() for variable in variables]])


def probe_jit_compile() -> Measured:
    without_xla, _ = xor_fit(False)
    with_xla, _ = xor_fit(True)
    auto, resolved = xor_fit("auto")
    return Measured(default=_max_difference(with_xla, without_xla),
                    aligned=_max_difference(without_xla, xor_tape()),
                    details=f"jit_compile='auto' resolved to {resolved} on this machine "
                            f"(differs from jit_compile=False by {_max_difference(auto, without_xla):g})")


# --------------------------------------------------------------------------------------
# Alignment checks: a dependent file's problems, empty when it carries the aligning setting.

def _program_task(path: Path) -> str | None:
    task = path.parent.name
    return task if task in registry.TASKS else None


def _adam_calls_pass(*arguments) -> Callable[[Path, str], list[str]]:
    def problems(path: Path, source: str) -> list[str]:
        found = []
        for call in re.findall(r"\bAdam(?:Optimizer)?\(((?:[^()]|\([^()]*\))*)\)", source):
            for argument in arguments:
                if not re.search(argument, call):
                    found.append(f"{path}: an Adam call without {argument.replace(chr(92), '')}")
        return found

    return problems


def _adam_betas_are_float32(path: Path, source: str) -> list[str]:
    found = _adam_calls_pass(r"beta_?1=", r"beta_?2=")(path, source)
    task = _program_task(path)
    if task:
        spec = registry.load_spec(task)
        for name in ("beta_1", "beta_2"):
            value = getattr(spec, name, None)
            if value is not None and float(np.float32(value)) != value:
                found.append(f"{path}: spec {name} {value!r} is not a float32 value")
    return found


def _set_by_the_package(variable: str, value: str, path: Path) -> list[str]:
    package = (IMPLEMENTATIONS / "__init__.py").read_text()
    if f'os.environ.setdefault("{variable}", "{value}")' not in package:
        return [f"{path}: implementations/__init__.py no longer sets {variable}={value}"]
    return []


def _contains(pattern: str, meaning: str) -> Callable[[Path, str], list[str]]:
    def problems(path: Path, source: str) -> list[str]:
        return [] if re.search(pattern, source) else [f"{path}: {meaning}"]

    return problems


def _cross_entropy_from_logits(path: Path, source: str) -> list[str]:
    if "from_logits=False" in source or not re.search(r"from_logits=True|_with_logits\(|logits", source):
        return [f"{path}: computes a cross-entropy, not from logits"]
    if "keras" in source and ".compile(" in source and "from_logits=True" not in source:
        return [f"{path}: a Keras loss without from_logits=True"]
    return []


def _one_step_an_epoch_or_epoch_means(path: Path, source: str) -> list[str]:
    if re.search(r"steps_per_epoch=1\b", source):
        return []
    task = _program_task(path)
    spec = registry.load_spec(task) if task else None
    if spec is not None and spec.loss_count != spec.steps:
        return []  # the task records a mean per epoch in every style (its spec's loss_record)
    return [f"{path}: calls fit without steps_per_epoch=1, and its task records step losses"]


def _targets_shaped_like_inputs(path: Path, source: str) -> list[str]:
    """Targets of the same rank as the inputs: (n, k) for a Dense model, (n,) for an elementwise one."""
    task = _program_task(path)
    if not task:
        return []
    spec = registry.load_spec(task)
    found = []
    for field in dataclasses.fields(spec):
        if field.name.startswith("y_"):
            inputs = getattr(spec, "x_" + field.name[2:], None)
            targets = getattr(spec, field.name)
            if isinstance(inputs, np.ndarray) and np.ndim(targets) != np.ndim(inputs):
                found.append(f"{path}: spec {field.name} has shape {np.shape(targets)}, "
                             f"x_{field.name[2:]} {np.shape(inputs)}: a squared error would broadcast")
    return found


# --------------------------------------------------------------------------------------
# The catalog.

CATALOG = (
    Divergence(
        name="adam_epsilon",
        title="Adam's epsilon: TF1 1e-8, Keras 1e-7",
        differs="TF1 `AdamOptimizer` adds epsilon=1e-8 to sqrt(v); Keras `Adam` (also `tf.keras`) adds 1e-7. "
                "It matters where gradients are small: with gradients near 1e-6 the step shrinks by ~10%.",
        quantity="max |Δweight|, Keras Adam vs TF1 AdamOptimizer, 200 steps, gradients ~1e-6 (betas aligned)",
        setting="`epsilon=1e-8` in Keras `Adam`",
        aligned_by="pass `epsilon=1e-8` to Keras `Adam` (the specs carry `epsilon`, every style passes it)",
        recorded=Measured(default=0.09465134, aligned=5.9604645e-07),
        default_at_least=1e-2, aligned_at_most=2e-6,
        why="aligned, what remains is rounding: TF1 keeps beta**t as a running float32 product where Keras "
            "takes the power, ~1 ulp a step over 200 steps",
        probe=probe_adam_epsilon,
        applies_to=r"\bAdam(Optimizer)?\(",
        alignment_problems=_adam_calls_pass(r"epsilon="),
    ),
    Divergence(
        name="adam_one_minus_beta",
        title="Adam's 1 - beta: Keras in float64, TF1 in float32",
        differs="Keras computes `1 - beta_2` in Python (float64) and casts: 0.001; TF1 computes it in float32 "
                "from float32(0.999): 0.00099998713. The moment estimates drift apart by ~1e-5 relative.",
        quantity="max |Δweight|, Keras Adam vs TF1 AdamOptimizer, 200 steps (epsilon aligned)",
        setting="betas rounded to float32",
        aligned_by="pass the betas rounded to float32, `beta_1=float(np.float32(0.9))`, "
                   "`beta_2=float(np.float32(0.999))` (the specs carry them)",
        recorded=Measured(default=5.2452087e-06, aligned=5.9604645e-07,
                          details="1 - beta_2: Keras 0.001, TF1 0.00099998713"),
        default_at_least=2e-6, aligned_at_most=2e-6,
        why="aligned, what remains is rounding: TF1 keeps beta**t as a running float32 product where Keras "
            "takes the power, ~1 ulp a step over 200 steps",
        probe=probe_adam_one_minus_beta,
        applies_to=r"\bAdam(Optimizer)?\(",
        alignment_problems=_adam_betas_are_float32,
    ),
    Divergence(
        name="onednn_fusion",
        title="oneDNN fusion: graph code rounds unlike eager code",
        differs="TensorFlow's oneDNN build fuses ops (matmul + bias + activation) in graphs only, so "
                "`tf.function`, TF1 and Keras `fit` round unlike eager code; its kernels move eager results "
                "too (logistic_mnist's eager weights by up to 1.5e-7). The setting `TF_ENABLE_ONEDNN_OPTS` "
                "is read once, when TensorFlow is imported.",
        quantity="max |Δ| of losses and weights, eager vs tf.function, 2-2-1 sigmoid net on XOR, 500 SGD steps",
        setting="`TF_ENABLE_ONEDNN_OPTS=0`",
        aligned_by="`TF_ENABLE_ONEDNN_OPTS=0` before TensorFlow is imported (`implementations/__init__.py` "
                   "sets it with setdefault)",
        recorded=Measured(default=9.3132257e-08, aligned=0.0),
        default_at_least=1e-9, aligned_at_most=0.0,
        why="with fusion off eager and graph run the same kernels: bitwise equal",
        probe=probe_onednn,
        applies_to=r"^import tensorflow",
        alignment_problems=lambda path, source: _set_by_the_package("TF_ENABLE_ONEDNN_OPTS", "0", path),
    ),
    Divergence(
        name="blas_threads",
        title="NumPy's BLAS: the thread count changes the sums",
        differs="OpenBLAS (in NumPy's wheels) splits a matrix product across its threads, one per core by "
                "default, and the split changes the order of the sums: the NumPy oracle's numbers depend on the "
                "machine's core count. The setting `OPENBLAS_NUM_THREADS` is read once, when NumPy is imported.",
        quantity="max |Δ|, x (256, 784) @ w (784, 10) and x.T @ d in float32: 2 BLAS threads vs 1",
        setting="`OPENBLAS_NUM_THREADS=1`",
        aligned_by="`OPENBLAS_NUM_THREADS=1` before NumPy is imported (`implementations/__init__.py` sets it "
                   "with setdefault)",
        recorded=Measured(default=2.0980835e-05, aligned=0.0, details="2017 of 10400 products differ"),
        default_at_least=1e-9, aligned_at_most=0.0,
        why="one thread sums in one fixed order: bitwise equal from run to run",
        probe=probe_blas_threads,
        applies_to=r" @ |np\.(dot|matmul)\(",  # NumPy matrix products: the oracles
        alignment_problems=lambda path, source: _set_by_the_package("OPENBLAS_NUM_THREADS", "1", path),
    ),
    Divergence(
        name="cross_entropy_on_probabilities",
        title="Cross-entropy of a softmax output: clipped probabilities or logits",
        differs="Keras's cross-entropy on probabilities uses the logits when it can find them (a Keras "
                "softmax/sigmoid output carries them; in a graph it finds the Softmax op) and otherwise clips "
                "to [1e-7, 1 - 1e-7] and takes the log: the same call gives 100.0 in `tf.function` and "
                "16.12 eagerly, on logits [100, 0, 0] with the wrong label.",
        quantity="|Δloss| on logits [100, 0, 0], wrong label: Keras softmax output vs eager tf.nn.softmax output",
        setting="the loss from logits",
        aligned_by="compute the loss from logits in every style: `from_logits=True`, "
                   "`tf.nn.softmax_cross_entropy_with_logits`, a log-softmax in NumPy",
        recorded=Measured(default=83.88190460205078, aligned=0.0,
                          details="keras_softmax_output 100, eager_tf_softmax 16.1181, graph_tf_softmax 100, "
                                  "keras_from_logits 100, tf_with_logits 100"),
        default_at_least=80, aligned_at_most=0.0,
        why="from logits both compute logsumexp(z) - z_label = 100 exactly in float32",
        probe=probe_cross_entropy,
        applies_to=r"(?i)cross_?entropy",
        alignment_problems=_cross_entropy_from_logits,
    ),
    Divergence(
        name="mse_broadcast",
        title="A raw squared error broadcasts (n,) targets against (n, 1) predictions",
        differs="`tf.reduce_mean(tf.square(y - p))` with y (n,) and p (n, 1) silently forms (n, n) "
                "differences; Keras's `'mse'` squeezes the last axis first.",
        quantity="|Δloss|, raw reduce_mean(square(y - p)) vs Keras 'mse', y = [1, 2, 3, 4], p = y + 0.5",
        setting="targets shaped like predictions",
        aligned_by="targets shaped like the predictions ((n, 1) for Dense(1)): the specs hold them so",
        recorded=Measured(default=2.5, aligned=0.0,
                          details="targets (4,): raw 2.75, keras 'mse' 0.25; targets (4, 1): raw 0.25, "
                                  "keras 'mse' 0.25"),
        default_at_least=2.5, aligned_at_most=0.0,
        why="with matching shapes both are the mean of four exact squares of 0.5",
        probe=probe_mse_broadcast,
        applies_to=r"reduce_mean\(tf\.square\(|np\.mean\(np\.square\(",
        alignment_problems=_targets_shaped_like_inputs,
    ),
    Divergence(
        name="default_initializers",
        title="Default initial weights: TF1, tf.keras and Keras 3 draw different numbers",
        differs="For the same shape and seed, TF1 `get_variable` (glorot_uniform, graph seed) and Keras "
                "(`keras.utils.set_random_seed`) draw different kernels, and TF1 gives a bias Glorot-uniform "
                "values where Keras gives zeros. Here `tf.keras` is Keras 3 itself (TensorFlow 2.16+), so "
                "those two agree.",
        quantity="max |Δkernel|, (2, 3) kernel, seed 1: TF1 get_variable vs Keras 3 Dense",
        setting="explicit NumPy initial weights",
        aligned_by="explicit NumPy initial values (`spec.initial_weights`) in every style: "
                   "`initializer=` / `tf.Variable(...)` / `keras.initializers.Constant(...)`",
        recorded=Measured(default=1.7173781, aligned=0.0,
                          details="tf.keras vs Keras 3: 0; TF1 bias nonzero, Keras bias 0"),
        default_at_least=1e-3, aligned_at_most=0.0,
        why="a float32 value passed in is stored unchanged by every API",
        probe=probe_initializers,
        applies_to=r"tf\.Variable\(|get_variable\(|layers\.Dense\(|add_weight\(",
        alignment_problems=_contains(r"initial_weights", "creates weights without spec.initial_weights"),
    ),
    Divergence(
        name="fit_numpy_input",
        title="Keras fit on NumPy arrays vs a tf.data.Dataset: same numbers, very different cost",
        differs="`fit(x, y)` on NumPy arrays rebuilds its data iterator at every epoch; with one step an epoch "
                "(to read the loss of every step) that dominates the run. A repeated `tf.data.Dataset` with "
                "`steps_per_epoch=1` keeps one iterator. The losses and weights are bitwise equal.",
        quantity="time of fit per epoch, one full-batch step an epoch: NumPy input vs repeated tf.data",
        unit=" ms",
        setting="a repeated `tf.data.Dataset`",
        aligned_by="feed `fit` a repeated `tf.data.Dataset` with `steps_per_epoch=1`",
        recorded=Measured(default=19.3, aligned=1.47,
                          details="measured 2026-11-25 at load average 0.5 on 2 cores (not a benchmark); "
                                  "losses and weights differ by 0; iterators built over 200 epochs: NumPy 400, "
                                  "tf.data 1"),
        default_at_least=0.0, aligned_at_most=float("inf"),
        why="a cost, not a difference in numbers: tests assert the numbers are equal and count the iterators "
            "(timings belong to benchmarks/)",
        probe=probe_fit_numpy,
        applies_to=r"\.fit\(",
        alignment_problems=_contains(r"tf\.data\.Dataset", "calls fit without a tf.data.Dataset"),
    ),
    Divergence(
        name="fit_logs_running_mean",
        title="Keras logs a running mean of the epoch's losses, not the step's loss",
        differs="With several batches an epoch, `history.history['loss']` and the batch-end `logs['loss']` "
                "are the mean over the epoch's batches so far, while TF1 and GradientTape loops record each "
                "step's own loss.",
        quantity="max |Δloss|, Keras history vs each epoch's last step loss, 2 batches an epoch",
        setting="`steps_per_epoch=1`, or epoch means everywhere",
        aligned_by="one batch an epoch (`steps_per_epoch=1`): `history.history['loss'][i]` is the loss before "
                   "update i; or every style records each epoch's mean loss, as the history does (a spec whose "
                   "`loss_count` is its epochs, like xor's)",
        recorded=Measured(default=9.655378341674805, aligned=0.0,
                          details="2 batches an epoch: history [15.2805, 7.1465, 3.351], step losses "
                                  "[5.625, 24.936, 2.4305, 11.8626, 1.0118, 5.6903]"),
        default_at_least=1.0, aligned_at_most=0.0,
        why="one step an epoch: the mean of one loss is that loss",
        probe=probe_fit_logs,
        applies_to=r"\.fit\(",
        alignment_problems=_one_step_an_epoch_or_epoch_means,
    ),
    Divergence(
        name="keras_jit_compile",
        title="Keras 3 compiles with XLA on a GPU by default",
        differs="`compile(jit_compile='auto')`, the default, turns XLA on when a GPU is present and off on a "
                "CPU-only machine; XLA fuses and reorders ops, so Keras programs round unlike the others.",
        quantity="max |Δ| of losses and weights, Keras fit with XLA (forced on the CPU) vs without, "
                 "2-2-1 sigmoid net on XOR, 300 steps",
        setting="`jit_compile=False`",
        aligned_by="`compile(..., jit_compile=False)` in every Keras program",
        recorded=Measured(default=1.7881393e-07, aligned=0.0,
                          details="jit_compile='auto' resolved to False on this machine (no GPU)"),
        default_at_least=1e-9, aligned_at_most=0.0,
        why="without XLA, fit runs the same kernels as a GradientTape loop: bitwise equal",
        probe=probe_jit_compile,
        applies_to=r"\.compile\(",
        alignment_problems=_contains(r"jit_compile=False", "compiles without jit_compile=False"),
        not_measured="the size on a GPU (none here); the test checks that 'auto' picks XLA when a GPU is listed",
    ),
)

BY_NAME = {entry.name: entry for entry in CATALOG}


def check_names(names) -> list[Divergence]:
    for name in names:
        if name not in BY_NAME:
            raise registry.UnknownName(f"unknown divergence {name!r}; accepted: {', '.join(BY_NAME)}")
    return [BY_NAME[name] for name in names] or list(CATALOG)


def program_files() -> list[Path]:
    """Every program of every registered task (specs and helpers excluded)."""
    return [IMPLEMENTATIONS / task / f"{program}.py" for task in registry.TASKS for program in registry.PROGRAMS
            if (IMPLEMENTATIONS / task / f"{program}.py").exists()]


def program_code(path: Path) -> str:
    """A program's code without its comments and docstrings: a setting named only there does not count."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def dependent_files(entry: Divergence) -> list[Path]:
    """The program files in which the difference would show: those that need the aligning setting."""
    return [path for path in program_files() if re.search(entry.applies_to, program_code(path), re.MULTILINE)]


def alignment_problems(entry: Divergence) -> list[str]:
    return [problem for path in dependent_files(entry) for problem in entry.alignment_problems(path, program_code(path))]


# --------------------------------------------------------------------------------------
# Rendering.

def _number(value: float) -> str:
    if value == 0:
        return "0"
    if value == float("inf"):
        return "—"
    return f"{value:.3g}"


def _files_summary(paths: list[Path]) -> str:
    by_task = {}
    for path in paths:
        by_task.setdefault(path.parent.name, []).append(path.stem)
    return "; ".join(f"{task}: {', '.join(programs)}" for task, programs in by_task.items()) or "none"


def render_text(entries=CATALOG, measured: dict | None = None) -> str:
    """The terminal page: a summary table, then each entry in full with the files that depend on it."""
    lines = ["Known differences between the APIs", f"recorded: {MEASURED_ON}", ""]
    header = f"{'divergence':<31} {'defaults':>9} {'aligned':>9}  {'files':>5}  aligning setting"
    lines += [header, "-" * 100]
    for entry in entries:
        lines.append(f"{entry.name:<31} {_number(entry.recorded.default):>9} {_number(entry.recorded.aligned):>9}  "
                     f"{len(dependent_files(entry)):>5}  {entry.setting}")
    for entry in entries:
        files = dependent_files(entry)
        lines += ["", f"{entry.name}: {entry.title}",
                  f"  what differs:  {entry.differs}",
                  f"  measured:      {_number(entry.recorded.default)}{entry.unit} with the defaults, "
                  f"{_number(entry.recorded.aligned)}{entry.unit} aligned ({entry.quantity})"]
        if entry.recorded.details:
            lines.append(f"                 {entry.recorded.details}")
        if measured and entry.name in measured:
            now = measured[entry.name]
            lines.append(f"  measured now:  {_number(now.default)}{entry.unit} with the defaults, "
                         f"{_number(now.aligned)}{entry.unit} aligned"
                         + (f"; {now.details}" if now.details else ""))
            lines += [f"  PROBLEM: {problem}" for problem in entry.problems(now)]
        if entry.aligned_at_most == float("inf"):
            lines.append(f"  tested:        {entry.why}")
        else:
            lines.append(f"  tested:        at least {_number(entry.default_at_least)} with the defaults, at most "
                         f"{_number(entry.aligned_at_most)} aligned ({entry.why})")
        if entry.not_measured:
            lines.append(f"  not measured:  {entry.not_measured}")
        lines.append(f"  aligned by:    {entry.aligned_by}")
        lines.append(f"  {f'files ({len(files)}):':<15}{_files_summary(files)}")
        lines += [f"  PROBLEM: {problem}" for problem in alignment_problems(entry)]
    return "\n".join(lines)


def render_markdown(entries=CATALOG) -> str:
    """The README section: one row per entry; `tf-rosetta divergences` gives each in full, with its files."""
    lines = [
        "## Known differences between the APIs",
        "",
        textwrap.fill(
            "Where two APIs differ by default they give different numbers. Each row is a test "
            "(`tests/test_divergences.py`) that fails if the difference vanishes or its alignment stops "
            "working, and a check that every program it reaches carries the aligning setting. "
            "`tf-rosetta divergences` prints each entry in full with the files that depend on it; "
            "`--measure` re-measures on your machine. Recorded on " + MEASURED_ON + ".", width=90,
            break_on_hyphens=False, break_long_words=False),
        "",
        "| difference | with the defaults | aligned | aligning setting |",
        "|---|---|---|---|",
    ]
    for entry in entries:
        cells = [entry.title, f"{_number(entry.recorded.default)}{entry.unit} ({entry.quantity})",
                 f"{_number(entry.recorded.aligned)}{entry.unit}", entry.setting]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def command_divergences(args) -> int:
    entries = check_names(args.names)
    if args.markdown:
        print(render_markdown(entries))
        return 0
    measured, failed = {}, []
    for entry in entries if args.measure else []:
        try:
            measured[entry.name] = entry.probe()
        except Exception as error:  # noqa: BLE001  (one probe failing must not hide the others)
            failed.append(f"tf-rosetta: probe {entry.name} failed: {type(error).__name__}: "
                          f"{(str(error).strip().splitlines() or [''])[0]}")
    print(render_text(entries, measured))
    for line in failed:
        print(line, file=sys.stderr)
    failing = [entry for entry in entries if alignment_problems(entry) or
               (entry.name in measured and entry.problems(measured[entry.name]))]
    return 1 if failing or failed else 0


def register(commands) -> None:
    parser = commands.add_parser("divergences", help="where the APIs differ by default, how much, and the "
                                                     "setting that aligns them")
    parser.add_argument("names", nargs="*", metavar="NAME", help="default: every entry")
    parser.add_argument("--markdown", action="store_true", help="the README section, as Markdown")
    parser.add_argument("--measure", action="store_true", help="re-measure every entry on this machine")
    parser.set_defaults(handler=command_divergences)
