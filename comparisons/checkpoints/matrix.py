"""One task's checkpoint matrix: every style's checkpoint loaded into every style, and resumed.

Each style trains the task's short checkpoint run (layout STEPS) once uninterrupted, and once
stopped after RESUME_AT steps and saved (its `save`). Then:
- load: style X's checkpoint, mapped through both layouts into style Y's format, is
  restored by Y's program with nothing left to train; Y's weights must be X's, bit for bit,
  and its probe predictions X's, bitwise or within the two styles' tolerances;
- resume: Y trains on from X's checkpoint to STEPS and must reach X's uninterrupted losses and
  final weights: bitwise when X is Y, within the two styles' tolerances across styles;
- export: the Keras `.keras` file and the SavedModels (also as a Keras TFSMLayer) reload and
  predict the same bits.
"""

import contextlib
import importlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tf_rosetta.comparisons.checkpoints import formats
from tf_rosetta.implementations import registry
from tf_rosetta.implementations.contract import Tolerance, TrainingResult

LAYOUT_MODULE = "checkpoint_layout"
# Tasks the matrix leaves out, with the reason (`tf-rosetta checkpoints` names them).
NOT_IN_THE_MATRIX = {
    "auto_mpg": "a run resumed halfway must carry on early stopping's best loss and patience count and "
                "the schedule's epoch, which no style's checkpoint holds (Keras's callbacks keep them in memory)"
                ": not built; its checkpoint is the best epoch's, read back and compared by `tf-rosetta compare`",
}
# The resumes across styles: TF1 into every TF2 style, every TF2 style into TF1 (within a style: all).
RESUME_HUB = "tf1_session"


def layout_module(task: str):
    return importlib.import_module(f"tf_rosetta.implementations.{registry.check_task(task)}.{LAYOUT_MODULE}")


@dataclass
class Outcome:
    """One cell: bitwise, within tolerance (the largest absolute difference), or failed (one line why)."""

    status: str  # "bitwise", "within", "failed"
    detail: str = ""
    largest: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def cell(self) -> str:
        return {"bitwise": "bitwise", "within": f"{self.largest:.1e}"}.get(self.status, "FAILED")


@dataclass
class TaskCheckpoints:
    task: str
    styles: tuple[str, ...]
    folder: Path  # where the checkpoints were written
    loads: dict[tuple[str, str], Outcome] = field(default_factory=dict)  # (saver, loader)
    resumes: dict[tuple[str, str], Outcome] = field(default_factory=dict)  # (saver, resumer)
    exports: dict[tuple[str, str], Outcome] = field(default_factory=dict)  # (style, what was reloaded)
    signatures: dict[str, str] = field(default_factory=dict)  # style -> its SavedModel's signatures
    error: str | None = None  # the task could not be run at all

    @property
    def outcomes(self):
        return [*self.loads.values(), *self.resumes.values(), *self.exports.values()]

    @property
    def ok(self) -> bool:
        return self.error is None and all(outcome.ok for outcome in self.outcomes)


def train_quietly(task: str, style: str, spec, save_to=None, resume_from=None, resumed_at=0) -> TrainingResult:
    """One program run, through its "Save and resume" section (implementations/contract.py):
    trained for spec's steps and saved to the folder `save_to`, or restored from the checkpoint
    `resume_from` (after `resumed_at` of spec's steps) and trained on to the end. What it
    prints and warns stays out of the tables."""
    program = registry.load(task, style)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = program.build_model(spec)
        if resume_from:
            program.restore(model, resume_from)
        losses = program.fit(model, spec.after(resumed_at)) if resumed_at < spec.steps else []
        result = program.evaluate(model, spec, losses)
        if save_to:
            program.save(model, save_to)
        return result


def _compare(actual: np.ndarray, expected: np.ndarray, tolerance: Tolerance | None, what: str) -> Outcome:
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if actual.shape != expected.shape:
        return Outcome("failed", f"{what}: shape {list(actual.shape)}, expected {list(expected.shape)}")
    if np.array_equal(actual, expected):
        return Outcome("bitwise")
    largest = float(np.max(np.abs(actual - expected)))
    if tolerance is not None and tolerance.allows(actual, expected):
        return Outcome("within", largest=largest)
    bound = "bitwise" if tolerance is None else f"rtol {tolerance.rtol:g}, atol {tolerance.atol:g}"
    return Outcome("failed", f"{what} differ by up to {largest:.1e}; allowed: {bound}", largest)


def _worst(outcomes: list[Outcome]) -> Outcome:
    failed = [outcome for outcome in outcomes if not outcome.ok]
    if failed:
        return failed[0]
    within = [outcome for outcome in outcomes if outcome.status == "within"]
    return max(within, key=lambda outcome: outcome.largest) if within else Outcome("bitwise")


def _weights(result: TrainingResult, names) -> np.ndarray:
    return np.concatenate([np.ravel(result.weights[name]) for name in names])


def _guarded(check) -> Outcome:
    try:
        return check()
    except Exception as error:  # noqa: BLE001  (one cell failing must not hide the others)
        return Outcome("failed", f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}")


