"""Run user scripts under the tracer, each in a process of its own, and read their traces.

A process per script: the Keras version and backend are fixed at import, so A (TF1 under Keras
2, say) and B (Keras 3 on JAX) cannot share one. Each child gets its runtime's environment
(implementations/runtimes.py) and the chosen settings; its trace and output go to a temporary
folder that is removed whatever happens.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tf_rosetta.implementations import runtimes

ROOT = Path(__file__).resolve().parents[2]
# tf-rosetta's settings (implementations/__init__.py): oneDNN off, so that eager and graph code
# round alike and a gap is the API's, not the fusion's; one OpenBLAS thread.
PACKAGE_ENVIRONMENT = {"TF_ENABLE_ONEDNN_OPTS": "0", "OPENBLAS_NUM_THREADS": "1"}


class ScriptFailed(Exception):
    """A script that raised, exited with an error, ran past the timeout or made no update: one line, exit 5."""


@dataclass
class Side:
    label: str  # "A" or "B"
    script: Path
    runtime: str


@dataclass
class Trace:
    side: Side
    names: list[str]
    keys: list[str]
    shapes: list[tuple]
    initial: list[np.ndarray]
    after: list[np.ndarray]  # per variable: (records, *shape)
    loss: np.ndarray  # (records,), NaN where not recorded
    number: np.ndarray  # (records,): the update each record follows, 1-based
    batch: np.ndarray  # (records,) digests, "" unknown
    meta: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def updates(self) -> int:
        return int(self.meta.get("updates", len(self.number)))


def settings_environment(settings: str) -> tuple[dict, list[str]]:
    """The variables a child gets for the settings, and those it must not have."""
    if settings == "package":
        return {name: os.environ.get(name, value) for name, value in PACKAGE_ENVIRONMENT.items()}, []
    # TensorFlow's own defaults: oneDNN on (x86-64), OpenBLAS's own thread count. Set explicitly:
    # importing tf-rosetta's package in the child would otherwise set its defaults.
    return {"TF_ENABLE_ONEDNN_OPTS": "1"}, ["OPENBLAS_NUM_THREADS"]


def settings_line(settings: str) -> str:
    values, unset = settings_environment(settings)
    shown = ", ".join(f"{name}={value}" for name, value in values.items())
    if settings == "package":
        return f"settings: tf-rosetta's ({shown}: oneDNN off, so eager and graph code round alike); " \
               f"--settings tensorflow runs TensorFlow's defaults"
    return f"settings: TensorFlow's defaults ({shown}, {', '.join(unset)} unset); --settings package runs tf-rosetta's"


def _child_environment(runtime: str, settings: str) -> tuple[dict, dict, list[str]]:
    values, unset = settings_environment(settings)
    wanted = {**runtimes.ENVIRONMENT[runtime], **values, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    environment = {name: value for name, value in os.environ.items() if name not in unset}
    environment.update(wanted)
    # The child imports this package; the script runs in this folder, as `python SCRIPT` would.
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return environment, wanted, unset


def start(side: Side, folder: Path, name: str, settings: str, steps: int | None = None,
          set_values: dict | None = None, perturb_seed: int | None = None, override: dict | None = None,
          extra_environment: dict | None = None) -> dict:
    """Start one traced run of a side; returns what `finish` needs.

    override: an argument the child gives every construction of a class (overrides.py);
    extra_environment: variables set on top of the settings' (both: confirm.py's re-runs)."""
    trace_path = folder / f"{name}.npz"
    config = {"script": str(side.script), "runtime": side.runtime, "trace": str(trace_path), "steps": steps,
              "perturb_seed": perturb_seed, "override": override}
    environment, config["environment"], config["unset"] = _child_environment(side.runtime, settings)
    environment.update(extra_environment or {})
    config["environment"].update(extra_environment or {})
    if set_values:
        config["set_values"] = str(folder / f"{name}.start.npz")
        np.savez(config["set_values"], **set_values)
    config_path = folder / f"{name}.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    output = (folder / f"{name}.out").open("w")
    process = subprocess.Popen([sys.executable, "-m", "tf_rosetta.comparisons.diff.child", str(config_path)],
                               env=environment, stdout=output, stderr=subprocess.STDOUT)
    return {"side": side, "process": process, "output": output, "trace": trace_path, "started": time.perf_counter()}


def finish(run: dict, timeout: float) -> Trace:
    side, process = run["side"], run["process"]
    try:
        process.wait(timeout=max(0.0, timeout - (time.perf_counter() - run["started"])))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise ScriptFailed(f"{side.label} ({side.script}) ran past the timeout of {timeout:g} s: "
                           f"--steps N stops both after N updates, --timeout SECONDS allows longer")
    finally:
        run["output"].close()
    seconds = time.perf_counter() - run["started"]
    if not run["trace"].exists():
        last = _last_line(Path(run["output"].name))
        raise ScriptFailed(f"{side.label} ({side.script}) ended with status {process.returncode} before the tracer "
                           f"could write its trace{': ' + last if last else ''}")
    trace = read(run["trace"], side)
    trace.seconds = seconds
    if trace.meta.get("error"):
        raise ScriptFailed(f"{side.label} ({side.script}) failed on its own: {trace.meta['error']}")
    if trace.updates == 0:
        fired = ", ".join(trace.meta.get("hooks_fired") or {}) or "none"
        raise ScriptFailed(
            f"{side.label} ({side.script}) made no training update the tracer could see (hooks installed: "
            f"{'; '.join(trace.meta['hooks_installed'])}; fired: {fired}): check that it trains when run as "
            f"__main__, with Keras fit/train_on_batch, an optimizer's apply_gradients/minimize, or a TF1 Session.run "
            f"of a minimize op, under --{side.label.lower()}-runtime {side.runtime}")
    return trace


def run_all(runs: list[dict], timeout: float) -> list[Trace]:
    """Finish every started run; on any failure the others are stopped before it is raised."""
    try:
        return [finish(run, timeout) for run in runs]
    finally:
        for run in runs:
            if run["process"].poll() is None:
                run["process"].kill()
                run["process"].wait()
            run["output"].close()


def _last_line(path: Path) -> str:
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def read(path: Path, side: Side) -> Trace:
    with np.load(path) as saved:
        meta = json.loads(str(saved["meta"]))
        count = len(meta["names"])
        return Trace(side, meta["names"], meta["keys"], [tuple(shape) for shape in meta["shapes"]],
                     [saved[f"initial/{i}"] for i in range(count)], [saved[f"after/{i}"] for i in range(count)],
                     saved["loss"], saved["number"], saved["batch"], meta)
