"""The tf.distribute programs: two logical CPUs change no bit of the one-device programs; the
multi-worker launcher (implementations/cluster.py) ends a run whose worker dies or hangs with
one line naming it and its step, leaves no process or port behind, keeps its traffic on
127.0.0.1 and handles a port in use; and Keras 3's fit under MultiWorkerMirroredStrategy is
still broken upstream (the day it works, a test here says so)."""

import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tf_rosetta.comparisons import harness
from tf_rosetta.implementations import cluster, registry, runtimes
from tests.standalone_worker import arrays_of

ROOT = Path(__file__).resolve().parents[1]
TASK = "logistic_mnist"
# The steps a worker must have finished before a test kills or stops it: mid-training.
MID_TRAINING = 20

ONE_DEVICE_RUN = """
import sys
from tf_rosetta import implementations
import numpy as np
from tf_rosetta.comparisons import harness
from tf_rosetta.implementations import registry
from tests.standalone_worker import arrays_of
import tensorflow as tf

arrays = {}
for program in registry.STYLES:  # harness.run_program, without start_process: no device configured
    run = harness.run_program(sys.argv[2], program)
    assert run.error is None, run.error
    arrays.update({f"{program}/{name}": value for name, value in arrays_of(run.result).items()})
arrays["logical_cpus"] = np.array(len(tf.config.list_logical_devices("CPU")))
np.savez(sys.argv[1], **arrays)
"""


def test_two_logical_cpus_change_no_bit_of_the_one_device_programs(comparison_of, tmp_path):
    """The harness's workers configure two logical CPUs before their first op (start_process);
    a process that never does computes every array of the six styles bitwise alike."""
    comparison = comparison_of(TASK)
    out = tmp_path / "one_device.npz"
    completed = subprocess.run([sys.executable, "-c", ONE_DEVICE_RUN, str(out), TASK], cwd=ROOT,
                               capture_output=True, text=True, timeout=1800)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with np.load(out) as alone:
        assert int(alone["logical_cpus"]) == 1
        for program in registry.STYLES:
            mine = arrays_of(comparison.runs[program].result)
            differing = [name for name, value in mine.items()
                         if value.tobytes() != alone[f"{program}/{name}"].tobytes()]
            assert not differing, f"{program} computed other bits with two logical CPUs: {differing}"


def test_the_harness_process_has_two_logical_cpus():
    import tensorflow as tf

    from tf_rosetta.implementations.devices import two_logical_cpus

    assert two_logical_cpus() == ["/device:CPU:0", "/device:CPU:1"]  # again: only checks
    assert len(tf.config.list_logical_devices("CPU")) == 2


def test_a_process_whose_devices_are_fixed_gets_one_line():
    source = ("from tf_rosetta import implementations; import tensorflow as tf\ntf.constant(1.0) + 1\n"
              "from tf_rosetta.implementations.devices import two_logical_cpus\ntwo_logical_cpus()\n")
    completed = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=300)
    assert completed.returncode != 0
    assert ("DevicesAlreadyInitialized: this process's TensorFlow fixed its devices as 1 logical CPU(s) before two "
            "could be configured") in completed.stderr


def test_each_mirrored_program_trains_in_a_fresh_process_with_the_default_all_reduce():
    """MirroredStrategy's default all-reduce on CPUs lets one program's strategy run in a process:
    logistic_mnist's mirrored_tape then mnist_mlp's in one process aborted the second (`Shape
    mismatch in the collective instance 100`, docs/distribute.md). run_program trains each
    mirrored program in a fresh process, whose start-up it reports: both train from here."""
    for task in ("logistic_mnist", "mnist_mlp"):
        for program in registry.FRESH_PROCESS:
            source = (ROOT / "implementations" / task / f"{program}.py").read_text()
            assert "cross_device_ops" not in source, f"{task} {program}: the strategy's default all-reduce"
    for task in ("logistic_mnist", "mnist_mlp"):
        run = harness.run_program(task, "mirrored_tape", registry.load_spec(task))
        assert run.error is None, run.error
        assert run.startup_seconds is not None, "trained in a process of its own"


