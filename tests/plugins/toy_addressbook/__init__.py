"""A toy destination: an address book in a JSON file (registered by the entry point next to this package)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tapestry.core.settings import SecretRef
from tapestry.destinations.base import Destination, DestinationConfig, DestinationPlugin, MappingConfig, OpenRequest


class AddressBookConfig(DestinationConfig):
    type: Literal["addressbook"] = "addressbook"
    path: str | None = None  # the book's JSON file
    token: SecretRef = SecretRef(env="ADDRESSBOOK_TOKEN")
    job_size: int = Field(default=50, ge=1)
    crash_after_jobs: int | None = None  # a test knob: die (like Ctrl-C) once this many jobs landed

    def identity(self) -> str:
        return f"addressbook:{self.path or 'preview'}"

    def missing(self) -> list[str]:
        return [] if self.path else ["path"]

    def describe(self) -> str:
        return f"book {self.path}" if self.path else ""


class AddressBookMapping(MappingConfig):
    key: str = "email_address"
    fields: dict[str, str] = Field(default_factory=dict)  # book field -> model column

    @property
    def key_column(self) -> str:
        return self.key

    @property
    def model_columns(self) -> list[str]:
        return list(dict.fromkeys([self.key, *self.fields.values()]))


def _open(request: OpenRequest) -> Destination:
    from toy_addressbook.book import AddressBook

    return AddressBook(request)


PLUGIN = DestinationPlugin(
    type="addressbook",
    label="Address book",
    config_model=AddressBookConfig,
    mapping_model=AddressBookMapping,
    open=_open,
)
