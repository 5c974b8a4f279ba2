"""The TF1 hooks of a diff child: a training op is what a v1 Optimizer's apply_gradients
(or minimize) returned; a Session.run whose fetches hold one is an update.

The loss is the tensor given to compute_gradients (minimize passes it on), fetched in the same
run (it is computed for the gradients anyway); the variables are read in a second run of their
own, after the update. The batch digest is of the feed_dict's values.
"""

import numpy as np

from tf_rosetta.comparisons.diff.recorder import Recorder, digest


def install(tf, recorder: Recorder, patch) -> None:
    v1 = tf.compat.v1
    training_ops = {}  # (graph, op name) -> (variables, loss tensor or None); the graph held, not its id
    pending = {"loss": None}

    def compute_gradients(original):
        def wrapper(self, loss, *args, **kwargs):
            pending["loss"] = loss if tf.is_tensor(loss) else None
            return original(self, loss, *args, **kwargs)
        return wrapper

    def apply_gradients(original):
        def wrapper(self, grads_and_vars, *args, **kwargs):
            pairs = list(grads_and_vars)
            if recorder.perturb_seed is not None and not getattr(self, "_tf_rosetta_rate_moved", False):
                # As compare's reruns: the learning rate moved by an ulp or two (Adam keeps it as _lr).
                self._tf_rosetta_rate_moved = True
                for name in ("_learning_rate", "_lr"):
                    if isinstance(getattr(self, name, None), float):
                        setattr(self, name, recorder.moved_rate(getattr(self, name)))
            result = original(self, pairs, *args, **kwargs)
            if not tf.executing_eagerly() and result is not None:
                loss, pending["loss"] = pending["loss"], None
                variables = [variable for gradient, variable in pairs if gradient is not None]
                if loss is not None and loss.graph is not result.graph:
                    loss = None
                training_ops[result.graph, result.name] = (variables, loss)
            return result
        return wrapper

    def run(original):
        def wrapper(self, fetches, feed_dict=None, options=None, run_metadata=None):
            found = _training_op(tf, self.graph, fetches, training_ops) if training_ops else None
            if found is None:
                return original(self, fetches, feed_dict, options, run_metadata)
            variables, loss = found
            names = [variable.op.name for variable in variables]
            keys = [f"name/{name}" for name in names]
            if recorder.names is None:
                current = original(self, variables)
                wanted = recorder.start_values(list(zip(keys, current)))
                for variable, key in zip(variables, keys):
                    if key in wanted:
                        variable.load(np.asarray(wanted[key]).astype(variable.dtype.as_numpy_dtype), self)
                recorder.first_update(names, keys, original(self, variables))
            recorder.fired("tf.compat.v1.Session.run of a training op")
            if not recorder.same_variables(keys):
                recorder.skip_update()
                return original(self, fetches, feed_dict, options, run_metadata)
            if loss is not None:
                result, loss_value = original(self, [fetches, loss], feed_dict, options, run_metadata)
            else:
                result, loss_value = original(self, fetches, feed_dict, options, run_metadata), None
            batch = None
            if feed_dict:
                batch = digest([_fed(self.graph, key, value) for key, value in feed_dict.items()])
            recorder.record(original(self, variables), loss_value, batch)
            return result
        return wrapper

    from tensorflow.python.client import session as session_module

    patch(v1.train.Optimizer, "compute_gradients", compute_gradients, recorder,
          "tf.compat.v1 Optimizer.compute_gradients (the loss)")
    patch(v1.train.Optimizer, "apply_gradients", apply_gradients, recorder,
          "tf.compat.v1 Optimizer.apply_gradients (the training op)")
    patch(session_module.BaseSession, "run", run, recorder, "tf.compat.v1 Session.run")


def _training_op(tf, graph, fetches, training_ops):
    for fetch in tf.nest.flatten(fetches):
        try:
            element = graph.as_graph_element(fetch, allow_tensor=True, allow_operation=True)
        except (TypeError, ValueError, KeyError):
            continue
        op = element if isinstance(element, tf.Operation) else getattr(element, "op", None)
        if op is not None and (graph, op.name) in training_ops:
            return training_ops[graph, op.name]
    return None


def _fed(graph, key, value):
    """A fed value as the placeholder takes it (a feed of float64 into float32 is float32)."""
    try:
        dtype = graph.as_graph_element(key).dtype.as_numpy_dtype
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError, KeyError, AttributeError):
        return np.asarray(value)
