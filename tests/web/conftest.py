"""Fixtures of the web tests: one linked synthetic project per session, copied per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.helpers import build_template, copy_project


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("web") / "template")


@pytest.fixture
def project_dir(web_template: Path, tmp_path: Path) -> Path:
    return copy_project(web_template, tmp_path / "project")
