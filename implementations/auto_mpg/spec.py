"""Auto MPG regression (seed 002): the course's model and the machinery around its training step."""

import math
from dataclasses import dataclass

import numpy as np

from tf_rosetta.implementations import cars_data as data
from tf_rosetta.implementations.contract import TaskSpec, Tolerance, TrainingResult, constant

TITLE = ("Auto MPG: 9 -> 64 ReLU -> 64 ReLU -> 1, RMSprop, validation split, early stopping, "
         "learning-rate schedule, best checkpoint, TensorBoard")
EPOCHS = 1000  # the course's; early stopping ends training at epoch 61
BATCHES = 8  # a training epoch: 251 rows in batches of 32
HISTORY = ("val_loss", "val_mae", "val_mse", "learning_rate")  # besides "loss", which is TrainingResult.losses


@dataclass(frozen=True, eq=False, kw_only=True)
class AutoMpgSpec(TaskSpec):
    x_train: np.ndarray  # (314, 9) float32: the course's normed_train_data (fit splits off its validation rows)
    y_train: np.ndarray  # (314, 1): MPG
    x_test: np.ndarray  # (78, 9)
    y_test: np.ndarray  # (78, 1)
    epochs: int  # at most; early stopping ends it sooner
    batch_size: int
    validation_split: float
    patience: int
    rho: float
    epsilon: float
    # The course's scheduler: the rate as given for schedule_keep epochs, then times exp(schedule_exponent) each epoch.
    schedule_keep: int
    schedule_exponent: float
    test_mae_below: float

    @property
    def loss_count(self) -> int:
        """At most one loss an epoch (fit's epoch mean): as many as the epochs run before stopping."""
        return self.epochs

    @property
    def validation_start(self) -> int:
        """Keras: the last validation_split of the rows, before any shuffling, are validation rows."""
        return int(math.floor(len(self.x_train) * (1.0 - self.validation_split)))

    def quality_problems(self, result: TrainingResult) -> list[str]:
        problems = []
        if result.stopped_epoch is None or result.stopped_epoch >= self.epochs:
            problems.append(f"early stopping did not end training before epoch {self.epochs}")
        if not result.metrics["mae"] < self.test_mae_below:
            problems.append(f"test MAE {result.metrics['mae']:.3f}, expected below {self.test_mae_below}")
        return problems

    def report(self, result: TrainingResult) -> None:
        history = result.history
        for epoch, loss in enumerate(result.losses):
            print(f"Epoch {epoch + 1}: loss {loss:.4f} - val_loss {history['val_loss'][epoch]:.4f} - "
                  f"val_mae {history['val_mae'][epoch]:.4f} - learning_rate {history['learning_rate'][epoch]:.6g}")
        print(f"stopped after {result.stopped_epoch} epochs")
        print("test loss %.4f - mae %.4f - mse %.4f" % (result.metrics["loss"], result.metrics["mae"],
                                                         result.metrics["mse"]))


def _glorot_uniform(random, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))  # Keras Dense's default kernel initializer
    return random.uniform(-limit, limit, (fan_in, fan_out))


def make_spec() -> AutoMpgSpec:
    x_train, y_train, x_test, y_test, _, _ = data.course_split()
    random = np.random.default_rng(23)
    weights = {}
    for name, (fan_in, fan_out) in {"1": (9, 64), "2": (64, 64), "3": (64, 1)}.items():
        weights["W" + name] = constant(_glorot_uniform(random, fan_in, fan_out))
        weights["b" + name] = constant(np.zeros(fan_out))
    return AutoMpgSpec(
        task="auto_mpg",
        title=TITLE,
        x_train=constant(x_train), y_train=constant(y_train[:, None]),
        x_test=constant(x_test), y_test=constant(y_test[:, None]),
        initial_weights=weights,
        # The course: RMSprop(0.001) with Keras's defaults rho 0.9 and epsilon 1e-7, fit's batch of 32,
        # validation_split=0.2, EarlyStopping(patience=10), the callbacks lesson's scheduler.
        learning_rate=0.001, rho=0.9, epsilon=1e-7,
        batch_size=32, validation_split=0.2, patience=10,
        # The lesson's scheduler keeps the rate 10 epochs (for SGD at 0.01 on MNIST, 15 epochs). Here
        # that freezes training by epoch 30 and early stopping then watches rounding noise: the
        # oracle stopped at 160, its reruns from starts 2 ulps away at 157, 153, 165 (test MAE 2.17).
        # Kept 50 epochs, it stops at 61 in all four (test MAE 1.886; the course's 1.883 at 91).
        schedule_keep=50, schedule_exponent=-0.1,
        epochs=EPOCHS,
        steps=EPOCHS * BATCHES,  # updates, at most: early stopping ends training sooner
        loss_record="fit's epoch loss: the mean of the epoch's batch losses weighted by their sizes",
        loss_unit="epoch",
        metric_names=("loss", "mae", "mse"),
        metrics_on="the 78 test rows, by each API's own evaluation, with the best epoch's weights restored",
        agreement_note="RMSprop's square roots and the batch sums round unlike NumPy's; the stop epoch and every "
                       "epoch's learning rate are the oracle's exactly (checked), the validation series within "
                       "their own floor",
        probe_inputs=constant(x_train[:10]),  # the course's sample_batch = normed_train_data[:10]
        test_mae_below=2.5,
        tolerance=Tolerance(rtol=0, atol=1e-4, reason="placeholder until measured"),
    )


def __getattr__(name):
    if name == "SPEC":
        global SPEC
        SPEC = make_spec()
        return SPEC
    raise AttributeError(name)
