"""The in-process DuckDB backend: one thread, a memory cap with spilling to a private folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from splink import DuckDBAPI

from uncounted.core.errors import UncountedError
from uncounted.link.backends import make_db_api


def _setting(api: DuckDBAPI, name: str) -> str:
    found = api.duckdb_con.execute("SELECT current_setting(?)", [name]).fetchone()
    assert found is not None
    return str(found[0])


def test_duckdb_runs_on_one_thread_capped_and_spills_to_a_private_folder(monkeypatch) -> None:
    monkeypatch.delenv("UNCOUNTED_DUCKDB_MEMORY", raising=False)
    api = make_db_api("duckdb")
    assert isinstance(api, DuckDBAPI)
    assert _setting(api, "threads") == "1"
    assert _setting(api, "memory_limit") == "2.7 GiB"  # DuckDB's rendering of 3 GB
    scratch = Path(_setting(api, "temp_directory"))
    assert scratch.is_dir() and scratch.name.startswith("uncounted-duckdb-")


def test_the_memory_cap_follows_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("UNCOUNTED_DUCKDB_MEMORY", "512MB")
    api = make_db_api("duckdb")
    assert isinstance(api, DuckDBAPI)
    assert _setting(api, "memory_limit") == "488.2 MiB"


def test_a_memory_size_duckdb_cannot_read_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("UNCOUNTED_DUCKDB_MEMORY", "lots")
    with pytest.raises(UncountedError, match="UNCOUNTED_DUCKDB_MEMORY='lots'"):
        make_db_api("duckdb")
