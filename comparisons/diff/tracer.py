"""The hooks a diff child installs before the user's script runs: they wrap APIs, never the script.

- TF2: ``GradientTape.gradient`` keeps the loss it differentiates; the optimizers' update
  methods (Keras 3's ``apply``, Keras 2's and the legacy ``apply_gradients``) record the
  variables after each update. Eagerly, right after the call; inside ``tf.function``, by a
  ``tf.py_function`` fed reads of the variables placed after the update, so that the graph's
  own ops are unchanged and each execution (each step of a ``steps_per_execution`` loop too)
  records one update.
- Keras ``fit``/``train_on_batch`` on TensorFlow keep the batch each ``train_step`` receives,
  for the digest; on JAX (no optimizer call to hook: ``stateless_apply`` inside ``jax.jit``)
  a callback records after each call of the train function.
- TF1: ``Optimizer.compute_gradients``/``apply_gradients`` mark the training op and its loss;
  ``Session.run`` of a fetch that holds a training op also fetches the loss, then the
  variables in a second run of their own.
- Before the first update, a variable creator scope knows every variable made so far, so
  ``--init-from`` and the rounding reruns can set their values before the first forward pass.
"""

import functools
import threading

import numpy as np

from tf_rosetta.comparisons.diff.recorder import Recorder, digest

_state = threading.local()


def _pending():
    if not hasattr(_state, "loss"):
        _state.loss, _state.batch, _state.depth = None, None, 0
    return _state


_patches = []  # (owner, name, what the owner itself held or None): for uninstall


def _patch(owner, name, make_wrapper, recorder: Recorder, label: str) -> None:
    # Looked up along the MRO (keras.Model's fit is its backend trainer's), set on the owner.
    original = next((klass.__dict__[name] for klass in owner.__mro__ if name in klass.__dict__), None)
    if original is None:
        return
    _patches.append((owner, name, owner.__dict__.get(name)))
    setattr(owner, name, functools.wraps(original)(make_wrapper(original)))
    recorder.hooks_installed.append(label)


def uninstall() -> None:
    """Put every wrapped API back (the benchmark times traced and untraced runs in one process).
    Functions traced meanwhile keep what was traced into them."""
    while _patches:
        owner, name, own = _patches.pop()
        if own is None:
            delattr(owner, name)
        else:
            setattr(owner, name, own)
    for scope in _scopes:
        scope.__exit__(None, None, None)
    _scopes.clear()
    object.__setattr__(_active, "target", None)


_scopes = []


# Variables --------------------------------------------------------------------------------

class Registry:
    """Every trainable variable made after the tracer was installed, by a key that a second
    run of the same program gives the same variable: its order of creation."""

    def __init__(self):
        self.variables, self.keys = [], {}

    def creator(self, next_creator, **kwargs):
        variable = next_creator(**kwargs)
        self.keys[id(variable)] = f"created/{len(self.variables)}"
        self.variables.append(variable)  # held, so that no id is reused
        return variable

    def key_of(self, variable) -> str:
        handle = getattr(variable, "_value", variable)  # a Keras 3 variable holds its tf.Variable
        return self.keys.get(id(handle)) or self.keys.get(id(variable)) or f"name/{_name(variable)}"


def _name(variable) -> str:
    return str(getattr(variable, "path", None) or getattr(variable, "name", "?"))


def _numpy(value) -> np.ndarray:
    return np.array(value.numpy() if hasattr(value, "numpy") else value)


def _read(tf, variable):
    handle = getattr(variable, "_value", variable)
    return handle.read_value() if hasattr(handle, "read_value") else tf.convert_to_tensor(handle)


class _Active:
    """The recorder the hooks write to. A process installs the hooks once; a test worker that
    traces several programs in turn gives each its own recorder (`install` again)."""

    def __init__(self):
        object.__setattr__(self, "target", None)

    def __getattr__(self, name):
        return getattr(object.__getattribute__(self, "target"), name)

    def __setattr__(self, name, value):
        setattr(object.__getattribute__(self, "target"), name, value)


_active = _Active()


