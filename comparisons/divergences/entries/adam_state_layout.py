"""adam_state_layout: TF1's Adam and Keras 3's keep their state in different variables, and resume differently.

TF1's `AdamOptimizer` keeps, per variable, the slots m ("<var>/Adam") and v
("<var>/Adam_1"), and for all of them `beta1_power` and `beta2_power`: beta**(t+1) after t
updates, as a running float32 product; the step count is the separate `global_step`.
Keras 3's `Adam` keeps `iterations`, `learning_rate`, then m and v of each variable in
`optimizer.variables`, and forms beta**t with a power of `iterations + 1`. A TF1 run
resumed in Keras with the weights alone restarts Adam: m = v = 0 and t = 1, its first
steps the full learning rate in the gradient's sign. Carrying m, v and the step over
(`iterations = global_step`; the beta powers follow from it) continues the run, up to
the two optimizers' rounding (Keras's update is written otherwise; pow and the running
products part by a few ulp over hundreds of steps). Keras 3's `load_weights` restores an
optimizer's state only once it is built (`optimizer.build`): unbuilt, it warns and skips it.
"""

import re
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured, max_difference
from ._adam import FLOAT32_BETAS
from ._checkpoints import (SAVED_AT, STEPS, assign_from_tf1, keras_steps, keras_variables, tf1_run, tf1_state)


def resumed_losses(saved: dict, moments: bool, step: bool) -> np.ndarray:
    """The Keras 3 losses of the steps after SAVED_AT, from the TF1 checkpoint's weights (and state)."""
    variables, optimizer = keras_variables()
    assign_from_tf1(saved, variables, optimizer, moments=moments, step=step)
    return keras_steps(variables, optimizer, STEPS - SAVED_AT)


def keras_resumed_step(build: bool) -> int:
    """The step a Keras 3 Adam gets from a .weights.h5 saved at step 10, built before load_weights or not."""
    import keras

    def model():
        dense = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
        dense.compile(optimizer=keras.optimizers.Adam(), loss="mse")
        return dense

    with tempfile.TemporaryDirectory() as folder:
        saved = model()
        saved.optimizer.build(saved.trainable_variables)
        saved.optimizer.iterations.assign(10)
        saved.save_weights(f"{folder}/model.weights.h5")
        resumed = model()
        if build:
            resumed.optimizer.build(resumed.trainable_variables)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unbuilt: "Skipping variable loading for optimizer"
            resumed.load_weights(f"{folder}/model.weights.h5")
        return int(resumed.optimizer.iterations)


def probe_adam_state_layout() -> Measured:
    with tempfile.TemporaryDirectory() as folder:
        tf1_losses, prefix = tf1_run(folder)
        saved = tf1_state(prefix)
    uninterrupted = tf1_losses[SAVED_AT:]
    weights_only = resumed_losses(saved, moments=False, step=False)
    no_step = resumed_losses(saved, moments=True, step=False)
    converted = resumed_losses(saved, moments=True, step=True)
    t = int(saved["global_step"])
    beta_1, beta_2 = np.float32(FLOAT32_BETAS["beta_1"]), np.float32(FLOAT32_BETAS["beta_2"])
    by_power = {"beta1_power": np.power(beta_1, np.float32(t + 1)), "beta2_power": np.power(beta_2, np.float32(t + 1))}
    ulps = {name: int(abs(saved[name].view(np.int32) - value.view(np.int32))) for name, value in by_power.items()}
    return Measured(
        default=max_difference(weights_only, uninterrupted), aligned=max_difference(converted, uninterrupted),
        details=f"m and v without the step (iterations 0): {max_difference(no_step, uninterrupted):.3g}; "
                f"TF1 after {t} steps: beta1_power {saved['beta1_power']:.9g}, beta2_power "
                f"{saved['beta2_power']:.9g} ({ulps['beta1_power']} and {ulps['beta2_power']} ulp from the float32 "
                f"pow); Keras load_weights of step 10: built {keras_resumed_step(True)}, unbuilt "
                f"{keras_resumed_step(False)}")


# A program that resumes restores the optimizer's state with the weights, the step included, in
# its "Save and resume" section's restore (implementations/contract.py).
def carries_the_optimizer_state(path: Path, source: str) -> list[str]:
    if not re.search(r"\bdef restore\(", source):
        return []
    if re.search(r"\bSaver\(", source):  # every variable of the graph: slots, beta powers, global_step
        if not re.search(r"global_step=", source):
            return [f"{path}: minimize without global_step=: the checkpoint keeps no step for Keras's iterations"]
        return []
    if re.search(r"\bCheckpoint\(", source):
        # optimizer=, or a root object (a tf.Module) that tracks the optimizer as an attribute
        roots = re.findall(r"\bCheckpoint\((\w+)\)", source)
        if not (re.search(r"\bCheckpoint\([^)]*\boptimizer=", source)
                or any(re.search(rf"\b{root}\.optimizer = ", source) for root in roots)):
            return [f"{path}: tf.train.Checkpoint without the optimizer (optimizer=, or a root tracking it): "
                    "Adam's m, v and step are not saved"]
        return []
    if re.search(r"\.load_weights\(", source):
        if not re.search(r"\.build\([\s\S]*\.load_weights\(", source):
            return [f"{path}: load_weights into an unbuilt optimizer: Keras skips its state (a warning only)"]
        return []
    return [f"{path}: resumes, but restores no optimizer state"]


ENTRY = Divergence(
    name="adam_state_layout",
    lesson=__doc__,
    quantity=f"max |Δloss| of steps {SAVED_AT}-{STEPS - 1}, y = a x^2 + b x + c, TF1 Adam saved after {SAVED_AT} "
             "steps and resumed in Keras 3 Adam (epsilon, betas aligned) vs the uninterrupted TF1 run: weights "
             "only vs m, v and the step converted",
    setting="m, v and the step carried over",
    aligned_by="assign each `<var>/Adam` and `<var>/Adam_1` to the variable's m and v in `optimizer.variables` and "
               "`global_step` to `optimizer.iterations` (the beta powers follow from it); "
               "`comparisons/checkpoints/formats.py` does it for every format (`tf-rosetta checkpoints`)",
    recorded=Measured(default=0.27763197, aligned=8.9406967e-08,
                      details="m and v without the step (iterations 0): 0.145; TF1 after 10 steps: beta1_power "
                              "0.313810498, beta2_power 0.989054978 (0 and 0 ulp from the float32 pow); Keras "
                              "load_weights of step 10: built 10, unbuilt 0"),
    default_at_least=1e-2, aligned_at_most=1e-5,
    why="converted, what remains is the two optimizers' rounding (as in adam_epsilon, aligned): Keras's update "
        "is written otherwise, and pow and the running products part by a few ulp over hundreds of steps",
    probe=probe_adam_state_layout,
    # a program that resumes, with Adam (its restore follows the model)
    applies_to=r"\bAdam(?:Optimizer)?\([\s\S]*\bdef restore\(",
    alignment_problems=carries_the_optimizer_state,
)
