"""``tracekit.store`` exports exactly its public names, in one sorted ``__all__``."""

from __future__ import annotations

import tracekit.store


def test_all_is_sorted_and_complete() -> None:
    exported = tracekit.store.__all__
    public = {
        name
        for name, value in vars(tracekit.store).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith("tracekit.store")
    }

    assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))
    assert public <= set(exported)
    assert all(hasattr(tracekit.store, name) for name in exported)
