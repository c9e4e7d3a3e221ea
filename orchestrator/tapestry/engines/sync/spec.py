"""What one sync is: which model, which destination list, which columns go where."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Literal

SyncMode = Literal["upsert", "mirror"]
_SAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class TagSource:
    name: str | None = None  # a constant tag
    column: str | None = None  # or the value of a column (no tag when null/empty)


@dataclass(frozen=True)
class SyncSpec:
    """A sync of `model` (a relation such as `analytics.mailchimp_audience`) to one Mailchimp list."""

    list_id: str
    model: str
    email_column: str = "email_address"
    merge_fields: dict[str, str] = field(default_factory=dict)  # merge tag -> model column
    tags: tuple[TagSource, ...] = ()
    mode: SyncMode = "upsert"

    @property
    def sync_id(self) -> str:
        return f"mailchimp:{self.list_id}"

    @property
    def slug(self) -> str:
        """A name fragment for this sync's work tables."""
        return _SAFE.sub("_", f"mailchimp_{self.list_id}".lower()).strip("_")

    @property
    def model_columns(self) -> list[str]:
        cols = [self.email_column, *self.merge_fields.values(), *(t.column for t in self.tags if t.column)]
        return list(dict.fromkeys(cols))

    @property
    def tag_columns(self) -> list[str]:
        return [t.column for t in self.tags if t.column is not None]

    @property
    def mapping_hash(self) -> str:
        """Changes whenever the mapping changes, which makes every row look changed (a full resync)."""
        payload = {
            "email": self.email_column,
            "merge_fields": sorted(self.merge_fields.items()),
            "tags": [(t.name, t.column) for t in self.tags],
        }
        return hashlib.md5(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
