"""Mailchimp's API through the official `mailchimp-marketing` SDK: one connection per worker thread,
retries with backoff and jitter honouring Retry-After (429, 5xx, timeouts, dropped connections), the calls
the sync makes, `POST /batches` and the reading of a finished batch's results archive, and what each
error means (transient or permanent) in words that never echo the key.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal
from urllib.parse import urlsplit

from tapestry.core.errors import SyncError
from tapestry.core.network import network_reason
from tapestry.core.retry import RetryPolicy, parse_retry_after

ARCHIVED_PAGE = 1000  # the members listing's largest page
SEGMENTS_PAGE = 1000  # the segments listing's largest page
SUBSCRIBE_MAX = 500  # members per batch subscribe call (POST /lists/{id})
SEGMENT_MAX = 500  # e-mails per static-segment (tag) call
PREFLIGHT_NETWORK_ATTEMPTS = 2
CONNECT_TIMEOUT_S = 10.0  # a host that does not accept a connection in 10 s is not going to


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()


DATA_CENTER = re.compile(r"-([a-z]{2,}\d+)$")


def default_api_url(api_key: str) -> str:
    """The API root of the key's data center: a Mailchimp key ends with it (`…-us21`)."""
    match = DATA_CENTER.search(api_key.strip())
    if match is None:
        raise SyncError(
            "the Mailchimp API key has no data-center suffix (a key ends with -us21 or the like)",
            "copy the whole key from Mailchimp (Account > Extras > API keys), or set the sync's destination.api_url",
        )
    return f"https://{match.group(1)}.api.mailchimp.com/3.0"


def _never_connected(error: object) -> bool:
    """A connection that could not be opened (unlike one dropped mid-request, which a retry may fix)."""
    import requests

    text = str(error)
    return isinstance(error, requests.ConnectTimeout) or any(
        kind in text for kind in ("NewConnectionError", "NameResolutionError", "ConnectTimeout")
    )


class CallFailed(Exception):
    def __init__(
        self, status: int | None, detail: str, retry_after: float | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        self.unreachable = unreachable  # no connection could be opened at all (refused, unknown host, no answer)

    @property
    def transient(self) -> bool:
        if self.status == 403 and self.detail == "HTTP 403":  # a bare 403 is Mailchimp throttling
            return True
        return self.status is None or self.status == 429 or self.status >= 500


def _describe_error(status: int | None, body: Any) -> str:
    """`Title: detail` from a problem+json body, without echoing anything secret."""
    data = body
    if isinstance(body, str):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    if isinstance(data, dict):
        title = str(data.get("title") or "")
        detail = str(data.get("detail") or "")
        errors = data.get("errors") or []
        if errors and isinstance(errors, list):
            detail += " " + "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors if isinstance(e, dict))
        return f"{title}: {detail}".strip(": ")
    if status is None:
        text = str(body)
        return f"network error: {text.splitlines()[0][:200]}" if text else "network error"
    return f"HTTP {status}"


class _Client:
    """One SDK client (one connection) per worker thread."""

    def __init__(self, api_key: str, api_url: str, timeout: float) -> None:
        import requests
        from mailchimp_marketing.api.batches_api import BatchesApi
        from mailchimp_marketing.api.lists_api import ListsApi
        from mailchimp_marketing.api.ping_api import PingApi
        from mailchimp_marketing.api_client import ApiClient

        class SessionApiClient(ApiClient):  # type: ignore[misc]
            """The SDK's client on a keep-alive session, remembering the last response (for Retry-After)."""

            def __init__(self) -> None:
                # "server" is replaced in every URL by the SDK; make that a no-op for custom hosts.
                super().__init__({"api_key": api_key, "server": "server", "timeout": timeout})
                self.host = api_url.rstrip("/")
                self.session = requests.Session()
                self.session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=1, max_retries=0))
                self.session.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=1, max_retries=0))
                self.last_response: Any = None

            def request(
                self, method: str, url: str, query_params: Any = None, headers: Any = None, body: Any = None
            ) -> Any:
                self.last_response = None
                data = json.dumps(body) if method in {"POST", "PUT", "PATCH"} else None
                response = self.session.request(
                    method,
                    url,
                    params=query_params,
                    headers=headers,
                    data=data,
                    auth=("tapestry", self.api_key),
                    timeout=(min(CONNECT_TIMEOUT_S, self.timeout), self.timeout),
                )
                self.last_response = response
                return response

        self.api = SessionApiClient()
        self.lists = ListsApi(self.api)
        self.batches = BatchesApi(self.api)
        self.ping = PingApi(self.api)

    def close(self) -> None:
        self.api.session.close()


