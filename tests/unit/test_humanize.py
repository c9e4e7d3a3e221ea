from __future__ import annotations

import pytest

from tapestry.core.humanize import ago


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (-3, "0s ago"),
        (59.9, "59s ago"),
        (60, "1m ago"),
        (3599, "59m ago"),
        (7200, "2h ago"),
        (86400 * 3 + 5, "3d ago"),
    ],
)
def test_ago_uses_the_largest_whole_unit(seconds: float | None, text: str) -> None:
    assert ago(seconds) == text
