"""HubSpot and Klaviyo plugin settings: validation with fixes, identities, links, and the pacer their clients
share (published rate limits, Retry-After for every thread)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contracts import openapi
from tapestry.core.pacing import Pacer, Window
from tapestry.destinations.hubspot.config import HubSpotConfig, HubSpotMapping
from tapestry.destinations.klaviyo.client import LIMITS
from tapestry.destinations.klaviyo.config import ATTRIBUTES, REVISION, KlaviyoConfig, KlaviyoMapping
from tapestry.plugins import destination_plugin, destination_types

KLAVIYO = "klaviyo/klaviyo-stable-2026-07-15.json"


def test_both_plugins_are_found_by_type_and_keep_their_top_level_light() -> None:
    import subprocess
    import sys

    assert {"hubspot", "klaviyo", "mailchimp"} <= set(destination_types())
    assert destination_plugin("hubspot").label == "HubSpot" and destination_plugin("klaviyo").label == "Klaviyo"
    probe = (
        "import sys, tapestry.destinations.hubspot, tapestry.destinations.klaviyo; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hubspot', 'klaviyo_api', 'openapi_client')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", "the SDKs load in open(), not when tapestry.yml is read"


def test_hubspot_settings_name_the_account_and_refuse_what_hubspot_would() -> None:
    config = HubSpotConfig(portal_id="4200042")
    assert config.identity() == "hubspot:4200042" and config.missing() == []
    assert config.link() is not None and "app.hubspot.com/contacts/4200042" in config.link().url  # type: ignore[union-attr]
    assert HubSpotConfig(portal_id="1", api_url="http://127.0.0.1:9").link().url == ""  # type: ignore[union-attr]
    assert HubSpotConfig().missing() == ["portal_id"]
    with pytest.raises(ValidationError, match="email` is the upsert key"):
        HubSpotMapping(properties={"email": "email_address"})
    with pytest.raises(ValidationError, match="not a HubSpot internal property name"):
        HubSpotMapping(properties={"First Name": "first_name"})
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        HubSpotConfig(portal_id="1", batch_size=101)
    assert HubSpotMapping().model_columns == ["email_address", "first_name", "last_name"]


def test_klaviyo_attributes_are_exactly_the_profile_attributes_of_the_spec_without_consent() -> None:
    schema = openapi(KLAVIYO)["components"]["schemas"]["ProfileUpsertQueryResourceObject"]
    attributes = schema["properties"]["attributes"]["properties"]
    location = openapi(KLAVIYO)["components"]["schemas"]["ProfileLocation"]["properties"]
    published = {n for n in attributes if n not in ("email", "_kx", "properties", "location")}
    published |= {f"location.{n}" for n in location}
    assert set(ATTRIBUTES) == published
    assert not any("subscri" in name or "consent" in name for name in attributes)
    assert openapi(KLAVIYO)["info"]["version"] == REVISION


def test_klaviyo_pacing_follows_each_endpoints_published_limits() -> None:
    paths = openapi(KLAVIYO)["paths"]
    published = {
        "get_list": paths["/api/lists/{id}"]["get"],
        "profile_import": paths["/api/profile-import"]["post"],
        "get_profiles": paths["/api/profiles"]["get"],
        "bulk_import": paths["/api/profile-bulk-import-jobs"]["post"],
        "list_members": paths["/api/lists/{id}/relationships/profiles"]["post"],
    }
    for name, operation in published.items():
        limit = operation["x-klaviyo-ratelimit"]
        assert LIMITS[name] == (int(limit["burst"].split("/")[0]), int(limit["steady"].split("/")[0])), name
    for reads in ("/api/profile-bulk-import-jobs/{job_id}", "/api/profile-bulk-import-jobs/{id}/import-errors"):
        assert paths[reads]["get"]["x-klaviyo-ratelimit"]["burst"] == "10/s"  # paced with the job creations


def test_klaviyo_settings_refuse_unknown_attributes_with_the_fix() -> None:
    assert KlaviyoConfig(list_id="Ab12Cd").identity() == "klaviyo:Ab12Cd"
    assert KlaviyoConfig().missing() == ["list_id"]
    with pytest.raises(ValidationError, match="custom fields go under `properties:`"):
        KlaviyoMapping(attributes={"segment": "segment"})
    with pytest.raises(ValidationError, match="map the e-mail with `email:`"):
        KlaviyoMapping(attributes={"email": "email_address"})
    mapping = KlaviyoMapping(attributes={"location.city": "city"}, properties={"Segment": "segment"})
    assert mapping.model_columns == ["email_address", "city", "segment"]
    assert mapping.fingerprint() != KlaviyoMapping().fingerprint()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_the_pacer_keeps_every_window_and_holds_everyone_after_a_429() -> None:
    clock = Clock()
    pacer = Pacer([Window(3, 1.0), Window(5, 60.0)], clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert pacer.acquire() == 0.0
    assert pacer.acquire() == 1.0  # the fourth call waits for the second to end
    pacer.acquire()
    clock.slept.clear()
    assert pacer.acquire() == 59.0  # the sixth waits for the minute window: 5 per 60 s from t=0
    pacer.hold(2.5)
    assert pacer.acquire() >= 2.5
    with pytest.raises(ValueError, match="limit >= 1"):
        Window(0, 1.0)