def install(recorder: Recorder, runtime: str) -> None:
    """Install the hooks (the first time) and record into this recorder from now on."""
    installed = object.__getattribute__(_active, "target")
    object.__setattr__(_active, "target", recorder)
    if installed is not None:
        recorder.hooks_installed = list(installed.hooks_installed)
        return
    recorder = _active
    from tf_rosetta.comparisons.diff import keras_hooks

    if runtime == "jax":
        keras_hooks.install_jax(recorder, _patch)
        return
    import tensorflow as tf

    registry = Registry()
    # Entered for the rest of the process (tf.function graphs inherit the eager creator stack);
    # held, since a collected context manager leaves its scope.
    _scopes.append(tf.variable_creator_scope(registry.creator))
    _scopes[-1].__enter__()
    recorder.hooks_installed.append("variable creation (tf.variable_creator_scope)")
    _install_tape(tf, recorder, registry)
    _install_tf2_optimizers(tf, recorder, registry, runtime)
    keras_hooks.install_fit(recorder, runtime, _patch, _pending)
    _install_tf1(tf, recorder)


def _set_start(tf, recorder: Recorder, pairs) -> None:
    """Before the first update's forward pass (inside a trace too: init_scope reaches the
    eager values): give the variables the start values asked for."""
    by_key = dict(pairs)
    with tf.init_scope():
        wanted = recorder.start_values([(key, _numpy(_read(tf, variable))) for key, variable in pairs])
        for key, value in wanted.items():
            dtype = by_key[key].dtype  # a tf.DType, or a Keras 3 variable's name of one
            by_key[key].assign(np.asarray(value).astype(getattr(dtype, "as_numpy_dtype", dtype)))


def _install_tape(tf, recorder: Recorder, registry: Registry) -> None:
    def enter_wrapper(original):
        def __enter__(self):
            if not recorder.started and (recorder.set_values or recorder.perturb_seed is not None):
                pairs = [(registry.key_of(v), v) for v in registry.variables if getattr(v, "trainable", False)]
                if recorder.set_values:
                    pairs = [(key, v) for key, v in pairs if key in recorder.set_values]
                if pairs:  # else the variables are made inside the tape: the first update sets them
                    _set_start(tf, recorder, pairs)
            return original(self)
        return __enter__

    def gradient_wrapper(original):
        def gradient(self, target, sources, *args, **kwargs):
            result = original(self, target, sources, *args, **kwargs)
            _pending().loss = target if tf.is_tensor(target) else None
            return result
        return gradient

    _patch(tf.GradientTape, "__enter__", enter_wrapper, recorder, "tf.GradientTape (start values)")
    _patch(tf.GradientTape, "gradient", gradient_wrapper, recorder, "tf.GradientTape.gradient (the loss)")


def _same_graph(tf, tensor) -> bool:
    if tensor is None:
        return False
    graph = getattr(tensor, "graph", None)
    return graph is None or graph is tf.compat.v1.get_default_graph()


def _record_update(tf, recorder: Recorder, registry: Registry, label: str, variables: list, update) -> object:
    """Run the optimizer's update (a callable) and record it; return what it returned."""
    state = _pending()
    loss, batch = state.loss, state.batch
    state.loss = None
    keys = [registry.key_of(variable) for variable in variables]
    # No GradientTape was entered with these variables made (a layer built inside the tape): in a
    # trace, setting them now still comes before the first execution; eagerly, the first update's
    # gradients were taken at the old values, which the trace keeps as its start.
    late_start = not recorder.started and (recorder.set_values or recorder.perturb_seed is not None)
    if late_start and not tf.executing_eagerly():
        _set_start(tf, recorder, list(zip(keys, variables)))
    if recorder.names is None:
        with tf.init_scope():  # inside a trace: the values the first execution will start from
            recorder.first_update([_name(v) for v in variables], keys, [_numpy(_read(tf, v)) for v in variables])
    if late_start and tf.executing_eagerly():
        recorder.note("start values set after the first update's forward pass (its variables were made "
                      "inside the GradientTape): the first update's gradients came from the old values")
        _set_start(tf, recorder, list(zip(keys, variables)))
    result = update()
    recorder.fired(label)
    if not recorder.same_variables(keys):
        recorder.skip_update()
        return result
    loss = loss if _same_graph(tf, loss) else None
    batch = [t for t in tf.nest.flatten(batch) if tf.is_tensor(t)] if batch is not None else []
    batch = [t for t in batch if _same_graph(tf, t)]
    if tf.executing_eagerly():
        recorder.record([_numpy(_read(tf, v)) for v in variables], None if loss is None else _numpy(loss),
                        digest([_numpy(t) for t in batch]) if batch else None)
        return result
    if not isinstance(tf.compat.v1.get_default_graph(), tf.__internal__.FuncGraph):
        recorder.note(f"{label} was called in a TF1 graph: updates there are recorded by Session.run only")
        return result
    if _another_replica(tf, recorder):
        return result
    reads = [_read(tf, v) for v in variables]  # after the update in program order: control deps follow
    has_loss = loss is not None

    def record(*tensors):
        tensors = [t.numpy() for t in tensors]
        values, rest = tensors[:len(variables)], tensors[len(variables):]
        recorder.record(values, rest[0] if has_loss else None, digest(rest[1 if has_loss else 0:]) or None)
        return []

    tf.py_function(record, reads + ([loss] if has_loss else []) + batch, Tout=[])
    return result


