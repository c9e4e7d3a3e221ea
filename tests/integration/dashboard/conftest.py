"""One synced demo project for the dashboard's API tests (built once: the tests only read it)."""

from __future__ import annotations

import pytest

from integration.dashboard.scenario import Scenario, build_scenario


@pytest.fixture(scope="package")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return build_scenario(tmp_path_factory.mktemp("dashboard"))
