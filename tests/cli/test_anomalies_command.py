"""``tracekit anomalies`` as a user runs it: the real CLI on generated stores, the clock set
to the end of their data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine

from tests.recording import run_cli
from tests.store.analytics_data import HOUR
from tests.store.anomaly_data import MONDAY, Spike, generate_store


@pytest.fixture(autouse=True)
def _at_the_end_of_the_data() -> Iterator[None]:
    with time_machine.travel(MONDAY / 1e9, tick=False):
        yield


@pytest.fixture(scope="module")
def spiked(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("anomalies") / "spiked.duckdb"
    generate_store(path, spikes=(Spike("writer", "tokens", MONDAY - 8 * HOUR, MONDAY),))
    return str(path)


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("anomalies") / "steady.duckdb"
    generate_store(path)
    return str(path)


def test_the_table_names_group_metric_baseline_now_and_examples(spiked: str) -> None:
    result = run_cli("anomalies", "--store", spiked)

    assert result.returncode == 0 and result.stderr == ""
    header, *lines = result.stdout.splitlines()
    for column in ("by", "group", "metric", "baseline", "now", "robust z", "examples"):
        assert column in header
    writer = next(line for line in lines if "writer" in line and "tokens_per_call" in line)
    assert "▲" in writer and "+" in writer


def test_json_carries_every_field_and_the_method(spiked: str) -> None:
    result = run_cli("anomalies", "--store", spiked, "--json", "--by", "agent")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "0.6745" in report["method"] and report["threshold"] == 3.5
    assert {flag["by"] for flag in report["anomalies"]} == {"agent"}
    flag = report["anomalies"][0]
    assert flag["group"] == "writer"
    assert set(flag) >= {"metric", "now", "baseline", "robust_z", "example_trace_ids", "mad"}
    assert flag["now"] > flag["baseline"]


def test_exit_code_is_one_when_something_is_flagged(spiked: str, steady: str) -> None:
    assert run_cli("anomalies", "--store", spiked, "--exit-code").returncode == 1
    assert run_cli("anomalies", "--store", spiked).returncode == 0
    quiet = run_cli("anomalies", "--store", steady, "--exit-code")
    assert quiet.returncode == 0
    assert quiet.stdout.startswith("no anomalies (6 groups judged")


def test_since_baseline_and_filter_narrow_the_question(spiked: str) -> None:
    # The spike is the last 8 hours: a 1h window compared with the same hour of past days.
    hourly = run_cli("anomalies", "--store", spiked, "--since", "1h", "--baseline", "7d", "--json")
    assert hourly.returncode == 0, hourly.stderr
    flags = json.loads(hourly.stdout)["anomalies"]
    assert json.loads(hourly.stdout)["season"] == "day"
    assert flags == []  # 4 calls an hour: too few to judge
    filtered = run_cli("anomalies", "--store", spiked, "--filter", "workflow=support", "--json")
    groups = {(f["by"], f["group"]) for f in json.loads(filtered.stdout)["anomalies"]}
    assert ("workflow", "billing") not in groups and ("agent", "writer") in groups


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "yesterday"), "is not a length of time"),
        (("--baseline", "0h"), "more than zero"),
        (("--since", "24h", "--baseline", "2d"), "at least 3 windows"),
        (("--filter", "colour:red"), "unknown field"),
        (("--by", "tool"), "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(
    spiked: str, args: tuple[str, ...], message: str
) -> None:
    result = run_cli("anomalies", "--store", spiked, *args)

    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_a_missing_store_says_so(tmp_path: Path) -> None:
    result = run_cli("anomalies", "--store", str(tmp_path / "none.duckdb"))
    assert result.returncode == 3 and "no store" in result.stderr
