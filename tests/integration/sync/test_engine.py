"""The sync engine against the fake Mailchimp, on every supported warehouse."""

from __future__ import annotations

import json

import pytest

from tapestry.core.errors import SyncError
from tapestry.destinations.mailchimp.config import TagMapping
from tapestry.engines.sync.engine import SyncOptions, run_sync

from .conftest import LIST_ID, MODEL, Audience

PUT = "PUT /lists/{id}/members/{hash}"


def snapshot_keys(audience: Audience) -> set[str]:
    return {str(r[0]) for r in audience.warehouse.query("select key from tapestry_sync.snapshot")}


def test_first_sync_creates_everyone_then_a_rerun_writes_nothing(audience: Audience) -> None:
    emails = audience.add(40)
    report = audience.sync()
    assert (report.created, report.updated, report.path) == (40, 0, "subscribe")
    assert audience.subscribed_or_unsubscribed() == set(emails)
    member = audience.fake.member(LIST_ID, "person7@example.com")
    assert member["status"] == "subscribed"
    assert member["merge_fields"]["FNAME"] == "First7"
    assert [t["name"] for t in member["tags"]] == ["tapestry"]
    assert snapshot_keys(audience) == set(emails)

    writes_before = audience.puts()
    again = audience.sync()
    assert again.planned == {"create": 0, "update": 0, "archive": 0}
    assert audience.puts() == writes_before
    runs = audience.warehouse.query("select status, created, requests from tapestry_sync.runs order by started_at")
    assert [r[0] for r in runs] == ["succeeded", "succeeded"] and runs[1][1] == 0


def test_one_changed_row_causes_one_write(audience: Audience) -> None:
    audience.add(30)
    audience.sync()
    before = audience.fake.requests_by_route
    audience.warehouse.execute(f"update {MODEL} set first_name = 'Renamed' where email_address = 'person3@example.com'")
    report = audience.sync()
    after = audience.fake.requests_by_route
    assert report.planned == {"create": 0, "update": 1, "archive": 0}
    assert after[PUT] - before[PUT] == 1
    assert after["POST /lists/{id}/members/{hash}/tags"] == before["POST /lists/{id}/members/{hash}/tags"]
    assert audience.fake.member(LIST_ID, "person3@example.com")["merge_fields"]["FNAME"] == "Renamed"


@pytest.mark.parametrize("status", ["unsubscribed", "cleaned"])
def test_unsubscribed_and_cleaned_members_are_never_resubscribed(audience: Audience, status: str) -> None:
    audience.add(5)
    audience.fake.set_member_status(LIST_ID, "person2@example.com", status)  # before our first sync
    audience.sync()
    assert audience.fake.member(LIST_ID, "person2@example.com")["status"] == status
    audience.fake.set_member_status(LIST_ID, "person3@example.com", status)  # after it
    audience.warehouse.execute(f"update {MODEL} set last_name = 'Changed'")
    audience.sync(full_resync=True)
    for email in ("person2@example.com", "person3@example.com"):
        member = audience.fake.member(LIST_ID, email)
        assert member["status"] == status
        assert member["merge_fields"]["LNAME"] == "Changed"
    assert audience.fake.member(LIST_ID, "person1@example.com")["status"] == "subscribed"


def test_mirror_archives_members_who_left_and_upsert_never_does(audience: Audience) -> None:
    audience.add(10)
    audience.sync()
    audience.warehouse.execute(
        f"delete from {MODEL} where email_address in ('person1@example.com', 'person2@example.com')"
    )
    upsert = audience.sync()
    assert upsert.planned["archive"] == 0
    assert audience.fake.member(LIST_ID, "person1@example.com")["status"] == "subscribed"

    audience.mode = "mirror"
    mirror = audience.sync()
    assert (mirror.planned["archive"], mirror.archived) == (2, 2)
    assert audience.fake.member(LIST_ID, "person1@example.com")["status"] == "archived"
    assert audience.subscribed_or_unsubscribed() == audience.emails()
    assert "person1@example.com" not in snapshot_keys(audience)
    assert audience.sync().planned == {"create": 0, "update": 0, "archive": 0}

    audience.add(1, start=1)  # coming back after an archive re-adds the member
    audience.sync()
    assert audience.fake.member(LIST_ID, "person1@example.com")["status"] == "subscribed"


