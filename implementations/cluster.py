"""A cluster of worker processes on this machine, for the MultiWorkerMirroredStrategy programs.

`run(function, argument, workers=2)` starts `workers` Python processes, gives each a
`TF_CONFIG` that names every worker at 127.0.0.1 on a port the operating system chose free a
moment before, calls `function(argument)` in each (a module-level function, found again by
its module and name), and returns the chief's (worker 0's) return value. The argument goes to
the workers, and the results come back, as pickles in a private temporary folder; nothing but
TensorFlow's own gRPC traffic between the workers uses the network, and that traffic is
addressed to 127.0.0.1 only.

A worker's progress is what its program prints anyway: a line that starts `step N` (a custom
loop's log line) or Keras's `Epoch N/M` (fit's log, N - 1 epochs done) tells the launcher the
step that worker reached; the function takes nothing for the launcher.

What it guarantees:

- **A worker that dies** (killed, crashed, raised) ends the run at once with one line, the
  `WorkerFailed` message, naming the worker and the last step it printed.
- **A worker that hangs** (stopped, or stuck with its heartbeat thread) ends it within
  `heartbeat_timeout` seconds (a thread of the launcher's own code in each worker writes its
  step twice a second); a cluster where no worker prints a further step for `stall_timeout`
  seconds (a deadlock in the collectives) ends within that, naming the workers' steps.
- **Nothing is left behind**: every worker is in a process group of its own, killed and
  waited for whenever the run ends, and the temporary folder is removed; a worker whose
  launcher disappears (killed) removes the folder and exits within a heartbeat (its status
  pipe breaks).
- **A port in use**: ports are taken free from the operating system; if another program
  takes one before a worker's server binds it, the run starts again on fresh ports
  (`attempts` times) and otherwise fails with one line naming the port.

TensorFlow's gRPC server listens on every interface (it asks for 0.0.0.0, fixed in its
grpc_server_lib; gRPC opens [::], IPv4 and IPv6): the workers only ever address each other at
127.0.0.1, but on a machine open to a network, a firewall should close the ports.
"""

import errno
import json
import os
import pickle
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
HEARTBEAT_SECONDS = 0.5  # a worker writes its step this often, whatever it is doing
HEARTBEAT_TIMEOUT = 30.0  # seconds without a heartbeat: the worker is stopped or stuck
STALL_TIMEOUT = 120.0  # seconds in which no worker printed a further step, once training began
START_TIMEOUT = 600.0  # seconds for every worker to start training (imports, servers)
ATTEMPTS = 3  # fresh ports after a port was taken before a worker's server could bind it
# A line a worker prints that says how far it is: "step N ..." (N steps done) or Keras fit's "Epoch N/M" (N - 1 done).
STEP_LINE = re.compile(r"\s*(?:step (?P<step>\d+)\b|Epoch (?P<epoch>\d+)/\d+)")


class WorkerFailed(RuntimeError):
    """A worker died, hung, or raised: one line naming the worker and its step."""


class PortInUse(WorkerFailed):
    """Every attempt found one of its ports taken by another program."""


class _BeforeTraining(WorkerFailed):
    """A worker failed before any step: perhaps its server found its port taken."""


def free_ports(count: int, host: str = HOST) -> list[int]:
    """Ports that the operating system reports free on host now: each bound once, then released."""
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(probe)
            probe.bind((host, 0))
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def port_in_use(port: int, host: str = HOST) -> bool:
    """Whether a socket listens on the port (as TensorFlow's server would); connections that
    closed a moment ago (TIME_WAIT) do not count, as they do not stop gRPC's server either."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


def tf_config(ports: list[int], index: int, host: str = HOST) -> dict:
    """The TF_CONFIG of worker `index`: every worker's address, and which one it is (worker 0 is the chief)."""
    return {"cluster": {"worker": [f"{host}:{port}" for port in ports]}, "task": {"type": "worker", "index": index}}


@dataclass
class _Worker:
    index: int
    process: subprocess.Popen
    status: int  # the read end of its status pipe
    log: Path
    step: int = 0  # the last step it printed
    started: bool = False  # it printed its first step
    done: bool = False
    error: str = ""
    last_heartbeat: float = field(default_factory=time.monotonic)
    buffer: bytes = b""

    @property
    def name(self) -> str:
        return f"worker {self.index}" + (" (chief)" if self.index == 0 else "")


def run(function, argument, workers: int = 2, **options):
    """function(argument) in each of `workers` processes; the chief's return value."""
    return run_all(function, argument, workers, **options)[0]


def run_all(function, argument, workers: int = 2, *, attempts: int = ATTEMPTS,
            heartbeat_timeout: float = HEARTBEAT_TIMEOUT, stall_timeout: float = STALL_TIMEOUT,
            start_timeout: float = START_TIMEOUT, ports=None, watch=None) -> list:
    """Every worker's return value, worker 0 first. ports: fixed ports (default: free ones,
    chosen at each attempt); watch(pids, steps): called as the supervisor polls (tests use it)."""
    taken = []
    for _ in range(attempts):
        chosen = list(ports) if ports is not None else free_ports(workers)
        try:
            return _run_once(function, argument, chosen, heartbeat_timeout, stall_timeout, start_timeout, watch)
        except PortInUse as error:
            taken.append(str(error))
            if ports is not None:
                break
    raise PortInUse(f"could not start {workers} workers on {HOST}: {'; '.join(dict.fromkeys(taken))}")


