"""Telemetry errors: raised under pytest (a telemetry bug fails the suite), logged once for
users (their program goes on)."""

from __future__ import annotations

import logging

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tracekit import semconv as sc
from tracekit.pricing import PriceTable
from tracekit.telemetry import Telemetry, handle_internal_errors


@handle_internal_errors
def stamp_agent(attributes: dict[str, str]) -> str:
    return attributes["gen_ai.agent.name"]


class BrokenPrices(PriceTable):
    """A price table that fails when asked for a cost."""

    def cost(self, *args: object, **kwargs: object) -> float | None:
        raise ZeroDivisionError("price per zero tokens")


def llm_span(telemetry: Telemetry) -> None:
    with telemetry.tracer.start_as_current_span("chat claude-haiku-4-5") as span:
        span.set_attribute(sc.GEN_AI_OPERATION_NAME, sc.OP_CHAT)
        span.set_attribute(sc.GEN_AI_USAGE_INPUT_TOKENS, 10)


def test_under_pytest_a_telemetry_error_fails_the_test() -> None:
    with pytest.raises(KeyError, match=r"gen_ai\.agent\.name"):
        stamp_agent({})


def test_for_users_a_telemetry_error_is_logged_once_and_the_program_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    with caplog.at_level(logging.ERROR, logger="tracekit"):
        assert stamp_agent({}) is None
    [record] = caplog.records
    assert record.getMessage() == "tracekit telemetry error in stamp_agent (the program goes on)"
    assert record.exc_info is not None and record.exc_info[0] is KeyError


def test_a_guarded_function_that_works_returns_its_value() -> None:
    assert stamp_agent({"gen_ai.agent.name": "planner"}) == "planner"


def test_an_enricher_bug_fails_the_suite_but_not_a_users_run(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(
        processors=[SimpleSpanProcessor(exporter)], prices=BrokenPrices(prices={})
    )
    with pytest.raises(ZeroDivisionError):
        llm_span(telemetry)

    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    exporter.clear()
    with caplog.at_level(logging.ERROR, logger="tracekit"):
        llm_span(telemetry)
    [span] = exporter.get_finished_spans()  # recorded, without the cost it could not compute
    assert sc.TRACEKIT_COST_USD not in (span.attributes or {})
    assert len(caplog.records) == 1
    telemetry.shutdown()
