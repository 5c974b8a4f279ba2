"""The catalog's measured numbers against what the arithmetic says they must be.

test_divergences.py checks each probe against its entry's bounds (the difference shows, the
alignment removes it). Here the number a probe measures is checked against something other
than the probe: a value or a range derived from the arithmetic of what it measures (the
expected share of differing mask entries of independent draws, a Bessel factor, a momentum's
power, a summation's rounding bound), or a second measurement written otherwise (Adam's two
forms in float64 NumPy). Entries whose numbers are a whole training run's rounding (oneDNN,
XLA, JAX, the sum order of a BatchNorm gradient, ...) have no such derivation: the catalog's
bounds are their check.

The probes run once per session, shared with test_divergences.py (its `measured`).
"""

import numpy as np
import pytest

from tf_rosetta.comparisons.divergences.entries._adam import ADAM_LEARNING_RATE, ADAM_STEPS, adam_problem
from tests.test_divergences import ENTRIES, measured

UNIT_ROUNDOFF = 2.0 ** -24  # float32


def _independent_masks_unlike(rate: float) -> float:
    """The share of entries where two independent dropout masks differ: kept in one, dropped in the other."""
    return 2 * rate * (1 - rate)


def _sampling_band(share: float, entries: int) -> float:
    """Five standard deviations of a share measured over `entries` independent entries."""
    return 5 * np.sqrt(share * (1 - share) / entries)


# Dropout masks: each entry measures the share of mask entries two ways of drawing disagree
# on. Independent draws at rate r differ in 2 r (1 - r) of the entries; where some draws are
# alike by construction, the share is that of the independent ones. The band is the sampling
# spread over the entries drawn (5 sigma; the draws are seeded, so a failure is a change of
# generator, not bad luck). name: (expected share, independent entries behind it).
MASK_SHARES = {
    # keep_prob=0.2 keeps 0.2 of 100,000 units, rate=0.2 keeps 0.8: the kept shares differ by 0.6.
    "dropout_keep_prob": (0.6, 100_000),
    # 2 ops a step, 4 steps of 100 x 100: the first mask is alike in every mode, the other 7 independent.
    "stateful_dropout_seed": (7 / 8 * _independent_masks_unlike(0.2), 7 * 100 * 100),
    # 5 training calls of 100 x 100: the first uses [s, 0] in both, the 4 others are independent.
    "keras_dropout_seed_stream": (4 / 5 * _independent_masks_unlike(0.2), 4 * 100 * 100),
    # 4 steps of 128 x 128, XLA's generator against TensorFlow's kernel: all independent.
    "xla_stateless_random": (_independent_masks_unlike(0.2), 4 * 128 * 128),
    # 5 calls of 50 x 40, Keras 2's generator against Keras 3's: all independent.
    "dropout_masks_by_runtime": (_independent_masks_unlike(0.2), 5 * 50 * 40),
    # The second replica's 4 x 16 rows at rate 0.5 against the one device's rows for them.
    "replica_dropout_masks": (_independent_masks_unlike(0.5), 4 * 16),
}


@pytest.mark.parametrize("name", list(MASK_SHARES))
def test_a_mask_share_is_that_of_independent_draws(name):
    share, entries = MASK_SHARES[name]
    found = measured(name).default
    assert abs(found - share) <= _sampling_band(share, entries), (name, found, share)
    if name == "replica_dropout_masks":
        assert (found * entries).is_integer(), "a share of 64 mask entries"


GLOROT_LIMIT_2_BY_3 = np.sqrt(6 / (2 + 3))  # glorot_uniform on a (2, 3) kernel: U(-limit, limit)


def test_exact_and_derived_values():
    """Each value below is worked out from what the probe computes, not read from a run."""
    # mse_broadcast: y = [1, 2, 3, 4], p = y + 0.5. Broadcast to (4, 4): sum of (i - j + 0.5)^2
    # over 16 pairs = 44, mean 2.75; Keras's mean of four 0.5^2 = 0.25. All exact in float32.
    assert measured("mse_broadcast").default == 2.5
    # cross_entropy_on_probabilities: from logits [100, 0, 0] the loss is 100 (exact in float32);
    # from probabilities p = e^-100 is clipped to 1e-7: -log(1e-7) = 16.118; a few ulp of 16 apart.
    assert measured("cross_entropy_on_probabilities").default == pytest.approx(100 + np.log(1e-7), abs=1e-5)
    # batchnorm_fused_variance: the fused kernel averages the variance times n / (n - 1), n = 32:
    # relative to the biased one, 32/31 - 1 = 1/31 (float32: a relative 1e-6 at most).
    assert measured("batchnorm_fused_variance").default == pytest.approx(1 / 31, rel=1e-5)
    # moving_average_update: the variance's shadow starts at 0, Keras's at 1, and 8 updates at
    # momentum 0.99 keep 0.99^8 of that gap (the rest of the arithmetic is alike: float32 rounding).
    assert measured("moving_average_update").default == pytest.approx(0.99 ** 8, abs=1e-5)
    # default_initializers: two Glorot-uniform (2, 3) kernels, each inside +-limit: they differ by
    # at most 2 limit.
    assert 0 < measured("default_initializers").default <= 2 * GLOROT_LIMIT_2_BY_3
    # The checkpoint entries measure a share of the state not restored (or 1 for "refused"): none of it.
    for name in ("checkpoint_keys_by_api", "keras3_load_weights_formats", "keras3_save_writes_no_savedmodel",
                 "keras_lambda_reload"):
        assert measured(name).default == 1.0, name


