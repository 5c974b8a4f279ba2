"""The catalog: the entries in their order, found by name, and the programs' references to them."""

import importlib
import pkgutil
import re
import tokenize
from pathlib import Path

from tf_rosetta.implementations import registry

from . import entries, programs
from .record import Divergence

# The catalog's order, the page's and the README's: one line per module in entries/.
ORDER = (
    "adam_epsilon",
    "adam_one_minus_beta",
    "tf1_adam_beta_power",
    "onednn_fusion",
    "blas_threads",
    "tf_thread_pools",
    "cross_entropy_on_probabilities",
    "mse_broadcast",
    "default_initializers",
    "fit_numpy_input",
    "fit_logs_running_mean",
    "fit_shuffle",
    "fit_epoch_loss_weighted",
    "tf1_rmsprop_defaults",
    "tf1_l2_loss_half",
    "normalization_adapt_variance",
    "tensorboard_tags_by_api",
    "keras_jit_compile",
    "dropout_keep_prob",
    "stateful_dropout_seed",
    "keras_dropout_seed_stream",
    "xla_stateless_random",
    "keras_training_flag",
    "tf1_update_ops",
    "moving_average_update",
    "batchnorm_fused_variance",
    "batchnorm_gradient_sum_order",
    "per_replica_loss_mean",
    "multi_worker_input_split",
    "batchnorm_per_replica_statistics",
    "replica_dropout_masks",
    # Checkpoints crossing APIs (tf-rosetta checkpoints)
    "checkpoint_keys_by_api",
    "keras3_load_weights_formats",
    "adam_state_layout",
    "keras3_save_writes_no_savedmodel",
    "keras_lambda_reload",
    "keras_seed_state_not_saved",
    # Between runtimes: Keras 2 (tf_keras) and Keras 3 on JAX (docs/install.md, Runtimes).
    "backend_initial_weights",
    "keras2_legacy_adam",
    "fit_cost_by_runtime",
    "jit_compile_by_backend",
    "tensorflow_vs_jax",
    "dropout_masks_by_runtime",
)


def entry_module(name: str):
    return importlib.import_module(f"{entries.__name__}.{name}")


def _entry(name: str) -> Divergence:
    entry = entry_module(name).ENTRY
    if entry.name != name:
        raise ValueError(f"entries/{name}.py holds the entry {entry.name!r}: a module is named after its entry")
    return entry


CATALOG = tuple(_entry(name) for name in ORDER)
BY_NAME = {entry.name: entry for entry in CATALOG}


def entry_modules() -> list[str]:
    """The entry modules in entries/ (helpers, whose names start with "_", excluded): ORDER must list each."""
    return sorted(module.name for module in pkgutil.iter_modules(entries.__path__) if not module.name.startswith("_"))


def check_names(names) -> list[Divergence]:
    for name in names:
        if name not in BY_NAME:
            raise registry.UnknownName(f"unknown divergence {name!r}; accepted: {', '.join(BY_NAME)}")
    return [BY_NAME[name] for name in names] or list(CATALOG)


# A program that departs from its API's idiom to match the others says why in one comment
# that names the entry, as the command that prints it: `# tf-rosetta divergences ENTRY`.
# The names are the words that follow, up to the first punctuation (options skipped).
REFERENCE = re.compile(r"tf-rosetta divergences((?:[ \t]+(?:--[\w-]+|\w+))*)")


def references(path: Path) -> list[tuple[int, list[str]]]:
    """(line, entry names) for each comment of a Python file that runs `tf-rosetta divergences`."""
    found = []
    with path.open("rb") as file:
        for token in tokenize.tokenize(file.readline):
            if token.type == tokenize.COMMENT:
                for match in REFERENCE.finditer(token.string):
                    found.append((token.start[0], [word for word in match.group(1).split()
                                                   if not word.startswith("--")]))
    return found


def reference_problems(paths=None) -> list[str]:
    """Comments naming no entry, or an entry the catalog lacks (a typo). Default: implementations/**/*.py."""
    paths = sorted(programs.IMPLEMENTATIONS.rglob("*.py")) if paths is None else paths
    found = []
    for path in paths:
        for line, names in references(path):
            if not names:
                found.append(f"{path}:{line}: `tf-rosetta divergences` names no entry")
            found += [f"{path}:{line}: names {name!r}, not an entry (accepted: {', '.join(BY_NAME)})"
                      for name in names if name not in BY_NAME]
    return found
