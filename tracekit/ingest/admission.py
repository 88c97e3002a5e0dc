"""How much work the receiver takes on at once: requests in progress and bytes held for them.

A request is admitted when a request slot is free and its body fits under the in-flight byte
budget; otherwise it waits a little, then is refused with 503 and ``Retry-After`` (the OTLP
exporters retry those), never with a reset connection. A gzip body is charged again for what
it inflates to, as it inflates.

>>> admission = Admission(max_requests=2, max_bytes=100)
>>> ticket = admission.admit(60, wait_s=0)
>>> admission.admit(60, wait_s=0) is None  # 120 bytes would be held: over the budget
True
>>> ticket.release()
"""

from __future__ import annotations

import threading
from http import HTTPStatus

from tracekit.exceptions import OtlpRequestError
from tracekit.ingest.defaults import DEFAULT_MAX_INFLIGHT_BYTES as DEFAULT_MAX_INFLIGHT_BYTES

#: Requests decoded and written at once. More only queue for the GIL (or the workers), while
#: their bodies sit in memory.
DEFAULT_MAX_REQUESTS = 32


class Ticket:
    """One admitted request's share: release it (once) when the request is done."""

    def __init__(self, admission: Admission, charged: int) -> None:
        self._admission = admission
        self.charged = charged
        self._released = False

    def charge(self, more: int) -> None:
        """Hold ``more`` bytes for this request; raises :class:`OtlpRequestError` (503) when
        they do not fit."""
        if not self._admission._grow(more):
            raise OtlpRequestError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"the receiver is busy (over its in-flight budget of {self._admission.max_bytes} "
                "bytes)",
            )
        self.charged += more

    def release(self) -> None:
        """Give the slot and the bytes back."""
        if not self._released:
            self._released = True
            self._admission._release(self.charged)


class Admission:
    """Bounds requests in progress (``max_requests``) and the bytes they hold (``max_bytes``).

    One request is always admitted when nothing else is in progress, whatever its size, so a
    body the size limit allows can never be refused forever.
    """

    def __init__(
        self,
        *,
        max_requests: int = DEFAULT_MAX_REQUESTS,
        max_bytes: int = DEFAULT_MAX_INFLIGHT_BYTES,
    ) -> None:
        self.max_requests = max(1, max_requests)
        self.max_bytes = max(1, max_bytes)
        self._requests = 0
        self._bytes = 0
        self._changed = threading.Condition()

    def admit(self, nbytes: int, *, wait_s: float) -> Ticket | None:
        """A ticket for a request of ``nbytes``, waiting up to ``wait_s`` for room; None when
        there is none (answer 503)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._fits(nbytes), timeout=wait_s):
                return None
            self._requests += 1
            self._bytes += nbytes
        return Ticket(self, nbytes)

    def _fits(self, nbytes: int) -> bool:
        if self._requests >= self.max_requests:
            return False
        return self._requests == 0 or self._bytes + nbytes <= self.max_bytes

    def _grow(self, nbytes: int) -> bool:
        with self._changed:
            if self._requests > 1 and self._bytes + nbytes > self.max_bytes:
                return False
            self._bytes += nbytes
            return True

    def _release(self, nbytes: int) -> None:
        with self._changed:
            self._requests -= 1
            self._bytes -= nbytes
            self._changed.notify_all()
