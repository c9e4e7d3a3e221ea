"""A demo project built once through the real CLI, shared by the read-only tests of this folder."""

from __future__ import annotations

import pytest

from support.projects import DemoProject, make_project


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> DemoProject:
    return make_project(tmp_path_factory.mktemp("demo"))
