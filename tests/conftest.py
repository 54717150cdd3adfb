"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = (REPO_ROOT / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the checkout: real data and reference tables, read at test time."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED_DIR


@pytest.fixture(scope="session")
def shared_data(shared_dir: Path) -> Path:
    return shared_dir / "data"


@pytest.fixture(scope="session")
def mse_tables(shared_dir: Path) -> Path:
    return shared_dir / "reference" / "mse-tables"


@pytest.fixture(scope="session")
def linked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated conflict (3 lists) in simulated/ and, in project/, a project of its first two
    lists linked once (run 1). Copy it with ``copy_template`` before changing it."""
    from .workflow.link_helpers import build_linked_template

    return build_linked_template(tmp_path_factory.mktemp("linked") / "template")
