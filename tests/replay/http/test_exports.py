"""``replay.http``'s public surface: one sorted ``__all__``, every name importable, the SDK
loaded only when something needs it."""

from __future__ import annotations

import importlib
import subprocess
import sys

import replay
import replay.http
from tracekit.exceptions import NetworkBlockedError, ReplayError, UnmatchedCallError

SUBMODULES = ("anthropic_fixtures", "anthropic_sdk", "exchange", "network", "transport")


def _ruff_order(name: str) -> tuple[int, str]:
    # RUF022: CONSTANTS, then Classes, then functions.
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2), name


def test_all_is_sorted_and_every_name_resolves() -> None:
    names = list(replay.http.__all__)
    assert names == sorted(names, key=_ruff_order)
    for name in names:
        assert getattr(replay.http, name) is not None, name


def test_the_modules_underneath_export_through_the_package() -> None:
    for submodule in SUBMODULES:
        module = importlib.import_module(f"replay.http.{submodule}")
        missing = set(getattr(module, "__all__", ())) - set(replay.http.__all__)
        assert not missing, f"{module.__name__} exports {missing}, replay.http does not"
    for name in ("AnthropicRecorder", "AnthropicReplayer", "UnmatchedAnthropicRequest"):
        assert getattr(replay, name) is getattr(replay.http, name)


def test_network_blocked_error_is_a_replay_error_of_the_one_tree() -> None:
    assert replay.http.NetworkBlockedError is NetworkBlockedError
    assert issubclass(NetworkBlockedError, ReplayError)
    assert not issubclass(NetworkBlockedError, UnmatchedCallError)


def test_importing_replay_http_loads_neither_the_sdk_nor_pytest() -> None:
    code = (
        "import sys, replay.http; from replay.http import network_blocked, HttpExchange;"
        "print('anthropic' in sys.modules, 'pytest' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "False"]
