"""mnist_mlp's dropout masks: the spec's NumPy masks are TensorFlow's stateless op's and a Keras
Dropout layer's, they really drop units, and training with them is not training without them."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_rosetta.implementations import registry
from tf_rosetta.implementations.mnist_mlp import numpy_reference
from tf_rosetta.implementations.mnist_mlp import spec as mnist_mlp

STEPS_CHECKED = (0, 1, 2, 3, 57, 199)


@pytest.fixture(scope="module")
def spec():
    return mnist_mlp.SPEC


def _ones(spec) -> np.ndarray:
    return np.ones((spec.batch_size, spec.hidden_units), np.float32)


def test_the_spec_reproduces_the_stateless_uniform_generator_bit_for_bit(spec):
    for seed in [(spec.dropout_seed, 0), (spec.dropout_seed, 199), (7, 123456), (2**40 + 3, 2**33 + 1)]:
        expected = tf.random.stateless_uniform([1000], seed=tf.constant(seed, tf.int64)).numpy()
        assert mnist_mlp.stateless_uniform(seed, 1000).tobytes() == expected.tobytes(), seed


def test_keep_masks_are_the_stateless_dropout_ops_masks_with_seed_s_t(spec):
    for step in STEPS_CHECKED:
        dropped = tf.nn.experimental.stateless_dropout(_ones(spec), rate=spec.dropout_rate,
                                                       seed=[spec.dropout_seed, step]).numpy()
        assert np.array_equal(dropped != 0, spec.keep_mask(step)), step
        # Kept units are scaled by 1 / (1 - rate), rounded to float32: 1.25 for rate 0.2.
        assert set(np.unique(dropped)) == {0.0, np.float32(1 / (1 - spec.dropout_rate))}


def test_a_keras_dropout_layer_draws_the_spec_masks_one_training_call_after_another(spec):
    # Keras 3 (TensorFlow backend): the layer's SeedGenerator starts at [seed, 0] and adds
    # [0, 1] at each draw; calls without training=True draw nothing.
    layer = keras.layers.Dropout(spec.dropout_rate, seed=spec.dropout_seed)
    x = _ones(spec)
    assert np.array_equal(layer(x).numpy(), x) and np.array_equal(layer(x, training=False).numpy(), x)
    eager = [layer(x, training=True).numpy() != 0 for _ in range(3)]
    traced = tf.function(lambda inputs: layer(inputs, training=True))
    graph = [traced(x).numpy() != 0 for _ in range(3)]  # as fit calls it: in a traced function
    assert layer.seed_generator.state.numpy().tolist() == [spec.dropout_seed, 6]
    for step, mask in enumerate(eager + graph):
        assert np.array_equal(mask, spec.keep_mask(step)), step


def test_building_summary_predict_and_evaluate_draw_no_mask_and_fit_draws_one_a_step(spec):
    model = keras.Sequential([keras.Input(shape=(spec.hidden_units,)),
                              keras.layers.Dropout(spec.dropout_rate, seed=spec.dropout_seed),
                              keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=False)
    dropout = model.layers[0]
    x, y = _ones(spec), np.zeros(spec.batch_size, np.int32)
    model.summary(print_fn=lambda *args, **kwargs: None)
    model.predict(x, batch_size=len(x), verbose=0)
    model.evaluate(x, y, batch_size=len(x), verbose=0)
    assert dropout.seed_generator.state.numpy().tolist() == [spec.dropout_seed, 0]
    model.fit(x, y, batch_size=len(x), epochs=5, verbose=0)
    assert dropout.seed_generator.state.numpy().tolist() == [spec.dropout_seed, 5]


def test_mirrored_keras_dropout_on_one_device_is_keras_dropout_bit_for_bit(spec):
    """mirrored_keras's Dropout subclass, on one replica: Keras's seed stream, uniform numbers and
    op order (scale, then mask), so the same outputs as Keras's Dropout, eager and traced."""
    from tf_rosetta.implementations.mnist_mlp.mirrored_keras import GlobalBatchDropout

    x = np.random.RandomState(0).randn(spec.batch_size, spec.hidden_units).astype(np.float32)
    keras_layer = keras.layers.Dropout(spec.dropout_rate, seed=spec.dropout_seed)
    layer = GlobalBatchDropout(spec.dropout_rate, seed=spec.dropout_seed)
    assert np.array_equal(layer(x).numpy(), x) and np.array_equal(layer(x, training=False).numpy(), x)
    traced = tf.function(lambda inputs: layer(inputs, training=True))
    for ours in [layer(x, training=True) for _ in range(2)] + [traced(x) for _ in range(2)]:
        assert ours.numpy().tobytes() == keras_layer(x, training=True).numpy().tobytes()
    assert layer.seed_generator.state.numpy().tolist() == [spec.dropout_seed, 4]


