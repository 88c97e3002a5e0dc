"""The Grafana dashboards in dashboards/: provisionable, well-formed, and every attribute or
metric a query names is one tracekit emits (tracekit/semconv.py), after Prometheus naming."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tracekit import semconv as sc

DASHBOARDS = Path(__file__).resolve().parent.parent / "dashboards"
DASHBOARD_FILES = sorted((DASHBOARDS / "grafana" / "dashboards").glob("*.json"))
PROVISIONING = DASHBOARDS / "grafana" / "provisioning"
COLLECTOR = DASHBOARDS / "otel-collector.yaml"

#: Every name tracekit spells: attributes, metric names, values.
SEMCONV_NAMES = frozenset(value for value in vars(sc).values() if isinstance(value, str))
#: Labels the spanmetrics connector adds itself, and Prometheus's histogram bucket label.
SPANMETRICS_LABELS = frozenset({"service_name", "span_name", "span_kind", "status_code", "le"})
SPANMETRICS_METRICS = frozenset(
    {
        "traces_span_metrics_calls",
        "traces_span_metrics_duration_bucket",
        "traces_span_metrics_duration_sum",
        "traces_span_metrics_duration_count",
    }
)
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
PROMQL_WORDS = frozenset(
    {
        "sum",
        "by",
        "without",
        "rate",
        "increase",
        "histogram_quantile",
        "label_values",
        "avg",
        "max",
        "min",
        "count",
        "topk",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    }
)


def prometheus_name(otel_name: str) -> str:
    """An OTel attribute or metric name as the Collector's Prometheus exporter spells it."""
    return re.sub(r"[^A-Za-z0-9_]", "_", otel_name)


def _collector_sum_metrics() -> set[str]:
    text = COLLECTOR.read_text()
    spans = text.split("  sum:\n    spans:\n", 1)[1].split("\nexporters:", 1)[0]
    return set(re.findall(r"^      ([A-Za-z0-9_.]+):\s*$", spans, re.MULTILINE))


def allowed_prometheus_metrics() -> set[str]:
    """Metric names the stack can serve: spanmetrics, the sum connector's metrics (named
    after tracekit attributes) and tracekit's GenAI histograms."""
    metrics = set(SPANMETRICS_METRICS)
    metrics.update(prometheus_name(name) for name in _collector_sum_metrics())
    for histogram in (sc.METRIC_TOKEN_USAGE, sc.METRIC_OPERATION_DURATION):
        metrics.update(prometheus_name(histogram) + suffix for suffix in HISTOGRAM_SUFFIXES)
    return metrics


ALLOWED_LABELS = SPANMETRICS_LABELS | {prometheus_name(name) for name in SEMCONV_NAMES}


def traceql_problems(query: str) -> list[str]:
    """Attributes a TraceQL query names that tracekit does not emit."""
    names = re.findall(r"\b(?:span|resource)\.([A-Za-z0-9_.]*[A-Za-z0-9_])", query)
    return [f"unknown attribute {name!r}" for name in names if name not in SEMCONV_NAMES]


def promql_problems(expr: str) -> list[str]:
    """Metrics and labels a PromQL expression names that the stack does not produce."""
    bare = re.sub(r'"[^"]*"', '""', expr)  # label values and regexes are not names
    bare = re.sub(r"\$\w+", "", bare)  # Grafana variables ($__rate_interval, $model)
    problems: list[str] = []
    labels = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", bare)
    for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", bare):
        labels += [label.strip() for label in group.split(",") if label.strip()]
    problems += [f"unknown label {label!r}" for label in labels if label not in ALLOWED_LABELS]
    metrics = allowed_prometheus_metrics()
    for name in re.findall(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*[{\[]", bare):
        if name not in PROMQL_WORDS and name not in metrics:
            problems.append(f"unknown metric {name!r}")
    return problems


def _provisioned_datasources() -> dict[str, str]:
    text = (PROVISIONING / "datasources" / "datasources.yaml").read_text()
    entries = re.split(r"\n  - name:", text)[1:]  # top-level list items only
    sources = {}
    for entry in entries:
        uid = re.search(r"\buid:\s*(\S+)", entry)
        kind = re.search(r"\btype:\s*(\S+)", entry)
        assert uid and kind, entry
        sources[uid.group(1)] = kind.group(1)
    return sources


def _queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            kind = panel["datasource"]["type"]
            out.append((kind, target.get("query") or target.get("expr") or ""))
    return out


def test_there_are_tempo_and_prometheus_dashboards() -> None:
    kinds = {
        panel["datasource"]["type"]
        for path in DASHBOARD_FILES
        for panel in json.loads(path.read_text())["panels"]
    }
    assert {"tempo", "prometheus"} <= kinds


def test_the_dashboard_provider_points_where_compose_mounts_the_dashboards() -> None:
    provider = (PROVISIONING / "dashboards" / "dashboards.yaml").read_text()
    path = re.search(r"path:\s*(\S+)", provider)
    assert path is not None
    assert f"./grafana/dashboards:{path.group(1)}" in (DASHBOARDS / "compose.yaml").read_text()


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_dashboard_structure(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    datasources = _provisioned_datasources()
    assert dashboard["uid"] and dashboard["title"]
    assert dashboard["panels"]
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in dashboard["panels"]:
        assert panel["title"] and panel["type"]
        assert {"x", "y", "w", "h"} <= panel["gridPos"].keys()
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        source = panel["datasource"]
        assert datasources.get(source["uid"]) == source["type"], panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["refId"]
            assert target["datasource"] == source
            assert (target.get("query") or target.get("expr") or "").strip()
    for variable in dashboard.get("templating", {}).get("list", []):
        if "datasource" in variable:
            assert datasources.get(variable["datasource"]["uid"]) == variable["datasource"]["type"]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_every_queried_name_is_one_tracekit_emits(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    problems = []
    for kind, query in _queries(dashboard):
        found = traceql_problems(query) if kind == "tempo" else promql_problems(query)
        problems += [f"{query[:60]}…: {problem}" for problem in found]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            call = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", variable["definition"])
            assert call is not None, variable["definition"]
            problems += promql_problems(f'{call.group(1)}{{{call.group(2)}=""}}')
    assert problems == []


def test_the_collector_derives_metrics_from_names_tracekit_emits() -> None:
    text = COLLECTOR.read_text()
    named = re.findall(r"-\s+(?:name|key):\s*([A-Za-z0-9_.]+)", text)
    named += re.findall(r"source_attribute:\s*([A-Za-z0-9_.]+)", text)
    named += re.findall(r'attributes\["([^"]+)"\]', text)
    named += sorted(_collector_sum_metrics())
    assert named
    assert [name for name in named if name not in SEMCONV_NAMES] == []


def test_the_checks_catch_a_misspelt_name() -> None:
    assert traceql_problems('{ span.gen_ai.agent.nmae = "x" }') == [
        "unknown attribute 'gen_ai.agent.nmae'"
    ]
    assert promql_problems("sum by (gen_ai_agent_nmae) (rate(traces_span_metrics_calls[5m]))")
    assert promql_problems("rate(gen_ai_client_token_usage_buckets[5m])")
    assert promql_problems('rate(traces_span_metrics_calls{gen_ai_request_modle="x"}[5m])')