def _run_once(function, argument, ports, heartbeat_timeout, stall_timeout, start_timeout, watch) -> list:
    busy = [port for port in ports if port_in_use(port)]
    if busy:
        raise PortInUse(f"port {busy[0]} is in use by another program")
    with tempfile.TemporaryDirectory(prefix="tf-rosetta-cluster-") as folder:
        folder = Path(folder)
        with (folder / "argument.pickle").open("wb") as file:
            pickle.dump(argument, file)
        started = []
        try:
            for index in range(len(ports)):
                started.append(_start(function, folder, ports, index))
            _supervise(started, heartbeat_timeout, stall_timeout, start_timeout, watch)
        except _BeforeTraining as failure:
            _stop(started)  # our own servers let go of their ports
            busy = [port for port in ports if port_in_use(port)]
            if busy:
                raise PortInUse(f"port {busy[0]} was taken by another program before a worker's server "
                                f"could bind it") from None
            raise WorkerFailed(str(failure)) from None
        finally:
            _stop(started)
        results = []
        for worker in started:
            with (folder / f"result{worker.index}.pickle").open("rb") as file:
                results.append(pickle.load(file))
        return results


def _module_of(function) -> str:
    """The module a worker imports to find the function again; a program run with
    `python -m` has its functions in __main__, whose spec names the module."""
    if function.__module__ != "__main__":
        return function.__module__
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is None:
        raise ValueError(f"{function.__qualname__} is in a script run by path: run its module with python -m")
    return spec.name


def _start(function, folder: Path, ports, index) -> _Worker:
    read, write = os.pipe()
    log = folder / f"worker{index}.log"
    environment = {**os.environ, "TF_CONFIG": json.dumps(tf_config(ports, index))}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, _module_of(function), function.__qualname__, str(folder), str(index),
             str(write)],
            env=environment, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, pass_fds=(write,),
            start_new_session=True)  # its own process group: stopped as a whole
    os.close(write)
    os.set_blocking(read, False)
    return _Worker(index, process, read, log)


def _supervise(workers: list[_Worker], heartbeat_timeout, stall_timeout, start_timeout, watch) -> None:
    selector = selectors.DefaultSelector()
    for worker in workers:
        selector.register(worker.status, selectors.EVENT_READ, worker)
    begun = last_progress = time.monotonic()
    progress = [worker.step for worker in workers]
    first_seen = None  # when a worker first failed because it lost a peer
    try:
        while not all(worker.done for worker in workers):
            for key, _ in selector.select(timeout=0.2):
                if not _read_status(key.data):
                    selector.unregister(key.fileobj)  # the worker closed its end: nothing more to read
            if watch is not None:
                watch([worker.process.pid for worker in workers], [worker.step for worker in workers])
            now = time.monotonic()
            failure = _first_failure(workers)
            if failure is not None:
                if not _is_a_peers_failure(failure):
                    raise failure
                first_seen = first_seen or now  # a lost peer: wait a moment for the cause to show
                if now - first_seen > PEER_GRACE:
                    silent = [worker for worker in workers if now - worker.last_heartbeat > PEER_GRACE]
                    if silent:  # the peer it lost is stopped or stuck
                        raise WorkerFailed(f"{silent[0].name} stopped responding at step {silent[0].step}: "
                                           f"no heartbeat for {now - silent[0].last_heartbeat:.0f} s")
                    raise failure
            for worker in workers:
                # Before its first step a worker imports TensorFlow, which can hold the GIL for seconds.
                limit = heartbeat_timeout if worker.started else max(heartbeat_timeout, HEARTBEAT_TIMEOUT)
                if not worker.done and now - worker.last_heartbeat > limit:
                    raise WorkerFailed(f"{worker.name} stopped responding at step {worker.step}: "
                                       f"no heartbeat for {now - worker.last_heartbeat:.0f} s")
            steps = [worker.step for worker in workers]
            if steps != progress:
                progress, last_progress = steps, now
            if all(worker.started or worker.done for worker in workers):
                if not all(worker.done for worker in workers) and now - last_progress > stall_timeout:
                    at = ", ".join(f"{worker.name} at step {worker.step}" for worker in workers if not worker.done)
                    raise WorkerFailed(f"no worker finished a step for {stall_timeout:.0f} s: {at}")
            elif now - begun > start_timeout:
                waiting = ", ".join(worker.name for worker in workers if not worker.started)
                raise WorkerFailed(f"{waiting} did not start training within {start_timeout:.0f} s")
    finally:
        selector.close()


# A worker whose peer died fails too, its collective aborted: the peer's failure is the cause.
PEER_LOST = ("UnavailableError", "CancelledError", "AbortedError", "Collective ops is aborted")
PEER_GRACE = 2.0  # seconds to wait for the cause after a worker failed for a lost peer


