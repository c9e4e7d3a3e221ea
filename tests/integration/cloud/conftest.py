"""One fake cloud per module (moto, fakesnow, Airbyte, Mailchimp, offline Terraform)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .world import CloudWorld, start_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudWorld]:
    created, stoppers = start_world(tmp_path_factory.mktemp("cloud"))
    try:
        yield created
    finally:
        for stop in reversed(stoppers):
            stop()
