"""`tf-rosetta diff` names the cause from the divergence catalog (comparisons/diff/explain.py).

The static search and the fit to the evidence are checked here on the user-style scripts' code
and on comparisons built by hand (no training: default suite); each pair of scripts is diffed
end to end in the slow set (two to six processes that import TensorFlow each), as is the
unexplained pair. tests/test_diff.py's Adam pair, in the default suite, checks the
confirmation by a re-run.
"""

import numpy as np
import pytest

from tf_rosetta.comparisons.diff import candidates, explain, overrides
from tf_rosetta.comparisons.diff.compare import BITWISE, PARTS, WITHIN, Comparison
from tf_rosetta.comparisons.diff.runner import Side, Trace
from tests.test_diff import SCRIPTS, diff

# Script pairs (tests/diff_scripts): A, B, the entry that must come first, the side whose code
# lacks the aligning setting.
PAIRS = {
    "adam_epsilon": ("tf1_adam.py", "keras_adam.py", "B"),
    "dropout_keep_prob": ("tf1_dropout_keep_prob.py", "tf1_dropout_rate.py", "A"),
    "cross_entropy_on_probabilities": ("eager_softmax_logits.py", "eager_softmax_probabilities.py", "B"),
    "keras_training_flag": ("keras_dropout_fit.py", "keras_dropout_loop.py", "B"),
    # Only B's code squares the error itself; the shapes are not in the code (side: "only B").
    "mse_broadcast": ("keras_linear.py", "eager_linear_flat_targets.py", "only B"),
    "fit_shuffle": ("tf1_linear.py", "keras_linear_shuffled.py", "B"),
}


def _static(name):
    a, b, _ = PAIRS[name]
    return {c.name: c for c in candidates.static_candidates(SCRIPTS / a, SCRIPTS / b, {"TF_ENABLE_ONEDNN_OPTS": "0"})}


@pytest.mark.parametrize("name", [name for name in PAIRS if name != "adam_epsilon"])
def test_the_static_search_finds_the_entry_and_the_side_that_lacks_its_setting(name):
    found = _static(name)
    assert name in found
    if PAIRS[name][2] == "only B":
        assert found[name].applies == ["B"] and not found[name].missing
    else:
        assert list(found[name].missing) == [PAIRS[name][2]]
        assert PAIRS[name][2] in found[name].applies


def test_adam_is_found_on_both_sides_each_call_named_by_its_api():
    found = _static("adam_epsilon")["adam_epsilon"]
    assert found.missing == {"A": ["TF1's AdamOptimizer without epsilon= (its default)"],
                             "B": ["Keras's Adam without epsilon= (its default)"]}
    a_eps8 = candidates.static_candidates(SCRIPTS / "tf1_adam.py", SCRIPTS / "keras_adam_eps8.py")
    assert list(next(c for c in a_eps8 if c.name == "adam_epsilon").missing) == ["A"]


def test_the_onednn_setting_is_a_candidate_only_when_the_children_ran_with_it_on():
    pair = SCRIPTS / "tf1_linear.py", SCRIPTS / "eager_linear.py"
    assert "onednn_fusion" not in {c.name for c in candidates.static_candidates(*pair, {"TF_ENABLE_ONEDNN_OPTS": "0"})}
    (found,) = [c for c in candidates.static_candidates(*pair, {"TF_ENABLE_ONEDNN_OPTS": "1"})
                if c.name == "onednn_fusion"]
    assert found.environment == "TF_ENABLE_ONEDNN_OPTS=1"


# The fit to the evidence, on comparisons made by hand -------------------------------------

def _comparison(loss, variables, floor=1e-9, verdicts=None):
    """loss: per record; variables: name -> per record gaps; floors all `floor`."""
    gaps = {"loss": np.array(loss, float), **{k: np.array(v, float) for k, v in variables.items()}}
    count = len(loss)
    floors = {name: np.full(count, floor) for name in gaps}
    if verdicts is None:
        verdicts = [PARTS if any(g[i] > 16 * floor for g in gaps.values()) else
                    (BITWISE if all(g[i] == 0 for g in gaps.values()) else WITHIN) for i in range(count)]
    return Comparison(np.arange(1, count + 1), gaps, floors, verdicts)