def _first_failure(workers: list[_Worker]) -> WorkerFailed | None:
    """The failure to report, if any: a worker killed by a signal, then one that failed by
    itself, then one that exited, then one that lost its peer."""
    found = []
    for worker in workers:
        code = worker.process.poll()
        if code is not None and not worker.done:
            _read_status(worker)  # its last words, if any came meanwhile
        if worker.error:
            failure = (_BeforeTraining if not worker.started else WorkerFailed)(
                f"{worker.name} failed at step {worker.step}: {worker.error}")
            found.append((3 if _is_a_peers_failure(failure) else 1, failure))
        elif code is not None and not worker.done:
            found.append((0 if code < 0 else 2, _died(worker, code)))
    return min(found, key=lambda item: item[0])[1] if found else None


def _is_a_peers_failure(failure: WorkerFailed) -> bool:
    return any(sign in str(failure) for sign in PEER_LOST)


def _read_status(worker: _Worker) -> bool:
    """Read what the worker wrote; False once its end of the pipe is closed."""
    try:
        chunk = os.read(worker.status, 65536)
    except BlockingIOError:
        return True
    if not chunk:
        return False
    worker.buffer += chunk
    *lines, worker.buffer = worker.buffer.split(b"\n")
    for line in lines:
        kind, _, value = line.decode(errors="replace").partition(" ")
        worker.last_heartbeat = time.monotonic()
        if kind == "step":
            worker.step = int(value)
            worker.started = worker.started or worker.step > 0
        elif kind == "done":
            worker.done = True
        elif kind == "error":
            worker.error = value
    return True


def _died(worker: _Worker, code: int) -> WorkerFailed:
    if code < 0:
        how = f"killed by {signal.Signals(-code).name}"
    else:
        lines = [line for line in worker.log.read_text(errors="replace").splitlines() if line.strip()]
        how = f"exit code {code}" + (f": {lines[-1].strip()}" if lines else "")
    if not worker.started:
        return _BeforeTraining(f"{worker.name} (pid {worker.process.pid}) died before training: {how}")
    return WorkerFailed(f"{worker.name} (pid {worker.process.pid}) died at step {worker.step}: {how}")


def _stop(workers: list[_Worker]) -> None:
    """Kill whatever still runs (each worker's whole process group) and wait for it."""
    for worker in workers:
        if worker.process.poll() is None:
            try:
                os.killpg(worker.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for worker in workers:
        worker.process.wait()
        if worker.status >= 0:
            os.close(worker.status)
            worker.status = -1


# The worker's side: `python -m tf_rosetta.implementations.cluster MODULE FUNCTION FOLDER INDEX STATUS_FD`.

class _StepsPrinted:
    """The worker's stdout, passed on to its log; each whole line that says a step sets step[0]."""

    def __init__(self, stream, step: list):
        self.stream, self.step, self.partial = stream, step, ""

    def write(self, text: str) -> int:
        *lines, self.partial = (self.partial + text).split("\n")
        for line in lines:
            found = STEP_LINE.match(line)
            if found:
                self.step[0] = int(found["step"]) if found["step"] else int(found["epoch"]) - 1
        return self.stream.write(text)

    def __getattr__(self, name):  # flush, fileno, isatty, encoding...: the stream's own
        return getattr(self.stream, name)


def _worker_main(module: str, qualname: str, folder: str, index: str, status_fd: str) -> int:
    status = os.fdopen(int(status_fd), "w", buffering=1)
    lock, step = threading.Lock(), [0]

    def send(line: str) -> None:
        with lock:
            try:
                status.write(line + "\n")
            except (BrokenPipeError, OSError):
                # The launcher is gone (killed: it cleans up nothing): nobody wants the result.
                shutil.rmtree(folder, ignore_errors=True)
                os._exit(3)

    def heartbeat():
        while True:
            send(f"step {step[0]}")
            time.sleep(HEARTBEAT_SECONDS)

    threading.Thread(target=heartbeat, daemon=True, name="tf-rosetta-heartbeat").start()
    sys.stdout = _StepsPrinted(sys.stdout, step)

    try:
        import importlib

        from tf_rosetta.implementations import runtimes

        runtimes.activate(runtimes.current())  # the parent's runtime, from the environment it passed on
        function = importlib.import_module(module)
        for name in qualname.split("."):
            function = getattr(function, name)
        with open(Path(folder) / "argument.pickle", "rb") as file:
            argument = pickle.load(file)
        result = function(argument)
        target = Path(folder) / f"result{index}.pickle"
        with open(target.with_suffix(".partial"), "wb") as file:
            pickle.dump(result, file)
        os.replace(target.with_suffix(".partial"), target)
    except BaseException as error:  # noqa: BLE001  (reported to the parent in one line)
        message = (str(error).strip().splitlines() or [""])[0]
        send(f"error {type(error).__name__}: {message}")
        raise
    send(f"step {step[0]}")
    send("done")
    status.close()
    # MultiWorkerMirroredStrategy's runtime may wait for its peers at exit: the result is
    # written, so leave at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(_worker_main(*sys.argv[1:]))
