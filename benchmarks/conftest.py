import sys

assert "tensorflow" not in sys.modules, "benchmarks must import implementations before TensorFlow"
from tf_rosetta import implementations  # noqa: E402,F401  (fixes TensorFlow's settings first)
import os  # noqa: E402
import platform  # noqa: E402

import pytest  # noqa: E402

from tf_rosetta.implementations import runtimes  # noqa: E402

# The runtime comes from the environment (KERAS_BACKEND, TF_USE_LEGACY_KERAS), which
# `tf-rosetta bench --runtime` sets for this process; it must be entered before TensorFlow.
runtimes.activate(runtimes.current())

from benchmarks import HARNESS_SCHEDULE, SEED_EXPERIMENT  # noqa: E402
from benchmarks.variants import KERAS_VARIANTS  # noqa: E402
from tf_rosetta.implementations import registry  # noqa: E402
from tf_rosetta.implementations.devices import two_logical_cpus  # noqa: E402

two_logical_cpus()  # before TensorFlow's first op: the tf_function+mirrored row runs on two replicas

_LOAD_AT_START = os.getloadavg()


def pytest_addoption(parser):
    parser.addoption("--tasks", default="", metavar="TASK,...",
                     help=f"comma-separated tasks to time (default: all, {SEED_EXPERIMENT} and {HARNESS_SCHEDULE})")
    parser.addoption("--runtime", default=runtimes.current(), choices=runtimes.RUNTIMES,
                     help="the runtime this process is in, as its environment set it (tf-rosetta bench --runtime "
                          "sets both); under another than tensorflow only the Keras rows run")


def pytest_collection_modifyitems(config, items):
    wanted = [name for name in config.getoption("--tasks").split(",") if name]
    accepted = [*registry.TASKS, SEED_EXPERIMENT, HARNESS_SCHEDULE]
    for name in wanted:
        if name not in accepted:
            raise pytest.UsageError(f"--tasks: unknown task {name!r}; accepted: {', '.join(accepted)}")
    runtime = config.getoption("--runtime")
    if runtime != runtimes.current():
        raise pytest.UsageError(f"--runtime {runtime}: this process is in {runtimes.current()}, which its "
                                f"environment chose before TensorFlow was imported; run tf-rosetta bench --runtime "
                                f"{runtime}")
    kept = [item for item in items if (not wanted or item.callspec.params.get("task") in wanted)
            and (runtime == runtimes.DEFAULT or _keras_row_that_runs(item, runtime))]
    if len(kept) == len(items):
        return
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


def _keras_row_that_runs(item, runtime) -> bool:
    """Under another runtime: the Keras rows (fit, train_on_batch) of the tasks whose Keras programs run there."""
    params = item.callspec.params
    return (params.get("variant") in KERAS_VARIANTS and params.get("task") in registry.TASKS
            and not runtimes.not_applicable(runtime, "keras_sequential", params["task"]))


@pytest.fixture(scope="session")
def rounds(request):
    """The fewest timed rounds of a benchmark (short ones get more): --benchmark-min-rounds, default 5."""
    return request.config.getoption("benchmark_min_rounds")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def pytest_benchmark_update_machine_info(config, machine_info):
    import keras
    import numpy
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    machine_info["tf_rosetta"] = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "runtime": runtimes.current(),
        "numpy": numpy.__version__,
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset"),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "tf_intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads() or "default",
        "tf_inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads() or "default",
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "gpus": [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus]
        or "none",
        "load_average_at_start": list(_LOAD_AT_START),
        "load_average_at_end": list(os.getloadavg()),
    }
