"""`sources.<name>: {type: zoom, ...}`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tapestry.core.settings import SecretRef
from tapestry.sources.base import SourceConfig


class ZoomSourceConfig(SourceConfig):
    """Local target: export files. Cloud target: Airbyte's source-zoom with Server-to-Server OAuth."""

    type: Literal["zoom"] = "zoom"
    account_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{5,64}$")
    client_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{5,64}$")
    client_secret: SecretRef | None = None
    oauth_url: str = Field(default="https://zoom.us", pattern=r"^https?://[^\s/]+(:\d+)?$")

    def cloud_missing(self) -> list[str]:
        return [name for name in ("account_id", "client_id", "client_secret") if getattr(self, name) is None]