# The launcher, with the program's own worker function: a kill and a hang mid-training.

def _spec():
    return registry.load_spec(TASK)


def _processes() -> dict[int, str]:
    """pid -> command line of every process on this machine (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _sockets(pid: int) -> list[tuple[str, str, str]]:
    """(local, remote, state) of the process's TCP sockets (IPv4, and IPv6 with IPv4 addresses
    mapped as ::ffff:a.b.c.d), from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    states = {"01": "ESTABLISHED", "0A": "LISTEN"}

    def address(text):
        host, port = text.split(":")
        raw = b"".join(bytes.fromhex(host[i:i + 8])[::-1] for i in range(0, len(host), 8))  # words in host order
        if len(raw) == 16 and raw[:12] == bytes(10) + b"\xff\xff":
            raw = raw[12:]  # ::ffff:a.b.c.d
        if len(raw) == 16:
            return f"[{socket.inet_ntop(socket.AF_INET6, raw)}]:{int(port, 16)}"
        return f"{socket.inet_ntoa(raw)}:{int(port, 16)}"

    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                found.append((address(fields[1]), address(fields[2]), states.get(fields[3], fields[3])))
    return found


class Intervention:
    """A watch for cluster.run_all: once every worker is MID_TRAINING steps in, record the
    workers' TF_CONFIG and sockets, then do something to worker 1."""

    def __init__(self, action):
        self.action, self.done, self.at = action, False, None
        self.pids, self.tf_configs, self.sockets = [], [], {}

    def __call__(self, pids, steps):
        if self.done or min(steps) < MID_TRAINING:
            return
        self.done, self.pids, self.at = True, pids, time.monotonic()
        self.folder = Path(Path(f"/proc/{pids[0]}/cmdline").read_bytes().split(b"\0")[5].decode())
        for pid in pids:
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            self.tf_configs.append(json.loads(next(v for v in environment if v.startswith(b"TF_CONFIG="))[10:]))
            self.sockets[pid] = _sockets(pid)
        os.kill(pids[1], self.action)


def _assert_nothing_left(intervention):
    for pid in intervention.pids:
        assert not _alive(pid), f"worker pid {pid} still runs"
    strays = [command for command in _processes().values() if "-m tf_rosetta.implementations.cluster" in command
              and any(str(pid) in command for pid in intervention.pids)]
    assert not strays
    ports = [int(address.rsplit(":", 1)[1]) for address in intervention.tf_configs[0]["cluster"]["worker"]]
    assert not [port for port in ports if cluster.port_in_use(port)], "a port is still held"
    assert intervention.folder.name.startswith("tf-rosetta-cluster-") and not intervention.folder.exists()


def test_a_worker_killed_mid_training_ends_the_run_with_one_line_and_leaves_nothing(monkeypatch):
    killer = Intervention(signal.SIGKILL)
    real = cluster.run_all
    monkeypatch.setattr(cluster, "run_all", lambda *args, **kwargs: real(*args, watch=killer, **kwargs))
    run = harness.run_program(TASK, "multiworker_tape", _spec())  # the program's train(), as compare runs it
    assert killer.done, run.error
    assert time.monotonic() - killer.at < 10, "the run went on after the kill"
    assert run.error and "\n" not in run.error
    prefix = f"{TASK} multiworker_tape: WorkerFailed: worker 1 (pid {killer.pids[1]}) died at step "
    assert run.error.startswith(prefix) and run.error.endswith(": killed by SIGKILL"), run.error
    assert int(run.error[len(prefix):].split(":")[0]) >= MID_TRAINING
    _assert_nothing_left(killer)
    # Every worker was at 127.0.0.1, and every connection it had was between 127.0.0.1
    # addresses; TensorFlow's gRPC server listens on every interface (0.0.0.0, fixed in its
    # grpc_server_lib, which gRPC opens as [::], IPv4 and IPv6).
    ports = [int(address.rsplit(":", 1)[1]) for address in killer.tf_configs[0]["cluster"]["worker"]]
    for index, config in enumerate(killer.tf_configs):
        assert config == cluster.tf_config(ports, index)
    for pid, sockets in killer.sockets.items():
        assert sockets, f"worker {pid} had no TCP socket"
        for local, remote, state in sockets:
            if state == "LISTEN":
                assert local in {f"{any_address}:{port}" for port in ports for any_address in ("0.0.0.0", "[::]")}
            else:
                assert local.startswith("127.0.0.1:") and remote.startswith("127.0.0.1:"), (local, remote)


