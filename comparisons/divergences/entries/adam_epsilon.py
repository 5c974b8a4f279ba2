"""adam_epsilon: TF1's Adam adds 1e-8 to sqrt(v), Keras's 1e-7.

Where gradients are small, sqrt(v) is small too and epsilon is a sizeable part of the
denominator: with gradients near 1e-6 a Keras step is ~10% shorter than TF1's.
`tf.keras.optimizers.Adam` is Keras's (tf.keras is Keras 3 since TensorFlow 2.16). The
probe trains the same fit with both (see _adam), the betas aligned so that epsilon is the
only difference; with the same epsilon, rounding only remains.
"""

from ..record import Divergence, Measured, OutsideFix
from ._adam import FLOAT32_BETAS, adam_calls_pass, adam_versus_tf1


def probe_adam_epsilon() -> Measured:
    return Measured(default=adam_versus_tf1(**FLOAT32_BETAS),
                    aligned=adam_versus_tf1(epsilon=1e-8, **FLOAT32_BETAS))


ENTRY = Divergence(
    name="adam_epsilon",
    lesson=__doc__,
    quantity="max |Δweight|, Keras Adam vs TF1 AdamOptimizer, 200 steps, gradients ~1e-6 (betas aligned)",
    setting="`epsilon=1e-8` in Keras `Adam`",
    aligned_by="`epsilon=1e-8` passed to Keras `Adam` (the specs carry `epsilon`; every style passes it)",
    recorded=Measured(default=0.09465134, aligned=5.9604645e-07),
    default_at_least=1e-2, aligned_at_most=2e-6,
    why="aligned, what remains is rounding: TF1 keeps beta**t as a running float32 product where Keras "
        "takes the power, ~1 ulp a step over 200 steps",
    probe=probe_adam_epsilon,
    applies_to=r"\bAdam(Optimizer)?\(",
    alignment_problems=adam_calls_pass(r"epsilon="),
    evidence="optimizer",
    outside_fix=OutsideFix("argument", "epsilon", 1e-8, target="keras.optimizers.Adam",
                           says="Keras `Adam(epsilon=1e-8)`"),
)
