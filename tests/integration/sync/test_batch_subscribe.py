"""New members go through batch subscribe (`POST /lists/{id}`) with their tags as static segments; whoever
Mailchimp already has is sent through the update path; nobody is resubscribed by it. And the update path's
choice between direct calls and /batches, from what the run measures."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.mailchimp import R_LIST, R_SEGMENTS, ApiError, subscriber_hash

from .conftest import LIST_ID, MODEL, Audience

SUBSCRIBE = "POST /lists/{id}"
PUT = "PUT /lists/{id}/members/{hash}"
TAGS = "POST /lists/{id}/members/{hash}/tags"


def subscribe_entries(audience: Audience) -> dict[str, dict[str, Any]]:
    """Every member sent in a batch subscribe, by e-mail (the request log's bodies)."""
    entries: dict[str, dict[str, Any]] = {}
    for entry in audience.fake.request_log:
        if entry["route"] == SUBSCRIBE and isinstance(entry.get("body"), dict):
            assert "update_existing" not in entry["body"] and "sync_tags" not in entry["body"]
            entries.update({m["email_address"]: m for m in entry["body"]["members"]})
    return entries


def put_bodies(audience: Audience) -> dict[str, dict[str, Any]]:
    return {e["body"]["email_address"]: e["body"] for e in audience.fake.request_log if e["route"] == PUT}


def test_members_mailchimp_already_has_are_routed_to_the_update_path_and_keep_their_status(
    audience: Audience,
) -> None:
    audience.fake.add_member(LIST_ID, "person1@example.com", "subscribed", {"FNAME": "Old"})
    audience.fake.add_member(LIST_ID, "person2@example.com", "unsubscribed", {"FNAME": "Old"})
    audience.fake.add_member(LIST_ID, "person3@example.com", "cleaned")
    audience.add(8)

    report = audience.sync()
    assert (report.created, report.rejected, report.failed) == (8, 0, 0)
    assert report.path == "subscribe + direct"
    assert set(subscribe_entries(audience)) == audience.emails()  # everyone was offered to batch subscribe ...
    puts = put_bodies(audience)
    assert set(puts) == {"person1@example.com", "person2@example.com", "person3@example.com"}  # ... 3 were in
    assert all(body["status_if_new"] == "subscribed" and "status" not in body for body in puts.values())
    statuses = {e: audience.fake.member(LIST_ID, e)["status"] for e in puts}
    assert statuses == {
        "person1@example.com": "subscribed",
        "person2@example.com": "unsubscribed",
        "person3@example.com": "cleaned",
    }
    member = audience.fake.member(LIST_ID, "person2@example.com")
    assert member["merge_fields"]["FNAME"] == "First2" and [t["name"] for t in member["tags"]] == ["tapestry"]
    assert audience.remembered()["person2@example.com"] == {
        "archived_by_tapestry": False,
        "status": "unsubscribed",
        "tags": ["tapestry"],
    }
    assert audience.fake.requests_by_route[TAGS] == 3  # the tags of the routed ones, one member at a time
    assert audience.sync().planned == {"create": 0, "update": 0, "archive": 0}


def test_batch_subscribe_carries_the_last_known_status_and_never_re_adds_archived_contacts(
    audience: Audience,
) -> None:
    audience.mode = "mirror"
    audience.fake.set_member_status(LIST_ID, "person0@example.com", "unsubscribed")  # before the first sync
    audience.add(6)
    audience.sync()
    audience.fake.set_member_status(LIST_ID, "person1@example.com", "archived")  # by someone else
    leavers = "'person0@example.com', 'person2@example.com'"
    audience.warehouse.execute(f"delete from {MODEL} where email_address in ({leavers})")
    assert audience.sync().archived == 1  # person2 (subscribed); person0 (unsubscribed) is kept
    # Mailchimp loses person0 altogether (an audience restored from an export, say)
    lst = audience.fake._lists[LIST_ID]
    lst.remove(lst.members[subscriber_hash("person0@example.com")])
    audience.warehouse.execute(f"delete from {MODEL} where email_address = 'person1@example.com'")
    audience.sync()  # person1 leaves: already archived, kept
    audience.add(3, start=0)  # person0, person1 and person2 come back
    audience.fake.clear_request_log()

    report = audience.sync()
    assert report.planned["create"] == 3
    entries = subscribe_entries(audience)
    assert entries == {
        "person0@example.com": {
            "email_address": "person0@example.com",
            "status": "unsubscribed",  # what Mailchimp last said, not `subscribed`
            "merge_fields": {"FNAME": "First0", "LNAME": "Last0"},
        }
    }
    assert audience.fake.member(LIST_ID, "person0@example.com")["status"] == "unsubscribed"
    assert audience.fake.member(LIST_ID, "person1@example.com")["status"] == "archived"  # left archived
    assert audience.fake.member(LIST_ID, "person2@example.com")["status"] == "subscribed"  # Tapestry's: PUT
    assert put_bodies(audience)["person2@example.com"]["status_if_new"] == "subscribed"
    reasons = dict(audience.warehouse.query("select key, reason from tapestry_sync.rejections"))
    assert reasons["person1@example.com"].startswith("Archived in Mailchimp")


def test_refusals_inside_a_batch_subscribe_are_named_by_the_update_path(audience: Audience) -> None:
    audience.add(3)
    audience.warehouse.insert_rows(
        MODEL, ["email_address", "first_name"], [("not-an-email@nowhere", "Bad"), ("gone@example.com", "Gone")]
    )
    audience.fake.forget(LIST_ID, "gone@example.com")
    report = audience.sync()
    assert (report.created, report.rejected, report.failed) == (3, 2, 0)
    rejections = dict(audience.warehouse.query("select key, reason from tapestry_sync.rejections"))
    assert rejections["gone@example.com"].startswith("Forgotten Email Not Subscribed")
    assert rejections["not-an-email@nowhere"].startswith("Invalid Resource")


def test_without_batch_subscribe_or_static_segments_every_member_goes_through_put(audience: Audience) -> None:
    """A Mailchimp double that does not serve them (405, 404): the update path does everything."""
    audience.fake._routes[R_LIST].pop("POST")
    del audience.fake._routes[R_SEGMENTS]
    audience.add(2_600)
    report = audience.sync(concurrency=1)
    assert (report.created, report.failed) == (2_600, 0)
    routes = audience.fake.requests_by_route
    assert routes[SUBSCRIBE] == 1  # refused once: no other chunk asked again
    assert audience.puts() == 2_600 and routes[TAGS] + audience.fake.batch_operations_by_route[TAGS] == 2_600
    assert {t["name"] for t in audience.fake.member(LIST_ID, "person5@example.com")["tags"]} == {"tapestry"}
    assert audience.subscribed_or_unsubscribed() == audience.emails()


def test_a_batch_subscribe_that_keeps_failing_is_sent_again_by_the_next_run(audience: Audience) -> None:
    original = audience.fake._routes[R_LIST]["POST"]
    refusals = iter(range(10))  # more than the retries

    def unavailable(p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        if next(refusals, None) is not None:
            raise ApiError(503, "Service Unavailable", "try again later")
        return original(p, q, body)

    audience.fake._routes[R_LIST]["POST"] = unavailable
    audience.add(20)
    report = audience.sync()
    assert (report.created, report.failed) == (0, 20)
    again = audience.sync()
    assert (again.planned["create"], again.created, again.failed) == (20, 20, 0)
    assert audience.subscribed_or_unsubscribed() == audience.emails()


def test_tags_reach_new_members_through_their_static_segments(audience: Audience) -> None:
    from tapestry.destinations.mailchimp.config import TagMapping

    audience.tags = (TagMapping(name="tapestry"), TagMapping(column="segment"))
    audience.fake.add_member(LIST_ID, "someone@example.com", tags=["a"])  # the list has tag `a` already
    audience.add(10)
    audience.sync()
    routes = audience.fake.requests_by_route
    assert routes["POST /lists/{id}/segments"] == 2  # `tapestry` and `b` were created; `a` was found
    assert routes["POST /lists/{id}/segments/{segment_id}"] == 3
    tags = {m["email_address"]: {t["name"] for t in m["tags"]} for m in audience.fake.members(LIST_ID).values()}
    assert tags["person1@example.com"] == {"tapestry", "a"} and tags["person2@example.com"] == {"tapestry", "b"}
    assert audience.remembered()["person1@example.com"]["tags"] == ["a", "tapestry"]


# --- the update path's choice ---------------------------------------------------------------------------


def _changed(audience: Audience, n: int) -> None:
    audience.tags = ()
    audience.add(n)
    audience.sync()
    audience.warehouse.execute(f"update {MODEL} set last_name = last_name || '*'")


def test_a_small_change_goes_direct_without_trying_batches(audience: Audience) -> None:
    _changed(audience, 120)
    report = audience.sync(bulk_threshold=500)
    assert (report.path, report.updated) == ("direct", 120)
    assert audience.fake.requests_by_route.get("POST /batches", 0) == 0


def test_batches_share_the_work_when_mailchimp_processes_them_faster_than_direct_calls(audience: Audience) -> None:
    _changed(audience, 2_000)
    audience.fake.configure(latency_ms=50)  # direct: 9 connections at 50 ms; batches: no server-side wait
    report = audience.sync(bulk_threshold=500, batch_size=2_500)
    assert report.path == "direct + bulk" and report.updated == 2_000
    in_batches = audience.fake.batch_operations_by_route[PUT]
    assert in_batches > 100  # more than the probe (5 % of 2,000): the measured pace earned it a share
    assert audience.puts() == 2_000  # every member once, by one lane or the other
    assert audience.fake.max_in_flight_seen <= 10


def test_slow_batches_get_the_probe_and_nothing_more(audience: Audience) -> None:
    _changed(audience, 1_000)
    audience.fake.configure(batch_ops_per_second=20)  # the probe of 50 takes 2.5 s; direct calls are instant
    report = audience.sync(bulk_threshold=500, batch_size=2_500)
    assert report.updated == 1_000
    assert audience.fake.batch_operations_by_route[PUT] <= 50
    assert audience.puts() == 1_000


def test_an_interrupted_run_leaves_no_half_acknowledged_member(audience: Audience) -> None:
    """What batch subscribe created and the run did not commit (it died in between) is 'already a member'
    to the rerun: sent once more through the update path, acknowledged, and nobody twice in the list."""
    from tapestry.destinations.mailchimp.subscribe import SubscribeLane

    audience.add(1_200)
    original = SubscribeLane._collect

    def die_after_the_calls(self, done, to_update):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # the answers came back; the process died before committing them

    SubscribeLane._collect = die_after_the_calls  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            audience.sync(concurrency=1)
    finally:
        SubscribeLane._collect = original  # type: ignore[method-assign]
    created = audience.fake.member_count(LIST_ID)
    assert 0 < created < 1_200
    assert audience.warehouse.query("select count(*) from tapestry_sync.snapshot") == [(0,)]

    report = audience.sync()
    assert (report.created, report.failed) == (1_200, 0)
    assert audience.puts() == created  # exactly the uncommitted ones went through the update path
    assert audience.fake.member_count(LIST_ID) == 1_200
    assert {r[0] for r in audience.warehouse.query("select key from tapestry_sync.snapshot")} == audience.emails()
    statuses = {m["status"] for m in audience.fake.members(LIST_ID).values()}
    assert statuses == {"subscribed"}
    assert audience.warehouse.query("select count(*) from tapestry_sync.in_flight") == [(0,)]