def test_a_worker_that_hangs_mid_training_ends_the_run_within_the_heartbeat_timeout():
    from tf_rosetta.implementations.logistic_mnist import multiworker_tape

    stopper = Intervention(signal.SIGSTOP)
    with pytest.raises(cluster.WorkerFailed) as failure:
        cluster.run(multiworker_tape.train_worker, _spec(), heartbeat_timeout=5, watch=stopper)
    assert stopper.done, failure.value
    waited = time.monotonic() - stopper.at
    message = str(failure.value)
    assert "\n" not in message
    assert re.fullmatch(r"worker 1 stopped responding at step \d+: no heartbeat for \d+ s", message), message
    assert int(message.split("at step ")[1].split(":")[0]) >= MID_TRAINING
    # The timeout runs from the worker's last heartbeat, which came up to one heartbeat interval
    # before the stop: a fresh-clone CI run measured 4.947 s from the stop.
    assert 5 - cluster.HEARTBEAT_SECONDS <= waited < 15
    _assert_nothing_left(stopper)


def test_a_worker_s_step_is_the_last_step_line_its_program_printed():
    """The custom loops' log line and Keras fit's epoch line (N - 1 epochs done) set the step;
    other lines, and a line not yet ended, do not; everything reaches the worker's log."""
    import io

    log, step = io.StringIO(), [0]
    out = cluster._StepsPrinted(log, step)
    print("step 50: loss 0.3125", file=out)
    assert step == [50]
    out.write("Epoch 7/1000")
    assert step == [50], "a line counts once it ends"
    out.write("\n1/1 - 0s - loss: 0.4327 - 26ms/epoch\nthe step 99 of nothing\n")
    assert step == [6]
    print("Epoch 8/1000", file=out)
    assert step == [7]
    assert log.getvalue().count("\n") == 5


# Ports, without TensorFlow: a worker function that only reports its TF_CONFIG.

def report_tf_config(argument):
    print("step 1")
    return json.loads(os.environ["TF_CONFIG"])


def test_a_port_in_use_is_replaced_by_another(monkeypatch):
    with socket.socket() as holder:
        holder.bind((cluster.HOST, 0))
        holder.listen()
        busy = holder.getsockname()[1]
        real, calls = cluster.free_ports, []

        def first_a_busy_port(count, host=cluster.HOST):
            calls.append(count)
            return [busy] + real(count - 1) if len(calls) == 1 else real(count)

        monkeypatch.setattr(cluster, "free_ports", first_a_busy_port)
        configs = cluster.run_all(report_tf_config, None, workers=2)
    assert len(calls) == 2
    addresses = configs[0]["cluster"]["worker"]
    assert f"{cluster.HOST}:{busy}" not in addresses and all(a.startswith("127.0.0.1:") for a in addresses)
    assert [config["task"] for config in configs] == [{"type": "worker", "index": 0}, {"type": "worker", "index": 1}]


def test_a_port_that_stays_in_use_is_one_clear_line():
    with socket.socket() as holder:
        holder.bind((cluster.HOST, 0))
        holder.listen()
        busy = holder.getsockname()[1]
        with pytest.raises(cluster.PortInUse) as failure:
            cluster.run_all(report_tf_config, None, workers=2, ports=[busy, cluster.free_ports(1)[0]])
    assert str(failure.value) == f"could not start 2 workers on 127.0.0.1: port {busy} is in use by another program"