def test_a_mirror_run_that_would_archive_most_of_the_list_is_refused_unless_allowed(audience: Audience) -> None:
    audience.mode = "mirror"
    audience.add(40, start=1000)
    audience.sync()
    audience.warehouse.execute(f"delete from {MODEL}")
    assert audience.sync().archived == 40, "a small list emptying is under the limit's minimum (100)"

    audience.add(250)
    audience.sync()
    audience.warehouse.execute(f"delete from {MODEL} where email_address not like 'person1%'")  # 139 leave
    requests = audience.fake.request_count
    with pytest.raises(
        SyncError,
        match=r"would archive 139 of the 250 members it keeps \(56%, more than max_archive_share 50%\); nothing",
    ):
        audience.sync()
    assert audience.fake.request_count - requests <= 3, "only the preflight's reads"
    assert len(snapshot_keys(audience)) == 250
    assert sum(m["status"] == "subscribed" for m in audience.fake.members(LIST_ID).values()) == 250

    audience.max_archive_share = 0.9  # the sync's own limit, when most of a list may leave at once
    assert audience.sync(preview=True).planned["archive"] == 139
    report = audience.sync()
    assert report.archived == 139 and len(snapshot_keys(audience)) == 111

    audience.max_archive_share = 0.5
    audience.add(150, start=300)
    audience.sync()
    audience.warehouse.execute(
        f"delete from {MODEL} where email_address like 'person3%' or email_address like 'person4%'"
    )
    with pytest.raises(SyncError, match="would archive 150 of the 261 members"):
        audience.sync()
    assert audience.sync(allow_mass_archive=True).archived == 150  # one run let through


def test_rejected_members_are_recorded_and_not_retried_until_their_row_changes(audience: Audience) -> None:
    audience.add(5)
    audience.warehouse.insert_rows(
        MODEL, ["email_address", "first_name"], [("not-an-email@nowhere", "Bad"), ("gone@example.com", "Gone")]
    )
    audience.fake.forget(LIST_ID, "gone@example.com")
    report = audience.sync()
    assert (report.created, report.rejected) == (5, 2)
    rejections = dict(audience.warehouse.query("select key, reason from tapestry_sync.rejections order by key"))
    assert set(rejections) == {"gone@example.com", "not-an-email@nowhere"}
    assert rejections["gone@example.com"].startswith("Forgotten Email Not Subscribed")
    assert "Invalid Resource" in rejections["not-an-email@nowhere"]
    log = audience.warehouse.query(
        "select result, status_code from tapestry_sync.changelog where key = 'not-an-email@nowhere'"
    )
    assert log == [("rejected", 400)]

    puts = audience.puts()
    assert audience.sync().planned == {"create": 0, "update": 0, "archive": 0}
    assert audience.puts() == puts  # not retried while the row is unchanged

    audience.warehouse.execute(
        f"update {MODEL} set first_name = 'Still bad' where email_address = 'not-an-email@nowhere'"
    )
    retried = audience.sync()
    assert (retried.planned["create"], retried.rejected) == (1, 1)
    attempts = audience.warehouse.query(
        "select attempts from tapestry_sync.rejections where key = 'not-an-email@nowhere'"
    )
    assert attempts == [(2,)]


