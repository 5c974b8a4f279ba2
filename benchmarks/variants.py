"""The ways of running a task's training that the benchmarks time, one builder per variant.

A variant id is a style id, with ``+what`` where it changes one thing about that style.
Each builder returns a Runner whose ``run()`` trains ``steps`` steps from the state that
``reset()`` restores (the spec's initial weights, a fresh optimizer) and returns the losses
it saw, so every timed round computes the same thing and can be checked against the
oracle. The loops keep what the implementations do each step (fetch the loss to NumPy,
feed NumPy arrays to ``Session.run``), because that is what a user of each style pays.
"""

import dataclasses
import math
from typing import Callable

import numpy as np
import tensorflow as tf

from tf_rosetta.implementations import contract, registry, runtimes
from tf_rosetta.implementations.contract import Tolerance

# Python loops of single steps cost the same per step after a few: 200 keep a round short.
LOOP_MAX_STEPS = 200
# Naive fit(x, y, epochs=N) costs ~19 ms an epoch here whatever the data: cap its rounds.
FIT_NUMPY_MAX_STEPS = 20
# XLA fuses and reorders float32 arithmetic, so it rounds unlike the oracle; a task module
# may set its own XLA_TOLERANCE, measured.
XLA_TOLERANCE = Tolerance(
    rtol=0, atol=1.2e-6,
    reason="XLA fuses and reorders float32 arithmetic: worst measured 6.0e-7 on the losses (polynomial_fit); 2x",
)


@dataclasses.dataclass
class Runner:
    steps: int  # training steps in one run()
    run: Callable[[], np.ndarray]  # the losses of those steps (or one mean per steps_per_loss steps)
    reset: Callable[[], None]
    style: str  # the style whose arithmetic it repeats: its tolerance applies
    what: str  # one line: what a timed round is
    steps_per_loss: int = 1  # fit(x, y) on NumPy reports one mean per epoch of this many steps
    close: Callable[[], None] = lambda: None
    results: list = dataclasses.field(default_factory=list)  # numpy_reference's TrainingResults: the quality bar


def steps_per_round(module, spec) -> int:
    """Steps of a whole-run variant: the spec's, or fewer where the task module says so."""
    return getattr(module, "STEPS", spec.steps)


def loop_steps(module, spec) -> int:
    return min(steps_per_round(module, spec), LOOP_MAX_STEPS)


def _stacked(batches):
    return np.stack([x for x, _ in batches]), np.stack([y for _, y in batches])


def _non_trainable(module) -> tuple:
    """Weights that training assigns but the optimizer never sees (BatchNorm's moving statistics)."""
    return tuple(getattr(module, "NON_TRAINABLE", ()))


def _forward(module, spec, weights, x, step, jit_compile=False):
    """The forward pass of training step `step`: train_model where the task has one, else model.

    jit_compile: XLA compiles the step. XLA's stateless random ops draw other numbers than
    TensorFlow's kernels (see `tf-rosetta divergences xla_stateless_random`), so a task whose
    step draws them takes the kernels' numbers as data there.
    """
    if hasattr(module, "train_model"):
        return module.train_model(spec, weights, x, step, jit_compile=jit_compile)
    return module.model(weights, x)


def _tf2_state(module, spec):
    """Variables and an optimizer, with a reset() to the spec's start; built outside any trace."""
    weights = {name: tf.Variable(value, name=name, trainable=name not in _non_trainable(module))
               for name, value in spec.initial_weights.items()}
    variables = [variable for name, variable in weights.items() if name not in _non_trainable(module)]
    optimizer = module.optimizer(spec)
    optimizer.build(variables)
    fresh_optimizer = [variable.numpy() for variable in optimizer.variables]

    def reset():
        for name, variable in weights.items():
            variable.assign(spec.initial_weights[name])
        for variable, value in zip(optimizer.variables, fresh_optimizer):
            variable.assign(value)

    return weights, variables, optimizer, reset


def _train_step(module, spec, weights, variables, optimizer, jit_compile=False):
    def train_step(x, y, step):
        with tf.GradientTape() as tape:
            loss = module.loss(y, _forward(module, spec, weights, x, step, jit_compile))
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return loss

    return train_step


