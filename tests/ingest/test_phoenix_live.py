"""Against a real Arize Phoenix, where it is installed (``pip install arize-phoenix``; it is not
in the test extras: it is large and slow to start). Phoenix is served on 127.0.0.1 (free
ports, a temporary working folder), tracekit's own spans go to it over OTLP (``tracekit
export --otlp-endpoint --with-content``), and ``tracekit import --from phoenix+…`` brings back
the same spans, which replay offline."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.recording import REPO_ROOT, run_cli
from tracekit.otlp import read_trace_file
from tracekit.store import TraceStore

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("phoenix") is None,
    reason="arize-phoenix is not installed (pip install arize-phoenix to run this test)",
)

RECORDED = REPO_ROOT / "fixtures" / "traces" / "doc-pipeline-seed0-ok.trace.jsonl"
#: Phoenix takes ~30 s to start on the 2-core machine; a cold start (no .pyc) longer.
START_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def phoenix_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Phoenix server on 127.0.0.1 for this module, its data in a temporary folder."""
    workdir = tmp_path_factory.mktemp("phoenix")
    port = _free_port()
    env = {
        **os.environ,
        "PHOENIX_WORKING_DIR": str(workdir),
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(_free_port()),
        "PHOENIX_TELEMETRY_ENABLED": "false",
    }
    log = (workdir / "phoenix.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "phoenix.server.main", "serve"],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"Phoenix exited: {(workdir / 'phoenix.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Phoenix did not start in {START_TIMEOUT_S} s")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        log.close()


def test_tracekit_spans_sent_to_phoenix_come_back_the_same(
    phoenix_url: str, tmp_path: Path
) -> None:
    local, back = tmp_path / "local.duckdb", tmp_path / "back.duckdb"
    assert run_cli("import", str(RECORDED), "--store", str(local)).returncode == 0
    trace_id = read_trace_file(RECORDED)[0].trace_id
    spans = {span.span_id: span for span in TraceStore(local).trace_spans(trace_id)}

    sent = run_cli(
        "export", "--otlp-endpoint", phoenix_url, "--with-content", "--store", str(local)
    )
    assert sent.returncode == 0, sent.stderr
    _wait_for_spans(phoenix_url, trace_id, len(spans))

    pulled = run_cli(
        "import", "--from", f"phoenix+{phoenix_url}", "--trace", trace_id, "--store", str(back)
    )
    assert pulled.returncode == 0, pulled.stderr
    got = {span.span_id: span for span in TraceStore(back).trace_spans(trace_id)}
    assert set(got) == set(spans)
    for span_id, span in spans.items():
        again = got[span_id]
        assert (again.name, again.parent_span_id, again.status_code) == (
            span.name,
            span.parent_span_id,
            span.status_code,
        )
        assert abs(again.start_ns - span.start_ns) <= 1000  # Phoenix keeps microseconds
        assert abs(again.end_ns - span.end_ns) <= 1000
        # Every attribute sent comes back as it was (Phoenix adds OpenInference ones).
        missing = {k: v for k, v in span.attributes.items() if again.attributes.get(k) != v}
        assert missing == {}, span.name

    replayed = run_cli("replay", trace_id, "--store", str(back))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


def _wait_for_spans(url: str, trace_id: str, count: int) -> None:
    """Phoenix inserts what it receives in the background: wait (bounded) until it shows."""
    spans_url = f"{url}/v1/projects/default/spans?trace_id={trace_id}&limit=1000"
    for _ in range(120):
        answer = _get_json(spans_url)
        if isinstance(answer, dict) and len(answer.get("data") or []) >= count:
            return
        time.sleep(0.25)
    raise AssertionError(f"Phoenix did not show {count} spans of {trace_id}")
