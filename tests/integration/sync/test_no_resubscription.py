"""Nobody is ever resubscribed through Tapestry, by any path: direct calls, /batches, --full-resync.

The fake Mailchimp does the worst the docs allow: an unsubscribed contact can be archived, and an archived
contact re-added with `status_if_new: subscribed` comes back subscribed. Every scenario runs on both send paths
and on both warehouses.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakes.mailchimp import R_MEMBER, subscriber_hash
from tapestry.destinations.mailchimp.config import TagMapping

from .conftest import LIST_ID, MODEL, Audience

PATHS = {"direct": {"bulk_threshold": 100_000}, "bulk": {"bulk_threshold": 1, "batch_size": 4}}


@pytest.fixture(params=sorted(PATHS))
def path(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(PATHS[request.param])


def status(audience: Audience, email: str) -> str | None:
    member = audience.fake.member(LIST_ID, email)
    return None if member is None else str(member["status"])


def leave(audience: Audience, *emails: str) -> None:
    quoted = ", ".join(f"'{e}'" for e in emails)
    audience.warehouse.execute(f"delete from {MODEL} where email_address in ({quoted})")


def come_back(audience: Audience, *numbers: int) -> None:
    for n in numbers:
        audience.add(1, start=n)


def rows(audience: Audience, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in audience.warehouse.query(sql)]


@pytest.mark.parametrize("gone_status", ["unsubscribed", "cleaned"])
def test_mirror_never_archives_who_is_not_subscribed_so_a_return_cannot_resubscribe(
    audience: Audience, path: dict[str, Any], gone_status: str
) -> None:
    audience.mode = "mirror"
    audience.add(6)
    audience.sync(**path)
    audience.fake.set_member_status(LIST_ID, "person1@example.com", gone_status)  # they opted out / bounced
    leave(audience, "person1@example.com", "person2@example.com")

    report = audience.sync(**path)
    assert (report.planned["archive"], report.archived, report.kept, report.rejected) == (2, 1, 1, 0)
    assert status(audience, "person1@example.com") == gone_status  # kept in the list, with their status
    assert status(audience, "person2@example.com") == "archived"
    kept = rows(audience, "select result, error from tapestry_sync.changelog where key = 'person1@example.com'")
    assert kept[-1][0] == "kept" and kept[-1][1].startswith(f"{gone_status}: not archived")
    assert audience.sync(**path).planned == {"create": 0, "update": 0, "archive": 0}  # not retried

    come_back(audience, 1, 2)
    audience.sync(**path)
    assert status(audience, "person1@example.com") == gone_status
    assert status(audience, "person2@example.com") == "subscribed"  # archived by Tapestry when subscribed
    audience.warehouse.execute(f"update {MODEL} set last_name = 'Again'")
    audience.sync(full_resync=True, **path)
    assert status(audience, "person1@example.com") == gone_status
    assert audience.fake.member(LIST_ID, "person1@example.com")["merge_fields"]["LNAME"] == "Again"


def test_a_contact_archived_in_mailchimp_by_someone_else_is_never_re_added(
    audience: Audience, path: dict[str, Any]
) -> None:
    """An admin archives unsubscribed contacts (to save billing); their rows then change, or a full resync runs.
    Mailchimp shows only `archived`: re-adding could resubscribe, so Tapestry leaves them archived."""
    audience.add(5)
    audience.sync(**path)
    for email in ("person1@example.com", "person2@example.com"):
        audience.fake.set_member_status(LIST_ID, email, "unsubscribed")
        audience.fake.set_member_status(LIST_ID, email, "archived")
    audience.fake.set_member_status(LIST_ID, "stranger@example.com", "archived")  # never seen by Tapestry
    audience.warehouse.insert_rows(MODEL, ["email_address", "first_name"], [("stranger@example.com", "S")])
    audience.warehouse.execute(f"update {MODEL} set first_name = 'Changed'")

    report = audience.sync(**path)
    assert report.rejected == 3 and report.failed == 0
    for email in ("person1@example.com", "person2@example.com", "stranger@example.com"):
        assert status(audience, email) == "archived"
    reasons = dict(rows(audience, "select key, reason from tapestry_sync.rejections"))
    assert set(reasons) == {"person1@example.com", "person2@example.com", "stranger@example.com"}
    assert all(r.startswith("Archived in Mailchimp") for r in reasons.values())
    assert audience.sync(**path).planned == {"create": 0, "update": 0, "archive": 0}  # recorded once

    again = audience.sync(full_resync=True, **path)
    assert again.rejected == 3
    assert {status(audience, e) for e in reasons} == {"archived"}
    assert status(audience, "person3@example.com") == "subscribed"


def test_a_returning_member_is_re_added_with_their_last_known_status(audience: Audience, path: dict[str, Any]) -> None:
    """Tapestry remembers what Mailchimp reported; a contact it archived comes back as it was, and a contact
    it saw unsubscribed is never sent status_if_new: subscribed."""
    audience.mode = "mirror"
    audience.fake.set_member_status(LIST_ID, "person0@example.com", "unsubscribed")  # before the first sync
    audience.add(4)
    audience.sync(**path)
    assert status(audience, "person0@example.com") == "unsubscribed"
    remembered = audience.remembered()
    assert remembered["person0@example.com"]["status"] == "unsubscribed"
    assert remembered["person1@example.com"]["status"] == "subscribed"

    audience.fake.clear_request_log()
    audience.warehouse.execute(f"update {MODEL} set first_name = 'New'")
    audience.sync(**path)
    sent = {body["email_address"]: body["status_if_new"] for body in _put_bodies(audience) if "status_if_new" in body}
    assert sent["person0@example.com"] == "unsubscribed"
    assert sent["person1@example.com"] == "subscribed"


def test_permanently_deleted_people_are_a_permanent_rejection(audience: Audience, path: dict[str, Any]) -> None:
    audience.add(4)
    audience.sync(**path)
    audience.fake.forget(LIST_ID, "person2@example.com")
    audience.warehouse.execute(f"update {MODEL} set last_name = 'Changed'")
    report = audience.sync(**path)
    assert report.rejected == 1 and report.failed == 0
    assert audience.fake.member(LIST_ID, "person2@example.com") is None
    (reason,) = rows(audience, "select reason from tapestry_sync.rejections where key = 'person2@example.com'")[0]
    assert reason.startswith("Forgotten Email Not Subscribed")
    puts = audience.puts()
    assert audience.sync(**path).planned == {"create": 0, "update": 0, "archive": 0}
    assert audience.puts() == puts
    audience.sync(full_resync=True, **path)
    assert audience.fake.member(LIST_ID, "person2@example.com") is None


def test_a_refused_archive_is_not_recorded_as_archived(audience: Audience, path: dict[str, Any]) -> None:
    """The member bounces between the status read and the archive: Mailchimp answers 405."""
    audience.mode = "mirror"
    audience.add(4)
    audience.sync(**path)
    leave(audience, "person3@example.com")
    original = audience.fake._routes[R_MEMBER]["GET"]

    def read_then_bounce(p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        reply = original(p, q, body)
        if p["hash"] == subscriber_hash("person3@example.com"):
            lst = audience.fake._lists[LIST_ID]
            lst.set_status(lst.members[p["hash"]], "cleaned")
        return reply

    audience.fake._routes[R_MEMBER]["GET"] = read_then_bounce
    report = audience.sync(**path)
    assert (report.archived, report.kept, report.rejected) == (0, 0, 1)
    assert status(audience, "person3@example.com") == "cleaned"
    (reason, code) = rows(
        audience, "select reason, status_code from tapestry_sync.rejections where key = 'person3@example.com'"
    )[0]
    assert code == 405 and "Can not archive a contact that is bounced, pending or archived" in reason
    assert "person3@example.com" not in {r[0] for r in rows(audience, "select key from tapestry_sync.snapshot")}
    assert audience.sync(**path).planned == {"create": 0, "update": 0, "archive": 0}  # not retried forever
    runs = rows(audience, "select archived, kept, rejected from tapestry_sync.runs order by started_at")
    assert runs[1] == (0, 0, 1)


def _put_bodies(audience: Audience) -> list[dict[str, Any]]:
    """Member PUT bodies, sent directly or inside batches."""
    import json

    bodies: list[dict[str, Any]] = []
    for entry in audience.fake.request_log:
        if entry["route"] == "PUT /lists/{id}/members/{hash}":
            bodies.append(entry["body"])
        elif entry["route"] == "POST /batches":
            bodies += [json.loads(op["body"]) for op in entry["body"]["operations"] if op["method"] == "PUT"]
    return bodies


def test_every_call_the_sync_makes_is_a_published_sdk_operation(audience: Audience, path: dict[str, Any]) -> None:
    """Direct calls and batch operations alike (tests/contracts/mailchimp/mailchimp-sdk-operations.json); the
    fake checks each body against its shape (strict_requests)."""
    import re

    from contracts import mailchimp_operations

    audience.mode = "mirror"
    audience.tags = (*audience.tags, TagMapping(column="segment"))
    audience.add(6)
    audience.sync(**path)
    leave(audience, "person1@example.com")
    audience.warehouse.execute(f"update {MODEL} set segment = 'vip' where email_address = 'person2@example.com'")
    audience.sync(**path)
    published = {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p in mailchimp_operations().values()}
    used = {
        (route.split(" ", 1)[0], re.sub(r"\{\w+\}", "{}", route.split(" ", 1)[1]))
        for route in (*audience.fake.requests_by_route, *audience.fake.batch_operations_by_route)
    }
    assert used <= published, used - published
    assert audience.fake.responses_by_status.keys() <= {"200", "204"}


def test_a_leaver_someone_already_archived_is_kept_and_never_remembered_as_archived(
    audience: Audience, path: dict[str, Any]
) -> None:
    audience.mode = "mirror"
    audience.add(3)
    audience.sync(**path)
    audience.fake.set_member_status(LIST_ID, "person1@example.com", "archived")
    leave(audience, "person1@example.com")
    report = audience.sync(**path)
    assert (report.archived, report.kept, report.rejected) == (0, 1, 0)
    remembered = audience.remembered()["person1@example.com"]
    assert remembered["status"] == "subscribed"  # what it was when Tapestry last saw it
    assert remembered["archived_by_tapestry"] is False
    come_back(audience, 1)
    assert audience.sync(**path).rejected == 1  # archived by someone else: left archived
    assert status(audience, "person1@example.com") == "archived"


def test_the_archived_members_are_read_page_by_page(fake: Any) -> None:
    from tapestry.destinations.mailchimp.client import MailchimpClient

    emails = [f"old{i}@example.com" for i in range(2_345)]
    fake.add_members(LIST_ID, emails, status="archived")
    fake.add_members(LIST_ID, ["active@example.com"])
    client = MailchimpClient(fake.api_key, LIST_ID, api_url=fake.base_url)
    try:
        archived = client.archived_members()
    finally:
        client.close()
    assert archived == {subscriber_hash(e) for e in emails}
    assert fake.requests_by_route["GET /lists/{id}/members"] == 3  # 1,000 per page
