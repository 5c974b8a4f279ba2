"""tf1_adam_beta_power: TF1's Adam multiplies beta**t up step by step; Keras takes the power.

TF1's `AdamOptimizer` keeps `beta1_power` and `beta2_power` as float32 variables, starts
them at the betas and multiplies each by its beta after every update; its step size is
`lr * sqrt(1 - beta2_power) / (1 - beta1_power)`. Keras's `Adam` (and the oracles) compute
`beta ** t` afresh each step. After t updates the running product carries t roundings, the
power one, so TF1's step size drifts a few ulps from Keras's, the same way every step: a
systematic difference, unlike the scattered rounding of another summation order, that a
run carries further the larger its learning rate. No setting of either API changes it.

The probe reads TF1's own `beta1_power` and `beta2_power` after each of 1,000 updates and
compares the step-size factor it gives with float32 `beta ** t` (default) and with a
float32 running product written in NumPy (aligned).
"""

import re
from pathlib import Path

import numpy as np

from tf_rosetta.implementations import registry

from ..programs import program_task
from ..record import Divergence, Measured

STEPS = 1000
BETA_1, BETA_2 = np.float32(0.9), np.float32(0.999)


def tf1_beta_powers(steps: int = STEPS) -> tuple[np.ndarray, np.ndarray]:
    """TF1 AdamOptimizer's beta1_power and beta2_power after each update, read from its variables."""
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        w = v1.get_variable("w", initializer=np.ones(1, np.float32))
        optimizer = v1.train.AdamOptimizer(0.001, beta1=float(BETA_1), beta2=float(BETA_2), epsilon=1e-8)
        train_op = optimizer.minimize(tf.reduce_sum(tf.square(w)))
        beta1_power, beta2_power = optimizer._get_beta_accumulators()
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            found = []
            for _ in range(steps):
                # The powers in force for the next update: TF1 starts them at the betas (t = 1).
                found.append(session.run([beta1_power, beta2_power]))
                session.run(train_op)
    powers = np.array(found, np.float32)
    return powers[:, 0], powers[:, 1]


def step_factor(beta1_power: np.ndarray, beta2_power: np.ndarray) -> np.ndarray:
    """sqrt(1 - beta2**t) / (1 - beta1**t) in float32, as both APIs form it."""
    one = np.float32(1)
    return np.sqrt(one - beta2_power) / (one - beta1_power)


def probe_tf1_adam_beta_power() -> Measured:
    tf1_1, tf1_2 = tf1_beta_powers()
    t = np.arange(1, STEPS + 1, dtype=np.float32)
    power_1, power_2 = BETA_1 ** t, BETA_2 ** t  # Keras: the power, in float32
    product_1, product_2 = np.cumprod(np.full(STEPS, BETA_1)), np.cumprod(np.full(STEPS, BETA_2))
    tf1 = step_factor(tf1_1, tf1_2).astype(np.float64)

    def relative(other):
        return float(np.max(np.abs(step_factor(*other) - tf1) / tf1))

    drift = np.abs(product_2.astype(np.float64) - power_2) / power_2
    return Measured(default=relative((power_1, power_2)), aligned=relative((product_1, product_2)),
                    details=f"beta2**t, running product vs power, after {STEPS} steps: "
                            f"{drift[-1]:.2g} relative ({drift[-1] / np.finfo(np.float32).eps:.0f} ulps)")


POWER = re.compile(r"\b(beta_[12])\s*\*\*\s*t\b")
STEP_LINE = re.compile(r"^( *)t = np\.float32\(step \+ 1\)$", re.MULTILINE)


def oracle_with_running_powers(task: str):
    """The task's NumPy oracle with TF1's running beta powers in place of beta**t: its source,
    rewritten where it takes the powers, run as a module of its own. Returns its train."""
    path = Path(registry.load(task, registry.ORACLE).__file__)
    source = path.read_text()
    step_lines = STEP_LINE.findall(source)
    if len(step_lines) != 1 or len(POWER.findall(source)) != 2:
        raise ValueError(f"{path}: not one `t = np.float32(step + 1)` and two beta powers to rewrite")
    indent = step_lines[0]
    running = (f"{indent}beta_1_power = beta_1 if step == 0 else beta_1_power * beta_1  # TF1's running products\n"
               f"{indent}beta_2_power = beta_2 if step == 0 else beta_2_power * beta_2\n")
    rewritten = STEP_LINE.sub(lambda match: running + match.group(0), POWER.sub(r"\1_power", source))
    namespace = {"__name__": f"{task}_oracle_with_running_powers", "__file__": str(path)}
    exec(compile(rewritten, f"{path} (TF1's running beta powers)", "exec"), namespace)  # noqa: S102
    return namespace["train"]


def declared_in_the_spec(path: Path, source: str) -> list[str]:
    """A TF1 Adam program of a task whose spec declares this difference for it: the harness
    names the entry when that program parts from the oracle (`known_differences`)."""
    task = program_task(path)
    if not task:
        return []
    declared = registry.load_spec(task).known_differences.get(path.stem, ())
    if "tf1_adam_beta_power" in declared:
        return []
    return [f"{path}: spec {task} does not declare tf1_adam_beta_power in known_differences[{path.stem!r}]"]


ENTRY = Divergence(
    name="tf1_adam_beta_power",
    lesson=__doc__,
    quantity=f"max relative |Δ| of Adam's step-size factor sqrt(1 - beta2**t) / (1 - beta1**t) over {STEPS} "
             "updates: float32 beta**t vs TF1's own beta powers",
    setting="a running float32 product",
    aligned_by="none in either API: to match TF1 bitwise, multiply the betas up in float32; otherwise the run's "
               "floor covers it (`compare` names this entry when a TF1 program parts)",
    recorded=Measured(default=9.884544e-06, aligned=0.0,
                      details="beta2**t, running product vs power, after 1000 steps: 2.4e-07 relative (2 ulps)"),
    default_at_least=1e-6, aligned_at_most=0.0,
    why="the power and the product of float32 betas differ by at least an ulp of the factor within "
        f"{STEPS} steps; a float32 running product is TF1's own arithmetic, bit for bit",
    probe=probe_tf1_adam_beta_power,
    applies_to=r"\bAdamOptimizer\(",
    alignment_problems=declared_in_the_spec,
    oracle_variant=oracle_with_running_powers,
    evidence="rounding",
)
