"""Block network access while replaying: a replay that reaches out is a bug, not a flake.

Only connections to loopback addresses and Unix sockets stay allowed (test servers, the
store's own files are not sockets at all). pytest-socket does the same for a whole session;
this is a context manager so the plugin can scope it to replay tests alone.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tracekit.exceptions import NetworkBlockedError

__all__ = ["NetworkBlockedError", "network_blocked"]


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # Unix domain sockets
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def network_blocked() -> Iterator[None]:
    """Refuse connections to anything but loopback inside the block."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if not _is_loopback(address):
            raise NetworkBlockedError(
                f"network access blocked during replay (connect to {address!r}); "
                "use --replay-record=once or rewrite to record live"
            )
        original_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_loopback(address):
            guarded_connect(self, address)
        return original_connect_ex(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
