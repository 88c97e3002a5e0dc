"""What a Phoenix or Jaeger user gets from `tracekit export`: our agent and workflow spans
read with OpenInference's own attribute names, and content only where it was asked for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.recording import run_cli
from tracekit.examples import DemoRuntime, doc_pipeline
from tracekit.telemetry import Telemetry

# OpenInference's names, spelt as its semantic conventions spell them (openinference-semantic-
# conventions, SpanAttributes), not through our constants: the test is what Phoenix reads.
OI_KIND = "openinference.span.kind"
OI_INPUT, OI_INPUT_MIME = "input.value", "input.mime_type"
OI_OUTPUT, OI_OUTPUT_MIME = "output.value", "output.mime_type"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("oi") / "store.duckdb"
    telemetry = Telemetry.recording_to(store, service_name="tracekit-demo")
    try:
        doc_pipeline.demo(DemoRuntime(telemetry, latency_s=(0.0, 0.0)), 1)
    finally:
        telemetry.shutdown()
    return store


def _decoded_spans(path: Path) -> list[dict[str, Any]]:
    """Every span of an OTLP JSON lines file, attributes decoded from OTLP's AnyValue form."""
    spans = []
    for line in path.read_text().splitlines():
        for resource_spans in json.loads(line)["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                for span in scope_spans["spans"]:
                    attributes = {
                        item["key"]: next(iter(item["value"].values()))
                        for item in span.get("attributes", [])
                    }
                    spans.append({"name": span["name"], "attributes": attributes})
    return spans


def _export(store: Path, out: Path, *flags: str) -> Any:
    result = run_cli("export", "--out", str(out), "--store", str(store), *flags)
    assert result.returncode == 0, result.stderr
    return result


def test_agent_and_workflow_spans_fill_phoenixs_input_and_output(
    demo_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run.jsonl"
    _export(demo_store, out)

    spans = _decoded_spans(out)
    io_spans = [s for s in spans if s["attributes"].get(OI_KIND) in {"AGENT", "CHAIN"}]
    assert {s["attributes"][OI_KIND] for s in io_spans} == {"AGENT", "CHAIN"}
    for span in io_spans:
        attributes = span["attributes"]
        assert attributes[OI_INPUT_MIME] == "application/json", span["name"]
        assert isinstance(json.loads(attributes[OI_INPUT]), dict | list | str)
        assert attributes[OI_OUTPUT_MIME] == "application/json", span["name"]
        json.loads(attributes[OI_OUTPUT])


def test_without_content_the_openinference_io_is_left_out_too(
    demo_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bare.jsonl"
    result = _export(demo_store, out, "--without-content")

    assert result.stdout.strip().endswith("without content.")
    for span in _decoded_spans(out):
        assert not {OI_INPUT, OI_OUTPUT, OI_INPUT_MIME, OI_OUTPUT_MIME} & span["attributes"].keys()


def test_with_content_to_a_file_is_what_a_file_does_anyway_and_says_so(
    demo_store: Path, tmp_path: Path
) -> None:
    plain, explicit = tmp_path / "plain.jsonl", tmp_path / "explicit.jsonl"
    _export(demo_store, plain)
    result = _export(demo_store, explicit, "--with-content")

    assert result.stdout.strip().endswith("with content.")
    assert explicit.read_text() == plain.read_text()


def test_with_and_without_content_together_is_refused(demo_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "never.jsonl"
    result = run_cli(
        "export",
        "--out",
        str(out),
        "--store",
        str(demo_store),
        "--with-content",
        "--without-content",
    )

    # Like the other contradictory export choices (--out with --otlp-endpoint).
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "tracekit: error: choose one: --with-content or --without-content"
    ]
    assert not out.exists()
