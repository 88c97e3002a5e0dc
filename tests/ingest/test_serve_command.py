"""`tracekit serve` as a process: it listens where it says, and a signal loses no span."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.http import Compression

from tests.ingest.otlp_client import SPANS_PER_RUN, export_runs, serve_subprocess, stored_spans
from tests.recording import run_cli, run_cli_subprocess


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_cleanly_with_every_accepted_span_folded(
    tmp_path: Path, signum: signal.Signals
) -> None:
    store = tmp_path / "served.duckdb"
    with serve_subprocess("--store", str(store)) as served:
        assert served.url.startswith("http://127.0.0.1:")
        trace_ids = export_runs(served.url, runs=4, compression=Compression.Gzip)
        served.process.send_signal(signum)
        _, stderr = served.process.communicate(timeout=60)

    assert served.process.returncode == 0, stderr
    assert f"{4 * SPANS_PER_RUN} spans accepted" in stderr
    assert "warning" not in stderr  # loopback: nothing to warn about
    assert not list((tmp_path / "served.duckdb.spool").glob("*.arrow"))  # all folded
    spans = stored_spans(store)
    assert len(spans) == 4 * SPANS_PER_RUN
    assert {span.trace_id for span in spans} == set(trace_ids)


def test_forward_flag_tees_to_another_serve(tmp_path: Path) -> None:
    upstream_store, local_store = tmp_path / "upstream.duckdb", tmp_path / "local.duckdb"
    with serve_subprocess("--store", str(upstream_store)) as upstream:
        with serve_subprocess(
            "--store", str(local_store), "--forward", upstream.url.removesuffix("/v1/traces")
        ) as local:
            trace_ids = export_runs(local.url, runs=2)
            local.process.send_signal(signal.SIGTERM)
            local.process.communicate(timeout=60)
        upstream.process.send_signal(signal.SIGTERM)
        upstream.process.communicate(timeout=60)
    assert {s.trace_id for s in stored_spans(upstream_store)} == set(trace_ids)
    assert {s.trace_id for s in stored_spans(local_store)} == set(trace_ids)


def test_a_busy_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # Start-up in a real process: the worker processes start, then binding fails.
        result = run_cli_subprocess(
            "serve", "--store", str(tmp_path / "s.duckdb"), "--port", str(port)
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"tracekit: error: cannot listen on 127.0.0.1:{port}")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "a port is 0–65535"),
        (["--max-body-bytes", "0"], "must be at least 1"),
        (["--forward", "collector:4318"], "not an http(s) URL"),
    ],
)
def test_bad_flags_are_one_line_and_start_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_cli("serve", "--store", str(tmp_path / "s.duckdb"), *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())