def _move_rate(tf, recorder: Recorder, optimizer) -> None:
    """A rounding rerun moves the learning rate by an ulp or two too, as compare's reruns do:
    once per optimizer, before its first update (eagerly, inside a trace too)."""
    if getattr(optimizer, "_tf_rosetta_rate_moved", False):
        return
    optimizer._tf_rosetta_rate_moved = True
    with tf.init_scope():
        try:
            rate = float(np.asarray(optimizer.learning_rate))
            optimizer.learning_rate = recorder.moved_rate(rate)
        except (TypeError, ValueError, AttributeError) as error:  # a schedule: left as it is
            recorder.note(f"the rounding reruns could not move the learning rate ({type(error).__name__})")


def _another_replica(tf, recorder: Recorder) -> bool:
    """Under a tf.distribute strategy each replica runs the update: replica 0 records it."""
    if not tf.distribute.has_strategy() or tf.distribute.in_cross_replica_context():
        return False
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return False
    replica = tf.get_static_value(context.replica_id_in_sync_group)
    if replica is None:
        recorder.note("the replicas' ids are not known when traced: every replica's update is recorded")
        return False
    recorder.note(f"{context.num_replicas_in_sync} replicas: the variables after each update and replica 0's "
                  f"loss (of its share of the batch) are recorded")
    return int(replica) != 0


def _install_tf2_optimizers(tf, recorder: Recorder, registry: Registry, runtime: str) -> None:
    def apply_wrapper(label, variables_of):
        def make(original):
            def wrapper(self, *args, **kwargs):
                state = _pending()
                if state.depth:  # an optimizer calling another (apply_gradients -> apply, a wrapper's inner)
                    return original(self, *args, **kwargs)
                args, kwargs, variables = variables_of(self, args, kwargs)
                state.depth += 1
                try:
                    if recorder.perturb_seed is not None:
                        _move_rate(tf, recorder, self)
                    return _record_update(tf, recorder, registry, label, variables,
                                          lambda: original(self, *args, **kwargs))
                finally:
                    state.depth -= 1
            return wrapper
        return make

    def from_pairs(self, args, kwargs):
        pairs = list(args[0] if args else kwargs.pop("grads_and_vars"))
        args = (pairs, *args[1:])
        return args, kwargs, [v for g, v in pairs if g is not None]

    def from_apply(self, args, kwargs):
        grads = list(args[0] if args else kwargs.pop("grads"))
        variables = args[1] if len(args) > 1 else kwargs.pop("trainable_variables", None)
        variables = list(variables) if variables is not None else list(self._trainable_variables)
        return (grads, variables), kwargs, variables

    if runtime == "tf_keras":
        from tf_keras.src.optimizers import optimizer as keras2
        from tf_keras.src.optimizers.legacy import optimizer_v2

        for owner in (keras2._BaseOptimizer, keras2.Optimizer):
            _patch(owner, "apply_gradients", apply_wrapper("Keras 2 Optimizer.apply_gradients", from_pairs),
                   recorder, f"tf_keras {owner.__name__}.apply_gradients")
        _patch(optimizer_v2.OptimizerV2, "apply_gradients",
               apply_wrapper("Keras 2 legacy Optimizer.apply_gradients", from_pairs), recorder,
               "tf_keras legacy OptimizerV2.apply_gradients")
    else:
        from keras.src.optimizers import base_optimizer, loss_scale_optimizer

        for owner in (base_optimizer.BaseOptimizer, loss_scale_optimizer.LossScaleOptimizer):
            _patch(owner, "apply", apply_wrapper("Keras 3 Optimizer.apply", from_apply), recorder,
                   f"keras {owner.__name__}.apply (apply_gradients, minimize)")


# TF1 --------------------------------------------------------------------------------------

def _install_tf1(tf, recorder: Recorder) -> None:
    from tf_rosetta.comparisons.diff import tf1_hooks

    tf1_hooks.install(tf, recorder, _patch)