def test_mirrored_keras_dropout_keeps_each_replicas_rows_of_the_one_device_mask(spec):
    """Under MirroredStrategy on the two logical CPUs (tests/conftest.py), the replicas' halves of
    the subclass's output join into the spec's mask of each step, where Keras's Dropout would
    drop the same units on both halves (tf-rosetta divergences replica_dropout_masks)."""
    from tf_rosetta.implementations.devices import two_logical_cpus
    from tf_rosetta.implementations.mnist_mlp.mirrored_keras import GlobalBatchDropout

    strategy = tf.distribute.MirroredStrategy(two_logical_cpus(),
                                              cross_device_ops=tf.distribute.ReductionToOneDevice())
    half = spec.batch_size // 2
    x = _ones(spec)
    halves = strategy.experimental_distribute_values_from_function(
        lambda context: tf.constant(x[context.replica_id_in_sync_group * half:][:half]))
    with strategy.scope():
        layer = GlobalBatchDropout(spec.dropout_rate, seed=spec.dropout_seed)
    traced = tf.function(lambda part: layer(part, training=True))
    for step in range(3):
        found = strategy.run(traced, args=(halves,))
        joined = np.concatenate([part.numpy() for part in strategy.experimental_local_results(found)])
        assert np.array_equal(joined != 0, spec.keep_mask(step)), step
    assert layer.seed_generator.state.numpy().tolist() == [spec.dropout_seed, 3]


def test_the_masks_drop_about_the_rate_and_change_every_step(spec):
    masks = np.stack([spec.keep_mask(step) for step in range(spec.steps)])
    assert abs(masks.mean() - (1 - spec.dropout_rate)) < 0.005, masks.mean()
    assert all(not np.array_equal(masks[step], masks[step + 1]) for step in range(spec.steps - 1))


def test_keras_batchnorm_defaults_are_the_spec_numbers(spec):
    # The Keras programs keep BatchNormalization's defaults; TF1 and eager write the spec's.
    layer = keras.layers.BatchNormalization()
    assert (layer.momentum, layer.epsilon) == (spec.batchnorm_momentum, spec.batchnorm_epsilon)


def test_every_style_trains_with_dropout_not_without(spec, comparison_of):
    """Each style's per-step losses are the oracle's with the masks, and far from a run without
    dropout: a style whose masks were all ones (or another style's) would fail here."""
    comparison = comparison_of("mnist_mlp")
    without = numpy_reference.train(dataclasses.replace(spec, dropout_rate=0.0)).losses.astype(np.float64)
    with_masks = comparison.runs[registry.ORACLE].result.losses.astype(np.float64)
    assert np.median(np.abs(with_masks - without)) > 0.01
    for program in registry.styles_of("mnist_mlp"):
        losses = comparison.runs[program].result.losses.astype(np.float64)
        assert np.max(np.abs(losses - with_masks)) <= spec.tolerance_for(program).atol, program
        assert np.median(np.abs(losses - without)) > 0.01, program
