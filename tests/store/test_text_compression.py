"""Attributes and content take ZSTD where the file format has it, and never end up stored
uncompressed (what DuckDB silently does with ZSTD in a file of an older format)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tracekit.benchmarks.store_bench import synthetic_batches
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.schema import text_zstd_available
from tracekit.store.spool import write_segment


def _compressions(store: Path, table: str) -> set[str]:
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT compression FROM pragma_storage_info(?) "
            "WHERE column_name = 'attributes' AND segment_type <> 'VALIDITY'",
            [table],
        ).fetchall()
    return {str(row[0]).upper() for row in rows}


@pytest.fixture(scope="module")
def folded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    paths = StorePaths.for_store(tmp_path_factory.mktemp("zstd") / "store.duckdb")
    for batch in synthetic_batches(20_000):
        write_segment(paths, batch, fsync=False)
    assert fold_pending(paths, wait_s=10.0) is not None
    return paths.db


@pytest.mark.parametrize("table", ["spans", "span_content"])
def test_attributes_and_content_are_kept_compressed(folded_store: Path, table: str) -> None:
    with duckdb.connect() as con:
        zstd = text_zstd_available(con)
    compressions = _compressions(folded_store, table)

    assert compressions, f"no attributes stored in {table}"
    assert "UNCOMPRESSED" not in compressions
    if zstd:
        assert compressions == {"ZSTD"}


@pytest.mark.parametrize(
    ("setting", "available"), [("v0.10.2", False), ("v1.1.0", False), ("latest", True)]
)
def test_zstd_is_used_only_in_a_file_format_that_has_it(setting: str, available: bool) -> None:
    with duckdb.connect() as con:
        try:
            con.execute(f"SET storage_compatibility_version = '{setting}'")
        except duckdb.Error:
            pytest.skip(f"this DuckDB does not know storage version {setting}")
        assert text_zstd_available(con) is available