def _trace(label, values, loss=None):
    count = len(next(iter(values.values())))
    names = list(values)
    return Trace(Side(label, SCRIPTS / "tf1_adam.py", "tensorflow"), names, names, [(1,)] * len(names),
                 [np.zeros(1, np.float32)] * len(names), [np.array(v, np.float32).reshape(count, 1) for v in values.values()],
                 np.zeros(count) if loss is None else np.array(loss, float), np.arange(1, count + 1),
                 np.array([""] * count))


def _fitted(kind, comparison, a=None):
    entry = next(e for e in candidates.CATALOG if e.evidence == kind)
    candidate = candidates.Candidate(entry)
    candidates.fit(candidate, a, comparison)
    return candidate


def test_an_optimizer_difference_fits_every_variable_parting_at_update_1_after_the_same_loss():
    optimizer = _comparison([0, 1e-3, 1e-3], {"w": [1e-6, 1e-5, 1e-5], "b": [1e-6, 1e-5, 1e-5]})
    assert _fitted("optimizer", optimizer).fits
    assert not _fitted("forward", optimizer).fits  # the first loss is the same
    one_variable = _comparison([0, 1e-3, 1e-3], {"w": [1e-6, 1e-5, 1e-5], "b": [0, 1e-5, 1e-5]})
    assert not _fitted("optimizer", one_variable).fits
    later = _comparison([0, 0, 1e-3], {"w": [0, 1e-6, 1e-5], "b": [0, 1e-6, 1e-5]})
    assert not _fitted("optimizer", later).fits


def test_a_forward_difference_fits_a_loss_that_parts_before_the_weights_it_came_from():
    # Update 2's loss is computed from the weights after update 1, which are within rounding.
    a = _trace("A", {"w": [1.0, 1.0, 1.0]}, loss=[2.0, 2.0, 2.0])
    forward = _comparison([0, 0.7, 5.0], {"w": [1e-9, 1e-2, 3e-2]})
    candidate = _fitted("forward", forward, a)
    assert candidate.fits and "update 2" in candidate.why
    assert not _fitted("optimizer", forward, a).fits
    # A loss beyond its floor by a share of itself that rounding can reach is not a forward difference.
    slight = _comparison([0, 2e-5, 5.0], {"w": [1e-9, 1e-2, 3e-2]}, floor=1e-7)
    assert not _fitted("forward", slight, a).fits


def test_a_rounding_difference_fits_a_first_gap_of_a_few_ulps_only():
    a = _trace("A", {"w": [1.0, 1.0, 1.0]})
    few = _comparison([0, 0, 0], {"w": [0, 4 * float(np.spacing(np.float32(1))), 1e-5]}, floor=1e-9)
    assert _fitted("rounding", few, a).fits
    many = _comparison([0, 0, 0], {"w": [0, 1e-3, 1e-2]}, floor=1e-9)
    assert not _fitted("rounding", many, a).fits


def test_no_entry_fitting_is_reported_as_unexplained_with_where_they_part():
    a = _trace("A", {"w": [1.0, 1.0, 1.0], "b": [0.5, 0.5, 0.5]}, loss=[1.0, 1.0, 1.0])
    b = _trace("B", {"w": [1.0, 1.0, 1.0], "b": [0.5, 0.5, 0.5]})
    b.side = Side("B", SCRIPTS / "eager_linear.py", "tensorflow")
    a.side = Side("A", SCRIPTS / "tf1_linear.py", "tensorflow")
    a.batch, b.batch = np.array(["x", "y", "z"]), np.array(["x", "q", "r"])
    parting = _comparison([0, 0.3, 0.5], {"w": [0, 1e-4, 1e-3], "b": [0, 0, 1e-3]})
    lines = explain.explain(a, b, None, parting)
    # Two loops: no entry's code differs between them (fit_shuffle's `fit` is in neither), so
    # the batches that differ are where to look.
    assert lines[0].startswith("why: unexplained: no catalog entry fits. They part at update 2, first in w; "
                               "the loss of update 2 differs by 0.3; the batches differ from update 2 on: "
                               "that is where to look")
    agreeing = _comparison([0, 0, 0], {"w": [0, 1e-12, 0]})
    assert explain.explain(a, b, None, agreeing) == []


