"""Shared fixtures: real OpenTelemetry spans recorded into a real store in ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.recording import Recorder, new_recorder


@pytest.fixture
def make_recorder(tmp_path: Path) -> Iterator[Callable[..., Recorder]]:
    """Factory of recorders writing into ``tmp_path/store.duckdb`` (or a given path)."""
    made: list[Recorder] = []

    def make(store: Path | None = None, **processor_options: Any) -> Recorder:
        made.append(new_recorder(store or tmp_path / "store.duckdb", **processor_options))
        return made[-1]

    yield make
    for recorder in made:
        recorder.provider.shutdown()


@pytest.fixture
def recorder(make_recorder: Callable[..., Recorder]) -> Recorder:
    """A recorder into ``tmp_path/store.duckdb``."""
    return make_recorder()
