"""The Keras hooks of a diff child: fit and train_on_batch (see tracer.py for the rest).

On TensorFlow (Keras 3 or 2) the optimizer's hook records the updates; these only keep the
batch each train_step receives, for the digest. On JAX there is no optimizer call to hook
(`stateless_apply` inside `jax.jit`): a callback records after each call of the train function.
"""

import numpy as np

from tf_rosetta.comparisons.diff.recorder import Recorder


def name_of(variable) -> str:
    return str(getattr(variable, "path", None) or getattr(variable, "name", "?"))


def _keras_model_class(runtime: str):
    if runtime == "tf_keras":
        import tf_keras

        return tf_keras.Model
    import keras

    return keras.Model


def install_fit(recorder: Recorder, runtime: str, patch, pending) -> None:
    """Keep each train_step's batch for the digest (TensorFlow backends)."""

    def make(original):
        def wrapper(self, *args, **kwargs):
            step = self.train_step

            def train_step(data):
                pending().batch = data
                return step(data)

            self.train_step = train_step
            try:
                return original(self, *args, **kwargs)
            finally:
                self.__dict__.pop("train_step", None)
        return wrapper

    model = _keras_model_class(runtime)
    for name in ("fit", "train_on_batch"):
        patch(model, name, make, recorder, f"Keras Model.{name} (the batch of each train_step)")


def install_jax(recorder: Recorder, patch) -> None:
    """Keras 3 on JAX: a callback after each call of the train function (once every
    steps_per_execution updates); the loss is the running mean of fit's logs."""
    import keras

    recorder.loss_kind = "Keras's logs['loss'], the epoch's running mean (JAX: no per-update hook)"

    class TraceCallback(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            variables = self.model.trainable_variables
            if not recorder.started and (recorder.set_values or recorder.perturb_seed is not None):
                pairs = [(f"trainable/{index}", variable) for index, variable in enumerate(variables)]
                wanted = recorder.start_values([(key, np.asarray(v.value)) for key, v in pairs])
                for key, variable in pairs:
                    if key in wanted:
                        variable.assign(np.asarray(wanted[key]).astype(variable.dtype))
                if recorder.perturb_seed is not None:
                    try:
                        rate = float(np.asarray(self.model.optimizer.learning_rate))
                        self.model.optimizer.learning_rate = recorder.moved_rate(rate)
                    except (TypeError, ValueError, AttributeError) as error:  # a schedule: left as it is
                        recorder.note(f"the rounding reruns could not move the learning rate ({type(error).__name__})")
            if recorder.names is None:
                recorder.first_update([name_of(v) for v in variables], [f"trainable/{i}" for i in range(len(variables))],
                                      [np.asarray(v.value) for v in variables])

        def on_train_batch_end(self, batch, logs=None):
            self.model.jax_state_sync()  # the variables of this step: fit keeps them apart until asked
            recorder.fired("Keras fit callback (JAX)")
            per_call = int(getattr(self.model, "steps_per_execution", 1) or 1)
            if per_call > 1:
                recorder.granularity = f"once every {per_call} updates (steps_per_execution={per_call})"
                recorder.updates += per_call - 1
            recorder.record([np.asarray(v.value) for v in self.model.trainable_variables],
                            (logs or {}).get("loss"), None)

    def make(original):
        def fit(self, *args, **kwargs):
            callbacks = list(kwargs.pop("callbacks", None) or [])
            return original(self, *args, callbacks=[TraceCallback(), *callbacks], **kwargs)
        return fit

    patch(keras.Model, "fit", make, recorder, "Keras Model.fit (a callback, JAX)")
