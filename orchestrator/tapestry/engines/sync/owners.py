"""Which process runs each sync run (`tapestry_sync.run_owners`), so a run whose process was killed is not
`running` in `tapestry_sync.runs` forever.

The next sync marks such runs `interrupted`: on this host when their process no longer exists (pid and
start time, so a reused pid does not count); from another host (an ECS task that was stopped) or without
an owner (older Tapestry) once they started more than STALE_AFTER ago, longer than any sync takes.
The dashboard shows the same verdict without writing anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from tapestry.core.process import ProcessId
from tapestry.core.warehouse import Warehouse
from tapestry.engines.sync.state import SCHEMA, TS, table

OWNERS = table("run_owners")
STALE_AFTER = timedelta(hours=12)
KILLED = "interrupted: the sync process ended without finishing this run (killed, or its machine stopped)"


def ensure_owners(warehouse: Warehouse) -> None:
    warehouse.execute(f"create schema if not exists {SCHEMA}")
    warehouse.execute(
        f"create table if not exists {OWNERS} "
        f"(run_id varchar, sync_id varchar, host varchar, pid bigint, process_started varchar, claimed_at {TS})"
    )


def claim(warehouse: Warehouse, run_id: str, sync_id: str, now: datetime) -> None:
    me = ProcessId.current()
    warehouse.execute(
        f"insert into {OWNERS} (run_id, sync_id, host, pid, process_started, claimed_at) values (?, ?, ?, ?, ?, ?)",
        [run_id, sync_id, me.host, me.pid, me.started, now],
    )


def is_dead(owner: ProcessId | None, started_at: datetime | None, now: datetime) -> bool:
    """The verdict on one `running` run."""
    alive = owner.alive() if owner is not None else None
    if alive is not None:
        return not alive
    return started_at is not None and now - _aware(started_at, now) > STALE_AFTER


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo is not None or like.tzinfo is None else moment.replace(tzinfo=like.tzinfo)


RunningRun = tuple[str, datetime | None, ProcessId | None]  # run_id, started_at, owner


def running_runs(warehouse: Warehouse, sync_id: str | None = None) -> list[RunningRun]:
    """(run_id, started_at, owner) of every run still marked running."""
    where = "r.status = 'running'" + (" and r.sync_id = ?" if sync_id is not None else "")
    owners = warehouse.table_exists(SCHEMA, "run_owners")
    columns = "o.host, o.pid, o.process_started" if owners else "null, null, null"
    join = f"left join {OWNERS} o on o.run_id = r.run_id and o.sync_id = r.sync_id" if owners else ""
    rows = warehouse.query(
        f"select r.run_id, r.started_at, {columns} from {table('runs')} r {join} where {where}",
        [sync_id] if sync_id is not None else None,
    )
    return [
        (str(run_id), started, ProcessId(str(host), int(pid), process_started) if host and pid is not None else None)
        for run_id, started, host, pid, process_started in rows
    ]


def dead_runs(warehouse: Warehouse, now: datetime, sync_id: str | None = None) -> list[str]:
    return [run_id for run_id, started, owner in running_runs(warehouse, sync_id) if is_dead(owner, started, now)]


def reconcile(warehouse: Warehouse, sync_id: str, now: datetime) -> int:
    """Mark this sync's runs left running by a dead process as interrupted; returns how many."""
    dead = dead_runs(warehouse, now, sync_id)
    for run_id in dead:
        warehouse.execute(
            f"update {table('runs')} set status = 'interrupted', error = ? "
            "where run_id = ? and sync_id = ? and status = 'running'",
            [KILLED, run_id, sync_id],
        )
    return len(dead)


def as_displayed(runs: Iterable[dict[str, Any]], dead: Iterable[str]) -> None:
    """Show runs of dead processes as interrupted (the dashboard, which never writes)."""
    stopped = set(dead)
    for run in runs:
        if run.get("status") == "running" and run.get("run_id") in stopped:
            run["status"] = "interrupted"
            run["error"] = run.get("error") or KILLED