def _step_loop(module, spec, compile_step, style, what, jit_compile=False):
    steps = loop_steps(module, spec)
    batches = [(tf.constant(x), tf.constant(y)) for x, y in module.batches(spec)]
    weights, variables, optimizer, reset = _tf2_state(module, spec)
    train_step = compile_step(_train_step(module, spec, weights, variables, optimizer, jit_compile))
    # The step as a tensor: a Python int would trace a new graph every step.
    step_numbers = [tf.constant(step, tf.int64) for step in range(steps)]

    def run():
        losses = []
        for step in range(steps):
            x, y = batches[step % len(batches)]
            losses.append(train_step(x, y, step_numbers[step]).numpy())
        return np.array(losses)

    return Runner(steps, run, reset, style, what)


def eager_tape(module, spec):
    return _step_loop(module, spec, lambda step: step, "eager_tape",
                      "a Python loop of eager GradientTape steps")


def tf_function(module, spec):
    return _step_loop(module, spec, tf.function, "tf_function",
                      "a Python loop of one @tf.function step")


def tf_function_xla(module, spec):
    return _step_loop(module, spec, lambda step: tf.function(step, jit_compile=True), "xla",
                      "a Python loop of one @tf.function(jit_compile=True) step", jit_compile=True)


def _graph_loop(module, spec, jit_compile, style, what):
    steps = steps_per_round(module, spec)
    batches = module.batches(spec)
    xs, ys = (tf.constant(array) for array in _stacked(batches))
    weights, variables, optimizer, reset = _tf2_state(module, spec)
    train_step = _train_step(module, spec, weights, variables, optimizer, jit_compile)

    @tf.function(jit_compile=jit_compile)
    def train_loop():
        losses = tf.TensorArray(tf.float32, size=steps)
        for step in tf.range(steps):
            if len(batches) == 1:  # Python-level: a full-batch task indexes nothing in the loop
                x, y = xs[0], ys[0]
            else:
                x, y = xs[step % len(batches)], ys[step % len(batches)]
            losses = losses.write(step, train_step(x, y, tf.cast(step, tf.int64)))
        return losses.stack()

    return Runner(steps, lambda: train_loop().numpy(), reset, style, what)


def tf_function_loop(module, spec):
    return _graph_loop(module, spec, False, "tf_function",
                       "the whole training loop in one @tf.function (a tf.range loop)")


def tf_function_xla_loop(module, spec):
    return _graph_loop(module, spec, True, "xla",
                       "the whole training loop in one @tf.function(jit_compile=True)")


def tf1_session(module, spec):
    v1 = tf.compat.v1
    steps = loop_steps(module, spec)
    batches = module.batches(spec)
    graph = tf.Graph()
    with graph.as_default():
        x, y = (v1.placeholder(array.dtype, shape=(None, *array.shape[1:])) for array in batches[0])
        step_fed = v1.placeholder(tf.int64, shape=())
        weights = {name: v1.get_variable(name, initializer=value, trainable=name not in _non_trainable(module))
                   for name, value in spec.initial_weights.items()}
        loss = module.loss(y, _forward(module, spec, weights, x, step_fed))
        # Assignments the loss does not depend on (moving statistics) run with the train op.
        with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
            train_op = module.tf1_optimizer(spec).minimize(loss)
        init = v1.global_variables_initializer()  # also the optimizer's slots
    session = v1.Session(graph=graph)

    def run():
        losses = []
        for step in range(steps):
            x_batch, y_batch = batches[step % len(batches)]
            loss_value, _ = session.run([loss, train_op], feed_dict={x: x_batch, y: y_batch, step_fed: step})
            losses.append(loss_value)
        return np.array(losses)

    return Runner(steps, run, lambda: session.run(init), "tf1_session",
                  "a Python loop of Session.run([loss, train_op], feed_dict)", close=session.close)


def _keras_state(module, spec, steps_per_execution=1):
    model = module.keras_model(spec, steps_per_execution)
    # Every variable, not only get_weights(): a Dropout layer's seed generator state too.
    fresh_variables = [variable.numpy() for variable in model.variables]
    model.optimizer.build(model.trainable_variables)
    fresh_optimizer = [variable.numpy() for variable in model.optimizer.variables]

    def reset():
        for variable, value in zip(model.variables, fresh_variables):
            variable.assign(value)
        for variable, value in zip(model.optimizer.variables, fresh_optimizer):
            variable.assign(value)

    return model, reset