class MailchimpClient:
    """One list's API, shared by the worker threads of a sync (each gets its own connection)."""

    def __init__(
        self,
        api_key: str,
        list_id: str,
        api_url: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        poll_interval: tuple[float, float] = (0.2, 5.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_key = api_key
        self.list_id = list_id
        self.api_url = (api_url or default_api_url(api_key)).rstrip("/")
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.sleep = sleep
        self._requests = 0
        self._seconds_per_request: float | None = None  # moving average of plain calls (no bulk payload)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._clients: list[_Client] = []

    # --- plumbing ------------------------------------------------------------------------------------

    @property
    def requests_made(self) -> int:
        return self._requests

    @property
    def seconds_per_request(self) -> float | None:
        """How long a plain call (one member, one page, one poll) has taken in this run, on average."""
        return self._seconds_per_request

    def _measured(self, seconds: float) -> None:
        with self._lock:
            known = self._seconds_per_request
            self._seconds_per_request = seconds if known is None else 0.8 * known + 0.2 * seconds

    def _client(self) -> _Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = _Client(self.api_key, self.api_url, self.timeout)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def _once(self, call: Callable[[_Client], Any], timed: bool = True) -> Any:
        from mailchimp_marketing.api_client import ApiClientError

        client = self._client()
        with self._lock:
            self._requests += 1
        started = time.monotonic()
        try:
            result = call(client)
            if timed:
                self._measured(time.monotonic() - started)
        except ApiClientError as exc:
            if exc.status_code is None and isinstance(exc.text, Exception):  # no HTTP answer
                error = exc.text
                reason = network_reason(error, urlsplit(self.api_url).netloc)
                raise CallFailed(None, reason, unreachable=_never_connected(error)) from None
            response = client.api.last_response
            retry_after = parse_retry_after(response.headers.get("Retry-After")) if response is not None else None
            raise CallFailed(exc.status_code, _describe_error(exc.status_code, exc.text), retry_after) from None
        # The SDK hands back the raw response for empty bodies, errors included.
        status = getattr(result, "status_code", None)
        if status is not None and not 200 <= status < 300:
            raise CallFailed(status, f"HTTP {status}", parse_retry_after(result.headers.get("Retry-After")))
        return result

    def _with_retries(
        self, call: Callable[[_Client], Any], network_attempts: int | None = None, timed: bool = True
    ) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(call, timed)
            except CallFailed as failure:
                if failure.status in (401, 403) and not failure.transient:
                    raise SyncError(
                        f"Mailchimp refused the API key ({failure.detail})",
                        "check the key (Mailchimp > Account > Extras > API keys) and its data center",
                    ) from None
                if not failure.transient or attempt >= self.retry.attempts:
                    raise
                if failure.unreachable and network_attempts is not None and attempt >= network_attempts:
                    raise
                self.sleep(self.retry.delay(attempt, failure.retry_after))

    # --- checks ----------------------------------------------------------------------------------------

    def preflight(self, merge_tags: Iterable[str]) -> None:
        """The list exists, the key works, and every mapped merge field exists on the list (3 calls)."""
        try:  # an address that does not answer at all fails fast: it will not answer the sync either
            self._with_retries(lambda c: c.ping.get(), network_attempts=PREFLIGHT_NETWORK_ATTEMPTS)
            self._with_retries(lambda c: c.lists.get_list(self.list_id, fields=["id", "name"]))
            fields = self._with_retries(
                lambda c: c.lists.get_list_merge_fields(self.list_id, count=1000, fields=["merge_fields.tag"])
            )
        except CallFailed as failure:
            if failure.status == 404:
                raise SyncError(
                    f"Mailchimp list {self.list_id!r} does not exist for this API key",
                    "check the sync's destination.list_id (Audience > Settings > Audience name and defaults)",
                ) from None
            raise SyncError(
                f"Mailchimp at {self.api_url} is not usable: {failure.detail}",
                "check the sync's destination.api_url and the network, then rerun",
            ) from None
        known = {str(f.get("tag")) for f in (fields or {}).get("merge_fields", [])}
        unknown = sorted(set(merge_tags) - known)
        if unknown:
            has = ", ".join(sorted(known))
            raise SyncError(
                f"Mailchimp list {self.list_id} has no merge field {', '.join(unknown)}",
                f"create it in Mailchimp or change sync.mapping.merge_fields (the list has: {has})",
            )

    # --- direct calls ----------------------------------------------------------------------------------

    def upsert_member(self, member_hash: str, body: dict[str, Any]) -> Any:
        """PUT /lists/{id}/members/{hash}: the member document Mailchimp answers with."""
        return self._with_retries(lambda c: c.lists.set_list_member(self.list_id, member_hash, body))

    def update_tags(self, member_hash: str, body: dict[str, Any]) -> None:
        self._with_retries(lambda c: c.lists.update_list_member_tags(self.list_id, member_hash, body))

    def member_status(self, member_hash: str) -> Any:
        """GET /lists/{id}/members/{hash}?fields=status (raises CallFailed 404 when not in the list)."""
        return self._with_retries(lambda c: c.lists.get_list_member(self.list_id, member_hash, fields=["status"]))

    def archive_member(self, member_hash: str) -> None:
        """DELETE /lists/{id}/members/{hash}: archives the member (a permanent delete is another call)."""
        self._with_retries(lambda c: c.lists.delete_list_member(self.list_id, member_hash))

    def archived_members(self) -> set[str]:
        """Subscriber hashes of every archived member of the list (read once per run that upserts)."""
        found: set[str] = set()
        offset = 0
        fields = ["members.id", "members.email_address", "total_items"]

        def page_at(start: int) -> Callable[[_Client], Any]:
            return lambda c: c.lists.get_list_members_info(
                self.list_id, status="archived", fields=fields, count=ARCHIVED_PAGE, offset=start
            )

        while True:
            page = self._with_retries(page_at(offset)) or {}
            members = page.get("members") or []
            for member in members:  # the id is the subscriber hash; the address gives it too
                if member.get("id"):
                    found.add(str(member["id"]))
                if member.get("email_address"):
                    found.add(subscriber_hash(str(member["email_address"])))
            offset += len(members)
            total = page.get("total_items")
            if len(members) < ARCHIVED_PAGE or (total is not None and offset >= int(total)):
                return found

    # --- new members: batch subscribe and tags as static segments -------------------------------------

    def batch_subscribe(self, members: list[dict[str, Any]]) -> dict[str, Any]:
        """POST /lists/{id}: at most 500 new members, answered in the same call (`new_members`, `errors`).

        `update_existing` is never sent: an existing member is answered ERROR_CONTACT_EXISTS and left as it
        is. A retried call is harmless for the same reason (what the lost answer created now "exists")."""
        body = {"members": members}
        result = self._with_retries(lambda c: c.lists.batch_list_members(self.list_id, body), timed=False)
        return dict(result or {})

    def static_segments(self) -> dict[str, str]:
        """Tag name -> id of every tag of the list ("Static segments are now known as tags")."""
        found: dict[str, str] = {}
        offset = 0
        fields = ["segments.id", "segments.name", "total_items"]

        def page_at(start: int) -> Callable[[_Client], Any]:
            return lambda c: c.lists.list_segments(
                self.list_id, type="static", fields=fields, count=SEGMENTS_PAGE, offset=start
            )

        while True:
            page = self._with_retries(page_at(offset)) or {}
            segments = page.get("segments") or []
            found.update({str(s["name"]): str(s["id"]) for s in segments if s.get("name") and s.get("id")})
            offset += len(segments)
            total = page.get("total_items")
            if len(segments) < SEGMENTS_PAGE or (total is not None and offset >= int(total)):
                return found

    def create_static_segment(self, name: str) -> str:
        """POST /lists/{id}/segments with an empty `static_segment`: a new tag, without members yet."""
        body = {"name": name, "static_segment": []}
        return str(self._with_retries(lambda c: c.lists.create_segment(self.list_id, body))["id"])

    def add_to_segment(self, segment_id: str, emails: list[str]) -> dict[str, Any]:
        """POST /lists/{id}/segments/{segment_id} `members_to_add` (at most 500): tags them."""
        body = {"members_to_add": emails}
        result = self._with_retries(
            lambda c: c.lists.batch_segment_members(body, self.list_id, segment_id), timed=False
        )
        return dict(result or {})

    # --- bulk path -------------------------------------------------------------------------------------

    def submit_batch(self, operations: list[dict[str, Any]]) -> str:
        response = self._with_retries(lambda c: c.batches.start({"operations": operations}))
        return str(response["id"])

    def batch_status(self, batch_id: str) -> dict[str, Any]:
        """GET /batches/{id}: one poll."""
        return dict(self._with_retries(lambda c: c.batches.status(batch_id)) or {})

    def batch_results(self, status: dict[str, Any]) -> dict[str, tuple[int, str]]:
        """The results of a finished batch: operation_id -> (status code, response body)."""
        url = status.get("response_body_url")
        return self._download_results(str(url)) if url else {}

    def wait_batch(self, batch_id: str, within: float) -> dict[str, tuple[int, str]] | None:
        """Poll until the batch finishes; return operation_id -> (status code, response body). None when it
        has not finished after `within` seconds of polling."""
        delay = self.poll_interval[0]
        waited = 0.0
        while True:
            status = self.batch_status(batch_id)
            if status.get("status") == "finished":
                return self.batch_results(status)
            if waited >= within:
                return None
            self.sleep(delay)
            waited += delay
            delay = min(delay * 1.6, self.poll_interval[1])

    def _download_results(self, url: str) -> dict[str, tuple[int, str]]:
        import requests

        attempt = 0
        while True:
            attempt += 1
            with self._lock:
                self._requests += 1
            try:
                response = requests.get(url, timeout=self.timeout)  # pre-signed: no credentials
                if response.status_code == 200:
                    break
                failure = CallFailed(response.status_code, f"results archive: HTTP {response.status_code}")
            except requests.RequestException as exc:
                failure = CallFailed(None, f"results archive: {type(exc).__name__}")
            if attempt >= self.retry.attempts or not failure.transient:
                raise SyncError(f"cannot read the Mailchimp batch results ({failure.detail})", "rerun the sync")
            self.sleep(self.retry.delay(attempt))
        results: dict[str, tuple[int, str]] = {}
        with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
            for member in archive.getmembers():
                if not member.isfile() or not member.name.endswith(".json"):
                    continue
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                for item in json.load(handle):
                    results[str(item.get("operation_id"))] = (
                        int(item.get("status_code", 0)),
                        item.get("response") or "",
                    )
        return results

    def batch_operation(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        operation_id: str,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        operation: dict[str, Any] = {"method": method, "path": path, "operation_id": operation_id}
        if params:
            operation["params"] = params
        if body is not None:
            operation["body"] = json.dumps(body)
        return operation


def classify_batch_result(status: int, body: str) -> tuple[Literal["ok", "rejected", "failed"], str | None]:
    """(result, error) for one operation of a finished batch."""
    if 200 <= status < 300:
        return "ok", None
    detail = _describe_error(status, body)
    if status == 429 or status >= 500 or status == 0:
        return "failed", detail
    return "rejected", detail
