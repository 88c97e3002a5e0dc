"""`tracekit serve` when things go wrong around it: its parent killed, itself killed under
load, exposed on a network, asked for a token, bound to IPv6."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from tests.ingest.otlp_client import post, serve_subprocess, stored_spans
from tests.ingest.test_receiver_load import SPANS_PER_REQUEST, request_body
from tracekit.ingest import OtlpReceiver

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


ipv6_only = pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")


def _children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until(condition: Callable[[], bool], *, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@linux_only
def test_workers_exit_when_serve_is_killed(tmp_path: Path) -> None:
    with serve_subprocess("--store", str(tmp_path / "s.duckdb"), "--workers", "2") as served:
        assert post(served.url, request_body(0)).status == 200  # the workers are serving
        workers = [
            pid
            for pid in _children(served.process.pid)
            if "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()
        ]
        assert len(workers) == 2

        served.process.send_signal(signal.SIGKILL)
        served.process.wait(timeout=30)

        assert _wait_until(lambda: not any(_alive(pid) for pid in workers), timeout_s=20)


@dataclass
class _Client:
    """Sends request after request until the server goes away; remembers what got 200."""

    number: int
    acknowledged: list[int] = field(default_factory=list)

    def run(self, url: str, stop: threading.Event) -> None:
        parts = urlsplit(url)
        sequence = 0
        while not stop.is_set():
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                connection.request(
                    "POST",
                    parts.path,
                    request_body(self.number, sequence),
                    {"Content-Type": "application/x-protobuf"},
                )
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    self.acknowledged.append(sequence)
            except (OSError, http.client.HTTPException):
                return  # killed mid-request: not acknowledged, may or may not be stored
            finally:
                connection.close()
            sequence += 1


def test_kill_9_under_load_loses_nothing_acknowledged_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    store = tmp_path / "killed.duckdb"
    clients = [_Client(number) for number in range(6)]
    stop = threading.Event()
    with serve_subprocess("--store", str(store), "--workers", "1") as served:
        threads = [
            threading.Thread(target=client.run, args=(served.url, stop)) for client in clients
        ]
        for thread in threads:
            thread.start()
        assert _wait_until(lambda: sum(len(c.acknowledged) for c in clients) >= 60, timeout_s=60)
        served.process.send_signal(signal.SIGKILL)  # while the clients are still sending
        served.process.wait(timeout=30)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    names = [span.name for span in stored_spans(store)]  # opening the store folds the spool
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"stored twice: {twice[:3]}"
    expected = {
        f"c{client.number}-s{sequence}-{i}"
        for client in clients
        for sequence in client.acknowledged
        for i in range(SPANS_PER_REQUEST)
    }
    lost = sorted(expected - set(names))
    assert not lost, f"{len(lost)} spans answered 200 were lost, e.g. {lost[:3]}"


def test_a_token_is_required_when_set(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with OtlpReceiver(store, port=0, token="s3cret-token") as receiver:
        missing = post(receiver.url, request_body(0))
        wrong = post(receiver.url, request_body(1), headers={"Authorization": "Bearer guess"})
        basic = post(receiver.url, request_body(2), headers={"Authorization": "s3cret-token"})
        bearer = {"Authorization": "Bearer s3cret-token"}
        right = post(receiver.url, request_body(3), headers=bearer)
        provider = TracerProvider()
        exporter = OTLPSpanExporter(
            endpoint=receiver.url, headers={"Authorization": "Bearer s3cret-token"}
        )
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        provider.get_tracer("app").start_span("from-the-sdk").end()
        provider.shutdown()

    assert [missing.status, wrong.status, basic.status] == [401, 401, 401]
    assert right.status == 200
    names = sorted(span.name for span in stored_spans(store))
    assert names == sorted([*(f"c3-s0-{i}" for i in range(SPANS_PER_REQUEST)), "from-the-sdk"])


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM ``serve`` and return what it wrote on stderr."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    return stderr


def test_a_non_loopback_host_is_warned_about_and_the_env_token_guards_it(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    with (
        _env(TRACEKIT_SERVE_TOKEN="from-the-env"),
        serve_subprocess("--store", store, "--host", "0.0.0.0", "--workers", "0") as served,
    ):
        local = served.url.replace("0.0.0.0", "127.0.0.1")
        refused = post(local, request_body(0))
        accepted = post(local, request_body(1), headers={"Authorization": "Bearer from-the-env"})
        stderr = _stop(served.process)
    assert (refused.status, accepted.status) == (401, 200)
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "0.0.0.0 is not a loopback address" in warnings[0]


def test_without_a_token_the_warning_says_anyone_can_write(tmp_path: Path) -> None:
    with serve_subprocess(
        "--store", str(tmp_path / "s.duckdb"), "--host", "0.0.0.0", "--workers", "0"
    ) as served:
        stderr = _stop(served.process)
    assert "anyone who can reach it can write spans" in stderr
    assert "--token" in stderr


@ipv6_only
def test_ipv6_loopback(tmp_path: Path) -> None:
    store = tmp_path / "v6.duckdb"
    with OtlpReceiver(store, host="::1", port=0) as receiver:
        assert receiver.url.startswith("http://[::1]:")
        assert post(receiver.url, request_body(0)).status == 200
    assert len(stored_spans(store)) == SPANS_PER_REQUEST


@ipv6_only
def test_all_ipv6_addresses(tmp_path: Path) -> None:
    store = tmp_path / "v6.duckdb"
    with OtlpReceiver(store, host="::", port=0) as receiver:
        assert receiver.url.startswith("http://[::]:")
        assert post(receiver.url.replace("[::]", "[::1]"), request_body(0)).status == 200
    assert len(stored_spans(store)) == SPANS_PER_REQUEST


def _worker_pids() -> set[int]:
    return {
        pid
        for pid in _children(os.getpid())
        if "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()
    }


@linux_only
def test_a_killed_worker_is_replaced_and_requests_keep_being_stored(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    before = _worker_pids()
    with OtlpReceiver(store, port=0, workers=1) as receiver:
        assert post(receiver.url, request_body(0, 0)).status == 200
        [worker] = _worker_pids() - before
        os.kill(worker, signal.SIGKILL)
        assert _wait_until(lambda: not _alive(worker), timeout_s=20)

        # The request that finds the pool broken is served by new workers, and so are the next.
        assert [post(receiver.url, request_body(0, sequence)).status for sequence in (1, 2)] == [
            200,
            200,
        ]
        [replacement] = _worker_pids() - before
        assert replacement != worker
    names = {span.name for span in stored_spans(store)}
    assert {f"c0-s{sequence}-0" for sequence in range(3)} <= names
