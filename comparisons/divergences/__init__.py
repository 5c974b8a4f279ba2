"""The divergence catalog: where two TensorFlow APIs give different numbers by default.

Each entry says what differs, how big (a number measured on a named machine and versions,
kept as data), the setting that aligns the APIs, and which implementation files depend on
that setting (found by searching them, so the list cannot go stale). Each entry carries
the probe that measured it: tests/test_divergences.py runs every probe and fails if a
difference vanished or its alignment stopped working, and
``tf-rosetta divergences --measure`` re-measures on the machine at hand.

One module per entry, in entries/, read top to bottom: the lesson (its docstring, which the
record carries as ``lesson=__doc__``), the probe, the alignment check, then the
``ENTRY = Divergence(...)`` record. Shared modules:

- record.py: the Divergence and Measured types, MEASURED_ON, max_difference
- programs.py: the program files an entry reaches, and checks several entries use
- machine.py: what this machine is, for entries that measure a fact of the platform
- catalog.py: the entries' order (ORDER), by name, and the programs' `tf-rosetta divergences`
  comments
- document.py: docs/divergences.md and the HTML page that `tf-rosetta show` writes, an anchor
  per entry (the comparison pages link the programs' comments there)
- command.py: the terminal page and the CLI command

README.md here says how to add an entry.
"""

from .record import EVIDENCE_KINDS, MEASURED_ON, Divergence, Measured, OutsideFix, max_difference
from .programs import IMPLEMENTATIONS, alignment_problems, dependent_files, program_code, program_files
from .catalog import (BY_NAME, CATALOG, ORDER, check_names, entry_module, entry_modules, reference_problems,
                      references)
from .command import command_divergences, render_text
from .document import render_markdown
from . import document

# Entry helpers that tests call by these names (new entries' tests import their module instead).
from .entries.onednn_fusion import eager_versus_graph
from .entries.blas_threads import blas_products
from .entries.cross_entropy_on_probabilities import cross_entropies
from .entries.mse_broadcast import squared_errors
from .entries.default_initializers import KERNEL_SHAPE, default_initial_weights, explicit_initial_weights
from .entries.fit_numpy_input import fit_numpy_versus_dataset
from .entries.fit_logs_running_mean import fit_logs
from .entries.keras_jit_compile import xor_fit, xor_tape

__all__ = [
    "EVIDENCE_KINDS", "MEASURED_ON", "OutsideFix", "Divergence", "Measured", "max_difference",
    "IMPLEMENTATIONS", "alignment_problems", "dependent_files", "program_code", "program_files",
    "BY_NAME", "CATALOG", "ORDER", "check_names", "entry_module", "entry_modules", "reference_problems",
    "references",
    "command_divergences", "render_markdown", "render_text",
    "eager_versus_graph", "blas_products", "cross_entropies", "squared_errors", "KERNEL_SHAPE",
    "default_initial_weights", "explicit_initial_weights", "fit_numpy_versus_dataset", "fit_logs", "xor_fit",
    "xor_tape",
]
