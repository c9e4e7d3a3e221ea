"""What a destination plugin is: its settings, its mapping, and (in its package) how it sends."""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from tapestry.core.settings import Strict


class DestinationConfig(Strict):
    """Settings every destination has; a plugin subclasses it (account, list, credentials, sending knobs)."""

    type: str

    def identity(self) -> str:
        """What the sync state is kept under (`<type>:<account object>`): two syncs may not share it."""
        return self.type

    def missing(self) -> list[str]:
        """Settings a real (not preview) sync needs that are not set."""
        return []


class MappingConfig(Strict):
    """How model columns map onto the destination's fields; a plugin subclasses it."""

    @property
    def key_column(self) -> str:
        """The model column that identifies a person in the destination (e.g. the e-mail)."""
        raise NotImplementedError

    @property
    def model_columns(self) -> list[str]:
        """Every model column the mapping reads, the key first."""
        raise NotImplementedError


@dataclass(frozen=True)
class DestinationPlugin:
    type: str  # the `destination.type` that selects this plugin
    label: str  # the tool's name, for messages ("Mailchimp")
    config_model: builtins.type[DestinationConfig]
    mapping_model: builtins.type[MappingConfig]
