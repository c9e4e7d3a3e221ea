"""The HubSpot destination against the fake HubSpot: upsert by e-mail in batches of 100, refusals isolated and
classified, archive only of contacts Tapestry created, the portal's limits and faults, recovery of a batch a
killed run sent. Every request body is checked against the vendored spec."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.hubspot import CONTACTS_SPEC, FakeHubSpot
from integration.sync.crm_helpers import Syncer, assert_requests_match_spec, audience_warehouse
from tapestry.core.errors import SyncError
from tapestry.core.pacing import Pacer, Window
from tapestry.core.retry import RetryPolicy
from tapestry.destinations.hubspot.client import DailyLimitReached, HubSpotClient
from tapestry.destinations.hubspot.config import HubSpotConfig, HubSpotMapping
from tapestry.destinations.hubspot.destination import NOT_CREATED, HubSpotDestination

UPSERT = "POST /crm/v3/objects/contacts/batch/upsert"
ROUTES = {
    UPSERT: "/crm/v3/objects/contacts/batch/upsert",
    "POST /crm/v3/objects/contacts/batch/read": "/crm/v3/objects/contacts/batch/read",
    "POST /crm/v3/objects/contacts/batch/archive": "/crm/v3/objects/contacts/batch/archive",
}
FAST = RetryPolicy(attempts=10, base_seconds=0.005, max_seconds=0.1)


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(burst_limit=250, seed=17) as server:
        yield server


class Hub:
    def __init__(self, tmp_path: Path, fake: FakeHubSpot, n: int = 250, **mapping: Any) -> None:
        self.fake = fake
        self.config = HubSpotConfig(portal_id=str(fake.portal_id), api_url=fake.base_url, requests_per_10s=250)
        self.syncer = Syncer(audience_warehouse(tmp_path, n), self.config, HubSpotMapping(**mapping))
        self.pacer_sleeps: list[float] = []

    def client(self, **overrides: Any) -> HubSpotClient:
        pacer = Pacer([Window(250, 10.0)], sleep=self._sleep)
        return HubSpotClient(self.fake.token, self.fake.base_url, retry=FAST, pacer=pacer, **overrides)

    def _sleep(self, seconds: float) -> None:
        import time

        self.pacer_sleeps.append(seconds)
        time.sleep(seconds)

    def destination(self, **settings: Any) -> HubSpotDestination:
        config = self.config.model_copy(update=settings)
        return HubSpotDestination(config, self.syncer.mapping, self.client())  # type: ignore[arg-type]

    def sync(self, mode: str = "upsert", destination: HubSpotDestination | None = None, **settings: Any) -> Any:
        self.syncer.mode = mode
        self.syncer.config = self.config.model_copy(update=settings)
        return self.syncer.run(destination or self.destination(**settings))

    def upserted_keys(self) -> list[str]:
        """Every contact sent in an upsert batch so far (repeats included)."""
        return [
            i["objectWriteTraceId"] for e in self.fake.request_log if e["route"] == UPSERT for i in e["body"]["inputs"]
        ]


def test_contacts_are_upserted_by_email_in_batches_and_archived_only_when_tapestry_created_them(
    tmp_path: Path, fake: FakeHubSpot
) -> None:
    hub = Hub(tmp_path, fake)
    before = fake.add_contact("person1@example.com", firstname="Sales lead", company="Acme")
    first = hub.sync()
    # the lead HubSpot already had is counted as what the upsert did to it: an update
    assert (first.created, first.updated, first.rejected, first.failed, first.path) == (249, 1, 0, 0, "batch")
    assert fake.requests_by_route[UPSERT] == 3, "250 contacts: three batch calls of at most 100"
    contacts = fake.contacts()
    assert len(contacts) == 250
    assert contacts["person3@example.com"]["firstname"] == "First3"
    assert contacts["person5@example.com"]["lastname"] == "", "a null column clears the property"
    assert contacts["person1@example.com"]["company"] == "Acme", "properties Tapestry does not map are kept"
    remembered = hub.syncer.remembered()
    assert remembered["person1@example.com"] == {"id": before, "created": False}
    assert remembered["person2@example.com"]["created"] is True

    calls = fake.request_count
    assert hub.sync().headline == "nothing to send"
    assert fake.request_count - calls == 3, "a rerun with nothing changed only runs the preflight (3 reads)"

    hub.syncer.warehouse.execute(
        "update analytics.audience set first_name = 'Renamed' where email_address = 'Person7@Example.com'"
    )
    hub.syncer.warehouse.execute(
        "delete from analytics.audience where email_address in ('Person1@Example.com', 'Person2@Example.com')"
    )
    third = hub.sync(mode="mirror")
    assert (third.updated, third.archived, third.kept) == (1, 1, 1)
    assert fake.contact("person7@example.com")["firstname"] == "Renamed"  # type: ignore[index]
    assert "person2@example.com" in fake.contacts(archived=True)
    assert fake.contact("person1@example.com") is not None, "the sales lead that existed before stays"
    reasons = dict(hub.syncer.sql("select key, error from tapestry_sync.changelog where operation = 'archive'"))
    assert reasons["person1@example.com"] == NOT_CREATED
    assert assert_requests_match_spec(fake, CONTACTS_SPEC, ROUTES) >= 5


def test_archive_all_archives_contacts_tapestry_never_created(tmp_path: Path, fake: FakeHubSpot) -> None:
    hub = Hub(tmp_path, fake, n=3)
    fake.add_contact("person1@example.com")
    hub.sync()
    hub.syncer.warehouse.execute("delete from analytics.audience")
    fake.add_contact("stranger@example.com")  # never in the model: not Tapestry's business either way
    report = hub.sync(mode="mirror", archive="all")
    assert (report.archived, report.kept) == (3, 0)
    assert set(fake.contacts()) == {"stranger@example.com"}


def test_refused_contacts_are_isolated_rejected_for_good_and_the_rest_land(tmp_path: Path, fake: FakeHubSpot) -> None:
    hub = Hub(tmp_path, fake, n=120, properties={"firstname": "first_name", "lifecyclestage": "segment"})
    wh = hub.syncer.warehouse
    wh.execute(
        "update analytics.audience set email_address = 'broken@@example' where email_address = 'Person10@Example.com'"
    )
    wh.execute("update analytics.audience set segment = 'prospect' where email_address = 'Person11@Example.com'")
    fake.gdpr_delete("person12@example.com")
    report = hub.sync()
    assert (report.created, report.rejected, report.failed) == (117, 3, 0)
    assert len(fake.contacts()) == 117
    assert report.rejection_reasons == {"VALIDATION_ERROR": 3}
    rejected = dict(hub.syncer.sql("select key, reason from tapestry_sync.rejections"))
    assert "is invalid" in rejected["broken@@example"]
    assert "prospect was not one of the allowed options" in rejected["person11@example.com"]
    assert "GDPR" in rejected["person12@example.com"]
    assert fake.requests_by_route[UPSERT] <= 2 + 2 * 2 * 7, "bisection costs a few calls per refused contact"
    upserts = fake.requests_by_route[UPSERT]
    assert hub.sync().headline == "nothing to send", "rejected contacts are not sent again until they change"
    assert fake.requests_by_route[UPSERT] == upserts


@pytest.mark.parametrize(
    ("change", "message", "fix"),
    [
        ({"portal_id": "999"}, "belongs to portal 4200042, not 999", "set destination.portal_id: 4200042"),
        ({"mapping": {"favourite": "first_name"}}, "no contact property favourite", "Settings > Properties"),
        ({"mapping": {"hs_object_id": "first_name"}}, "hs_object_id is read-only", "writable contact properties"),
        ({"token": "pat-na1-wrong"}, "HubSpot refused the access token", "Private apps"),
        ({"scopes": ["crm.objects.contacts.write"]}, "lacks a scope", "crm.schemas.contacts.read"),
    ],
)
def test_the_preflight_names_what_is_wrong_and_the_fix(
    tmp_path: Path, fake: FakeHubSpot, change: dict[str, Any], message: str, fix: str
) -> None:
    hub = Hub(tmp_path, fake, n=2, properties=change.get("mapping", {"firstname": "first_name"}))
    if "scopes" in change:
        fake.scopes = set(change["scopes"])
    config = hub.config.model_copy(update={k: v for k, v in change.items() if k == "portal_id"})
    client = HubSpotClient(change.get("token", fake.token), fake.base_url, retry=FAST)
    destination = HubSpotDestination(config, hub.syncer.mapping, client)  # type: ignore[arg-type]
    with pytest.raises(SyncError) as refused:
        destination.preflight()
    assert message in refused.value.message and fix in (refused.value.fix or "")
    assert fake.token not in str(refused.value.one_line())
    assert fake.contacts() == {}


def test_429s_are_waited_out_for_every_thread_as_retry_after_says(tmp_path: Path, fake: FakeHubSpot) -> None:
    hub = Hub(tmp_path, fake)
    fake.retry_after = 0.25
    fake.fail_next("429", 3)
    report = hub.sync()
    assert (report.created, report.failed) == (250, 0)
    assert fake.responses_by_status["429"] == 3
    assert all(s <= 0.25 + 1e-6 for s in hub.pacer_sleeps), "never longer than HubSpot asked"
    assert any(s >= 0.15 for s in hub.pacer_sleeps), f"the pacer held for the Retry-After given ({hub.pacer_sleeps})"


def test_the_client_paces_itself_under_the_portals_burst_limit(tmp_path: Path, fake: FakeHubSpot) -> None:
    hub = Hub(tmp_path, fake, n=700)
    fake.configure(burst_limit=4, burst_window_s=0.5)  # HubSpot's rolling window, shortened for the test
    paced = HubSpotClient(
        fake.token, fake.base_url, retry=FAST, pacer=Pacer([Window(4, 1.0)])
    )  # a wide margin: CI jitter
    destination = HubSpotDestination(hub.config, hub.syncer.mapping, paced)  # type: ignore[arg-type]
    assert hub.sync(destination=destination).created == 700
    assert fake.responses_by_status.get("429", 0) == 0, "paced at the published limit: never throttled"

    hub.syncer.warehouse.execute("update analytics.audience set first_name = first_name || '!'")
    unpaced = HubSpotClient(fake.token, fake.base_url, retry=FAST, pacer=Pacer([Window(10**6, 0.5)]))
    destination = HubSpotDestination(hub.config, hub.syncer.mapping, unpaced)  # type: ignore[arg-type]
    report = hub.sync(destination=destination)
    assert (report.updated, report.failed) == (700, 0)
    assert fake.responses_by_status["429"] > 0, "unpaced it is throttled, waits as Retry-After says, and converges"


def test_5xx_and_dropped_connections_are_retried_and_lost_answers_do_not_duplicate(
    tmp_path: Path, fake: FakeHubSpot
) -> None:
    hub = Hub(tmp_path, fake, n=400)
    fake.configure(rate_500=0.2, drop_rate=0.1)
    fake.fail_next("after_apply_drop", 1)  # a batch lands, its answer is lost: sent again, same contacts
    report = hub.sync()
    fake.configure(rate_500=0.0, drop_rate=0.0)
    assert (report.created, report.failed) == (400, 0)
    assert fake.faults_injected["500"] + fake.faults_injected["drop"] > 0
    assert len(fake.contacts()) == 400, "upserts by e-mail: a batch sent twice creates nobody twice"


def test_the_daily_limit_stops_the_run_with_its_fix_and_the_next_day_sends_only_the_rest(
    tmp_path: Path, fake: FakeHubSpot
) -> None:
    hub = Hub(tmp_path, fake, n=500)
    fake.use_daily_calls(fake.daily_limit - 5)  # the preflight's 3 reads, then 2 batches
    with pytest.raises(DailyLimitReached) as stopped:
        hub.sync(concurrency=1)
    assert "daily API limit" in stopped.value.message and "midnight" in (stopped.value.fix or "")
    landed = hub.syncer.acknowledged()
    assert len(landed) == 200 and len(fake.contacts()) == 200
    runs = hub.syncer.sql("select status, created from tapestry_sync.runs")
    assert runs == [("failed", 200)]
    fake.reset()  # midnight: a new day (the fake forgets its contacts too, so count what is sent)
    fake.clear_request_log()
    report = hub.sync()
    assert report.created == 300
    assert not landed & set(hub.upserted_keys()), "contacts acknowledged yesterday are not sent again"


class KilledAfterLanding(HubSpotDestination):
    """Dies (as a kill -9 would) once the second batch landed in HubSpot, before it is acknowledged."""

    def _finish(self, job: str, future: Any, session: Any) -> None:
        if getattr(self, "finished", 0) == 1:
            future.result()
            raise KeyboardInterrupt
        self.finished = getattr(self, "finished", 0) + 1
        super()._finish(job, future, session)


def test_a_batch_a_killed_run_sent_is_collected_by_the_next_and_not_sent_again(
    tmp_path: Path, fake: FakeHubSpot
) -> None:
    hub = Hub(tmp_path, fake, n=300)
    config = hub.config.model_copy(update={"concurrency": 1})
    killed = KilledAfterLanding(config, hub.syncer.mapping, hub.client())  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        hub.sync(destination=killed)
    assert len(hub.syncer.acknowledged()) == 100 and len(fake.contacts()) == 200
    in_flight = hub.syncer.sql("select count(distinct job_id), count(*) from tapestry_sync.in_flight")
    assert in_flight == [(1, 100)]
    fake.clear_request_log()
    report = hub.sync()
    assert (report.recovered, report.created) == (100, 100)
    assert len(hub.upserted_keys()) == 100, "only the batch never sent goes out"
    assert hub.syncer.sql("select count(*) from tapestry_sync.in_flight") == [(0,)]
    assert sum(1 for s in hub.syncer.remembered().values() if s.get("created")) == 300, "recovered contacts are ours"


def test_a_preview_needs_no_token_and_says_what_each_contact_would_get(tmp_path: Path, fake: FakeHubSpot) -> None:
    from tapestry.destinations.base import OpenRequest
    from tapestry.destinations.hubspot import PLUGIN

    hub = Hub(tmp_path, fake, n=12)
    offline = PLUGIN.open(OpenRequest(HubSpotConfig(), hub.syncer.mapping, {}, offline=True))
    report = hub.syncer.run(offline, preview=True, offline=True)
    assert report.planned == {"create": 12, "update": 0, "archive": 0} and fake.request_count == 0
    assert report.sample[0] == {
        "operation": "create",
        "email": "Person0@Example.com",
        "properties": {"firstname": "First0", "lastname": ""},
    }
