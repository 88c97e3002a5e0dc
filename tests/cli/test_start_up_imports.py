"""Each command loads only what it needs: a fresh ``tracekit`` process is checked for the
heavy packages it imported (the Textual TUI, the Anthropic SDK, Arrow, the OTel SDK and its
exporters, protobuf, Rich), so a module-level import that slips into a command module or a
package ``__init__`` shows here, not only in ``tracekit bench``'s start-up figures.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.show_traces import TRACES, build_show_store
from tests.recording import REPO_ROOT, record_two_runs

#: Packages no command needs just to start, by the prefix of their module names.
HEAVY = (
    "textual",
    "anthropic",
    "pyarrow",
    "opentelemetry.sdk",
    "opentelemetry.exporter",
    "opentelemetry.proto",
    "google.protobuf",
    "rich",
    "duckdb",
    "_duckdb",
    "pydantic",
    "tracekit.orchestrator",
    "tracekit.models",
    "tracekit.telemetry",
    "tracekit.tui",
    "replay.session",
)

#: What ``tracekit --help`` and ``tracekit COMMAND --help`` no longer load either since the
#: parser is built one command at a time: the standard library's heavier modules and the
#: store's argument parsers (each a few milliseconds of a 50 ms start).
HELP_ALSO_SKIPS = (
    "dataclasses",
    "datetime",
    "pathlib",
    "inspect",
    "tracekit.store.buckets",
    "tracekit.inert_text",
    # argparse's own formatter would import it (with zlib, bz2, lzma) for the help's width.
    "shutil",
)

# Runs the console script's entry point in a fresh interpreter, then lists what it loaded.
_PROBE = """
import json, sys
from tracekit.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
sys.stdout.flush()
heavy = json.loads({heavy!r})
loaded = sorted({{h for h in heavy for m in sys.modules if m == h or m.startswith(h + ".")}})
sys.stderr.write("LOADED " + json.dumps(loaded) + "\\n")
raise SystemExit(code or 0)
"""


def _loaded(*args: str, watch: tuple[str, ...] = HEAVY) -> set[str]:
    probe = _PROBE.format(heavy=json.dumps(watch))
    result = subprocess.run(
        [sys.executable, "-c", probe, *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("LOADED "))
    return set(json.loads(line.removeprefix("LOADED ")))


#: What a read loads of DuckDB: its C extension where it is a module of its own (DuckDB ≥ 1.4),
#: else the package (see tracekit.store.engine).
READER = "_duckdb" if importlib.util.find_spec("_duckdb") else "duckdb"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("imports") / "runs.duckdb"
    build_show_store(path)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["traces", "--help"],
        ["show", "--help"],
        ["replay", "--help"],
        ["stats", "--help"],
        ["sql", "--help"],
        ["reprice", "--help"],
        ["fork", "--help"],
        ["import", "--help"],
        ["diff", "--help"],
    ],
)
def test_help_loads_none_of_the_implementations(args: list[str]) -> None:
    assert _loaded(*args, watch=HEAVY + HELP_ALSO_SKIPS) == set()


#: What ``tracekit traces`` no longer loads either since it prints the store's plain rows
#: (TraceStore.page_trace_rows): the models' pydantic and the modules a listing never uses.
TRACES_ALSO_SKIPS = (
    "pydantic_core",
    "tracekit.pricing",
    "tracekit.store.models",
    "tracekit.store.analytics",
    "tracekit.store.figures",
    "tracekit.store.stats",
    "tracekit.store.stored_spans",
    "tracekit.store.trace_document",
    "tracekit.store.outline",
    "tracekit.otlp.model",
    "tracekit.cli.query_views",
    # Written to a pipe the listing is plain text laid out without Rich (tracekit.cli.
    # piped_text), and a read that warns of nothing skips these standard modules too.
    "tracekit.display",
    "dataclasses",
    "inspect",
    "logging",
    "tempfile",
    "shlex",
    "shutil",
)


@pytest.fixture(scope="module")
def listing_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Runs whose listing fits a pipe's 160 columns (the show store's widest does not).
    path = tmp_path_factory.mktemp("listing") / "runs.duckdb"
    return record_two_runs(path)


def test_traces_loads_the_store_reader_only(listing_store: Path) -> None:
    # DuckDB's C extension to read (not the duckdb package around it: tracekit.store.engine),
    # nothing else: not pydantic (the rows are plain tuples), not Rich (the probe's stdout
    # is a pipe, and the listing is written as Rich would write it there).
    at = ("--store", str(listing_store))
    assert _loaded("traces", *at, watch=HEAVY + TRACES_ALSO_SKIPS) == {READER}


def test_traces_filtered_and_sorted_loads_no_pydantic(listing_store: Path) -> None:
    args = ("traces", "--filter", "status:error cost>0", "--sort", "cost desc", "--limit", "3")
    at = ("--store", str(listing_store))
    assert _loaded(*args, *at, watch=HEAVY + TRACES_ALSO_SKIPS) == {READER}


def test_traces_too_wide_for_a_pipe_is_drawn_by_rich(store: Path) -> None:
    # The show store's widest workflow makes the table wider than 160 columns: Rich wraps it.
    assert _loaded("traces", "--store", str(store), watch=HEAVY + TRACES_ALSO_SKIPS) >= {
        READER,
        "rich",
    }


def test_traces_json_builds_the_models(store: Path) -> None:
    # --json prints the models' own JSON (what the TUI and scripts see): pydantic is loaded
    # for it, and nothing heavier.
    assert _loaded("traces", "--json", "--store", str(store)) == {READER, "pydantic"}


#: What ``tracekit show`` (the tree) no longer loads either since it draws the store's plain
#: rows (TraceStore.get_trace_lines): the models' pydantic, and the Rich Tree of query_views.
SHOW_ALSO_SKIPS = (
    "pydantic_core",
    "tracekit.pricing",
    "tracekit.store.models",
    "tracekit.store.trace_document",
    "tracekit.store.outline",
    "tracekit.otlp.model",
    "tracekit.otlp.conventions",
    "tracekit.cli.query_views",
    "tracekit.cli.conversation_view",
)


@pytest.mark.parametrize("trace", ["wide", "stopped"])
def test_show_tree_loads_the_store_reader_only(store: Path, trace: str) -> None:
    # The tree of a trace without guardrail events or handoffs (the usual trace): its
    # lines and summary are plain tuples, and on a pipe (the probe's stdout), where Rich
    # would write plain text, every label fits its line: written without Rich.
    args = ("show", TRACES[trace], "--store", str(store))
    assert _loaded(*args, watch=HEAVY + SHOW_ALSO_SKIPS) == {READER}


def test_show_tree_that_rich_must_lay_out_loads_rich(store: Path) -> None:
    # A label wider than its line (a long hostile name) is wrapped by Rich.
    args = ("show", TRACES["hostile"], "--store", str(store))
    assert _loaded(*args, watch=HEAVY + SHOW_ALSO_SKIPS) >= {READER, "rich"}


@pytest.mark.parametrize("trace", ["wide", "stopped"])
def test_show_json_loads_the_store_reader_only(store: Path, trace: str) -> None:
    # Plain spans of tracekit's own, no conversation recorded: the document is built from
    # the store's rows and the messages settled without the conventions, so neither Rich
    # nor pydantic (nor the conventions' models) is loaded.
    args = ("show", TRACES[trace], "--json", "--store", str(store))
    assert _loaded(*args, watch=HEAVY + SHOW_ALSO_SKIPS) == {
        READER,
        "tracekit.store.trace_document",
    }


def test_show_json_of_a_conversation_needs_no_rich(store: Path) -> None:
    # A model call with its messages recorded is read by the conventions (pydantic models).
    assert _loaded("show", TRACES["everything"], "--json", "--store", str(store)) == {
        READER,
        "pydantic",
    }


#: What ``tracekit stats`` (a table, CSV) no longer loads either since it prints the store's
#: plain figure rows (TraceStore.figure_rows): the models' pydantic, the older stats models,
#: and the chart's plotext unless a chart is drawn.
STATS_ALSO_SKIPS = (
    "pydantic_core",
    "plotext",
    "tracekit.pricing",
    "tracekit.store.models",
    "tracekit.store.figures",
    "tracekit.store.stats",
    "tracekit.cli.stats_chart",
)


@pytest.mark.parametrize(
    ("args", "also"),
    [
        # A name that shows escapes (the store has hostile agent names) is drawn by Rich.
        (["stats", "--by", "agent"], {"rich"}),
        # Plain names on a pipe: the table is written as Rich would write it, without Rich.
        (["stats", "--by", "model", "--every", "1h", "--since", "30d"], set()),
        (["stats", "--by", "workflow", "--filter", "status:error", "--csv"], {"rich"}),
    ],
)
def test_stats_loads_the_store_reader_and_rich_at_most(
    store: Path, args: list[str], also: set[str]
) -> None:
    # The table and CSV print the store's plain rows: not even pydantic is loaded.
    assert _loaded(*args, "--store", str(store), watch=HEAVY + STATS_ALSO_SKIPS) == {
        READER,
        *also,
    }