@pytest.mark.parametrize("update_path", ["direct", "bulk"])
def test_with_429s_5xx_and_dropped_connections_the_list_ends_equal_to_the_audience(
    audience: Audience, update_path: str
) -> None:
    audience.add(1_200)
    faults = {"rate_429": 0.10, "rate_500": 0.05, "drop_rate": 0.03, "html_5xx": True}
    audience.fake.configure(**faults)
    for kind in ("429", "500", "drop", "503"):  # batch subscribe makes few requests: make sure each kind hits
        audience.fake.fail_next(kind)
    report = audience.sync()
    assert report.failed == 0
    assert audience.subscribed_or_unsubscribed() == audience.emails()
    seen = audience.fake.faults_injected
    assert seen["429"] > 0 and seen["500"] + seen.get("502", 0) + seen.get("503", 0) > 0 and seen["drop"] > 0
    assert snapshot_keys(audience) == audience.emails()

    audience.warehouse.execute(f"update {MODEL} set first_name = 'Faulty'")
    updated = audience.sync(update_path=update_path, batch_size=400)
    assert (updated.updated, updated.failed) == (1_200, 0)
    assert {m["merge_fields"]["FNAME"] for m in audience.fake.members(LIST_ID).values()} == {"Faulty"}
    audience.fake.configure(rate_429=0, rate_500=0, drop_rate=0)
    assert audience.sync().planned == {"create": 0, "update": 0, "archive": 0}


def test_lost_acknowledgements_converge(audience: Audience) -> None:
    audience.add(60)
    audience.fake.configure(fail_after_apply_rate=0.2)
    report = audience.sync()
    assert report.failed == 0  # the retried PUT is an idempotent upsert
    assert audience.subscribed_or_unsubscribed() == audience.emails()


def test_a_first_sync_goes_through_batch_subscribe_and_tags_as_static_segments(audience: Audience) -> None:
    audience.add(3_000)
    report = audience.sync()
    assert report.path == "subscribe" and report.created == 3_000
    routes = audience.fake.requests_by_route
    assert routes["POST /lists/{id}"] == 6  # 500 members a call
    assert routes["POST /lists/{id}/segments/{segment_id}"] == 6  # the tag, 500 members a call
    assert routes["POST /lists/{id}/segments"] == 1  # the list had no such tag: created once, empty
    assert audience.puts() == 0 and routes.get("POST /lists/{id}/members/{hash}/tags", 0) == 0
    assert report.requests / 3_000 <= 0.01
    assert audience.subscribed_or_unsubscribed() == audience.emails()
    member = audience.fake.member(LIST_ID, "person2999@example.com")
    assert [t["name"] for t in member["tags"]] == ["tapestry"] and member["merge_fields"]["LNAME"] == "Last2999"
    assert audience.fake.max_in_flight_seen <= 10


def test_bulk_updates_go_through_batches_with_few_requests_per_row(audience: Audience) -> None:
    audience.add(1_200)
    audience.sync()
    audience.warehouse.execute(f"update {MODEL} set first_name = first_name || '!'")
    report = audience.sync(update_path="bulk", batch_size=500)
    assert report.path == "bulk" and report.updated == 1_200
    assert audience.fake.batch_operations_by_route[PUT] == 1_200
    assert audience.fake.requests_by_route.get(PUT, 0) == 0
    assert report.requests / 1_200 <= 0.02  # 3 batches: submit, a few polls, the results
    assert audience.fake.member(LIST_ID, "person7@example.com")["merge_fields"]["FNAME"] == "First7!"


