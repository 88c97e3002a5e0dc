"""The provisioned Grafana alert rules in dashboards/: well-formed for Grafana's file
provisioning, on provisioned datasources, and every metric and label their PromQL names is
one tracekit (or the Collector's connectors on tracekit's spans) emits."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.test_dashboards import (
    DASHBOARDS,
    PROVISIONING,
    _provisioned_datasources,
    promql_problems,
)
from tracekit import semconv as sc

RULE_FILES = sorted((PROVISIONING / "alerting").glob("*.yaml"))


def _rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in RULE_FILES:
        document = yaml.safe_load(path.read_text())
        assert document["apiVersion"] == 1
        for group in document["groups"]:
            assert group["name"] and group["folder"] and group["interval"]
            rules += group["rules"]
    return rules


RULES = _rules()


def test_there_are_rules_for_the_anomaly_metrics() -> None:
    titles = " ".join(rule["title"].lower() for rule in RULES)
    for metric in ("tokens per call", "latency", "cost per call", "error rate"):
        assert metric in titles
    assert len({rule["uid"] for rule in RULES}) == len(RULES)


def test_compose_mounts_the_alerting_provisioning() -> None:
    assert (
        "./grafana/provisioning:/etc/grafana/provisioning"
        in (DASHBOARDS / "compose.yaml").read_text()
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule["uid"])
def test_rule_structure(rule: dict[str, Any]) -> None:
    datasources = _provisioned_datasources()
    refs = {query["refId"]: query for query in rule["data"]}
    assert rule["condition"] in refs
    for query in rule["data"]:
        uid = query["datasourceUid"]
        assert uid == "__expr__" or datasources.get(uid) == "prometheus", query
        assert query["model"]["refId"] == query["refId"]
        if uid == "__expr__":
            # Expressions only refer to queries of the same rule.
            named = set(re.findall(r"\$(\w+)", query["model"]["expression"]))
            named |= (
                {query["model"]["expression"]} if query["model"]["type"] == "threshold" else set()
            )
            assert named <= refs.keys(), query
    assert re.fullmatch(r"\d+[smh]", rule["for"])


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule["uid"])
def test_every_metric_a_rule_names_is_one_tracekit_emits(rule: dict[str, Any]) -> None:
    exprs = [q["model"]["expr"] for q in rule["data"] if q["datasourceUid"] != "__expr__"]
    assert exprs
    problems = [problem for expr in exprs for problem in promql_problems(expr)]
    assert problems == []


def test_the_genai_histograms_are_what_the_rules_read() -> None:
    named = " ".join(
        q["model"]["expr"] for rule in RULES for q in rule["data"] if "expr" in q["model"]
    )
    for histogram in (sc.METRIC_TOKEN_USAGE, sc.METRIC_OPERATION_DURATION):
        assert histogram.replace(".", "_") in named


def test_the_check_catches_a_misspelt_metric() -> None:
    assert promql_problems("rate(gen_ai_client_token_usage_summ[1h])")
