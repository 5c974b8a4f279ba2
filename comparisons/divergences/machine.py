"""What this machine is, for entries whose difference is a fact of the platform.

Such an entry's `platform_problem()` returns why the machine at hand cannot show the
difference as recorded (another CPU architecture, another vector width, a NumPy without
OpenBLAS, a single core), or "" when it can. Each function here answers one question
cheaply; the entry combines them.
"""

import os
import platform

import numpy as np

from .record import RECORDED_VECTOR_WIDTH


def architecture() -> str:
    """The CPU architecture, as Linux names it: x86_64, aarch64, ..."""
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def vector_width() -> str:
    """The widest vector instructions of this CPU, as NumPy detected them at import."""
    try:
        features = np._core._multiarray_umath.__cpu_features__
    except AttributeError:  # NumPy 1.x
        features = np.core._multiarray_umath.__cpu_features__
    for name, flag in [("AVX-512", "AVX512F"), ("AVX2", "AVX2"), ("AVX", "AVX"), ("SVE", "SVE"),
                       ("NEON", "ASIMD"), ("NEON", "NEON"), ("SSE2", "SSE2")]:
        if features.get(flag):
            return name
    return f"unknown ({architecture()})"


def other_vector_width() -> str:
    """Why rounding-level sizes measured here need not match the record ("" when they should)."""
    width = vector_width()
    if width != RECORDED_VECTOR_WIDTH:
        return (f"the recorded rounding differences come from a {RECORDED_VECTOR_WIDTH} CPU; this CPU's "
                f"widest vectors are {width}, which sum in another order")
    return ""


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def numpy_blas() -> str:
    """The BLAS NumPy was built with, as numpy.show_config names it ("" if it does not say)."""
    try:
        config = np.show_config(mode="dicts")
    except TypeError:  # NumPy before 1.26 only prints
        return ""
    return str(config.get("Build Dependencies", {}).get("blas", {}).get("name", ""))
