"""Sync previews of a large audience are big: only the newest few are kept."""

from __future__ import annotations

import os
from pathlib import Path

from tapestry.phases.sync_phase import PREVIEWS_KEPT, prune_previews


def test_only_the_newest_previews_are_kept(tmp_path: Path) -> None:
    names = [f"sync-2026010{i}T000000Z-run{i}.jsonl" for i in range(PREVIEWS_KEPT + 3)]
    for age, name in enumerate(reversed(names)):  # the last name is the newest
        path = tmp_path / name
        path.write_text("{}\n")
        os.utime(path, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / "notes.txt").write_text("not a preview")
    prune_previews(tmp_path)
    kept = sorted(p.name for p in tmp_path.glob("sync-*.jsonl"))
    assert kept == sorted(names[-PREVIEWS_KEPT:])
    assert (tmp_path / "notes.txt").exists()
