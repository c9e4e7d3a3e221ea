"""The Klaviyo destination against the fake Klaviyo: profile import for small changes, bulk import jobs for large
ones, list membership, consent never changed, the published per-endpoint limits, faults, and recovery of a
job a killed run submitted. Every request body is checked against the vendored spec."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.klaviyo import SPEC, FakeKlaviyo
from integration.sync.crm_helpers import Syncer, assert_requests_match_spec, audience_warehouse
from tapestry.core.errors import SyncError
from tapestry.core.pacing import Pacer, Window
from tapestry.core.retry import RetryPolicy
from tapestry.destinations.klaviyo.client import LIMITS, KlaviyoClient
from tapestry.destinations.klaviyo.config import KlaviyoConfig, KlaviyoMapping
from tapestry.destinations.klaviyo.destination import KlaviyoDestination

LIST = "Ab12Cd"
IMPORT = "POST /api/profile-import"
JOBS = "POST /api/profile-bulk-import-jobs"
ROUTES = {
    IMPORT: "/api/profile-import",
    JOBS: "/api/profile-bulk-import-jobs",
    "POST /api/lists/{id}/relationships/profiles": "/api/lists/{id}/relationships/profiles",
    "DELETE /api/lists/{id}/relationships/profiles": "/api/lists/{id}/relationships/profiles",
}
ALLOWED_ROUTES = {
    "GET /api/lists/{id}",
    IMPORT,
    JOBS,
    "GET /api/profile-bulk-import-jobs/{job_id}",
    "GET /api/profile-bulk-import-jobs/{id}/import-errors",
    "POST /api/lists/{id}/relationships/profiles",
    "DELETE /api/lists/{id}/relationships/profiles",
    "GET /api/profiles",
}
FAST = RetryPolicy(attempts=10, base_seconds=0.005, max_seconds=0.1)


@pytest.fixture
def fake() -> Iterator[FakeKlaviyo]:
    with FakeKlaviyo(list_ids=[LIST], seed=5) as server:
        yield server


class Account:
    def __init__(self, tmp_path: Path, fake: FakeKlaviyo, n: int = 60, **mapping: Any) -> None:
        self.fake = fake
        self.config = KlaviyoConfig(list_id=LIST, api_url=fake.base_url)
        mapping = mapping or {"properties": {"segment": "segment"}}
        self.syncer = Syncer(audience_warehouse(tmp_path, n), self.config, KlaviyoMapping(**mapping))
        self.held: list[float] = []

    def client(self, paced: bool = True, retry: RetryPolicy = FAST) -> KlaviyoClient:
        def pacer(second: int, minute: int) -> Pacer:
            if not paced:
                return Pacer([Window(10**6, 1.0)], sleep=self._sleep)
            return Pacer([Window(second, 1.05), Window(minute, 61.0)], sleep=self._sleep)

        pacers = {name: pacer(*limits) for name, limits in LIMITS.items()}
        return KlaviyoClient(self.fake.api_key, self.fake.base_url, retry=retry, pacers=pacers)

    def _sleep(self, seconds: float) -> None:
        import time

        self.held.append(seconds)
        time.sleep(seconds)

    def destination(self, client: KlaviyoClient | None = None, **settings: Any) -> KlaviyoDestination:
        config = self.config.model_copy(update=settings)
        return KlaviyoDestination(config, self.syncer.mapping, client or self.client(), poll_interval=(0.01, 0.05))  # type: ignore[arg-type]

    def sync(self, mode: str = "upsert", destination: KlaviyoDestination | None = None, **settings: Any) -> Any:
        self.syncer.mode = mode
        return self.syncer.run(destination or self.destination(**settings))

    def imported(self) -> list[str]:
        """E-mails sent in profile imports and bulk jobs so far (repeats included)."""
        sent = []
        for entry in self.fake.request_log:
            if entry["route"] == IMPORT:
                sent.append(entry["body"]["data"]["attributes"]["email"].lower())
            elif entry["route"] == JOBS:
                sent += [
                    p["attributes"]["email"].lower() for p in entry["body"]["data"]["attributes"]["profiles"]["data"]
                ]
        return sent


def test_small_changes_use_profile_import_and_keep_the_list_equal_to_the_model(
    tmp_path: Path, fake: FakeKlaviyo
) -> None:
    account = Account(tmp_path, fake)
    fake.add_profile("person1@example.com", consent="UNSUBSCRIBED", organization="Acme")
    first = account.sync()
    assert (first.created, first.rejected, first.failed, first.path) == (60, 0, 0, "direct")
    assert fake.requests_by_route[IMPORT] == 60
    assert fake.requests_by_route["POST /api/lists/{id}/relationships/profiles"] == 1, "one list call for 60"
    assert len(fake.members(LIST)) == 60
    one = fake.profile("person1@example.com")
    assert one is not None and one["organization"] == "Acme" and one["properties"] == {"segment": "customer"}
    assert one["consent"] == "UNSUBSCRIBED", "joining the list gave nobody consent"
    assert "last_name" not in (fake.profile("person5@example.com") or {}), "a null column clears the attribute"
    assert all(state.get("id") and state.get("listed") for state in account.syncer.remembered().values())

    assert account.sync().headline == "nothing to send"
    wh = account.syncer.warehouse
    wh.execute("update analytics.audience set segment = null where email_address = 'Person3@Example.com'")
    wh.execute("delete from analytics.audience where email_address in ('Person1@Example.com', 'Person2@Example.com')")
    third = account.sync(mode="mirror")
    assert (third.updated, third.archived, third.kept) == (1, 2, 0)
    assert (fake.profile("person3@example.com") or {})["properties"] == {}, "a null property is unset"
    assert "person1@example.com" not in fake.members(LIST)
    gone = fake.profile("person1@example.com")
    assert gone is not None and gone["consent"] == "UNSUBSCRIBED", "removed from the list, profile and consent kept"
    assert assert_requests_match_spec(fake, SPEC, ROUTES) >= 63
    assert set(fake.requests_by_route) <= ALLOWED_ROUTES, "no subscription or suppression endpoint is ever called"


def test_large_changes_go_through_bulk_import_jobs_whose_errors_are_rejections(
    tmp_path: Path, fake: FakeKlaviyo
) -> None:
    account = Account(tmp_path, fake, n=450)
    account.syncer.warehouse.execute(
        "update analytics.audience set email_address = 'no-at-sign' where email_address = 'Person7@Example.com'"
    )
    for email, consent in (("person10@example.com", "SUBSCRIBED"), ("person11@example.com", "UNSUBSCRIBED")):
        fake.add_profile(email, consent=consent)
    report = account.sync(job_size=200)
    assert (report.created, report.rejected, report.path) == (449, 1, "bulk")
    assert fake.requests_by_route[JOBS] == 3 and fake.requests_by_route.get(IMPORT, 0) == 0
    assert len(fake.members(LIST)) == 449
    assert report.rejection_reasons == {"Invalid input": 1}
    assert dict(account.syncer.sql("select key, reason from tapestry_sync.rejections")) == {
        "no-at-sign": "Invalid input: Invalid email address"
    }
    assert [(fake.profile(e) or {}).get("consent") for e in ("person10@example.com", "person11@example.com")] == [
        "SUBSCRIBED",
        "UNSUBSCRIBED",
    ]
    assert account.syncer.sql("select count(*) from tapestry_sync.in_flight") == [(0,)]
    account.syncer.warehouse.execute("delete from analytics.audience where email_address like 'Person4%'")
    removed = account.sync(mode="mirror")  # ids were not returned by the jobs: found by e-mail, 100 a call
    assert removed.archived == 61 and "person40@example.com" not in fake.members(LIST)
    assert fake.requests_by_route["GET /api/profiles"] == 1
    assert assert_requests_match_spec(fake, SPEC, ROUTES) == 4  # three jobs and one removal


@pytest.mark.parametrize(
    ("list_id", "key", "message", "fix"),
    [
        ("Zz99Zz", None, "Klaviyo list 'Zz99Zz' does not exist in this account", "Lists & segments"),
        (LIST, "pk_wrong", "Klaviyo refused the API key", "Settings > API keys"),
    ],
)
def test_the_preflight_names_what_is_wrong_and_the_fix(
    tmp_path: Path, fake: FakeKlaviyo, list_id: str, key: str | None, message: str, fix: str
) -> None:
    account = Account(tmp_path, fake, n=2)
    client = KlaviyoClient(key or fake.api_key, fake.base_url, retry=FAST)
    destination = KlaviyoDestination(
        account.config.model_copy(update={"list_id": list_id}), account.syncer.mapping, client
    )  # type: ignore[arg-type]
    with pytest.raises(SyncError) as refused:
        destination.preflight()
    assert message in refused.value.message and fix in (refused.value.fix or "")
    assert fake.api_key not in refused.value.one_line()


def test_throttling_is_waited_out_as_retry_after_says_and_pacing_avoids_it(tmp_path: Path, fake: FakeKlaviyo) -> None:
    account = Account(tmp_path, fake, n=90)  # under bulk_threshold: 90 profile imports, burst 75/s
    assert account.sync().created == 90
    assert fake.responses_by_status.get("429", 0) == 0, "paced at the published limits: never throttled"

    account.syncer.warehouse.execute("update analytics.audience set first_name = first_name || '!'")
    account.held.clear()
    patient = RetryPolicy(attempts=30, base_seconds=0.005, max_seconds=1.0)  # Retry-After is honoured up to 3 s
    # A burst of 10 a second, which eight unpaced threads exceed however loaded the machine is.
    fake.configure(burst_limit=10)
    report = account.sync(destination=account.destination(client=account.client(paced=False, retry=patient)))
    fake.configure(burst_limit=None)
    assert (report.updated, report.failed) == (90, 0)
    assert fake.responses_by_status["429"] > 0, "unpaced, Klaviyo throttles the burst"
    assert max(account.held) >= 0.9, f"every thread waited the Retry-After (whole seconds) Klaviyo gave: {account.held}"


def test_5xx_and_dropped_connections_are_retried(tmp_path: Path, fake: FakeKlaviyo) -> None:
    account = Account(tmp_path, fake, n=300)
    fake.configure(rate_500=0.15, drop_rate=0.1)
    report = account.sync(job_size=100)
    fake.configure(rate_500=0.0, drop_rate=0.0)
    assert (report.created, report.failed) == (300, 0)
    assert fake.faults_injected["500"] + fake.faults_injected["drop"] > 0
    assert len(fake.members(LIST)) == 300 and fake.profile_count() == 300


class KilledWhileWaiting(KlaviyoDestination):
    """Dies (as a kill -9 would) while waiting on its second job: the job lands in Klaviyo all the same."""

    def _finish_job(self, job: str, chunk: list[Any], session: Any) -> None:
        self.finished = getattr(self, "finished", 0) + 1
        if self.finished == 2:
            raise KeyboardInterrupt
        super()._finish_job(job, chunk, session)


def killed_on_its_second_job(tmp_path: Path, fake: FakeKlaviyo) -> Account:
    """300 people sent in jobs of 100, one at a time; the run is killed waiting on the second."""
    account = Account(tmp_path, fake, n=300)
    config = account.config.model_copy(update={"job_size": 100, "jobs_in_flight": 1})
    killed = KilledWhileWaiting(config, account.syncer.mapping, account.client(), poll_interval=(0.01, 0.05))  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        account.sync(destination=killed)
    return account


def test_a_job_a_killed_run_submitted_is_collected_by_the_next_and_not_imported_again(
    tmp_path: Path, fake: FakeKlaviyo
) -> None:
    account = killed_on_its_second_job(tmp_path, fake)
    assert len(account.syncer.acknowledged()) == 100
    assert account.syncer.sql("select count(distinct job_id), count(*) from tapestry_sync.in_flight") == [(1, 100)]
    fake.clear_request_log()
    report = account.sync(job_size=100)
    assert (report.recovered, report.created) == (100, 100)
    assert len(account.imported()) == 100, "only the profiles never submitted are imported"
    assert len(fake.members(LIST)) == 300
    assert account.syncer.sql("select count(*) from tapestry_sync.in_flight") == [(0,)]


def test_a_job_klaviyo_is_still_running_waits_in_flight_and_its_profiles_are_not_sent_again(
    tmp_path: Path, fake: FakeKlaviyo
) -> None:
    account = killed_on_its_second_job(tmp_path, fake)
    for job in fake._jobs.values():  # the killed run's last job: Klaviyo is busy with it for an hour
        if job.completed_at is None:
            job.ready_at = time.time() + 3600
    impatient = account.destination(job_size=100)
    impatient.recover_wait_s = 0.1
    report = account.sync(destination=impatient)
    assert (report.waiting, report.recovered, report.created) == (100, 0, 100)
    assert report.headline.endswith("; 100 still running at the destination"), report.headline
    assert account.syncer.sql("select count(*) from tapestry_sync.in_flight") == [(100,)]
    for job in fake._jobs.values():  # Klaviyo finishes the job
        job.ready_at = 0.0
    fake.clear_request_log()
    report = account.sync(job_size=100)
    assert (report.waiting, report.recovered, report.created) == (0, 100, 0)
    assert report.headline == "nothing to send; 100 recovered from an interrupted run"
    assert account.imported() == [], "the job's profiles were never sent twice"
    assert len(fake.members(LIST)) == 300


def test_a_preview_needs_no_key_and_says_what_each_profile_would_get(tmp_path: Path, fake: FakeKlaviyo) -> None:
    from tapestry.destinations.base import OpenRequest
    from tapestry.destinations.klaviyo import PLUGIN

    account = Account(tmp_path, fake, n=12)
    offline = PLUGIN.open(OpenRequest(KlaviyoConfig(), account.syncer.mapping, {}, offline=True))
    report = account.syncer.run(offline, preview=True, offline=True)
    assert report.planned == {"create": 12, "update": 0, "archive": 0} and fake.request_count == 0
    assert report.sample[1] == {  # rows come ordered by key: person10 after person0
        "operation": "create",
        "list": "preview",
        "email": "Person10@Example.com",
        "first_name": "First10",
        "last_name": None,  # a null column clears the attribute
        "properties": {"segment": "lead"},
        "unset": [],
    }
