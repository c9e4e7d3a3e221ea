"""Tests of the local Mailchimp fake (tests/fakes/mailchimp.py).

Driven through the real ``mailchimp-marketing`` 3.0.80 SDK where practical and through ``requests``
for raw HTTP behaviour (auth, content types, concurrency limits, fault knobs, archives).
"""

from __future__ import annotations

import functools
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import mailchimp_marketing as mc
import pytest
import requests
from mailchimp_marketing.api_client import ApiClientError

from fakes.mailchimp import FakeMailchimp, is_valid_email, subscriber_hash

LIST = "aud0001"
MEMBER = "PUT /lists/{id}/members/{hash}"
FAKE_PATH = Path(__file__).resolve().parents[2] / "fakes" / "mailchimp.py"


# ------------------------------------------------------------------------------------ helpers


@pytest.fixture
def fake() -> Iterator[FakeMailchimp]:
    with FakeMailchimp(list_ids=[LIST], seed=1234) as f:
        yield f


@pytest.fixture
def sdk(fake: FakeMailchimp) -> mc.Client:
    client = mc.Client()
    client.set_config({"api_key": fake.api_key, "server": "us1"})
    client.api_client.host = fake.base_url
    return client


@pytest.fixture
def http(fake: FakeMailchimp) -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.auth = ("anyuser", fake.api_key)
        yield s


def put_body(email: str, **extra: Any) -> dict[str, Any]:
    return {"email_address": email, "status_if_new": "subscribed", **extra}


def member_url(fake: FakeMailchimp, email: str, list_id: str = LIST) -> str:
    return f"{fake.base_url}/lists/{list_id}/members/{subscriber_hash(email)}"


def stored(fake: FakeMailchimp, email: str) -> dict[str, Any]:
    """The member as stored by the fake (must exist)."""
    doc = fake.member(LIST, email)
    assert doc is not None, f"{email} not stored"
    return doc


def problem(err: ApiClientError) -> dict[str, Any]:
    """SDK trap: ``.text`` is a *str* for application/problem+json."""
    assert isinstance(err.text, str)
    doc: dict[str, Any] = json.loads(err.text)
    return doc


def sdk_error(fn: Callable[[], Any]) -> tuple[int, dict[str, Any]]:
    with pytest.raises(ApiClientError) as info:
        fn()
    assert info.value.status_code is not None
    return int(info.value.status_code), problem(info.value)


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(interval)


def poll_batch(sdk: mc.Client, batch_id: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Poll GET /batches/{id} until finished; returns every status document seen."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        doc = sdk.batches.status(batch_id)
        seen.append(doc)
        if doc["status"] == "finished":
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"batch {batch_id} not finished: {doc}")
        time.sleep(0.005)


