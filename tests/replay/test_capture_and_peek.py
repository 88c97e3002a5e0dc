"""The replay's fast paths see what the slow ones see.

A session without span processors captures its spans as plain values instead of running them
through the OTel SDK; pytest names a trace file's test from its root span alone. Both must
give what the SDK path and a full read give, or a replay would pass or fail differently.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.trace import Status, StatusCode

from replay import ReplaySession
from replay.capture import CaptureTelemetry
from replay.peek import peek_trace_file
from replay.recording import Recording
from tracekit.pricing import PriceTable

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TRACES = sorted((FIXTURES / "traces").glob("*.trace.jsonl"))


class _Nothing(SpanProcessor):
    """A processor that keeps nothing: its presence alone puts a session on the SDK path."""


def _spans_by_key(session: ReplaySession) -> dict[str, tuple[object, ...]]:
    assert session.replayed is not None
    return {
        step.key: (
            step.kind,
            step.name,
            step.status,
            step.request,
            step.answer,
            step.input_tokens,
            step.output_tokens,
            step.cost_usd,
            step.span.status_message if step.span else None,
            sorted(
                (k, v)
                for k, v in (step.span.attributes if step.span else {}).items()
                if k not in ("tracekit.run.id",)
            ),
            [e.name for e in step.span.events] if step.span else [],
        )
        for step in session.replayed.steps
    }


@pytest.mark.parametrize("trace", TRACES, ids=[t.name for t in TRACES])
def test_captured_spans_replay_like_the_sdk_path(trace: Path) -> None:
    recording = Recording.from_file(trace)
    captured = ReplaySession(recording)
    sdk = ReplaySession(recording, processors=[_Nothing()])
    captured_report, sdk_report = captured.run(), sdk.run()
    # Matched or not (a fixture that diverges today diverges the same way on both paths).
    assert captured_report.model_dump(exclude={"source"}) == sdk_report.model_dump(
        exclude={"source"}
    )
    assert _spans_by_key(captured) == _spans_by_key(sdk)


def test_a_captured_span_follows_the_sdk_rules() -> None:
    telemetry = CaptureTelemetry(prices=PriceTable.default(), service_name="t")
    tracer = telemetry.tracer_provider.get_tracer("user.code")
    with pytest.raises(ValueError), tracer.start_as_current_span("outer") as outer:
        outer.set_attribute("kept", [1, 2])
        with tracer.start_as_current_span("inner") as inner:
            inner.set_status(Status(StatusCode.OK))
            inner.set_status(Status(StatusCode.ERROR, "too late: OK is final"))
        raise ValueError("boom")
    inner_span, outer_span = telemetry.capture.spans
    assert inner_span.parent_span_id == outer_span.span_id
    assert inner_span.status_code == "OK"
    assert outer_span.attributes["kept"] == (1, 2)  # as the SDK converts a list
    assert outer_span.status_code == "ERROR" and outer_span.status_message == "ValueError: boom"
    assert [e.name for e in outer_span.events] == ["exception"]
    assert outer_span.events[0].attributes["exception.type"] == "ValueError"
    assert outer_span.resource["service.name"] == "t"


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.jsonl")), ids=lambda p: p.name)
def test_a_trace_file_is_named_as_reading_it_whole_names_it(path: Path) -> None:
    peeked = peek_trace_file(path)
    if peeked is None:
        return  # the plugin reads such a file whole: nothing to agree on
    recording = Recording.from_file(path)
    assert peeked == (recording.workflow_name, recording.trace_id)


@pytest.mark.parametrize(
    "text",
    [
        '{"resourceSpans": [',
        "",
        '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "ab", "spanId": "01", '
        '"parentSpanId": "02", "name": "orphan"}]}]}]}',
    ],
)
def test_a_file_that_is_not_the_plain_shape_is_left_to_the_full_read(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "odd.trace.jsonl"
    path.write_text(text)
    assert peek_trace_file(path) is None