def test_backend_initial_weights_differ_by_no_more_than_two_draws_can():
    # glorot_uniform (2, 3) within +-sqrt(6/5); he_normal (784, 10) truncated at 2 standard
    # deviations, 2 sqrt(2/784) = 0.1: the Glorot kernel's bound is the larger.
    assert 0 < measured("backend_initial_weights").default <= 2 * GLOROT_LIMIT_2_BY_3


def test_a_gradient_averaged_per_replica_doubles_the_update():
    # Two replicas each scale their gradient by 1/half the batch, and the sums add them: the
    # update is 2u, so max |2u - u| / max |u| = 1, up to the rounding of the sums (the entry's
    # aligned bound, the same sums in another order).
    entry = ENTRIES["per_replica_loss_mean"]
    assert measured("per_replica_loss_mean").default == pytest.approx(1, abs=entry.aligned_at_most)


@pytest.mark.parametrize("name", ["blas_threads", "tf_thread_pools"])
def test_a_reordered_product_differs_by_rounding_within_the_summation_bound(name):
    """Each product is a float32 sum of n terms; summed in any order, it is within gamma_n =
    n u / (1 - n u) of sum |terms| of the exact value, so two orders differ by at most twice
    that. A reordering moves a typical product by at least its last bit: the largest difference
    is at least 1 ulp of the median |product| (a fifth of the 10,400 differ: they cannot all be
    among the smallest)."""
    from tf_rosetta.comparisons.divergences.entries.blas_threads import product_inputs

    found = measured(name).default
    x, w, d = (np.asarray(a, np.float64) for a in product_inputs())
    ceilings, products = [], []
    for left, right in ((x, w), (x.T, d)):
        n = left.shape[1]
        gamma = n * UNIT_ROUNDOFF / (1 - n * UNIT_ROUNDOFF)
        ceilings.append(2 * gamma * (np.abs(left) @ np.abs(right)).max())
        products.append(np.abs(left @ right).ravel())
    floor = float(np.spacing(np.float32(np.median(np.concatenate(products)))))
    assert floor <= found <= max(ceilings), (found, floor, max(ceilings))


def adam_float64(form: str, epsilon: float, beta_1: float, beta_2: float) -> np.ndarray:
    """The weights after _adam's 200 steps, in float64, with the constants a float32 Adam uses.

    TF1 (and Keras 2's legacy Adam) form 1 - beta in float32; Keras 3 in float64 from the
    Python beta, then round it to float32. Both raise the float32 betas to the step's power,
    and add epsilon to sqrt(v), the bias corrections in the step size. Written apart from
    the probe: NumPy, the gradient of the mean squared error by hand.
    """
    x, y = (np.asarray(a, np.float64) for a in adam_problem(1e-6))
    inputs, targets = np.hstack([x, np.ones((len(x), 1))]), y.ravel()
    b1, b2 = float(np.float32(beta_1)), float(np.float32(beta_2))
    if form == "float32 1 - beta":
        c1, c2 = float(np.float32(1) - np.float32(beta_1)), float(np.float32(1) - np.float32(beta_2))
    else:
        c1, c2 = float(np.float32(1 - beta_1)), float(np.float32(1 - beta_2))
    weights, m, v = np.zeros(4), np.zeros(4), np.zeros(4)
    for step in range(1, ADAM_STEPS + 1):
        gradient = 2 / len(inputs) * inputs.T @ (inputs @ weights - targets)
        m, v = m + c1 * (gradient - m), v + c2 * (gradient ** 2 - v)
        rate = ADAM_LEARNING_RATE * np.sqrt(1 - b2 ** step) / (1 - b1 ** step)
        weights = weights - rate * m / (np.sqrt(v) + epsilon)
    return weights


FLOAT32_BETAS = (float(np.float32(0.9)), float(np.float32(0.999)))


