"""keras_jit_compile: Keras 3 compiles with XLA when a GPU is present.

`compile(jit_compile='auto')`, the default, turns XLA on when a GPU is listed and off on a
CPU-only machine (and under a tf.distribute strategy). XLA fuses and reorders ops, so a Keras
program on a GPU would round unlike the other styles. The programs keep the default, as
keras-io's examples do: the agreement is stated for CPUs, where it means no XLA. The probe
forces XLA on this CPU and compares fit with and without it; with the default, fit runs the
same kernels as a GradientTape loop, bitwise.

A fact of the platform: how XLA's CPU code rounds depends on the CPU's vector width.
"""

import numpy as np

from .. import machine
from ..programs import lacks
from ..record import Divergence, Measured, max_difference


def xor_start():
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

    x, y, kernels = xor_start()
    model = keras.Sequential([keras.Input(shape=(2,))] + [
        keras.layers.Dense(kernel.shape[1], activation="sigmoid") for kernel in kernels])
    model.set_weights([weight for kernel in kernels for weight in (kernel, np.zeros(kernel.shape[1], np.float32))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=jit_compile)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat()
    # shuffle=False: fit never shuffles a Dataset, but warns unless told so.
    history = model.fit(dataset, epochs=300, steps_per_epoch=1, shuffle=False, verbose=0)
    numbers = np.concatenate([history.history["loss"], *[w.ravel() for w in model.get_weights()]])
    return numbers, model.jit_compile


def xor_tape() -> np.ndarray:
    """The same training as xor_fit, written as an eager GradientTape loop."""
    import keras
    import tensorflow as tf

    x, y, kernels = xor_start()
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
    return Measured(default=max_difference(with_xla, without_xla),
                    aligned=max_difference(auto, xor_tape()),
                    details=f"jit_compile='auto' resolved to {resolved} on this machine "
                            f"(differs from jit_compile=False by {max_difference(auto, without_xla):g})")


def platform_problem() -> str:
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return "a GPU is listed: jit_compile='auto' turns XLA on, and the programs keep 'auto'"
    return machine.other_vector_width()


ENTRY = Divergence(
    name="keras_jit_compile",
    lesson=__doc__,
    quantity="max |Δ| of losses and weights, Keras fit with XLA (forced on the CPU) vs without, "
             "2-2-1 sigmoid net on XOR, 300 steps",
    setting="the default on a CPU",
    aligned_by="the default, kept in every Keras program: no XLA on a CPU (on a GPU it would take "
               "`compile(..., jit_compile=False)`)",
    recorded=Measured(default=1.7881393e-07, aligned=0.0,
                      details="jit_compile='auto' resolved to False on this machine (no GPU)"),
    default_at_least=1e-9, aligned_at_most=0.0,
    why="with the default on a CPU, fit runs without XLA, the same kernels as a GradientTape loop: bitwise equal",
    probe=probe_jit_compile,
    applies_to=r"\.compile\(",
    alignment_problems=lacks(r"\bjit_compile\s*=", "sets jit_compile: the Keras programs keep the default, no XLA "
                                                     "on a CPU-only TensorFlow, XLA on JAX"),
    not_measured="the size on a GPU (none here); the test checks that 'auto' picks XLA when a GPU is listed",
    platform_problem=platform_problem,
)