def test_an_outside_argument_replaces_what_the_script_passed_positionally_or_by_keyword():
    class Optimizer:
        def __init__(self, learning_rate=0.1, epsilon=1e-7, **kwargs):
            self.learning_rate, self.epsilon, self.kwargs = learning_rate, epsilon, kwargs

        def __call__(self, *args, **kwargs):
            return args, kwargs

        def step(self, gradient):
            return gradient

    import sys
    import types

    module = types.ModuleType("fake_optimizers")
    module.Optimizer = Optimizer
    sys.modules["fake_optimizers"] = module
    try:
        overrides.install({"target": "fake_optimizers.Optimizer", "name": "epsilon", "value": 1e-8})
        assert Optimizer(0.5).epsilon == 1e-8
        assert Optimizer(0.5, 1e-3).epsilon == 1e-8 and Optimizer(0.5, 1e-3).learning_rate == 0.5
        assert Optimizer(epsilon=3.0, name="x").epsilon == 1e-8 and Optimizer(name="x").kwargs == {"name": "x"}
        overrides.install({"target": "fake_optimizers.Optimizer.__call__", "name": "training", "value": True})
        assert Optimizer()(3) == ((3,), {"training": True})
        assert Optimizer()(3, training=False) == ((3,), {"training": True})
        with pytest.raises(TypeError, match="takes no argument 'shuffle'"):
            overrides.install({"target": "fake_optimizers.Optimizer.step", "name": "shuffle", "value": False})
    finally:
        del sys.modules["fake_optimizers"]


# End to end: each pair diffed, the entry named first --------------------------------------

def _why(lines):
    """The explanation: from the line "why: ..." to the time line."""
    start = next(i for i, line in enumerate(lines) if line.startswith("why: "))
    return [line for line in lines[start:] if not line.startswith("time: ")]


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in PAIRS if name != "adam_epsilon"])
def test_each_pair_names_its_entry_first(name, capsys, tmp_path):
    a, b, side = PAIRS[name]
    code, lines, _, _ = diff(capsys, tmp_path, a, b)
    assert code == 1
    why = _why(lines)
    assert why[0].startswith("why: ") and "fit" in why[0]
    assert why[1].startswith(f"1. {name}: ")
    assert why[2].startswith(f"   in the code: {side}: " if side != "only B" else "   in the code: only B's code has it")
    assert f"   the whole entry: tf-rosetta divergences {name}" in why
    from tf_rosetta.comparisons.divergences import BY_NAME

    if BY_NAME[name].outside_fix is None:  # the setting is in the script's code: no re-run can apply it
        assert "   not confirmed by a re-run: its setting is in the script's code, not applied from outside" in why
    else:
        assert why[6].startswith(f"   confirmed: with {BY_NAME[name].outside_fix.says} B is ")


@pytest.mark.slow
def test_another_learning_rate_no_entry_explains_is_reported_unexplained_with_where_they_part(capsys, tmp_path):
    code, lines, _, _ = diff(capsys, tmp_path, "keras_linear.py", "keras_linear_other_rate.py")
    assert code == 1
    (line,) = [line for line in lines if line.startswith("why:")]
    assert line.startswith("why: unexplained: no catalog entry fits. They part at update 1")


def test_every_entry_declares_a_known_evidence_kind_and_an_outside_fix_that_resolves():
    import inspect

    from tf_rosetta.comparisons.divergences import CATALOG, EVIDENCE_KINDS

    for entry in CATALOG:
        assert entry.evidence in ("", *EVIDENCE_KINDS), entry.name
        fix = entry.outside_fix
        if fix is None:
            continue
        assert fix.kind in ("argument", "environment") and fix.says, entry.name
        if fix.kind == "argument":
            found = overrides.resolve(fix.target)
            parameters = inspect.signature(found.__init__ if isinstance(found, type) else found).parameters
            assert fix.name in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                                 for p in parameters.values()), entry.name
    assert {e.name for e in CATALOG if e.outside_fix} >= {"adam_epsilon", "keras_training_flag", "onednn_fusion"}
