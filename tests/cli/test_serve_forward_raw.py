"""``serve --forward-raw`` only makes sense with ``--forward``: alone it is a usage error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracekit.cli import main


def test_forward_raw_without_forward_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store.duckdb"

    assert main(["serve", "--port", "0", "--store", str(store), "--forward-raw"]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--forward-raw needs --forward" in err
    assert not store.exists()


def test_serve_help_says_forward_raw_sends_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])

    assert "UNSCRUBBED" in capsys.readouterr().out
