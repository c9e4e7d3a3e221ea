"""The protocol between the sync core and a destination: what the core plans, what a destination answers.

The core (this package) owns the diff, the state and commit-after-acknowledgement; a destination plugin
(`tapestry.destinations.<type>`) implements `Destination` with these types. They live here, with the core
that drives them, so the core never imports a plugin package; `tapestry.destinations.base` re-exports them
for plugin authors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Operation = Literal["create", "update", "archive"]
# ok: done. kept: done without a change (the destination leaves the key as it is, e.g. an archive it declines).
# rejected: refused for good; recorded in tapestry_sync.rejections, sent again only when the row changes.
# failed: transient (rate limit, 5xx, network); only logged, the next run sends it again.
Verdict = Literal["ok", "kept", "rejected", "failed"]
# A JSON-safe document a destination asks the core to remember per key (ids, consent status, tags sent).
State = Mapping[str, Any]


@dataclass(frozen=True)
class PlannedRow:
    """One key the core's diff found new, changed or gone."""

    key: str  # lower(trim(key_column))
    operation: Operation
    row_hash: str | None  # the model row's hash (None for an archive: the key left the model)
    values: Mapping[str, str | None] = field(default_factory=dict)  # every mapped column, as text; null: None
    state: State | None = None  # what this destination last asked the core to remember for the key


@dataclass(frozen=True)
class Ack:
    """The destination's verdict on one planned row."""

    row: PlannedRow
    verdict: Verdict
    status_code: int | None = None  # the destination's answer (HTTP status), when it gave one
    reason: str | None = None  # why, for rejections and failures (`Title: detail`; grouped by the title)
    state: State | None = None  # replaces the key's remembered state (None: keep it); ignored when failed
    # what the destination did, when it differs from the plan: an upsert planned as a create of a contact the
    # destination already had is an update (counted as one; the plan and the state are unchanged)
    done_as: Operation | None = None


@dataclass(frozen=True)
class InFlight:
    """A key a killed run submitted in a job and never acknowledged, as `recover` gets it back."""

    row: PlannedRow  # key, operation, row hash and the state remembered before it was sent (no values)
    record: State  # what the destination noted for this key when it submitted the job


@dataclass(frozen=True)
class Plan:
    """What this run has to do: counts per operation first, then the rows, streamed once."""

    counts: Mapping[str, int]  # create, update, archive
    rows: Iterable[PlannedRow]  # ordered by operation, then key

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Session(Protocol):
    """How a destination reports back to the core while it sends. Call it from one thread.

    - `submitted` before waiting on a job whose effects may land even if this process dies (a batch, an
      import): the core keeps (job, key, record) until the job is acknowledged, and a later run hands them to
      `recover`. Direct calls need no record: a key not acknowledged is simply planned again.
    - `acknowledge` every key once, in any order and grouping: ok/kept/rejected rows are committed (the
      snapshot moves, rejections are recorded); failed ones are only logged. With `job`, the job's in-flight
      records are cleared in the same transaction (its keys not acknowledged are planned again next run).
    """

    def submitted(self, job: str, records: Sequence[tuple[PlannedRow, State]]) -> None: ...

    def acknowledge(self, acks: Sequence[Ack], job: str | None = None) -> None: ...


class Destination(Protocol):
    """One sync's connection to one destination object, opened by its plugin for one run."""

    @property
    def requests(self) -> int:
        """Calls made so far (for the run log)."""

    def preflight(self) -> str:
        """Check credentials, the destination object and the mapped fields; raise SyncError with a fix.
        Returns what was checked, for `tapestry doctor`."""

    def describe(self, row: PlannedRow) -> dict[str, Any]:
        """What would be sent for this row (a preview line; JSON-safe). Works without credentials."""

    def send(self, plan: Plan, session: Session) -> str:
        """Send every planned row and acknowledge each through `session`. Returns how it sent (for the
        headline: `direct`, `bulk`, ...). An exception ends the run; whatever was acknowledged stays."""

    def recover(self, job: str, records: Sequence[InFlight]) -> list[Ack] | None:
        """The verdicts of a job a killed run submitted: keys it cannot vouch for are left out (planned again).
        An unknown or expired job returns []. None: the destination is still running the job after the
        destination's recovery wait; it stays in flight and its keys are not planned until a run collects it
        (sending them again meanwhile could race the job and leave older values last)."""

    def close(self) -> None: ...
