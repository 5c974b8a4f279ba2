"""adam_one_minus_beta: Keras forms 1 - beta in float64, TF1 in float32.

Keras computes `1 - beta_2` in Python and casts the result: float32(0.001). TF1 subtracts
in float32 from float32(0.999): 0.00099998713. The moment estimates drift apart by ~1e-5
relative. Rounding the betas to float32 before Keras sees them makes its float64
subtraction exact in float32, so both get the same constant. The probe is adam_epsilon's
experiment (see _adam) with epsilon aligned, betas as written vs rounded.
"""

from pathlib import Path

import numpy as np

from tf_rosetta.implementations import registry

from ..programs import program_task
from ..record import Divergence, Measured
from ._adam import FLOAT32_BETAS, adam_calls_pass, adam_versus_tf1


def probe_adam_one_minus_beta() -> Measured:
    keras_constant = float(np.float32(1 - 0.999))  # Keras: 1 - beta in float64, then float32
    tf1_constant = float(np.float32(1) - np.float32(0.999))  # TF1: in float32
    return Measured(default=adam_versus_tf1(epsilon=1e-8),
                    aligned=adam_versus_tf1(epsilon=1e-8, **FLOAT32_BETAS),
                    details=f"1 - beta_2: Keras {keras_constant:.8g}, TF1 {tf1_constant:.8g}")


def betas_are_float32(path: Path, source: str) -> list[str]:
    """Every Adam call passes both betas, and the task's spec holds them as float32 values."""
    found = adam_calls_pass(r"beta_?1=", r"beta_?2=")(path, source)
    task = program_task(path)
    if task:
        spec = registry.load_spec(task)
        for name in ("beta_1", "beta_2"):
            value = getattr(spec, name, None)
            if value is not None and float(np.float32(value)) != value:
                found.append(f"{path}: spec {name} {value!r} is not a float32 value")
    return found


ENTRY = Divergence(
    name="adam_one_minus_beta",
    lesson=__doc__,
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
    alignment_problems=betas_are_float32,
)