def test_a_port_taken_after_it_was_chosen_starts_again_on_fresh_ports(monkeypatch):
    """The race: the port was free when chosen, then another program took it before the worker's
    server bound it (the worker fails before its first step). TensorFlow's own error, once."""
    real, calls = cluster.free_ports, []
    holders = []

    def taken_after_the_check(count, host=cluster.HOST):
        ports = real(count)
        calls.append(ports)
        return ports

    def take_after_check(port, host=cluster.HOST, real_check=cluster.port_in_use):
        in_use = real_check(port, host)
        if len(calls) == 1 and not holders and port == calls[0][0]:
            holder = socket.socket()
            holder.bind((host, port))
            holder.listen()
            holders.append(holder)
        return in_use

    monkeypatch.setattr(cluster, "free_ports", taken_after_the_check)
    monkeypatch.setattr(cluster, "port_in_use", take_after_check)
    try:
        configs = cluster.run_all(grpc_server_on_my_port, None, workers=2)
    finally:
        for holder in holders:
            holder.close()
    assert len(calls) == 2, "a second attempt on fresh ports"
    assert configs[0]["cluster"]["worker"] == [f"127.0.0.1:{port}" for port in calls[1]]


def grpc_server_on_my_port(argument):
    """Binds the worker's port as TensorFlow's server would: fails when it is taken."""
    config = json.loads(os.environ["TF_CONFIG"])
    port = int(config["cluster"]["worker"][config["task"]["index"]].rsplit(":", 1)[1])
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", port))
        print("step 1")
        return config


def sleep_in_steps(seconds):
    for step in range(1, int(seconds * 10) + 1):
        time.sleep(0.1)
        print(f"step {step}")


LAUNCHER = """
import sys
from tf_rosetta import implementations
from tf_rosetta.implementations import cluster
from tests.test_distribute import sleep_in_steps

def announce(pids, steps, said=[]):
    if not said and min(steps) > 0:
        said.append(True)
        print(*pids, flush=True)

cluster.run(sleep_in_steps, 120, watch=announce)
"""


def test_workers_exit_when_their_launcher_is_killed():
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in launcher.stdout.readline().split()]
        assert len(pids) == 2 and all(map(_alive, pids))
        folder = Path(Path(f"/proc/{pids[0]}/cmdline").read_bytes().split(b"\0")[5].decode())
        assert folder.name.startswith("tf-rosetta-cluster-") and folder.is_dir()
        launcher.kill()
        launcher.wait()
        deadline = time.monotonic() + 5
        while (any(map(_alive, pids)) or folder.exists()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_alive, pids)), "a worker outlived its launcher"
        assert not folder.exists(), "the launcher's temporary folder was left behind"
    finally:
        launcher.kill()
        launcher.wait()


# Upstream: Keras 3's fit under MultiWorkerMirroredStrategy.

def test_keras3_fit_under_multiworker_still_fails_as_the_table_says():
    """multiworker_keras is "not applicable" under Keras 3 with the upstream reports; the day
    fit works, this fails: drop runtimes.KERAS3_MULTIWORKER_FIT and let the program run."""
    from tf_rosetta.implementations.logistic_mnist import multiworker_keras

    reason = runtimes.not_applicable("tensorflow", "multiworker_keras")
    assert "keras-team/keras#20585" in reason and "tensorflow/tensorflow#72388" in reason
    assert runtimes.not_applicable("tf_keras", "multiworker_keras") is None
    spec = _spec()
    short = dataclasses.replace(spec, steps=2, batch_indices=spec.batch_indices[:2])
    try:
        multiworker_keras.train(short)
    except cluster.WorkerFailed as failure:
        assert "Attempt to convert a value (PerReplica:{" in str(failure), str(failure)
    else:
        pytest.fail("Keras 3's fit now trains under MultiWorkerMirroredStrategy: remove "
                    "runtimes.KERAS3_MULTIWORKER_FIT so that compare runs multiworker_keras")
