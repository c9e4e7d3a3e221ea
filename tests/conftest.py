"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.cli import TapestryCLI

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test may read the developer's real secrets, dbt profiles or Tapestry config."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    for variable in ("MAILCHIMP_API_KEY", "HUBSPOT_ACCESS_TOKEN", "KLAVIYO_API_KEY", "TAPESTRY_PROJECT"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def _no_interrupt_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupt is remembered for the whole command (tapestry.core.interrupts); in the test process each
    test is its own command, so an earlier test's KeyboardInterrupt must not turn a later error into one."""
    from tapestry.core import interrupts

    monkeypatch.setattr(interrupts, "_seen", interrupts._Seen())  # nothing received, nothing reported


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[TapestryCLI]:
    yield TapestryCLI(cwd=tmp_path, env=dict(os.environ))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