@pytest.mark.parametrize("update_path", ["direct", "auto"])
def test_updates_never_use_more_than_ten_connections(audience: Audience, update_path: str) -> None:
    audience.tags = ()
    audience.add(600)
    audience.sync()
    audience.warehouse.execute(f"update {MODEL} set last_name = 'Moved'")
    audience.fake.configure(latency_ms=5)
    report = audience.sync(update_path=update_path, bulk_threshold=100)
    assert report.updated == 600
    assert 1 < audience.fake.max_in_flight_seen <= 10
    assert audience.fake.faults_injected.get("connections", 0) == 0


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [("a@example.com",), ("A@example.com ",)],
            r"1 duplicate values of lower\(trim\(email_address\)\) \(a@example\.com\)",
        ),
        ([("a@example.com",), (None,)], "1 rows with an empty email_address"),
        ([("a@example.com",), ("  ",)], "1 rows with an empty email_address"),
    ],
)
def test_duplicate_or_null_keys_are_refused_before_anything_is_sent(
    audience: Audience, rows: list[tuple[str | None]], expected: str
) -> None:
    audience.warehouse.insert_rows(MODEL, ["email_address"], rows)
    with pytest.raises(SyncError, match=expected):
        audience.sync()
    assert audience.puts() == 0


def test_unknown_merge_field_is_refused_at_start(audience: Audience) -> None:
    audience.add(3)
    audience.merge_fields = {"FNAME": "first_name", "COMPANY": "last_name"}
    with pytest.raises(SyncError, match="no merge field COMPANY"):
        audience.sync()
    assert audience.puts() == 0


def test_unknown_model_column_is_refused(audience: Audience) -> None:
    audience.add(3)
    audience.merge_fields = {"FNAME": "nickname"}
    with pytest.raises(SyncError, match="has no column 'nickname'"):
        audience.sync()


def test_unknown_list_and_bad_key_are_clear_errors(audience: Audience) -> None:
    audience.add(3)
    from tapestry.destinations.mailchimp.destination import MailchimpDestination
    from tapestry.engines.sync.engine import SyncOptions, run_sync

    mapping, spec = audience.mapping(), audience.spec()
    wrong_list = MailchimpDestination(audience.config(list_id="nolist"), mapping, audience.client("nolist"))
    with pytest.raises(SyncError, match="list 'nolist' does not exist"):
        run_sync(audience.warehouse, spec, wrong_list, SyncOptions())
    bad_key = audience.destination(client=audience.client(api_key="wrong-us1"))
    with pytest.raises(SyncError, match="refused the API key") as err:
        run_sync(audience.warehouse, spec, bad_key, SyncOptions())
    assert "wrong-us1" not in err.value.one_line()


