"""What a destination plugin is: its settings, its mapping, and the small protocol its destination speaks.

The sync core (`tapestry.engines.sync`) owns everything a destination has in common: the diff, the snapshot
of what was acknowledged, runs, the changelog, rejections, the in-flight bookkeeping and commit-after-
acknowledgement. A destination only checks it can work (`preflight`), turns the core's planned rows into its
own calls and sends them the fastest safe way it has (`send`), acknowledges every key through the session
the core gives it, collects jobs a killed run left behind (`recover`), says what it would do (`describe`,
for previews) and closes.

This module stays light (settings models and types): a plugin's client or SDK loads in its `open`.
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from tapestry.core.errors import SyncError
from tapestry.core.settings import Strict
from tapestry.engines.sync.protocol import (
    Ack,
    Destination,
    InFlight,
    Operation,
    Plan,
    PlannedRow,
    Session,
    State,
    Verdict,
)

__all__ = [
    "Ack",
    "ApiDestination",
    "Destination",
    "DestinationConfig",
    "DestinationPlugin",
    "InFlight",
    "Link",
    "MappingConfig",
    "OpenRequest",
    "Operation",
    "Outcome",
    "Plan",
    "PlannedRow",
    "Session",
    "State",
    "Verdict",
]


class _RowOperation(Protocol):
    row: PlannedRow


OpT = TypeVar("OpT", bound=_RowOperation)


@dataclass
class Outcome(Generic[OpT]):
    """One operation's answer, as a destination acknowledges it: what to remember is kept only when the answer is
    not a failure (a failed key is retried next run with what was remembered before)."""

    op: OpT
    verdict: Verdict
    status: int | None = None
    reason: str | None = None
    state: State | None = None
    done_as: Operation | None = None  # see Ack.done_as

    def ack(self) -> Ack:
        return Ack(
            self.op.row,
            self.verdict,
            self.status,
            self.reason,
            self.state if self.verdict != "failed" else None,
            self.done_as,
        )


@dataclass(frozen=True)
class Link:
    """Where a person sees the destination object (the dashboard's links)."""

    name: str
    url: str  # empty when there is nothing to open (a proxy or a test double)
    note: str = ""


class DestinationConfig(Strict):
    """Settings every destination has; a plugin subclasses it (account, object, credentials, sending knobs).

    Secrets are `SecretRef` fields: the core resolves every one of them and hands the values to `open`.
    """

    type: str

    def identity(self) -> str:
        """What the sync state is kept under (`<type>:<account object>`): two syncs may not share it."""
        return self.type

    def missing(self) -> list[str]:
        """Settings (not secrets) a real, not preview, sync needs that are not set."""
        return []

    def describe(self) -> str:
        """The object a sync writes to, for people (`list 1a2b3c`); empty when not set yet."""
        return ""

    def link(self) -> Link | None:
        """The destination object in the tool's own UI, for the dashboard."""
        return None


class MappingConfig(Strict):
    """How model columns map onto the destination's fields; a plugin subclasses it."""

    @property
    def key_column(self) -> str:
        """The model column that identifies a person in the destination (e.g. the e-mail).

        The sync key is `lower(trim(key_column))`: it must be present and unique in the model."""
        raise NotImplementedError

    @property
    def model_columns(self) -> list[str]:
        """Every model column the mapping reads, the key first (their values make the row hash)."""
        raise NotImplementedError

    def fingerprint(self) -> str:
        """Changes whenever the mapping changes, which makes every row look changed (a full resync)."""
        return hashlib.md5(self.model_dump_json().encode()).hexdigest()[:12]


@dataclass(frozen=True)
class OpenRequest:
    config: DestinationConfig
    mapping: MappingConfig
    secrets: Mapping[str, str]  # setting path (`api_key`) -> value, for every secret reference that resolved
    offline: bool = False  # a setting or secret is missing: only `describe` will be called
    full_resync: bool = False  # send everything as if the destination remembered nothing


@dataclass(frozen=True)
class DestinationPlugin:
    type: str  # the `destination.type` that selects this plugin
    label: str  # the tool's name, for messages
    config_model: builtins.type[DestinationConfig]
    mapping_model: builtins.type[MappingConfig]
    open: Callable[[OpenRequest], Destination]  # imports the plugin's client when called
    kept_label: str = "left as they are"  # what `kept` means here, in the run's headline


class ApiClient(Protocol):
    """What the sync asks of a destination's HTTP client besides its calls."""

    @property
    def requests_made(self) -> int: ...

    def close(self) -> None: ...


ClientT = TypeVar("ClientT", bound=ApiClient)


RECOVER_WAIT_S = 600.0  # how long a run waits for a job a killed run left running before it goes on without it


class ApiDestination(Generic[ClientT]):
    """The part every destination that talks to an API shares: a client that is absent when the sync was
    opened without its credentials or object (a preview), which only `describe` may run without."""

    missing_client: tuple[str, str] = ("this sync has no credentials", "set them, or run with --preview")
    recover_wait_s: float = RECOVER_WAIT_S

    def __init__(self, client: ClientT | None) -> None:
        self._api = client

    @property
    def client(self) -> ClientT:
        if self._api is None:
            raise SyncError(*self.missing_client)
        return self._api

    @property
    def requests(self) -> int:
        return self._api.requests_made if self._api is not None else 0

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
