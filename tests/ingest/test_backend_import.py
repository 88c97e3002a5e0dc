"""``tracekit import --from URL`` as a user runs it, against real HTTP servers on 127.0.0.1 that
answer as Jaeger, Tempo and Phoenix do (``fixtures/backends``): the traces arrive intact,
searches and headers go out as each backend expects, and every failure is one line."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.ingest.backend_servers import (
    FIRST,
    SECOND,
    Answer,
    Seen,
    body,
    document,
    fake_backend,
    json_answer,
    tempo_protobuf,
)
from tests.recording import REPO_ROOT, run_cli
from tracekit.otlp import read_trace_file, traces_data_from_spans
from tracekit.otlp.model import OtlpSpan
from tracekit.store import TraceStore

SOURCE = REPO_ROOT / "fixtures" / "otlp" / "genai_current.jsonl"
SECRET = "Bearer sk-live-0123456789abcdef-import-secret"


def _one_error_line(result: Any, code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return str(lines[0])


def _span_rows(store: Path) -> int:
    if not store.exists():
        return 0
    with duckdb.connect(str(store), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM spans").fetchone()
    return int(row[0]) if row else 0


def _as_file_import(tmp_path: Path, trace_id: str) -> list[OtlpSpan]:
    """The trace as importing the source file stores it: what a backend import must match."""
    store = tmp_path / "from-file.duckdb"
    if not store.exists():
        assert run_cli("import", str(SOURCE), "--store", str(store)).returncode == 0
    return TraceStore(store).trace_spans(trace_id)


def _key(span: OtlpSpan) -> tuple[Any, ...]:
    return (span.span_id, span.parent_span_id, span.name, span.kind, span.start_ns, span.end_ns)


def _assert_intact(tmp_path: Path, store: Path, trace_id: str) -> None:
    want = _as_file_import(tmp_path, trace_id)
    got = TraceStore(store).trace_spans(trace_id)
    assert len(got) == len(want) == 4
    assert sorted(map(_key, got)) == sorted(map(_key, want))
    by_id = {span.span_id: span for span in got}
    for span in want:
        assert by_id[span.span_id].attributes == span.attributes
        assert by_id[span.span_id].resource == span.resource
        assert by_id[span.span_id].events == span.events


def _jaeger(seen: Seen) -> Answer:
    """Jaeger API v3: one trace by id (from the search body, which holds both), or a search."""
    if seen.path == "/api/v3/traces":
        return Answer(body=body("jaeger_v3_search.json"))
    trace_id = seen.path.rsplit("/", 1)[-1]
    result = document("jaeger_v3_search.json")["result"]
    for resource_span in result["resourceSpans"]:
        for scope_span in resource_span["scopeSpans"]:
            scope_span["spans"] = [s for s in scope_span["spans"] if s["traceId"] == trace_id]
    if not any(s["spans"] for rs in result["resourceSpans"] for s in rs["scopeSpans"]):
        return Answer(404, body("jaeger_v3_not_found.json"))
    return json_answer({"result": result})


# --- Jaeger -------------------------------------------------------------------------------


def test_a_jaeger_trace_is_stored_as_its_file_would_be(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    with fake_backend(lambda seen: Answer(body=body("jaeger_v3_trace.json"))) as jaeger:
        result = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--trace", FIRST, "--store", str(store)
        )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Imported 4 spans (1 trace) from jaeger at {jaeger.url} into {store}.",
        f"  {FIRST}",
    ]
    assert jaeger.paths() == [f"/api/v3/traces/{FIRST}"]
    _assert_intact(tmp_path, store, FIRST)


def test_several_traces_by_id_and_a_streamed_answer(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"

    def streamed(seen: Seen) -> Answer:
        # The gRPC gateway streams one {"result": ...} document per chunk, back to back.
        answer = _jaeger(seen)
        chunks = []
        for resource_span in json.loads(answer.body)["result"]["resourceSpans"]:
            chunks.append(json.dumps({"result": {"resourceSpans": [resource_span]}}))
        return Answer(body="\n".join(chunks).encode())

    with fake_backend(streamed) as jaeger:
        result = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}/", "--trace", FIRST, "--trace",
            SECOND.upper(), "--store", str(store),
        )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("Imported 8 spans (2 traces) from jaeger")
    assert jaeger.paths() == [f"/api/v3/traces/{FIRST}", f"/api/v3/traces/{SECOND}"]
    _assert_intact(tmp_path, store, FIRST)
    _assert_intact(tmp_path, store, SECOND)
    # Importing again adds nothing.
    with fake_backend(_jaeger) as jaeger:
        again = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--trace", FIRST, "--store", str(store)
        )
    assert "all of them were in the store already" in again.stdout


def test_a_jaeger_search_since_a_time_takes_the_traces_it_answers(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    with fake_backend(_jaeger) as jaeger:
        result = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--since", "2026-04-24T00:00:00Z",
            "--service", "travel-agent", "--limit", "5", "--store", str(store),
        )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "Imported 8 spans (2 traces)" in result.stdout
    # One search: Jaeger answers every span of the traces it finds, nothing is fetched again.
    [search] = jaeger.requests
    assert search.path == "/api/v3/traces"
    assert search.query["query.service_name"] == ["travel-agent"]
    assert search.query["query.start_time_min"] == ["2026-04-24T00:00:00.000000Z"]
    assert search.query["query.start_time_max"][0] > "2026-04-24"
    assert search.query["query.num_traces"] == search.query["query.search_depth"] == ["5"]
    _assert_intact(tmp_path, store, SECOND)


def test_a_jaeger_search_needs_a_service_and_sends_nothing_without(tmp_path: Path) -> None:
    with fake_backend(_jaeger) as jaeger:
        result = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--since", "1h",
            "--store", str(tmp_path / "s.duckdb"),
        )  # fmt: skip
    assert "needs a service: add --service NAME" in _one_error_line(result, 2)
    assert jaeger.requests == []


# --- Tempo --------------------------------------------------------------------------------


def test_tempo_is_asked_for_protobuf_and_its_trace_is_stored_intact(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    answer = Answer(body=tempo_protobuf(), content_type="application/protobuf")
    with fake_backend(lambda seen: answer) as tempo:
        result = run_cli(
            "import", "--from", f"tempo+{tempo.url}", "--trace", FIRST, "--store", str(store)
        )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [request] = tempo.requests
    assert request.path == f"/api/v2/traces/{FIRST}"
    assert request.headers["accept"] == "application/protobuf"
    _assert_intact(tmp_path, store, FIRST)


def test_tempo_json_with_base64_ids_and_a_partial_answer(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    partial = {**document("tempo_v2_trace.json"), "status": "PARTIAL", "message": "1 block failed"}
    with fake_backend(lambda seen: json_answer(partial)) as tempo:
        result = run_cli(
            "import", "--from", f"tempo+{tempo.url}", "--trace", FIRST, "--store", str(store)
        )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        f"tracekit import: warning: Tempo answered trace {FIRST} in part: 1 block failed"
    )
    _assert_intact(tmp_path, store, FIRST)


def test_an_older_tempo_without_the_v2_path_answers_on_v1(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"

    def older(seen: Seen) -> Answer:
        if seen.path.startswith("/api/v2/"):
            return Answer(404, b"404 page not found\n", "text/plain")
        return Answer(body=body("tempo_v1_trace.json"))

    with fake_backend(older) as tempo:
        result = run_cli(
            "import", "--from", f"tempo+{tempo.url}", "--trace", FIRST, "--store", str(store)
        )

    assert result.returncode == 0, result.stderr
    assert tempo.paths() == [f"/api/v2/traces/{FIRST}", f"/api/traces/{FIRST}"]
    _assert_intact(tmp_path, store, FIRST)


def test_a_tempo_search_then_each_trace(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"

    def tempo_api(seen: Seen) -> Answer:
        if seen.path == "/api/search":
            return Answer(body=body("tempo_search.json"))
        if seen.path.endswith(FIRST):
            return Answer(body=tempo_protobuf(), content_type="application/protobuf")
        # The second trace: only on the v1 path, as protobuf (the bare Trace).
        if seen.path.startswith("/api/v2/"):
            return Answer(404, b"trace not found", "text/plain")
        return Answer(body=_second_as_tempo_v1(), content_type="application/protobuf")

    with fake_backend(tempo_api) as tempo:
        result = run_cli(
            "import", "--from", f"tempo+{tempo.url}", "--since", "2026-04-24",
            "--service", 'travel "agent"', "--store", str(store),
        )  # fmt: skip

    assert result.returncode == 0, result.stderr
    search = tempo.requests[0]
    assert search.path == "/api/search"
    assert search.query["q"] == ['{ resource.service.name = "travel \\"agent\\"" }']
    assert int(search.query["end"][0]) > int(search.query["start"][0]) > 1_776_000_000
    assert search.query["limit"] == ["20"]
    assert tempo.paths()[1:] == [
        f"/api/v2/traces/{SECOND}", f"/api/traces/{SECOND}", f"/api/v2/traces/{FIRST}",
    ]  # fmt: skip
    assert "Imported 8 spans (2 traces)" in result.stdout
    _assert_intact(tmp_path, store, FIRST)
    _assert_intact(tmp_path, store, SECOND)


def _second_as_tempo_v1() -> bytes:
    spans = [span for span in read_trace_file(SOURCE) if span.trace_id == SECOND]
    return traces_data_from_spans(spans).SerializeToString()


# --- Phoenix ------------------------------------------------------------------------------


def _phoenix(seen: Seen) -> Answer:
    if seen.query.get("parent_id") == ["null"]:
        return Answer(body=body("phoenix_root_spans.json"))
    if seen.query.get("trace_id") == [FIRST]:
        return Answer(body=body("phoenix_trace_spans.json"))
    return json_answer({"data": [], "next_cursor": None})


def test_a_phoenix_trace_becomes_the_same_spans(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    with fake_backend(_phoenix) as phoenix:
        result = run_cli(
            "import", "--from", f"phoenix+{phoenix.url}", "--trace", FIRST, "--store", str(store)
        )

    assert result.returncode == 0, result.stderr
    [request] = phoenix.requests
    assert request.path == "/v1/projects/default/spans"
    assert request.query["trace_id"] == [FIRST] and request.query["limit"] == ["1000"]
    want = {span.span_id: span for span in _as_file_import(tmp_path, FIRST)}
    got = {span.span_id: span for span in TraceStore(store).trace_spans(FIRST)}
    assert set(got) == set(want)
    for span_id, span in want.items():
        back = got[span_id]
        assert (back.name, back.parent_span_id) == (span.name, span.parent_span_id)
        assert abs(back.start_ns - span.start_ns) <= 1000  # Phoenix keeps microseconds
        # Every attribute exported comes back; Phoenix adds OpenInference ones it derives.
        assert span.attributes.items() <= back.attributes.items()
        assert back.resource == {"openinference.project.name": "default"}
    chat = next(span for span in got.values() if span.name.startswith("chat"))
    assert chat.attributes["openinference.span.kind"] == "LLM"


def test_a_phoenix_search_takes_the_root_spans_then_each_trace(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"

    def phoenix_api(seen: Seen) -> Answer:
        if seen.query.get("trace_id") == [SECOND]:
            return Answer(
                body=body("phoenix_trace_spans.json").replace(FIRST.encode(), SECOND.encode())
            )
        return _phoenix(seen)

    with fake_backend(phoenix_api) as phoenix:
        result = run_cli(
            "import", "--from", f"phoenix+{phoenix.url}", "--project", "default",
            "--since", "2026-04-24T03:00:00Z", "--limit", "1", "--store", str(store),
        )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "Imported 4 spans (1 trace)" in result.stdout
    search = phoenix.requests[0]
    assert search.query["parent_id"] == ["null"]
    assert search.query["start_time"] == ["2026-04-24T03:00:00+00:00"]
    # --limit 1: the newest root only (Phoenix answers newest first), then its spans.
    assert [r.query.get("trace_id") for r in phoenix.requests[1:]] == [[SECOND]]


# --- headers and secrets ------------------------------------------------------------------


def test_headers_go_with_every_request_and_are_never_stored_or_printed(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    with fake_backend(_jaeger) as jaeger:
        result = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--trace", FIRST, "--trace", SECOND,
            "--header", f"Authorization: {SECRET}", "--header", "X-Scope-OrgID: team-a",
            "--store", str(store),
        )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert len(jaeger.requests) == 2
    for request in jaeger.requests:
        assert request.headers["authorization"] == SECRET
        assert request.headers["x-scope-orgid"] == "team-a"
    assert "sk-live" not in result.stdout + result.stderr
    with duckdb.connect(str(store), read_only=True) as con:
        dump = json.dumps(con.execute("SELECT * FROM spans").fetchall(), default=str)
    assert "sk-live" not in dump and "team-a" not in dump
    assert b"sk-live" not in store.read_bytes()


def test_refused_credentials_are_one_line_without_the_secret(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    refused = Answer(401, b'{"detail": "Invalid token"}')
    with fake_backend(lambda seen: refused) as phoenix:
        result = run_cli(
            "import", "--from", f"phoenix+{phoenix.url}", "--trace", FIRST,
            "--header", f"Authorization: {SECRET}", "--store", str(store),
        )  # fmt: skip

    line = _one_error_line(result, 1)
    assert "refused the request" in line and "HTTP 401: Invalid token" in line
    assert "--header" in line and "sk-live" not in line
    assert _span_rows(store) == 0


def test_a_header_that_is_not_name_colon_value_is_not_echoed(tmp_path: Path) -> None:
    result = run_cli(
        "import", "--from", "jaeger+http://127.0.0.1:9", "--trace", FIRST,
        "--header", "Authorization Bearer sk-live-abcdef0123456789",
        "--store", str(tmp_path / "s.duckdb"),
    )  # fmt: skip
    line = _one_error_line(result, 2)
    assert "NAME: VALUE" in line and "sk-live" not in line


def test_credentials_in_the_url_are_basic_auth_and_scrubbed_from_messages(
    tmp_path: Path,
) -> None:
    with fake_backend(lambda seen: Answer(404, b"")) as jaeger:
        url = jaeger.url.replace("http://", "http://admin:hunter2pass@")
        result = run_cli(
            "import", "--from", f"jaeger+{url}", "--trace", FIRST,
            "--store", str(tmp_path / "s.duckdb"),
        )  # fmt: skip
    line = _one_error_line(result, 1)
    assert "not found" in line and "hunter2pass" not in line
    assert "[REDACTED]@127.0.0.1" in line
    [request] = jaeger.requests
    assert request.headers["authorization"] == "Basic YWRtaW46aHVudGVyMnBhc3M="


def test_a_redirect_to_another_host_is_not_followed(tmp_path: Path) -> None:
    with fake_backend(lambda seen: Answer()) as elsewhere:
        # Another origin: the same server under another host name, so nothing leaves.
        location = f"{elsewhere.url.replace('127.0.0.1', 'localhost')}/api/v3/traces/{FIRST}"
        moved = Answer(302, headers=(("Location", location),))
        with fake_backend(lambda seen: moved) as jaeger:
            result = run_cli(
                "import", "--from", f"jaeger+{jaeger.url}", "--trace", FIRST,
                "--header", f"Authorization: {SECRET}", "--store", str(tmp_path / "s.duckdb"),
            )  # fmt: skip
    line = _one_error_line(result, 1)
    assert "redirected to another host" in line and "sk-live" not in line
    assert elsewhere.requests == []


# --- failures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "answer", "message"),
    [
        ("jaeger", Answer(404, body("jaeger_v3_not_found.json")), "not found (HTTP 404: trace"),
        ("tempo", Answer(404, b"trace not found", "text/plain"), "not found (HTTP 404"),
        ("phoenix", json_answer({"data": [], "next_cursor": None}), "not found in project"),
        ("phoenix", Answer(404, b"Project with name default not found", "text/plain"),
         "Project with name default not found"),
        ("jaeger", Answer(body=b'{"result": {"resourceSpans": [{"scopeSpans": '), "not JSON"),
        ("jaeger", Answer(body=b"<html>login</html>", content_type="text/html"), "not JSON"),
        ("tempo", Answer(body=b"\x00\xff garbage", content_type="text/plain"),
         "neither protobuf nor JSON"),
        ("tempo", Answer(body=b"\x0a\x05\x01", content_type="application/protobuf"),
         "not a protobuf TraceByIDResponse"),
        ("phoenix", json_answer({"data": [{"name": "x"}]}), "no Phoenix spans: data.0.context"),
        ("jaeger", Answer(500, b'{"error":{"httpCode":500,"message":"storage down"}}'),
         "answered HTTP 500 for trace"),
    ],
)  # fmt: skip
def test_a_failed_pull_is_one_line_exit_1_and_stores_nothing(
    tmp_path: Path, backend: str, answer: Answer, message: str
) -> None:
    store = tmp_path / "store.duckdb"
    with fake_backend(lambda seen: answer) as server:
        result = run_cli(
            "import", "--from", f"{backend}+{server.url}", "--trace", FIRST, "--store", str(store)
        )
    assert message in _one_error_line(result, 1)
    assert result.stdout == ""
    assert _span_rows(store) == 0


def test_all_or_nothing_when_one_of_several_traces_is_missing(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    with fake_backend(_jaeger) as jaeger:
        result = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--trace", FIRST, "--trace", "abc",
            "--store", str(store),
        )  # fmt: skip
    assert f"trace {'abc'.rjust(32, '0')} not found" in _one_error_line(result, 1)
    assert _span_rows(store) == 0


def test_a_backend_that_does_not_answer_in_time(tmp_path: Path) -> None:
    slow = Answer(body=body("jaeger_v3_trace.json"), delay_s=2.0)
    with fake_backend(lambda seen: slow) as jaeger:
        result = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--trace", FIRST, "--timeout", "0.2",
            "--store", str(tmp_path / "s.duckdb"),
        )  # fmt: skip
    assert "did not answer within 0.2 s" in _one_error_line(result, 1)


def test_a_backend_that_is_not_there(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_cli(
        "import", "--from", f"tempo+http://127.0.0.1:{port}", "--trace", FIRST,
        "--store", str(tmp_path / "s.duckdb"),
    )  # fmt: skip
    line = _one_error_line(result, 1)
    assert f"cannot reach tempo at http://127.0.0.1:{port}" in line
    assert "refused" in line.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "http://localhost:16686", "--trace", FIRST), "say which backend"),
        (("--from", "zipkin+http://localhost:9411", "--trace", FIRST), "unknown backend 'zipkin'"),
        (("--from", "jaeger+http://localhost:16686"), "--trace ID (repeatable) or --since"),
        (("--from", "jaeger+http://localhost:16686", "--trace", "xyz"), "not a trace id"),
        (("--from", "tempo+http://h:3200", "--trace", FIRST, "--project", "p"), "Phoenix's"),
        (("--from", "tempo+http://h:3200", "--trace", FIRST, "--timeout", "0"), "positive"),
        (("--from", "jaeger+http://h:99999", "--trace", FIRST), "port"),
        ((str(SOURCE), "--trace", FIRST), "--trace apply to --from URL"),
        ((str(SOURCE), "--from", str(SOURCE)), "give the file once"),
        ((), "import what?"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    store = tmp_path / "store.duckdb"
    result = run_cli("import", *args, "--store", str(store))
    assert message in _one_error_line(result, 2)
    assert not store.exists()


def test_from_a_file_is_the_file_import(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    result = run_cli("import", "--from", str(SOURCE), "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Imported 8 spans (2 traces) from {SOURCE} into {store}.\n"
