"""The seam between the commands and where a project runs (local, aws; later gcp).

A target is built once per command. It owns what differs between places: opening the warehouse as a role,
the secret store, how ingest and transform run, which schema holds the marts, and the doctor's checks.
Everything else (the sync, the phase runner, state) is the same on every target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

from tapestry.core.warehouse import Warehouse
from tapestry.engines.secrets.store import SecretStore
from tapestry.phases.context import ProjectContext
from tapestry.phases.secrets import SecretResolver

if TYPE_CHECKING:
    from tapestry.phases.doctor import Check
    from tapestry.phases.pipeline import RunOptions
    from tapestry.phases.runner import Phase

# loader writes raw data, transformer runs dbt, syncer reads the marts and owns the sync state,
# reader looks (the dashboard) and never holds a write lock.
Role = Literal["loader", "transformer", "syncer", "reader"]


class Target(Protocol):
    ctx: ProjectContext

    @property
    def name(self) -> str: ...

    @property
    def secret_store(self) -> SecretStore: ...

    @property
    def resolver(self) -> SecretResolver: ...

    @property
    def marts_schema(self) -> str:
        """The schema the sync reads its models from."""

    @property
    def previews_without_credentials(self) -> bool:
        """True where a sync lacking its destination's credentials previews instead of failing (a laptop)."""

    def open_warehouse(self, role: Role) -> Warehouse: ...

    def pipeline_phases(self, options: RunOptions) -> list[Phase]:
        """The phases before the sync: ingest, then transform."""

    def doctor_checks(self) -> list[Check]:
        """Checks of what this target needs (files, credentials, cloud resources)."""
