"""Every environment variable tracekit reads, named and documented once.

:data:`ENV_VARS` is the registry: each :class:`EnvVar` has its name, what it means and its
default. The accessor functions below read the environment when called, never at import, so a
variable set (or monkeypatched) after ``import tracekit`` takes effect. No other module reads
``os.environ``: a test keeps it so.

Only the variables tracekit itself reads are here. The OpenTelemetry SDK and its OTLP exporter
read the rest of the ``OTEL_*`` family (headers, timeout, certificates, compression, …) on
their own; tracekit passes nothing of those through.

>>> [var.name for var in ENV_VARS][:2]
['TRACEKIT_STORE', 'TRACEKIT_PRICES']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path

_TRUE = frozenset({"1", "true", "yes", "on"})


class EnvVar(NamedTuple):
    """One environment variable: its name, what it does, and what applies when it is unset.
    (A named tuple, not a dataclass: every command reads one, and ``dataclasses`` costs
    ~5 ms of start-up to import.)"""

    name: str
    meaning: str
    default: str

    def get(self, env: Mapping[str, str] | None = None) -> str | None:
        """The variable's value in ``env`` (the process environment if None); None when unset
        or empty, as an empty value means "not set" for every variable here."""
        value = (os.environ if env is None else env).get(self.name)
        return value or None


TRACEKIT_STORE = EnvVar(
    "TRACEKIT_STORE",
    "Path of the DuckDB store that recording, the CLI and the TUI use when no --store is given.",
    "./tracekit.duckdb",
)
TRACEKIT_PRICES = EnvVar(
    "TRACEKIT_PRICES",
    "A JSON price table ({model: {input, output, cache_read, cache_creation}}, USD per "
    "million tokens) whose entries override the built-in prices.",
    "the built-in table",
)
TRACEKIT_OTLP_WITH_CONTENT = EnvVar(
    "TRACEKIT_OTLP_WITH_CONTENT",
    "1/true/yes/on sends content attributes (messages, tool arguments and results) to the live "
    "OTLP endpoint too; the local store always keeps them.",
    "off",
)
OTEL_EXPORTER_OTLP_ENDPOINT = EnvVar(
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "When set, recorded spans are also exported live to this OTLP endpoint.",
    "unset: no live export",
)
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = EnvVar(
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "Like OTEL_EXPORTER_OTLP_ENDPOINT, for traces only (the full URL); either one turns live "
    "export on.",
    "unset",
)
OTEL_EXPORTER_OTLP_METRICS_ENDPOINT = EnvVar(
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "Like OTEL_EXPORTER_OTLP_ENDPOINT, for metrics only (the full URL): where the GenAI "
    "token-usage and operation-duration histograms go. Either one turns them on.",
    "unset",
)
OTEL_EXPORTER_OTLP_PROTOCOL = EnvVar(
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "The live-export protocol: grpc, or http/protobuf.",
    "http/protobuf",
)
OTEL_EXPORTER_OTLP_TRACES_PROTOCOL = EnvVar(
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "Like OTEL_EXPORTER_OTLP_PROTOCOL, for traces only; wins over it.",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
)
OTEL_SERVICE_NAME = EnvVar(
    "OTEL_SERVICE_NAME",
    "service.name of every span recorded, wherever the spans go (as in any OpenTelemetry SDK).",
    "the name the code gives (tracekit, tracekit-demo, …)",
)
OTEL_RESOURCE_ATTRIBUTES = EnvVar(
    "OTEL_RESOURCE_ATTRIBUTES",
    "Extra resource attributes (key=value,…). The SDK parses them; tracekit reads the value "
    "only to know when its cached resource is stale.",
    "unset",
)
ANTHROPIC_API_KEY = EnvVar(
    "ANTHROPIC_API_KEY",
    "The Anthropic SDK reads the key itself; tracekit only checks that it is set before a "
    "live run (demo --live, recording a trace) so the error names the missing key.",
    "unset: live runs refuse to start",
)
TRACEKIT_SERVE_TOKEN = EnvVar(
    "TRACEKIT_SERVE_TOKEN",
    "A bearer token `tracekit serve` requires (as --token does): requests without "
    "`Authorization: Bearer TOKEN` are answered 401. Safer than --token, which other users "
    "of the machine can read in the process list.",
    "unset: no token asked",
)
OTEL_EXPORTER_OTLP_TIMEOUT = EnvVar(
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "Seconds one live export may take (the OTLP exporter reads it). tracekit only checks "
    "whether it is set: unset, live export uses 2 s instead of the exporter's 10 s. Whatever "
    "it says, a program's exit waits at most 1 s for the last batch.",
    "2 s for live export",
)
OTEL_EXPORTER_OTLP_TRACES_TIMEOUT = EnvVar(
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "Like OTEL_EXPORTER_OTLP_TIMEOUT, for traces only; wins over it.",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
)
FORCE_COLOR = EnvVar(
    "FORCE_COLOR",
    "Rich reads it (force-color.org): set and not empty, output that is not a terminal is "
    "styled as a terminal's is. tracekit reads it only to know when Rich would write plain "
    "text, which it then writes without loading Rich.",
    "unset: colours only on a terminal",
)
TTY_COMPATIBLE = EnvVar(
    "TTY_COMPATIBLE",
    "Rich reads it: 1 treats the output as a terminal, 0 as not one, whatever it is. tracekit "
    "reads it only as it reads FORCE_COLOR.",
    "unset: detected",
)
COLUMNS = EnvVar(
    "COLUMNS",
    "The terminal's width in columns, as the shell says it: the width of every --help "
    "(argparse reads it through shutil; tracekit reads it the same way, without shutil).",
    "unset: the terminal's own width, or 80 when the output is not a terminal",
)
PYTEST_CURRENT_TEST = EnvVar(
    "PYTEST_CURRENT_TEST",
    "Set by pytest while a test runs. Then telemetry's internal errors are raised instead of "
    "logged, so a telemetry bug fails the test suite.",
    "unset outside pytest",
)

#: The registry, in the order the documentation lists the variables.
ENV_VARS: tuple[EnvVar, ...] = (
    TRACEKIT_STORE,
    TRACEKIT_PRICES,
    TRACEKIT_OTLP_WITH_CONTENT,
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_SERVICE_NAME,
    OTEL_RESOURCE_ATTRIBUTES,
    OTEL_EXPORTER_OTLP_TIMEOUT,
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
    ANTHROPIC_API_KEY,
    TRACEKIT_SERVE_TOKEN,
    FORCE_COLOR,
    TTY_COMPATIBLE,
    COLUMNS,
    PYTEST_CURRENT_TEST,
)


def store_path() -> Path | None:
    """``$TRACEKIT_STORE`` with ``~`` expanded, or None."""
    value = TRACEKIT_STORE.get()
    # pathlib when asked: ``tracekit --help`` reads a variable here, and needs no path.
    from pathlib import Path

    return Path(value).expanduser() if value else None


def prices_path() -> Path | None:
    """The price-table file ``$TRACEKIT_PRICES`` names, or None."""
    value = TRACEKIT_PRICES.get()
    from pathlib import Path

    return Path(value) if value else None


def otlp_with_content(env: Mapping[str, str] | None = None) -> bool:
    """Whether live OTLP export sends content attributes (``$TRACEKIT_OTLP_WITH_CONTENT``)."""
    return (TRACEKIT_OTLP_WITH_CONTENT.get(env) or "").strip().lower() in _TRUE


def live_export_configured(env: Mapping[str, str] | None = None) -> bool:
    """Whether an OTLP endpoint is set, so recording exports live too."""
    return bool(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.get(env) or OTEL_EXPORTER_OTLP_ENDPOINT.get(env))


def live_metrics_configured(env: Mapping[str, str] | None = None) -> bool:
    """Whether an OTLP endpoint for metrics is set (the general one, or the metrics one), so
    recording sends the GenAI histograms live too. A traces-only endpoint does not count."""
    return bool(
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT.get(env) or OTEL_EXPORTER_OTLP_ENDPOINT.get(env)
    )


def otlp_protocol(env: Mapping[str, str] | None = None) -> str:
    """The live-export protocol the environment asks for (``http/protobuf`` unless set)."""
    return (
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL.get(env)
        or OTEL_EXPORTER_OTLP_PROTOCOL.get(env)
        or OTEL_EXPORTER_OTLP_PROTOCOL.default
    ).strip()


def otlp_timeout_set(env: Mapping[str, str] | None = None) -> bool:
    """Whether the environment sets the OTLP exporter's timeout (it then reads it itself)."""
    return bool(OTEL_EXPORTER_OTLP_TRACES_TIMEOUT.get(env) or OTEL_EXPORTER_OTLP_TIMEOUT.get(env))


