"""What one sync is, as the core sees it: a model, its key and mapped columns, and where its state is kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SyncMode = Literal["upsert", "mirror"]
_SAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class SyncSpec:
    """A sync of `model` (a relation such as `marts.audience`) to one destination object."""

    sync_id: str  # the destination's identity (`<type>:<object>`): the state tables' key
    model: str
    key_column: str  # the sync key is lower(trim(key_column))
    columns: tuple[str, ...]  # every mapped model column, the key first
    mapping_hash: str  # the mapping's fingerprint: a new one resends every row
    mode: SyncMode = "upsert"
    # mirror: a run may archive at most this share of the members the sync keeps (1: no limit)
    max_archive_share: float = 0.5

    @property
    def slug(self) -> str:
        """A name fragment for this sync's work tables."""
        return _SAFE.sub("_", self.sync_id.lower()).strip("_")
