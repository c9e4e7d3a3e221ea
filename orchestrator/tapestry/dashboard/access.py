"""Read-only access to one project: its configuration (loaded once), its state and its warehouse (per request).

The DuckDB file is locked while `tapestry run` writes it, and a reader would in turn block the run, so the
warehouse is opened read-only for the few milliseconds one request needs, then closed. When it is busy, the
last good reading of each section is served instead, with the time it was taken.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from tapestry.core.errors import TapestryError, WarehouseError, first_line
from tapestry.core.warehouse import Warehouse
from tapestry.phases.context import ProjectContext
from tapestry.project.config import ProjectConfig
from tapestry.project.layout import ProjectLayout
from tapestry.project.state import ProjectState, StateStore

T = TypeVar("T")
WarehouseOpener = Callable[[], Warehouse]  # raises WarehouseError when the warehouse cannot be opened now
WarehouseState = Literal["ok", "busy", "missing", "unavailable"]

RUN_HINT = "run `tapestry run` to load data and build the audience"


@dataclass(frozen=True)
class WarehouseStatus:
    state: WarehouseState
    message: str | None = None
    as_of: datetime | None = None  # when not ok: when the reading shown instead was taken

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "message": self.message,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


@dataclass(frozen=True)
class Reading(Generic[T]):
    value: T | None  # None when nothing could be read and nothing was read before
    status: WarehouseStatus


class ProjectView:
    """The project as the dashboard sees it. Never writes to the warehouse or the state."""

    def __init__(self, project_dir: Path, opener: WarehouseOpener | None = None) -> None:
        ctx = ProjectContext.open(project_dir)
        self.context = ctx
        self.layout: ProjectLayout = ctx.layout
        self.config: ProjectConfig = ctx.config
        # Only the local target has a warehouse file; the cloud target passes its own opener.
        self.warehouse_path = ctx.layout.warehouse_path(ctx.config) if ctx.config.target == "local" else None
        self._opener = opener
        self._store = StateStore(ctx.layout.state_file)
        self._last_good: dict[str, tuple[Any, datetime]] = {}
        self._lock = threading.Lock()

    def _open(self) -> Warehouse:
        if self._opener is not None:
            return self._opener()
        if self.warehouse_path is None:
            raise WarehouseError(
                f"the dashboard cannot read the {self.config.target} target's warehouse yet", "see the state instead"
            )
        from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse

        # No waiting: while a run holds the file the page shows the last known numbers at once.
        return DuckDBWarehouse(self.warehouse_path, read_only=True, lock_wait_s=0)

    def state(self) -> tuple[ProjectState, str | None]:
        """The current run state (re-read: runs change it), or an empty one and why it could not be read."""
        try:
            return self._store.load(), None
        except TapestryError as exc:
            return ProjectState(), exc.one_line()

    def read(self, section: str, query: Callable[[Warehouse], T]) -> Reading[T]:
        """Run `query` on a read-only connection; when the warehouse is busy, the section's last good value."""
        if self._opener is None and self.warehouse_path is not None and not self.warehouse_path.exists():
            return Reading(None, WarehouseStatus("missing", f"no warehouse yet: {RUN_HINT}"))
        try:
            warehouse = self._open()
        except WarehouseError as exc:
            busy = "lock" in str(exc).lower()
            message = (
                "warehouse busy (a run is in progress) — showing the last known state"
                if busy
                else f"warehouse unavailable ({exc.message}) — showing the last known state"
            )
            return self._fallback(section, "busy" if busy else "unavailable", message)
        try:
            value = query(warehouse)
        except Exception as exc:  # a table dropped mid-query by a concurrent build, a driver error
            return self._fallback(section, "unavailable", f"warehouse query failed ({first_line(exc)})")
        finally:
            warehouse.close()
        with self._lock:
            self._last_good[section] = (value, datetime.now(UTC))
        return Reading(value, WarehouseStatus("ok"))

    def _fallback(self, section: str, state: WarehouseState, message: str) -> Reading[Any]:
        with self._lock:
            cached = self._last_good.get(section)
        if cached is None:
            return Reading(None, WarehouseStatus(state, message))
        value, taken_at = cached
        return Reading(value, WarehouseStatus(state, message, as_of=taken_at))

    def probe(self) -> WarehouseStatus:
        """Whether the warehouse can be read right now (opens and closes a connection)."""
        return self.read("_probe", lambda warehouse: True).status
