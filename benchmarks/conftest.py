import sys

assert "tensorflow" not in sys.modules, "benchmarks must import implementations before TensorFlow"
import implementations  # noqa: E402,F401  (fixes TensorFlow's settings first)
import os  # noqa: E402
import platform  # noqa: E402

import pytest  # noqa: E402

from benchmarks import SEED_EXPERIMENT  # noqa: E402
from implementations import registry  # noqa: E402

_LOAD_AT_START = os.getloadavg()


def pytest_addoption(parser):
    parser.addoption("--tasks", default="", metavar="TASK,...",
                     help=f"comma-separated tasks to time (default: all, and {SEED_EXPERIMENT})")


def pytest_collection_modifyitems(config, items):
    wanted = [name for name in config.getoption("--tasks").split(",") if name]
    accepted = [*registry.TASKS, SEED_EXPERIMENT]
    for name in wanted:
        if name not in accepted:
            raise pytest.UsageError(f"--tasks: unknown task {name!r}; accepted: {', '.join(accepted)}")
    if not wanted:
        return
    kept = [item for item in items if item.callspec.params.get("task") in wanted]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


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