# name: (Keras's constants, the other's), each (form, epsilon, beta_1, beta_2).
ADAM_RUNS = {
    # Keras epsilon 1e-7 against TF1's 1e-8, betas rounded to float32 (the same constants).
    "adam_epsilon": (("float64 1 - beta", 1e-7, *FLOAT32_BETAS), ("float32 1 - beta", 1e-8, 0.9, 0.999)),
    # Epsilon aligned; 1 - beta formed in float64 by Keras, in float32 by TF1.
    "adam_one_minus_beta": (("float64 1 - beta", 1e-8, 0.9, 0.999), ("float32 1 - beta", 1e-8, 0.9, 0.999)),
    # Keras 3 against Keras 2's legacy Adam: the defaults, epsilon 1e-7 in both.
    "keras2_legacy_adam": (("float64 1 - beta", 1e-7, 0.9, 0.999), ("float32 1 - beta", 1e-7, 0.9, 0.999)),
}


@pytest.mark.parametrize("name", list(ADAM_RUNS))
def test_adam_differences_are_what_float64_arithmetic_gives(name):
    """The default difference is the constants' effect, plus float32 rounding: the rounding
    the aligned runs show, at most adam_one_minus_beta's aligned bound (2e-6)."""
    keras, reference = ADAM_RUNS[name]
    expected = float(np.abs(adam_float64(*keras) - adam_float64(*reference)).max())
    rounding = ENTRIES["adam_one_minus_beta"].aligned_at_most
    assert measured(name).default == pytest.approx(expected, abs=rounding)


@pytest.mark.parametrize("name", ["adam_epsilon", "adam_one_minus_beta"])
def test_aligned_adam_keeps_a_rounding_difference(name):
    """In float64 the aligned constants give the same weights; in float32 TF1's running
    product beta^t and Keras's power round apart (the entry's why): above 0, at least one ulp
    of the smallest weight, at most the entry's bound."""
    aligned = measured(name).aligned
    smallest = float(np.abs(adam_float64("float32 1 - beta", 1e-8, 0.9, 0.999)).min())
    assert np.spacing(np.float32(smallest)) <= aligned <= ENTRIES[name].aligned_at_most


def test_files_auto_sharded_leave_five_sixths_of_one_devices_batches_unseen():
    # Two files of 24 ids, one per worker; each worker's replica takes the next 4 ids of its
    # file a step. One device's step s trains on ids 8s..8s+7: at step 0 worker 0's 0-3 are
    # among them (4 of 8 unseen), at steps 1 and 2 none (ids 4-11 and 24-35 are not 8-23).
    assert measured("multi_worker_input_split").default == pytest.approx((4 + 8 + 8) / 24, abs=1e-12)


def _batch_normalized(x: np.ndarray, epsilon: float = 1e-3) -> np.ndarray:
    """Keras's BatchNormalization in training, gamma 1 and beta 0: the batch's biased moments."""
    return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + epsilon)


def test_per_replica_batchnorm_is_each_half_normalized_by_itself():
    """A second measurement in float64 NumPy: each half by its own moments against the whole
    batch by its moments; float32 rounding within the entry's aligned bound."""
    from tf_rosetta.comparisons.divergences.entries import batchnorm_per_replica_statistics as entry

    x = entry.batch().astype(np.float64)
    half = entry.ROWS // 2
    per_replica = np.concatenate([_batch_normalized(x[:half]), _batch_normalized(x[half:])])
    expected = float(np.abs(per_replica - _batch_normalized(x)).max())
    assert measured(entry.ENTRY.name).default == pytest.approx(expected, abs=entry.ENTRY.aligned_at_most)


def test_forgotten_update_ops_leave_the_moving_statistics_where_keras_moves_them_from():
    """A second measurement in float64 NumPy: Keras's moving mean and variance (from 0 and 1,
    moving * momentum + batch * (1 - momentum), the batch's biased moments) after the same
    batches, against 0 and 1 where TF1 leaves them."""
    from tf_rosetta.comparisons.divergences.entries import tf1_update_ops as entry
    from tf_rosetta.comparisons.divergences.entries._mlp import FEATURES, batch, data

    x, labels, _ = data()
    mean, variance = np.zeros(FEATURES), np.ones(FEATURES)
    for step in range(entry.STEPS):
        inputs = batch(x, labels, step)[0].astype(np.float64)
        mean = mean * entry.MOMENTUM + inputs.mean(axis=0) * (1 - entry.MOMENTUM)
        variance = variance * entry.MOMENTUM + inputs.var(axis=0) * (1 - entry.MOMENTUM)
    expected = max(np.abs(mean).max(), np.abs(variance - 1).max())
    # float32 rounding of 8 updates of values near 4: a few ulp of 4 (5e-7 each).
    assert measured("tf1_update_ops").default == pytest.approx(expected, abs=1e-5)
