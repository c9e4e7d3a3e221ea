"""What the sync phase records in the project state (`.tapestry/state.json`), typed: one result per sync.

Written by the sync phase; read by `tapestry sync`/`run`/`status` and the dashboard. Reading is lenient
(unknown keys are ignored, a damaged entry reads as empty): the state may come from another release.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SyncResult(BaseModel):
    """One sync's last result: what it planned and did, or why it was skipped or failed."""

    model_config = ConfigDict(extra="ignore")

    headline: str = ""
    destination: str | None = None  # the destination's identity (`<type>:<object>`): its rows' sync_id
    type: str | None = None  # the destination plugin
    run_id: str | None = None
    preview: bool = False
    planned: dict[str, int] = Field(default_factory=dict)
    path: str | None = None
    created: int = 0
    updated: int = 0
    archived: int = 0
    kept: int = 0
    rejected: int = 0
    failed: int = 0
    recovered: int = 0
    waiting: int = 0  # keys of a job the destination was still running: collected by a later run
    requests: int = 0
    seconds: float | None = None
    diff_seconds: float | None = None
    preview_file: str | None = None
    preview_fingerprint: str | None = None
    rejection_reasons: dict[str, int] = Field(default_factory=dict)
    sample: list[dict[str, Any]] | None = None
    reason: str | None = None  # skipped: why
    error: str | None = None  # failed: the one-line error

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class SyncSummary(BaseModel):
    model_config = ConfigDict(extra="ignore")

    headline: str = ""
    syncs: dict[str, SyncResult] = Field(default_factory=dict)  # by sync name, in run order

    def as_dict(self) -> dict[str, Any]:
        return {"headline": self.headline, "syncs": {name: r.as_dict() for name, r in self.syncs.items()}}


def read_summary(summary: dict[str, Any] | None) -> SyncSummary:
    """The sync phase's summary from the state; entries that do not parse are left out."""
    summary = summary or {}
    syncs: dict[str, SyncResult] = {}
    for name, result in (summary.get("syncs") or {}).items():
        if isinstance(result, dict):
            try:
                syncs[str(name)] = SyncResult.model_validate(result)
            except ValidationError:
                continue
    return SyncSummary(headline=str(summary.get("headline") or ""), syncs=syncs)