def serve_token() -> str | None:
    """``$TRACEKIT_SERVE_TOKEN``: the bearer token ``tracekit serve`` requires, or None."""
    return TRACEKIT_SERVE_TOKEN.get()


def service_name(default: str) -> str:
    """``$OTEL_SERVICE_NAME``, else ``default``."""
    return OTEL_SERVICE_NAME.get() or default


def resource_attributes() -> str | None:
    """The raw ``$OTEL_RESOURCE_ATTRIBUTES`` (the SDK parses it)."""
    return OTEL_RESOURCE_ATTRIBUTES.get()


def anthropic_api_key_set() -> bool:
    """Whether ``$ANTHROPIC_API_KEY`` is set (its value is left to the Anthropic SDK)."""
    return ANTHROPIC_API_KEY.get() is not None


def under_pytest() -> bool:
    """Whether a pytest test is running in this process (or in the test that started it)."""
    return PYTEST_CURRENT_TEST.get() is not None


def columns() -> int:
    """``$COLUMNS`` as a number of columns, or 0 when it is unset or not a positive number
    (what ``shutil.get_terminal_size`` takes for "ask the terminal")."""
    try:
        value = int(os.environ.get(COLUMNS.name, ""))
    except ValueError:
        return 0
    return max(value, 0)


def terminal_forced(env: Mapping[str, str] | None = None) -> bool | None:
    """Whether Rich treats its output as a terminal whatever the output is (``True``), as
    not one (``False``), or looks (``None``): ``$TTY_COMPATIBLE`` 1 or 0, else
    ``$FORCE_COLOR`` set (empty: not a terminal), as Rich 15 decides it."""
    values = os.environ if env is None else env
    compatible = values.get(TTY_COMPATIBLE.name, "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = values.get(FORCE_COLOR.name)
    return None if force is None else force != ""