def run_task(task: str, folder: Path, styles=None) -> TaskCheckpoints:
    """The task's matrix; every checkpoint is written under `folder`, which must be empty."""
    spec, layouts = registry.load_spec(task), layout_module(task)
    styles = tuple(styles or registry.STYLES)
    report = TaskCheckpoints(task, styles, folder)
    full_spec, part_spec = spec.with_steps(layouts.STEPS), spec.with_steps(layouts.RESUME_AT)
    moments = ("m", "v") if hasattr(spec, "beta_1") else ()
    betas = {name: getattr(spec, name) for name in ("beta_1", "beta_2") if hasattr(spec, name)}
    names = list(spec.initial_weights)
    full, part, saved = {}, {}, {}
    for style in styles:
        layout = layouts.LAYOUTS[style]
        (folder / style).mkdir(parents=True)
        full[style] = train_quietly(task, style, full_spec)
        part[style] = train_quietly(task, style, part_spec, save_to=str(folder / style))
        saved[style] = folder / style / layout.file

    def tolerance(saver, loader):
        return spec.tolerance_for(saver) + spec.tolerance_for(loader)

    def converted(saver, loader) -> Path:
        if saver == loader:
            return saved[saver]
        state = formats.read_state(saved[saver], layouts.LAYOUTS[saver], spec.initial_weights, moments)
        return formats.write_state(state, layouts.LAYOUTS[loader], saved[loader], folder / f"{saver}-into-{loader}",
                                   betas)

    def load(saver, loader) -> Outcome:
        loaded = train_quietly(task, loader, part_spec, resume_from=str(converted(saver, loader)),
                               resumed_at=part_spec.steps)
        return _worst([_compare(_weights(loaded, names), _weights(part[saver], names), None, "weights"),
                       _compare(loaded.predictions, part[saver].predictions, tolerance(saver, loader), "predictions")])

    def resume(saver, resumer) -> Outcome:
        path = saved[saver] if saver == resumer else folder / f"{saver}-into-{resumer}" / layouts.LAYOUTS[resumer].file
        resumed = train_quietly(task, resumer, full_spec, resume_from=str(path), resumed_at=part_spec.steps)
        bound = None if saver == resumer else tolerance(saver, resumer)
        return _worst([_compare(resumed.losses, full[saver].losses[part_spec.loss_count:], bound, "losses"),
                       _compare(_weights(resumed, names), _weights(full[saver], names), bound, "weights")])

    for saver in styles:
        for loader in styles:
            report.loads[saver, loader] = _guarded(lambda: load(saver, loader))
    for saver in styles:
        for resumer in styles:
            if saver == resumer or RESUME_HUB in (saver, resumer):
                report.resumes[saver, resumer] = _guarded(lambda: resume(saver, resumer))
    for style in styles:
        _check_exports(report, folder / style, part[style].predictions, spec.probe_inputs, style,
                       softmax=getattr(layouts, "SERVES_LOGITS", False))
    return report


def _check_exports(report: TaskCheckpoints, folder: Path, predictions, probe_inputs, style: str,
                   softmax: bool) -> None:
    """The inference files a style wrote, reloaded without the program: the same bits (after
    a softmax where the model serves logits and the task's predictions are probabilities)."""
    import keras
    import tensorflow as tf

    def served(outputs):
        return tf.nn.softmax(outputs).numpy() if softmax else np.asarray(outputs)

    def saved_model() -> Outcome:
        loaded = tf.saved_model.load(str(folder / "saved_model"))
        report.signatures[style] = ", ".join(
            f"{name}({', '.join(f'{key}: {list(spec.shape)}' for key, spec in function.structured_input_signature[1].items())})"
            for name, function in loaded.signatures.items())
        serve = loaded.signatures["serving_default"]
        (output,) = serve(tf.constant(probe_inputs)).values()
        return _compare(served(output), predictions, None, "predictions")

    def tfsm_layer() -> Outcome:
        # Keras 3's way to call a SavedModel as a layer; Keras's export names its endpoint "serve".
        layer = keras.layers.TFSMLayer(str(folder / "saved_model"), call_endpoint="serve")
        return _compare(served(layer(tf.constant(probe_inputs))), predictions, None, "predictions")

    def keras_file() -> Outcome:
        model = keras.models.load_model(folder / "model.keras")
        # One batch, as the programs predict: a batch of 32 rows sums in another order.
        return _compare(served(model.predict(probe_inputs, batch_size=len(probe_inputs), verbose=0)), predictions,
                        None, "predictions")

    keras_export = (folder / "saved_model").is_dir() and (folder / "model.keras").is_file()
    for what, check, present in [("SavedModel", saved_model, (folder / "saved_model").is_dir()),
                                 ("SavedModel as TFSMLayer", tfsm_layer, keras_export),
                                 (".keras", keras_file, (folder / "model.keras").is_file())]:
        if present:
            report.exports[style, what] = _guarded(check)