def test_preview_sends_nothing_and_commits_nothing(audience: Audience, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tapestry.destinations.mailchimp.destination import MailchimpDestination
    from tapestry.engines.sync.engine import SyncOptions, run_sync

    audience.add(25)
    offline = MailchimpDestination(audience.config(), audience.mapping(), None)  # no key: describes only
    options = SyncOptions(preview=True, offline=True)
    report = run_sync(audience.warehouse, audience.spec(), offline, options, preview_dir=tmp_path)
    assert report.planned["create"] == 25 and len(report.sample) == 10
    with open(report.preview_file or "", encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    assert len(lines) == 25 and lines[0]["operation"] == "create" and "FNAME" in lines[0]["merge_fields"]
    assert audience.puts() == 0 and audience.fake.request_count == 0
    assert audience.warehouse.query("select count(*) from tapestry_sync.snapshot") == [(0,)]
    assert audience.warehouse.query("select count(*) from tapestry_sync.runs") == [(0,)]


def test_a_mapping_change_resends_everyone(audience: Audience) -> None:
    audience.add(12)
    audience.sync()
    audience.merge_fields = {"FNAME": "first_name"}
    report = audience.sync()
    assert report.planned["update"] == 12


def test_column_tags_follow_the_row(audience: Audience) -> None:
    audience.tags = (TagMapping(name="tapestry"), TagMapping(column="segment"))
    audience.add(4)
    audience.sync()
    tags = {t["name"] for t in audience.fake.member(LIST_ID, "person1@example.com")["tags"]}
    assert tags == {"tapestry", "a"}
    audience.warehouse.execute(f"update {MODEL} set segment = 'vip' where email_address = 'person1@example.com'")
    audience.sync()
    tags = {t["name"] for t in audience.fake.member(LIST_ID, "person1@example.com")["tags"]}
    assert tags == {"tapestry", "vip"}


def killed_with_a_batch_in_flight(
    audience: Audience, monkeypatch: pytest.MonkeyPatch, members: int, batch: int
) -> None:
    """Sync `members` people, change them all, then kill the bulk update run while it waits for its first batch."""
    from tapestry.destinations.mailchimp.changes import ChangeLane

    audience.tags = ()
    audience.add(members)
    audience.sync()
    audience.warehouse.execute(f"update {MODEL} set first_name = 'Again'")

    def die(self, job):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # killed while waiting for Mailchimp

    monkeypatch.setattr(ChangeLane, "_poll", die)
    with pytest.raises(KeyboardInterrupt):
        audience.sync(update_path="bulk", batch_size=batch, batches_in_flight=1)
    monkeypatch.undo()


def test_unfinished_batches_are_collected_not_resent(audience: Audience, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that dies after submitting a batch: the rerun reads that batch's results."""
    killed_with_a_batch_in_flight(audience, monkeypatch, members=1_000, batch=500)
    assert audience.warehouse.query("select count(distinct job_id) from tapestry_sync.in_flight") == [(1,)]
    audience.fake.wait_for_batches(30)
    report = audience.sync(update_path="bulk", batch_size=500)
    assert report.recovered == 500
    assert report.planned["update"] == 500
    assert audience.fake.batch_operations_by_route[PUT] == 1_000  # nobody sent twice
    assert audience.warehouse.query("select count(*) from tapestry_sync.in_flight") == [(0,)]
    assert {m["merge_fields"]["FNAME"] for m in audience.fake.members(LIST_ID).values()} == {"Again"}


def test_a_warehouse_from_an_older_tapestry_gets_the_new_columns(audience: Audience) -> None:
    """State written before `runs.kept` and the key_state table existed keeps its rows and gains them."""
    audience.warehouse.execute("create schema if not exists tapestry_sync")
    audience.warehouse.execute(
        "create table tapestry_sync.runs (run_id varchar, sync_id varchar, started_at timestamp with time zone, "
        "finished_at timestamp with time zone, status varchar, mode varchar, preview boolean, full_resync boolean, "
        "planned_create bigint, planned_update bigint, planned_archive bigint, created bigint, updated bigint, "
        "archived bigint, rejected bigint, failed bigint, requests bigint, error varchar)"
    )
    audience.warehouse.execute(
        "insert into tapestry_sync.runs (run_id, sync_id, status, created) "
        "values ('old1', 'mailchimp:x', 'succeeded', 7)"
    )
    audience.add(3)
    report = audience.sync()
    assert report.created == 3
    runs = dict(audience.warehouse.query("select run_id, kept from tapestry_sync.runs"))
    assert runs.pop("old1") is None and list(runs.values()) == [0]
    assert audience.warehouse.query("select count(*) from tapestry_sync.key_state") == [(3,)]


@pytest.mark.parametrize("update_path", ["direct", "bulk"])
def test_permanent_refusals_are_recorded_once_and_transient_failures_are_retried(
    audience: Audience, update_path: str
) -> None:
    from fakes.mailchimp import R_MEMBER, ApiError, subscriber_hash

    audience.add(4)
    audience.sync()
    audience.warehouse.execute(f"update {MODEL} set last_name = 'Changed'")
    audience.fake.forget(LIST_ID, "person1@example.com")  # permanent: Forgotten Email Not Subscribed
    original = audience.fake._routes[R_MEMBER]["PUT"]
    flaky = subscriber_hash("person2@example.com")

    def unavailable_for_one(p, q, body):  # type: ignore[no-untyped-def]
        if p["hash"] == flaky:
            raise ApiError(503, "Service Unavailable", "try again later")
        return original(p, q, body)

    audience.fake._routes[R_MEMBER]["PUT"] = unavailable_for_one
    report = audience.sync(update_path=update_path, batch_size=10)
    assert (report.updated, report.rejected, report.failed) == (2, 1, 1)
    assert "1 rejected (permanent), 1 failed (will retry)" in report.headline
    assert [r[0] for r in audience.warehouse.query("select key from tapestry_sync.rejections")] == [
        "person1@example.com"
    ]  # the transient one is not a rejection

    audience.fake._routes[R_MEMBER]["PUT"] = original
    puts = audience.puts()
    retried = audience.sync(update_path=update_path, batch_size=10)
    assert retried.planned["update"] == 1 and (retried.updated, retried.rejected, retried.failed) == (1, 0, 0)
    assert audience.puts() == puts + 1  # only the transient one was sent again
    runs = audience.warehouse.query("select status, rejected, failed from tapestry_sync.runs order by started_at")
    assert [tuple(r) for r in runs][1:] == [("partial", 1, 1), ("succeeded", 0, 0)]


def _as_written_before_plugins(audience: Audience) -> dict[str, dict[str, object]]:
    """Turn this warehouse's sync state into the layout of the release before destination plugins: tags in
    the snapshot, a `members` table, an `inflight` table. Returns what each key remembered."""
    import json

    wh = audience.warehouse
    remembered = audience.remembered()
    wh.execute("alter table tapestry_sync.snapshot add column tags varchar")
    wh.execute(
        "create table tapestry_sync.members (sync_id varchar, key varchar, status varchar, "
        "archived_by_tapestry boolean, seen_at timestamp with time zone)"
    )
    for key, state in remembered.items():
        if "tags" in state:
            wh.execute("update tapestry_sync.snapshot set tags = ? where key = ?", [json.dumps(state["tags"]), key])
        wh.execute(
            "insert into tapestry_sync.members (sync_id, key, status, archived_by_tapestry) values (?, ?, ?, ?)",
            [f"mailchimp:{LIST_ID}", key, state["status"], state["archived_by_tapestry"]],
        )
    wh.execute(
        "create table tapestry_sync.inflight (sync_id varchar, batch_id varchar, key varchar, operation varchar, "
        "row_hash varchar, tags varchar, stage varchar, submitted_at timestamp with time zone)"
    )
    wh.execute(
        "insert into tapestry_sync.inflight (sync_id, batch_id, key, operation, row_hash, tags, stage) values "
        f"('mailchimp:{LIST_ID}', 'expiredbatch', 'person9@example.com', 'create', 'h', '[\"tapestry\"]', 'final')"
    )
    wh.execute("drop table tapestry_sync.key_state")
    wh.execute("drop table tapestry_sync.in_flight")
    return remembered


def test_state_from_before_destination_plugins_is_moved_in_place_without_a_resync(audience: Audience) -> None:
    """Tags, last known statuses and batches in flight of an older warehouse become the plugin's state."""
    from tapestry.engines.sync.state import ensure_schema

    audience.mode = "mirror"
    audience.tags = (TagMapping(name="tapestry"), TagMapping(column="segment"))
    audience.fake.set_member_status(LIST_ID, "person0@example.com", "unsubscribed")
    audience.add(6)
    audience.sync()
    remembered = _as_written_before_plugins(audience)
    assert remembered["person0@example.com"]["status"] == "unsubscribed"

    ensure_schema(audience.warehouse)
    ensure_schema(audience.warehouse)  # again, as every run does: nothing more happens
    assert audience.remembered() == remembered
    wh = audience.warehouse
    assert not wh.table_exists("tapestry_sync", "members") and not wh.table_exists("tapestry_sync", "inflight")
    assert "tags" not in wh.columns("select * from tapestry_sync.snapshot")
    ((job, record),) = wh.query("select job_id, record from tapestry_sync.in_flight")
    assert job == "expiredbatch" and json.loads(record) == {"stage": "final", "tags": ["tapestry"]}

    puts = audience.puts()
    report = audience.sync()
    assert report.planned == {"create": 0, "update": 0, "archive": 0} and audience.puts() == puts  # no resync
    assert wh.query("select count(*) from tapestry_sync.in_flight") == [(0,)]  # the expired batch is let go

    audience.fake.clear_request_log()
    audience.warehouse.execute(f"update {MODEL} set segment = 'vip', first_name = 'New'")
    audience.sync(bulk_threshold=100_000)
    tags = {t["name"] for t in audience.fake.member(LIST_ID, "person1@example.com")["tags"]}
    assert tags == {"tapestry", "vip"}  # the old segment tag, known from the migrated state, was removed
    sent = {
        e["body"]["email_address"]: e["body"]["status_if_new"]
        for e in audience.fake.request_log
        if e["route"] == PUT and e.get("body")
    }
    assert sent["person0@example.com"] == "unsubscribed" and sent["person1@example.com"] == "subscribed"


def test_collecting_an_interrupted_runs_jobs_is_reported(audience: Audience, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rerun waits for the destination to finish what the killed run submitted: it says so, with progress."""
    from tapestry.core.progress import RecordingReporter

    killed_with_a_batch_in_flight(audience, monkeypatch, members=600, batch=600)
    steps: list[tuple[str, int, int | None]] = []

    class Recording(RecordingReporter):
        def progress(self, task: str, completed: int, total: int | None) -> None:
            steps.append((task, completed, total))

    reporter = Recording()
    destination = audience.destination(update_path="bulk")
    try:
        report = run_sync(audience.warehouse, audience.spec(), destination, SyncOptions(), reporter=reporter)
    finally:
        destination.close()
    assert report.recovered == 600
    assert ("info", "collecting 1 job an interrupted run left in flight") in [
        (kind, text.split(" (")[0]) for kind, text in reporter.messages
    ]
    assert [s for s in steps if s[0] == "recover"] == [("recover", 0, 1), ("recover", 1, 1)]
    quiet = RecordingReporter()
    destination = audience.destination()
    try:
        run_sync(audience.warehouse, audience.spec(), destination, SyncOptions(), reporter=quiet)
    finally:
        destination.close()
    assert not any("collecting" in text for _, text in quiet.messages), "nothing in flight: nothing to say"


def test_a_job_still_running_stays_in_flight_and_its_keys_wait(
    audience: Audience, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mailchimp still processing a killed run's batch when the recovery wait ends: the run goes on without those
    members (sending them again could race the batch and leave the older values last); the next run collects it."""
    audience.fake.batch_ops_per_second = 2.0  # the batch outlasts the recovery wait below
    killed_with_a_batch_in_flight(audience, monkeypatch, members=600, batch=600)
    audience.add(5, start=600)  # new people are not held up by the job
    destination = audience.destination(update_path="direct")  # were the job's members planned, they go at once
    destination.recover_wait_s = 0.3
    try:
        report = run_sync(audience.warehouse, audience.spec(), destination, SyncOptions())
    finally:
        destination.close()
    assert (report.waiting, report.recovered) == (600, 0)
    assert report.planned == {"create": 5, "update": 0, "archive": 0}, "the job's members are not planned again"
    assert audience.warehouse.query("select count(*) from tapestry_sync.in_flight") == [(600,)]

    audience.fake.batch_ops_per_second = None
    assert audience.fake.wait_for_batches(30)
    report = audience.sync()
    assert (report.waiting, report.recovered) == (0, 600)
    assert report.planned == {"create": 0, "update": 0, "archive": 0}
    assert audience.fake.batch_operations_by_route[PUT] == 600, "nobody sent twice"
    assert audience.warehouse.query("select count(*) from tapestry_sync.in_flight") == [(0,)]
    first_names = {m["email_address"]: m["merge_fields"]["FNAME"] for m in audience.fake.members(LIST_ID).values()}
    assert {first_names[f"person{i}@example.com"] for i in range(600)} == {"Again"}