def keras_fit_steps(module, spec) -> int:
    """Steps of the fit row: the whole run, or under another runtime than the default as many as
    the loops' (Keras 3 on JAX runs fit op by op without XLA: several times slower a step)."""
    steps = steps_per_round(module, spec)
    if runtimes.current() == runtimes.DEFAULT:
        return steps
    per_epoch = getattr(module, "KERAS_STEPS_PER_EPOCH", 1)
    return min(steps, max(LOOP_MAX_STEPS // per_epoch, 1) * per_epoch)


def keras_sequential(module, spec):
    steps = keras_fit_steps(module, spec)
    dataset = tf.data.Dataset.from_tensor_slices(_stacked(module.batches(spec))).repeat()
    # As the task's implementations: one step an epoch, or (xor) an epoch of single examples
    # run in one call.
    steps_per_epoch = getattr(module, "KERAS_STEPS_PER_EPOCH", 1)
    model, reset = _keras_state(module, spec, steps_per_execution=steps_per_epoch)

    def run():
        history = model.fit(dataset, epochs=steps // steps_per_epoch, steps_per_epoch=steps_per_epoch,
                            shuffle=False, verbose=0)
        return np.array(history.history["loss"], dtype=np.float32)

    return Runner(steps, run, reset, "keras_sequential",
                  f"fit on a repeated Dataset, steps_per_epoch={steps_per_epoch}, as the implementations run it",
                  steps_per_loss=steps_per_epoch)


def keras_sequential_fit_numpy(module, spec):
    batches = module.batches(spec)
    steps = min(steps_per_round(module, spec), max(FIT_NUMPY_MAX_STEPS // len(batches), 1) * len(batches))
    x, y = (np.concatenate(arrays) for arrays in zip(*batches))
    model, reset = _keras_state(module, spec)

    def run():
        history = model.fit(x, y, batch_size=len(batches[0][0]), epochs=steps // len(batches),
                            shuffle=False, verbose=0)
        return np.array(history.history["loss"], dtype=np.float32)

    return Runner(steps, run, reset, "keras_sequential",
                  "fit(x, y, epochs=N) on NumPy arrays: a new iterator every epoch",
                  steps_per_loss=len(batches))


def keras_sequential_train_on_batch(module, spec):
    steps = loop_steps(module, spec)
    batches = module.batches(spec)
    model, reset = _keras_state(module, spec)

    def run():
        return np.array([model.train_on_batch(*batches[step % len(batches)]) for step in range(steps)],
                        dtype=np.float32)

    return Runner(steps, run, reset, "keras_sequential", "a Python loop of train_on_batch on NumPy arrays")


def numpy_reference(module, spec):
    program = registry.load(spec.task, registry.ORACLE)
    steps = steps_per_round(module, spec)
    shorten = getattr(module, "spec_for_steps", lambda spec, steps: dataclasses.replace(spec, steps=steps))
    short_spec = shorten(spec, steps)
    results = []

    def run():
        results.append(contract.train(program, short_spec))
        return np.asarray(results[-1].losses)

    return Runner(steps, run, lambda: None, registry.ORACLE,
                  "the oracle's own train(), the whole run (or its first steps), divided by its steps",
                  steps_per_loss=steps_per_recorded_loss(short_spec), results=results)


def tf_function_mirrored(module, spec):
    """The task's mirrored_tape step: the tf.function step on two replicas (MirroredStrategy over
    two logical CPUs), each on half of every batch, the loss over the global batch, the
    gradients all-reduced. Only for tasks whose benchmark module says DISTRIBUTED and gives
    per_example_loss (mnist_mlp's does not yet, though it has mirrored_tape)."""
    if not getattr(module, "DISTRIBUTED", False):
        import pytest

        pytest.skip(f"{spec.task}: its benchmark module times no mirrored step (no DISTRIBUTED, per_example_loss)")
    from tf_rosetta.implementations.devices import two_logical_cpus

    # As the programs: the replicas' values added on /cpu:0 (see mirrored_tape).
    strategy = tf.distribute.MirroredStrategy(two_logical_cpus(), cross_device_ops=tf.distribute.ReductionToOneDevice())
    steps = loop_steps(module, spec)
    batches = module.batches(spec)
    global_batch = len(batches[0][0])

    def halves(array):
        half = len(array) // strategy.num_replicas_in_sync
        return strategy.experimental_distribute_values_from_function(
            lambda context: tf.constant(array[context.replica_id_in_sync_group * half:][:half]))

    distributed = [(halves(x), halves(y)) for x, y in batches]
    with strategy.scope():
        weights, variables, optimizer, reset = _tf2_state(module, spec)

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            per_example = module.per_example_loss(y, module.model(weights, x))
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    @tf.function
    def train_step(x, y):
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(replica_step, args=(x, y)), axis=None)

    def run():
        return np.array([train_step(*distributed[step % len(distributed)]).numpy() for step in range(steps)])

    return Runner(steps, run, reset, "mirrored_tape",
                  "a Python loop of one @tf.function step run by MirroredStrategy on two logical CPUs")


# Checks of what a round computed.

_oracles = {}


def oracle_losses(task, spec) -> np.ndarray:
    if task not in _oracles:
        _oracles[task] = np.asarray(registry.load(task, registry.ORACLE).train(spec).losses, dtype=np.float64)
    return _oracles[task]


def steps_per_recorded_loss(spec) -> int:
    """1 where the programs record each step's loss; 4 for xor, which records epoch means."""
    return spec.steps // spec.loss_count


def tolerance_for(runner, module, spec):
    if runner.style == registry.ORACLE:
        return Tolerance(rtol=0, atol=0, reason="the same program on the same data: it must repeat itself")
    if runner.style == "xla":
        return getattr(module, "XLA_TOLERANCE", XLA_TOLERANCE)
    return spec.tolerance_for(runner.style, runtimes.current())


def problems_with(losses, steps_per_loss, oracle, oracle_steps_per_loss, tolerance) -> tuple[list[str], float]:
    """How one round's losses miss the oracle's first steps (one line each), and the largest difference.

    Each loss covers steps_per_loss steps (a Keras epoch's mean, or 1), each of the oracle's
    oracle_steps_per_loss (its spec's loss_record); both are compared as means over the
    steps that a loss of each covers.
    """
    common = math.lcm(steps_per_loss, oracle_steps_per_loss)
    losses = np.asarray(losses, dtype=np.float64)
    steps = losses.shape[0] * steps_per_loss
    if losses.ndim != 1 or steps % common or steps > len(oracle) * oracle_steps_per_loss:
        return [f"{losses.shape} losses, one per {steps_per_loss} steps, do not fit the oracle's {len(oracle)}, "
                f"one per {oracle_steps_per_loss} steps"], float("nan")
    if not np.all(np.isfinite(losses)):
        return [f"non-finite loss at {int(np.flatnonzero(~np.isfinite(losses))[0])}"], float("nan")
    actual = losses.reshape(-1, common // steps_per_loss).mean(axis=1)
    oracle = np.asarray(oracle[:steps // oracle_steps_per_loss], dtype=np.float64)
    expected = oracle.reshape(-1, common // oracle_steps_per_loss).mean(axis=1)
    largest = float(np.max(np.abs(actual - expected), initial=0.0))
    if common > 1:
        # A mean over an epoch sums that many float32 values (Keras, the oracle): an ulp each.
        tolerance = tolerance + Tolerance(rtol=common * float(np.finfo(np.float32).eps), atol=0, reason="")
    if not tolerance.allows(actual, expected):
        return [f"losses differ from the oracle's by up to {largest:.3g}, beyond rtol {tolerance.rtol:g}, "
                f"atol {tolerance.atol:g}"], largest
    return [], largest


# The rows that run under every runtime (docs/install.md, Runtimes); the others need TensorFlow's own ops.
KERAS_VARIANTS = ("keras_sequential", "keras_sequential+fit_numpy", "keras_sequential+train_on_batch")

# The rows of every task's table, in the order they are printed.
VARIANTS = {
    "numpy_reference": numpy_reference,
    "tf1_session": tf1_session,
    "eager_tape": eager_tape,
    "tf_function": tf_function,
    "tf_function+xla": tf_function_xla,
    "tf_function+loop": tf_function_loop,
    "tf_function+xla+loop": tf_function_xla_loop,
    "tf_function+mirrored": tf_function_mirrored,
    "keras_sequential": keras_sequential,
    "keras_sequential+fit_numpy": keras_sequential_fit_numpy,
    "keras_sequential+train_on_batch": keras_sequential_train_on_batch,
}