def read_archive(data: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    names: list[str] = []
    results: list[dict[str, Any]] = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for info in tar.getmembers():
            if not info.isfile():
                continue
            names.append(info.name)
            handle = tar.extractfile(info)
            assert handle is not None
            results.extend(json.load(handle))
    return names, results


def run_concurrently(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run ``fn(i)`` in ``n`` threads released together by a barrier."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as e:  # surfaced to the test via the results list
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


# ------------------------------------------------------------------------------------ basics


def test_ping_and_root_via_sdk(sdk: mc.Client) -> None:
    assert sdk.ping.get() == {"health_status": "Everything's Chimpy!"}
    assert sdk.root.get_root()["account_name"]


def test_base_url_and_api_key(fake: FakeMailchimp) -> None:
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/3.0"
    assert fake.api_key == "fakekey-us1"
    assert "server" not in fake.base_url  # the SDK rewrites that substring


@pytest.mark.parametrize(
    "auth",
    [None, ("user", "wrong-us1"), ("user", "")],
    ids=["missing", "wrong-key", "empty-key"],
)
def test_bad_or_missing_auth_is_401_problem_json(fake: FakeMailchimp, auth: tuple[str, str] | None) -> None:
    r = requests.get(f"{fake.base_url}/ping", auth=auth, timeout=5)
    assert r.status_code == 401
    assert r.headers["Content-Type"].startswith("application/problem+json")
    doc = r.json()
    assert doc["title"] == "API Key Invalid"
    assert doc["status"] == 401
    assert set(doc) >= {"type", "title", "status", "detail", "instance"}


def test_any_basic_username_is_accepted(fake: FakeMailchimp) -> None:
    for user in ("anystring", "x", ""):
        assert requests.get(f"{fake.base_url}/ping", auth=(user, fake.api_key), timeout=5).ok


def test_sdk_problem_text_is_a_string(sdk: mc.Client) -> None:
    status, doc = sdk_error(lambda: sdk.lists.get_list("nope"))
    assert status == 404
    assert doc["title"] == "Resource Not Found"


def test_get_list_and_lists(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.add_member(LIST, "a@example.com")
    fake.set_member_status(LIST, "b@example.com", "unsubscribed")
    info = sdk.lists.get_list(LIST)
    assert info["id"] == LIST
    assert info["stats"]["member_count"] == 1
    assert info["stats"]["unsubscribe_count"] == 1
    assert [x["id"] for x in sdk.lists.get_all_lists()["lists"]] == [LIST]


def test_unknown_route_404_and_wrong_method_405(fake: FakeMailchimp, http: requests.Session) -> None:
    r = http.get(f"{fake.base_url}/campaigns", timeout=5)
    assert r.status_code == 404
    assert r.json()["title"] == "Resource Not Found"
    r = http.delete(f"{fake.base_url}/lists/{LIST}/merge-fields", timeout=5)
    assert r.status_code == 405
    assert r.json()["title"] == "Method Not Allowed"
    assert r.headers["Content-Type"].startswith("application/problem+json")


def test_malformed_json_body(fake: FakeMailchimp, http: requests.Session) -> None:
    r = http.put(member_url(fake, "a@example.com"), data=b"{not json", timeout=5)
    assert r.status_code == 400
    assert r.json()["title"] == "JSON Parse Exception"


def test_merge_fields_defaults_and_pagination(sdk: mc.Client, fake: FakeMailchimp) -> None:
    doc = sdk.lists.get_list_merge_fields(LIST)
    assert [(f["tag"], f["type"], f["required"]) for f in doc["merge_fields"]] == [
        ("FNAME", "text", False),
        ("LNAME", "text", False),
    ]
    assert doc["total_items"] == 2
    assert {"merge_id", "tag", "name", "type", "required"} <= set(doc["merge_fields"][0])

    fake.add_list("wide", merge_fields=[f"F{i}" for i in range(12)])
    first = sdk.lists.get_list_merge_fields("wide")  # default count is 10, like the real API
    assert len(first["merge_fields"]) == 10
    assert first["total_items"] == 12
    rest = sdk.lists.get_list_merge_fields("wide", count=10, offset=10)
    assert [f["tag"] for f in rest["merge_fields"]] == ["F10", "F11"]


# ------------------------------------------------------------------------------------ member upsert


def test_upsert_creates_member(sdk: mc.Client, fake: FakeMailchimp) -> None:
    email = "Ann.Lee@Example.com"
    h = subscriber_hash(email)
    assert h == subscriber_hash("ann.lee@example.com")
    doc = sdk.lists.set_list_member(LIST, h, put_body(email, merge_fields={"FNAME": "Ann"}))
    assert doc["id"] == h
    assert doc["email_address"] == email
    assert doc["status"] == "subscribed"
    assert doc["merge_fields"] == {"FNAME": "Ann", "LNAME": ""}
    assert doc["tags"] == []
    assert doc["tags_count"] == 0
    assert doc["list_id"] == LIST
    assert doc["unique_email_id"]
    assert time.strptime(doc["last_changed"], "%Y-%m-%dT%H:%M:%S+00:00")
    assert fake.member(LIST, email) == doc
    assert sdk.lists.get_list_member(LIST, h)["status"] == "subscribed"
    assert fake.requests_by_route[MEMBER] == 1


def test_upsert_is_idempotent_and_updates_merge_fields(sdk: mc.Client, fake: FakeMailchimp) -> None:
    email = "bob@example.com"
    h = subscriber_hash(email)
    sdk.lists.set_list_member(LIST, h, put_body(email, merge_fields={"FNAME": "Bob", "LNAME": "Ray"}))
    sdk.lists.set_list_member(LIST, h, put_body(email, merge_fields={"FNAME": "Bob", "LNAME": "Ray"}))
    doc = sdk.lists.set_list_member(LIST, h, put_body(email, merge_fields={"LNAME": ""}))  # "" erases
    assert doc["merge_fields"] == {"FNAME": "Bob", "LNAME": ""}
    assert len(fake.members(LIST)) == 1


def test_member_can_be_addressed_by_email_in_path(fake: FakeMailchimp, http: requests.Session) -> None:
    fake.add_member(LIST, "carol@example.com")
    r = http.get(f"{fake.base_url}/lists/{LIST}/members/carol%40example.com", timeout=5)
    assert r.status_code == 200
    assert r.json()["id"] == subscriber_hash("carol@example.com")


@pytest.mark.parametrize("status", ["unsubscribed", "cleaned"])
def test_status_if_new_does_not_resubscribe(sdk: mc.Client, fake: FakeMailchimp, status: str) -> None:
    email = f"{status}@example.com"
    fake.set_member_status(LIST, email, status)
    doc = sdk.lists.set_list_member(LIST, subscriber_hash(email), put_body(email, merge_fields={"FNAME": "Still"}))
    assert doc["status"] == status  # untouched ...
    assert doc["merge_fields"]["FNAME"] == "Still"  # ... but the profile is updated


def test_status_if_new_leaves_existing_subscribed_and_pending(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.set_member_status(LIST, "p@example.com", "pending")
    doc = sdk.lists.set_list_member(
        LIST,
        subscriber_hash("p@example.com"),
        {"email_address": "p@example.com", "status_if_new": "unsubscribed"},
    )
    assert doc["status"] == "pending"


def test_forcing_status_follows_compliance_rules(sdk: mc.Client, fake: FakeMailchimp) -> None:
    email = "dan@example.com"
    h = subscriber_hash(email)
    sdk.lists.set_list_member(LIST, h, put_body(email))
    doc = sdk.lists.set_list_member(LIST, h, {"email_address": email, "status": "unsubscribed"})
    assert doc["status"] == "unsubscribed"

    status, err = sdk_error(
        lambda: sdk.lists.set_list_member(LIST, h, {"email_address": email, "status": "subscribed"})
    )
    assert status == 400
    assert err["title"] == "Member In Compliance State"
    assert "is in a compliance state" in err["detail"]
    assert stored(fake, email)["status"] == "unsubscribed"

    # re-opt-in path: pending is allowed
    doc = sdk.lists.update_list_member(LIST, h, {"status": "pending"})
    assert doc["status"] == "pending"

    fake.set_member_status(LIST, "clean@example.com", "cleaned")
    for target in ("subscribed", "pending"):
        body = {"email_address": "clean@example.com", "status": target}
        status, err = sdk_error(
            functools.partial(sdk.lists.set_list_member, LIST, subscriber_hash("clean@example.com"), body)
        )
        assert status == 400
        assert "compliance state" in err["detail"]
    assert stored(fake, "clean@example.com")["status"] == "cleaned"


def test_new_member_needs_a_status(sdk: mc.Client) -> None:
    status, err = sdk_error(
        lambda: sdk.lists.set_list_member(LIST, subscriber_hash("x@example.com"), {"email_address": "x@example.com"})
    )
    assert status == 400
    assert err["title"] == "Invalid Resource"
    assert err["errors"][0]["field"] == "status_if_new"


def test_bad_status_value(sdk: mc.Client) -> None:
    status, err = sdk_error(
        lambda: sdk.lists.set_list_member(
            LIST,
            subscriber_hash("x@example.com"),
            {"email_address": "x@example.com", "status_if_new": "active"},
        )
    )
    assert status == 400
    assert err["errors"][0]["field"] == "status_if_new"


def test_archived_member_is_re_added(sdk: mc.Client, fake: FakeMailchimp) -> None:
    email = "eve@example.com"
    h = subscriber_hash(email)
    sdk.lists.set_list_member(LIST, h, put_body(email, merge_fields={"FNAME": "Eve"}))
    resp = sdk.lists.delete_list_member(LIST, h)
    assert resp.status_code == 204  # SDK trap: a raw requests.Response
    assert sdk.lists.get_list_member(LIST, h)["status"] == "archived"
    status, err = sdk_error(lambda: sdk.lists.delete_list_member(LIST, h))
    assert (status, err["title"]) == (405, "Method Not Allowed")  # already archived
    assert "Can not archive a contact that is bounced, pending or archived" in err["detail"]

    doc = sdk.lists.set_list_member(LIST, h, put_body(email))
    assert doc["status"] == "subscribed"
    assert doc["merge_fields"]["FNAME"] == "Eve"  # archived profile retained

    sdk.lists.delete_list_member(LIST, h)
    doc = sdk.lists.add_list_member(LIST, {"email_address": email, "status": "pending"})  # POST re-adds too
    assert doc["status"] == "pending"


@pytest.mark.parametrize("status", ["cleaned", "pending", "archived"])
def test_bounced_pending_or_archived_contacts_cannot_be_archived(
    sdk: mc.Client, fake: FakeMailchimp, status: str
) -> None:
    """The documented rule (a recorded live response): 405 for bounced (cleaned), pending or archived."""
    fake.add_member(LIST, "kept@example.com", status=status)
    code, err = sdk_error(lambda: sdk.lists.delete_list_member(LIST, subscriber_hash("kept@example.com")))
    assert code == 405
    assert err["detail"] == (
        "This list member cannot be removed. Can not archive a contact that is bounced, pending or archived"
    )
    assert stored(fake, "kept@example.com")["status"] == status


def test_an_archived_unsubscribed_contact_re_added_comes_back_subscribed(sdk: mc.Client, fake: FakeMailchimp) -> None:
    """The docs are silent on what re-adding an archived contact restores: the fake does the worst."""
    fake.add_member(LIST, "gone@example.com", status="unsubscribed")
    h = subscriber_hash("gone@example.com")
    assert sdk.lists.delete_list_member(LIST, h).status_code == 204  # unsubscribed contacts can be archived
    doc = sdk.lists.set_list_member(LIST, h, put_body("gone@example.com"))  # status_if_new: subscribed
    assert doc["status"] == "subscribed"


def test_strict_requests_refuse_keys_the_shapes_do_not_define(sdk: mc.Client, fake: FakeMailchimp) -> None:
    h = subscriber_hash("strict@example.com")
    body = {**put_body("strict@example.com"), "update_existing": True}  # a batch-subscribe field, not a member's
    assert sdk.lists.set_list_member(LIST, h, body)["status"] == "subscribed"  # the lenient default
    fake.strict_requests = True
    status, err = sdk_error(lambda: sdk.lists.set_list_member(LIST, h, body))
    assert status == 400 and err["title"] == "Invalid Resource"
    assert "update_existing" in json.dumps(err["errors"])
    status, err = sdk_error(
        lambda: sdk.lists.update_list_member_tags(LIST, h, {"tags": [{"name": "t", "status": "on"}]})
    )
    assert status == 400 and err["errors"][0]["field"] == "tags[0].status"


def test_delete_unknown_member_404(sdk: mc.Client) -> None:
    status, err = sdk_error(lambda: sdk.lists.delete_list_member(LIST, subscriber_hash("ghost@example.com")))
    assert status == 404
    assert err["title"] == "Resource Not Found"


def test_forgotten_member_is_refused(sdk: mc.Client, fake: FakeMailchimp) -> None:
    email = "frank@example.com"
    h = subscriber_hash(email)
    sdk.lists.set_list_member(LIST, h, put_body(email))
    resp = sdk.lists.delete_list_member_permanent(LIST, h)
    assert resp.status_code == 204
    assert fake.is_forgotten(LIST, email)
    assert fake.member(LIST, email) is None

    status, _ = sdk_error(lambda: sdk.lists.get_list_member(LIST, h))
    assert status == 404
    for call in (
        lambda: sdk.lists.set_list_member(LIST, h, put_body(email)),
        lambda: sdk.lists.set_list_member(LIST, h, {"email_address": email, "status": "subscribed"}),
        lambda: sdk.lists.add_list_member(LIST, {"email_address": email, "status": "subscribed"}),
    ):
        status, err = sdk_error(call)
        assert status == 400
        assert err["title"] == "Forgotten Email Not Subscribed"
    res = sdk.lists.batch_list_members(
        LIST, {"members": [{"email_address": email, "status": "subscribed"}], "update_existing": True}
    )
    assert res["error_count"] == 1
    assert res["total_created"] == 0

    fake.forget(LIST, "never-seen@example.com")  # hook works for unknown emails too
    status, err = sdk_error(
        lambda: sdk.lists.set_list_member(
            LIST, subscriber_hash("never-seen@example.com"), put_body("never-seen@example.com")
        )
    )
    assert err["title"] == "Forgotten Email Not Subscribed"


def test_hash_mismatch_is_400(sdk: mc.Client, fake: FakeMailchimp) -> None:
    status, err = sdk_error(
        lambda: sdk.lists.set_list_member(LIST, subscriber_hash("a@example.com"), put_body("b@example.com"))
    )
    assert status == 400
    assert err["title"] == "Invalid Resource"
    # md5 of the non-lowercased address is also a mismatch
    import hashlib

    wrong = hashlib.md5(b"Mixed@Example.com").hexdigest()
    status, err = sdk_error(lambda: sdk.lists.set_list_member(LIST, wrong, put_body("Mixed@Example.com")))
    assert status == 400
    assert fake.member_count(LIST) == 0


@pytest.mark.parametrize(
    "email",
    [
        "plainaddress",
        "two@@example.com",
        "a@b@example.com",
        "@example.com",
        "user@",
        "user@localhost",
        "user@example.c",
        "user @example.com",
        " user@example.com",
        "user@exa mple.com",
        "user@example..com",
        ".user@example.com",
        "user.@example.com",
        "user@-example.com",
        "user@example.123",
    ],
)
def test_invalid_email_is_400(sdk: mc.Client, email: str) -> None:
    status, err = sdk_error(lambda: sdk.lists.set_list_member(LIST, subscriber_hash(email), put_body(email)))
    assert status == 400
    assert err["title"] == "Invalid Resource"
    assert err["detail"].endswith("looks fake or invalid, please enter a real email address.")


@pytest.mark.parametrize(
    "email",
    ["a@example.com", "first.last+tag@sub.example.co.uk", "O'Brien@example.ie", "x_y-z@my-domain.io"],
)
def test_valid_emails_accepted(email: str) -> None:
    assert is_valid_email(email)


def test_missing_email_is_400(sdk: mc.Client) -> None:
    status, err = sdk_error(
        lambda: sdk.lists.set_list_member(LIST, subscriber_hash("a@example.com"), {"status_if_new": "subscribed"})
    )
    assert status == 400
    assert err["errors"] == [{"field": "email_address", "message": "This value should not be blank."}]


def test_unknown_merge_field_is_400(sdk: mc.Client, fake: FakeMailchimp) -> None:
    email = "gil@example.com"
    status, err = sdk_error(
        lambda: sdk.lists.set_list_member(
            LIST, subscriber_hash(email), put_body(email, merge_fields={"FNAME": "Gil", "COMPANY": "Acme"})
        )
    )
    assert status == 400
    assert err["title"] == "Invalid Resource"
    assert [e["field"] for e in err["errors"]] == ["COMPANY"]
    assert fake.member(LIST, email) is None  # nothing applied


def test_required_merge_field(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.add_list("req", merge_fields=[{"tag": "FNAME", "required": True}, "LNAME"])
    email = "h@example.com"
    status, err = sdk_error(lambda: sdk.lists.set_list_member("req", subscriber_hash(email), put_body(email)))
    assert status == 400
    assert err["errors"][0]["field"] == "FNAME"
    doc = sdk.lists.set_list_member("req", subscriber_hash(email), put_body(email), skip_merge_validation="true")
    assert doc["status"] == "subscribed"


def test_merge_values_are_stored_as_strings(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.add_merge_field(LIST, "AGE", type="number")
    doc = sdk.lists.set_list_member(
        LIST,
        subscriber_hash("n@example.com"),
        put_body("n@example.com", merge_fields={"AGE": 42, "FNAME": None}),
    )
    assert doc["merge_fields"] == {"FNAME": "", "LNAME": "", "AGE": "42"}


def test_post_member_exists(sdk: mc.Client) -> None:
    body = {"email_address": "ida@example.com", "status": "subscribed", "tags": ["Imported"]}
    doc = sdk.lists.add_list_member(LIST, body)
    assert [t["name"] for t in doc["tags"]] == ["Imported"]
    status, err = sdk_error(lambda: sdk.lists.add_list_member(LIST, body))
    assert status == 400
    assert err["title"] == "Member Exists"


def test_patch_updates_and_changes_email(sdk: mc.Client, fake: FakeMailchimp) -> None:
    old, new = "old@example.com", "New@Example.com"
    sdk.lists.set_list_member(LIST, subscriber_hash(old), put_body(old))
    doc = sdk.lists.update_list_member(
        LIST, subscriber_hash(old), {"email_address": new, "merge_fields": {"FNAME": "N"}}
    )
    assert doc["id"] == subscriber_hash(new)
    assert doc["email_address"] == new
    assert fake.member(LIST, old) is None
    status, _ = sdk_error(lambda: sdk.lists.update_list_member(LIST, subscriber_hash(old), {"status": "subscribed"}))
    assert status == 404


def test_tags_add_remove_case_preserved(sdk: mc.Client, fake: FakeMailchimp) -> None:
    email = "jo@example.com"
    h = subscriber_hash(email)
    sdk.lists.set_list_member(LIST, h, put_body(email))
    resp = sdk.lists.update_list_member_tags(
        LIST,
        h,
        {"tags": [{"name": "VIP Customer", "status": "active"}, {"name": "beta", "status": "active"}]},
    )
    assert resp.status_code == 204
    doc = sdk.lists.get_list_member(LIST, h)
    assert [t["name"] for t in doc["tags"]] == ["VIP Customer", "beta"]
    assert doc["tags_count"] == 2
    assert all(isinstance(t["id"], int) for t in doc["tags"])

    sdk.lists.update_list_member_tags(LIST, h, {"tags": [{"name": "VIP Customer", "status": "inactive"}]})
    assert [t["name"] for t in sdk.lists.get_list_member(LIST, h)["tags"]] == ["beta"]
    assert [t["name"] for t in sdk.lists.get_list_member_tags(LIST, h)["tags"]] == ["beta"]

    status, _ = sdk_error(lambda: sdk.lists.update_list_member_tags(LIST, h, {"tags": [{"name": "x", "status": "on"}]}))
    assert status == 400
    status, _ = sdk_error(
        lambda: sdk.lists.update_list_member_tags(
            LIST, subscriber_hash("nobody@example.com"), {"tags": [{"name": "x", "status": "active"}]}
        )
    )
    assert status == 404


# ------------------------------------------------------------------------------------ listing


def test_members_pagination_and_status_filter(sdk: mc.Client, fake: FakeMailchimp) -> None:
    subscribed = [f"user{i:05d}@example.com" for i in range(2345)]
    assert fake.add_members(LIST, subscribed) == 2345
    for i in range(7):
        fake.set_member_status(LIST, f"unsub{i}@example.com", "unsubscribed")

    seen: list[str] = []
    offset = 0
    while True:
        page = sdk.lists.get_list_members_info(LIST, count=1000, offset=offset)
        assert page["total_items"] == 2352
        assert len(page["members"]) <= 1000
        if not page["members"]:
            break
        seen.extend(m["email_address"] for m in page["members"])
        offset += len(page["members"])
    assert len(seen) == len(set(seen)) == 2352
    assert seen[:2345] == subscribed  # insertion order, stable pages

    unsub = sdk.lists.get_list_members_info(LIST, status="unsubscribed", count=1000)
    assert unsub["total_items"] == 7
    assert {m["status"] for m in unsub["members"]} == {"unsubscribed"}

    assert len(sdk.lists.get_list_members_info(LIST)["members"]) == 10  # default count
    # (the SDK itself refuses count > 1000; over raw HTTP the fake caps it at 1000)
    raw = requests.get(
        f"{fake.base_url}/lists/{LIST}/members", params={"count": 5000}, auth=("u", fake.api_key), timeout=5
    )
    assert len(raw.json()["members"]) == 1000

    slim = sdk.lists.get_list_members_info(
        LIST, count=3, fields=["members.email_address", "members.status", "total_items"]
    )
    assert slim == {
        "members": [{"email_address": e, "status": "subscribed"} for e in subscribed[:3]],
        "total_items": 2352,
    }
    assert fake.member_count(LIST, "subscribed") == 2345


# ------------------------------------------------------------------------------------ batch subscribe


def test_batch_subscribe_update_existing_overwrites_status(sdk: mc.Client, fake: FakeMailchimp) -> None:
    """The documented trap: batch subscribe with update_existing=true re-subscribes unsubscribed people."""
    fake.set_member_status(LIST, "gone@example.com", "unsubscribed")
    fake.add_member(LIST, "here@example.com")
    members = [
        {"email_address": "gone@example.com", "status": "subscribed"},
        {"email_address": "here@example.com", "status": "subscribed", "merge_fields": {"FNAME": "H"}},
        {"email_address": "fresh@example.com", "status": "subscribed"},
        {"email_address": "bad@@example.com", "status": "subscribed"},
    ]

    res = sdk.lists.batch_list_members(LIST, {"members": members, "update_existing": False})
    assert res["total_created"] == 1
    assert res["total_updated"] == 0
    codes = Counter(e["error_code"] for e in res["errors"])
    assert codes == {"ERROR_CONTACT_EXISTS": 2, "ERROR_GENERIC": 1}
    assert res["error_count"] == 3
    assert stored(fake, "gone@example.com")["status"] == "unsubscribed"

    res = sdk.lists.batch_list_members(LIST, {"members": members, "update_existing": True})
    assert res["total_updated"] == 3
    assert res["error_count"] == 1
    assert res["errors"][0]["email_address"] == "bad@@example.com"
    assert "looks fake or invalid" in res["errors"][0]["error"]
    # TRAP: the unsubscribed member is now subscribed again.
    assert stored(fake, "gone@example.com")["status"] == "subscribed"
    assert stored(fake, "here@example.com")["merge_fields"]["FNAME"] == "H"


def test_batch_subscribe_limits(sdk: mc.Client) -> None:
    too_many = [{"email_address": f"u{i}@example.com", "status": "subscribed"} for i in range(501)]
    status, err = sdk_error(lambda: sdk.lists.batch_list_members(LIST, {"members": too_many}))
    assert status == 400
    assert err["title"] == "Invalid Resource"
    res = sdk.lists.batch_list_members(LIST, {"members": too_many[:500]})
    assert res["total_created"] == 500
    # status_if_new is not part of batch subscribe: status is required per member
    res = sdk.lists.batch_list_members(
        LIST, {"members": [{"email_address": "s@example.com", "status_if_new": "subscribed"}]}
    )
    assert res["error_count"] == 1


def test_batch_subscribe_re_adds_an_archived_contact_with_the_status_sent(sdk: mc.Client, fake: FakeMailchimp) -> None:
    """The docs are silent on what it restores: the fake does the worst, so a client must never send one."""
    fake.set_member_status(LIST, "was@example.com", "unsubscribed")
    fake.set_member_status(LIST, "was@example.com", "archived")
    res = sdk.lists.batch_list_members(
        LIST, {"members": [{"email_address": "was@example.com", "status": "subscribed"}]}
    )
    assert res["total_created"] == 1
    assert stored(fake, "was@example.com")["status"] == "subscribed"


def test_batch_subscribe_ignores_a_members_tags_and_strict_requests_refuse_them(fake: FakeMailchimp) -> None:
    """No typed source defines per-member tags in this call (mailchimp-bulk-shapes.json)."""
    body = {"members": [{"email_address": "t@example.com", "status": "subscribed", "tags": ["vip"]}]}
    sdk = mc.Client()
    sdk.set_config({"api_key": fake.api_key, "server": "us1"})
    sdk.api_client.host = fake.base_url
    assert sdk.lists.batch_list_members(LIST, body)["total_created"] == 1
    assert stored(fake, "t@example.com")["tags"] == []
    fake.strict_requests = True
    body["members"][0]["email_address"] = "u@example.com"
    status, err = sdk_error(lambda: sdk.lists.batch_list_members(LIST, body))
    assert status == 400 and "tags" in json.dumps(err["errors"])
    assert fake.member(LIST, "u@example.com") is None


# ------------------------------------------------------------------------------------ static segments (tags)


def test_a_tag_is_a_static_segment(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.add_member(LIST, "a@example.com", tags=["old"])
    fake.add_member(LIST, "b@example.com")
    fake.set_member_status(LIST, "c@example.com", "archived")
    created = sdk.lists.create_segment(LIST, {"name": "vip", "static_segment": []})
    listed = sdk.lists.list_segments(LIST, type="static", count=1000)
    assert {s["name"]: s["id"] for s in listed["segments"]} == {"old": 1000, "vip": created["id"]}
    res = sdk.lists.batch_segment_members(
        {"members_to_add": ["a@example.com", "b@example.com", "c@example.com", "nobody@example.com"]},
        LIST,
        str(created["id"]),
    )
    assert res["total_added"] == 2 and {m["email_address"] for m in res["members_added"]} == {
        "a@example.com",
        "b@example.com",
    }  # emails not in the list (or archived) are ignored
    assert {t["name"] for t in stored(fake, "a@example.com")["tags"]} == {"old", "vip"}
    assert {t["id"] for t in stored(fake, "a@example.com")["tags"]} == {1000, created["id"]}
    again = sdk.lists.batch_segment_members({"members_to_add": ["a@example.com"]}, LIST, str(created["id"]))
    assert again["total_added"] == 0  # already tagged
    removed = sdk.lists.batch_segment_members({"members_to_remove": ["a@example.com"]}, LIST, str(created["id"]))
    assert removed["total_removed"] == 1 and [t["name"] for t in stored(fake, "a@example.com")["tags"]] == ["old"]
    status, _ = sdk_error(lambda: sdk.lists.create_segment(LIST, {"name": "vip", "static_segment": []}))
    assert status == 400
    status, _ = sdk_error(lambda: sdk.lists.batch_segment_members({"members_to_add": []}, LIST, "9999"))
    assert status == 404


def test_a_segment_call_takes_at_most_500_emails(sdk: mc.Client, fake: FakeMailchimp) -> None:
    segment = sdk.lists.create_segment(LIST, {"name": "big", "static_segment": []})
    emails = [f"s{i}@example.com" for i in range(501)]
    status, err = sdk_error(
        lambda: sdk.lists.batch_segment_members({"members_to_add": emails}, LIST, str(segment["id"]))
    )
    assert status == 400 and err["detail"].startswith("Maximum allowed member items exceeded")
    fake.add_members(LIST, emails[:500])
    assert (
        sdk.lists.batch_segment_members({"members_to_add": emails[:500]}, LIST, str(segment["id"]))["total_added"]
        == 500
    )


# ------------------------------------------------------------------------------------ the cost model


def test_the_cost_model_charges_bulk_calls_per_member(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.configure(batch_subscribe_ms_per_member=2.0, segment_ms_per_member=1.0)
    members = [{"email_address": f"c{i}@example.com", "status": "subscribed"} for i in range(30)]
    sdk.lists.batch_list_members(LIST, {"members": members})
    segment = sdk.lists.create_segment(LIST, {"name": "cost", "static_segment": []})
    sdk.lists.batch_segment_members(
        {"members_to_add": [m["email_address"] for m in members[:10]]}, LIST, str(segment["id"])
    )
    assert fake.charged_ms == {"POST /lists/{id}": 60.0, "POST /lists/{id}/segments/{segment_id}": 10.0}
    assert fake.stats()["charged_ms"] == {"POST /lists/{id}": 60.0, "POST /lists/{id}/segments/{segment_id}": 10.0}


@pytest.mark.parametrize("model", ["optimistic", "pessimistic"])
def test_cost_models_set_every_cost_knob(fake: FakeMailchimp, model: str) -> None:
    from fakes.mailchimp import COST_MODELS

    fake.use_cost_model(model)
    config = fake.config()
    assert {knob: config[knob] for knob in COST_MODELS[model]} == COST_MODELS[model]
    assert all(value for value in COST_MODELS[model].values())  # every cost is charged
    assert config["max_connections"] == 10 and config["max_pending_batches"] == 500
    fake.use_cost_model("free")
    assert fake.config()["latency_ms"] == 0


# ------------------------------------------------------------------------------------ /batches


def _put_op(email: str, op_id: str, **body: Any) -> dict[str, Any]:
    return {
        "method": "PUT",
        "path": f"/lists/{LIST}/members/{subscriber_hash(email)}",
        "operation_id": op_id,
        "body": json.dumps({"email_address": email, "status_if_new": "subscribed", **body}),
    }


def test_batches_end_to_end(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.batch_results_per_file = 4
    fake.set_member_status(LIST, "unsub@example.com", "unsubscribed")
    fake.add_member(LIST, "archive-me@example.com")
    ops = [_put_op(f"b{i}@example.com", f"op-{i}", merge_fields={"FNAME": f"B{i}"}) for i in range(8)]
    ops += [
        _put_op("unsub@example.com", "op-unsub"),
        _put_op("not-an-email", "op-bad"),
        _put_op("c@example.com", "op-unknown-field", merge_fields={"NOPE": "x"}),
        {
            "method": "DELETE",
            "path": f"/lists/{LIST}/members/{subscriber_hash('archive-me@example.com')}",
            "operation_id": "op-del",
        },
        {
            "method": "POST",
            "path": f"/lists/{LIST}/members/{subscriber_hash('b0@example.com')}/tags",
            "operation_id": "op-tags",
            "body": json.dumps({"tags": [{"name": "Synced", "status": "active"}]}),
        },
        {"method": "GET", "path": f"/lists/{LIST}/members", "operation_id": "op-get", "params": {"count": 2}},
    ]
    started = sdk.batches.start({"operations": ops})
    assert started["status"] == "pending"
    assert started["total_operations"] == len(ops)
    assert started["id"]

    final = poll_batch(sdk, started["id"])[-1]
    assert final["finished_operations"] == len(ops)
    assert final["errored_operations"] == 2
    assert final["completed_at"]
    url = final["response_body_url"]
    assert url.startswith(fake.root_url + "/_batch-results/")
    assert url.endswith(".tar.gz")

    r = requests.get(url, timeout=5)  # no auth, like a pre-signed S3 URL
    assert r.status_code == 200
    names, results = read_archive(r.content)
    assert len(names) == 4  # 14 results, 4 per file
    assert all(n.endswith(".json") for n in names)
    by_id = {res["operation_id"]: res for res in results}
    assert len(by_id) == len(ops)
    assert all(isinstance(res["response"], str) for res in results)  # JSON *string*, like Mailchimp

    ok = json.loads(by_id["op-3"]["response"])
    assert by_id["op-3"]["status_code"] == 200
    assert ok["email_address"] == "b3@example.com"
    assert ok["merge_fields"]["FNAME"] == "B3"
    assert json.loads(by_id["op-unsub"]["response"])["status"] == "unsubscribed"
    bad = json.loads(by_id["op-bad"]["response"])
    assert by_id["op-bad"]["status_code"] == 400
    assert bad["title"] == "Invalid Resource"
    assert by_id["op-unknown-field"]["status_code"] == 400
    assert by_id["op-del"]["status_code"] == 204
    assert by_id["op-del"]["response"] == ""
    assert by_id["op-tags"]["status_code"] == 204
    assert len(json.loads(by_id["op-get"]["response"])["members"]) == 2

    assert stored(fake, "archive-me@example.com")["status"] == "archived"
    assert [t["name"] for t in stored(fake, "b0@example.com")["tags"]] == ["Synced"]
    assert fake.member_count(LIST, "subscribed") == 8
    # batch operations do not count as HTTP requests
    assert fake.requests_by_route[MEMBER] == 0
    assert fake.batch_operations_by_route[MEMBER] == 11

    listed = sdk.batches.list()
    assert listed["total_items"] == 1
    assert listed["batches"][0]["id"] == started["id"]
    resp = sdk.batches.delete_request(started["id"])
    assert resp.status_code == 204
    assert requests.get(url, timeout=5).status_code == 404
    status, _ = sdk_error(lambda: sdk.batches.status(started["id"]))
    assert status == 404


def test_batch_status_walks_through_states(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.batch_ops_per_second = 100
    ops = [_put_op(f"w{i}@example.com", str(i)) for i in range(40)]
    started = sdk.batches.start({"operations": ops})
    seen = poll_batch(sdk, started["id"], timeout=20)
    order = ["pending", "preprocessing", "started", "finalizing", "finished"]
    statuses = [started["status"]] + [d["status"] for d in seen]
    ranks = [order.index(s) for s in statuses]
    assert ranks == sorted(ranks)  # never goes backwards
    assert "started" in statuses
    progress = [d["finished_operations"] for d in seen if d["status"] == "started"]
    assert any(0 < p < 40 for p in progress)  # intermediate progress was observable
    assert progress == sorted(progress)
    assert seen[-1]["finished_operations"] == 40


def test_batch_body_must_be_a_json_string(sdk: mc.Client) -> None:
    op = {"method": "PUT", "path": f"/lists/{LIST}/members/x", "body": {"email_address": "a@example.com"}}
    status, err = sdk_error(lambda: sdk.batches.start({"operations": [op]}))
    assert status == 400
    assert err["title"] == "Invalid Resource"
    assert err["errors"][0]["field"] == "operations.item:0.body"
    status, _ = sdk_error(lambda: sdk.batches.start({"operations": [{"method": "FETCH", "path": "/ping"}]}))
    assert status == 400


def test_pending_batch_limit(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.max_pending_batches = 2
    fake.batch_ops_per_second = 0.5  # keep them pending/started
    op = [{"method": "GET", "path": "/ping", "operation_id": "p"}]
    sdk.batches.start({"operations": op})
    sdk.batches.start({"operations": op})
    status, err = sdk_error(lambda: sdk.batches.start({"operations": op}))
    assert status == 429
    assert err["title"] == "Too Many Requests"
    assert "pending batches" in err["detail"]


def test_batch_archive_unknown_is_404(fake: FakeMailchimp) -> None:
    assert requests.get(f"{fake.root_url}/_batch-results/nope.tar.gz", timeout=5).status_code == 404


# ------------------------------------------------------------------------------------ concurrency limit


def test_more_than_10_in_flight_gets_429(fake: FakeMailchimp) -> None:
    fake.latency_ms = 800
    auth = ("u", fake.api_key)
    holders: list[threading.Thread] = []
    codes: list[int] = []
    for _ in range(10):
        t = threading.Thread(
            target=lambda: codes.append(requests.get(f"{fake.base_url}/ping", auth=auth, timeout=10).status_code)
        )
        t.start()
        holders.append(t)
    wait_until(lambda: fake.in_flight == 10)

    r = requests.get(f"{fake.base_url}/ping", auth=auth, timeout=10)
    assert r.status_code == 429
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["title"] == "Too Many Requests"
    assert r.json()["detail"] == "You have exceeded the limit of 10 simultaneous connections."
    assert "Retry-After" not in r.headers  # real Mailchimp sends none by default

    for t in holders:
        t.join(timeout=10)
    assert codes == [200] * 10
    assert fake.max_in_flight_seen == 11
    assert fake.faults_injected["connections"] == 1


def test_burst_of_15_gets_exactly_5_rejections(fake: FakeMailchimp) -> None:
    fake.latency_ms = 1500
    fake.retry_after = 1

    def call(i: int) -> requests.Response:
        return requests.put(
            member_url(fake, f"burst{i}@example.com"),
            json=put_body(f"burst{i}@example.com"),
            auth=("u", fake.api_key),
            timeout=10,
        )

    responses = run_concurrently(15, call)
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 10, 429: 5}
    assert all(r.headers["Retry-After"] == "1" for r in responses if r.status_code == 429)
    assert fake.member_count(LIST) == 10  # rejected PUTs were not applied
    assert fake.max_in_flight_seen >= 11


# ------------------------------------------------------------------------------------ fault knobs


def _ping_codes(fake: FakeMailchimp, n: int) -> list[int | str]:
    out: list[int | str] = []
    with requests.Session() as s:
        s.auth = ("u", fake.api_key)
        for _ in range(n):
            try:
                out.append(s.get(f"{fake.base_url}/ping", timeout=5).status_code)
            except requests.ConnectionError:
                out.append("drop")
    return out


def test_rate_429_fraction_is_seeded_and_deterministic() -> None:
    runs = []
    for _ in range(2):
        with FakeMailchimp(rate_429=0.25, seed=7) as f:
            runs.append(_ping_codes(f, 400))
            assert f.faults_injected["429"] == runs[-1].count(429)
    assert runs[0] == runs[1]
    assert 70 <= runs[0].count(429) <= 130
    assert set(runs[0]) == {200, 429}


def test_rate_429_is_injected_before_applying(fake: FakeMailchimp, http: requests.Session) -> None:
    fake.rate_429 = 0.5
    created = 0
    for i in range(200):
        email = f"r{i}@example.com"
        r = http.put(member_url(fake, email), json=put_body(email), timeout=5)
        assert r.status_code in (200, 429)
        created += r.status_code == 200
        assert (fake.member(LIST, email) is not None) == (r.status_code == 200)
    assert 60 <= created <= 140
    assert fake.member_count(LIST) == created


def test_rate_500_with_html_5xx(fake: FakeMailchimp) -> None:
    fake.rate_500 = 0.3
    fake.html_5xx = True
    kinds: Counter[str] = Counter()
    with requests.Session() as s:
        s.auth = ("u", fake.api_key)
        for _ in range(400):
            r = s.get(f"{fake.base_url}/ping", timeout=5)
            if r.status_code == 500:
                assert r.headers["Content-Type"].startswith("application/problem+json")
                assert r.json()["title"] == "Internal Server Error"
            elif r.status_code in (502, 503):
                assert r.headers["Content-Type"].startswith("text/html")
                assert "<html>" in r.text
            else:
                assert r.status_code == 200
            kinds[str(r.status_code)] += 1
    errors = kinds["500"] + kinds["502"] + kinds["503"]
    assert 85 <= errors <= 155
    assert kinds["500"] > 0
    assert kinds["502"] > 0
    assert kinds["503"] > 0


def test_rate_500_without_html_is_always_problem_json(fake: FakeMailchimp) -> None:
    fake.rate_500 = 0.5
    codes = _ping_codes(fake, 100)
    assert set(codes) == {200, 500}


def test_drop_rate_closes_without_response(fake: FakeMailchimp, http: requests.Session) -> None:
    fake.drop_rate = 0.2
    dropped = 0
    for i in range(400):
        email = f"d{i}@example.com"
        try:
            r = http.put(member_url(fake, email), json=put_body(email), timeout=5)
        except requests.ConnectionError:
            dropped += 1
            assert fake.member(LIST, email) is None  # dropped before applying
        else:
            assert r.status_code == 200
    assert 50 <= dropped <= 110
    assert fake.responses_by_status["drop"] == dropped
    assert fake.member_count(LIST) == 400 - dropped


def test_drop_through_sdk_is_apiclienterror_without_status(sdk: mc.Client, fake: FakeMailchimp) -> None:
    fake.fail_next("drop")
    with pytest.raises(ApiClientError) as info:
        sdk.ping.get()
    assert info.value.status_code is None


def test_fail_after_apply_applies_the_change(fake: FakeMailchimp, http: requests.Session) -> None:
    fake.fail_after_apply_rate = 1.0
    outcomes: Counter[str] = Counter()
    for i in range(40):
        email = f"f{i}@example.com"
        try:
            r = http.put(member_url(fake, email), json=put_body(email, merge_fields={"FNAME": "F"}), timeout=5)
            assert r.status_code == 500
            outcomes["500"] += 1
        except requests.ConnectionError:
            outcomes["drop"] += 1
        assert stored(fake, email)["merge_fields"]["FNAME"] == "F"
    assert outcomes["500"] > 0
    assert outcomes["drop"] > 0

    fake.fail_after_apply_rate = 0.0  # the client's retry is idempotent
    r = http.put(member_url(fake, "f0@example.com"), json=put_body("f0@example.com"), timeout=5)
    assert r.status_code == 200
    assert fake.member_count(LIST) == 40


def test_fail_next_is_deterministic(fake: FakeMailchimp, http: requests.Session) -> None:
    fake.fail_next(401)
    fake.fail_next(429, times=2)
    fake.fail_next("after_apply_500")
    codes = [http.get(f"{fake.base_url}/ping", timeout=5).status_code for _ in range(5)]
    assert codes == [401, 429, 429, 500, 200]
    with pytest.raises(ValueError, match="unknown fault kind"):
        fake.fail_next("teapot")


def test_knobs_are_settable_at_runtime(fake: FakeMailchimp) -> None:
    fake.configure(rate_429=1.0)
    assert set(_ping_codes(fake, 5)) == {429}
    fake.configure(rate_429=0.0, seed=3)
    assert set(_ping_codes(fake, 5)) == {200}
    with pytest.raises(TypeError):
        fake.configure(bogus=1)


# ------------------------------------------------------------------------------------ transport, log, hooks


def test_keep_alive_reuses_one_connection(fake: FakeMailchimp, http: requests.Session) -> None:
    for _ in range(5):
        r = http.get(f"{fake.base_url}/ping", timeout=5)
        assert r.headers["Connection"] == "keep-alive"
        assert int(r.headers["Content-Length"]) == len(r.content)
    assert fake.connection_count == 1


def test_request_log_and_counters(fake: FakeMailchimp, http: requests.Session) -> None:
    http.put(member_url(fake, "log@example.com"), json=put_body("log@example.com"), timeout=5)
    http.get(f"{fake.base_url}/lists/{LIST}/members", params={"count": "5", "status": "subscribed"}, timeout=5)
    log = fake.request_log
    assert [e["method"] for e in log] == ["PUT", "GET"]
    assert log[0]["body"] == put_body("log@example.com")
    assert log[0]["status"] == 200
    assert log[0]["route"] == MEMBER
    assert log[1]["query"] == {"count": "5", "status": "subscribed"}
    assert log[1]["path"] == f"/3.0/lists/{LIST}/members"
    assert all("authorization" not in {k.lower() for k in e["headers"]} for e in log)
    assert fake.request_count == 2
    assert fake.requests_by_route == Counter({MEMBER: 1, "GET /lists/{id}/members": 1})
    assert fake.responses_by_status["200"] == 2

    fake.log_requests = False
    http.get(f"{fake.base_url}/ping", timeout=5)
    assert len(fake.request_log) == 2
    assert fake.request_count == 3

    fake.reset()
    assert fake.request_count == 0
    assert fake.request_log == []
    assert fake.member_count(LIST) == 0
    assert requests.get(f"{fake.base_url}/lists/{LIST}", auth=("u", fake.api_key), timeout=5).ok


def test_hooks(fake: FakeMailchimp) -> None:
    fake.add_member(LIST, "k@example.com", merge_fields={"FNAME": "K"}, tags=["t1"])
    fake.set_member_status(LIST, "k@example.com", "cleaned")
    m = fake.member(LIST, "K@example.com")
    assert m is not None
    assert m["status"] == "cleaned"
    assert m["tags"][0]["name"] == "t1"
    members = fake.members(LIST)
    assert list(members) == [subscriber_hash("k@example.com")]
    members[subscriber_hash("k@example.com")]["status"] = "mutated"  # a copy
    assert stored(fake, "k@example.com")["status"] == "cleaned"
    assert fake.status_counts(LIST) == {"cleaned": 1}
    with pytest.raises(KeyError):
        fake.members("nope")
    with pytest.raises(ValueError, match="already exists"):
        fake.add_list(LIST)


def test_admin_endpoints(fake: FakeMailchimp) -> None:
    admin = f"{fake.root_url}/_fake"
    assert requests.post(f"{admin}/lists", json={"list_id": "adm"}, timeout=5).status_code == 204
    r = requests.post(
        f"{admin}/members", json={"list_id": "adm", "emails": ["a@example.com", "b@example.com"]}, timeout=5
    )
    assert r.json() == {"added": 2}
    requests.post(
        f"{admin}/member-status",
        json={"list_id": "adm", "email_address": "a@example.com", "status": "unsubscribed"},
        timeout=5,
    )
    requests.post(f"{admin}/config", json={"latency_ms": 1, "seed": 5}, timeout=5)
    assert fake.latency_ms == 1
    stats = requests.get(f"{admin}/stats", timeout=5).json()
    assert stats["lists"]["adm"]["status_counts"] == {"subscribed": 1, "unsubscribed": 1}
    assert stats["request_count"] == 0  # admin calls are not API requests
    assert requests.post(f"{admin}/config", json={"nope": 1}, timeout=5).status_code == 400


def test_stop_is_idempotent_and_frees_port() -> None:
    f = FakeMailchimp().start()
    url = f.base_url
    f.stop()
    f.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/ping", timeout=2)


def test_cli_subprocess() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(FAKE_PATH),
            "--port",
            "0",
            "--list-id",
            "cli1",
            "--list-id",
            "cli2",
            "--seed",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["base_url"].startswith("http://127.0.0.1:")
        assert ready["list_ids"] == ["cli1", "cli2"]
        client = mc.Client()
        client.set_config({"api_key": ready["api_key"], "server": "us1"})
        client.api_client.host = ready["base_url"]
        assert client.ping.get()["health_status"] == "Everything's Chimpy!"
        assert client.lists.get_list("cli2")["id"] == "cli2"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert rc == 0
