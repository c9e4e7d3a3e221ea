"""Help texts are written hard-wrapped in the source; `--help` reflows them to the terminal."""

from __future__ import annotations

from tapestry.cli.root import reflow


def test_reflow_joins_wrapped_prose_and_keeps_bullets_and_examples() -> None:
    text = (
        "First paragraph that\nwraps here.\n\n"
        "• item one that\n  continues\n• item two\n\n"
        "Examples\n\n  tapestry run\n  tapestry sync --preview\n"
    )
    assert reflow(text) == (
        "First paragraph that wraps here.\n\n"
        "• item one that continues\n• item two\n\n"
        "Examples\n\n  tapestry run\n  tapestry sync --preview"
    )
