"""Klaviyo's API (revision 2026-07-15) through the official `klaviyo-api` SDK: the calls the sync makes, each
paced under its endpoint's published burst and steady limits, retried with backoff honouring `Retry-After`,
and what each refusal means (transient or permanent) in words that never echo the key.

Bodies are read raw (`*_without_preload_content`): the sync reads the JSON:API documents as Klaviyo sent them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tapestry.core.errors import SyncError
from tapestry.core.network import network_reason
from tapestry.core.pacing import Pacer, Window
from tapestry.core.retry import RetryPolicy, parse_retry_after
from tapestry.destinations.klaviyo.config import REVISION

CONNECT_TIMEOUT_S = 10.0
PREFLIGHT_NETWORK_ATTEMPTS = 2
PAGE_MAX = 100
KEY_FIX = "check the private API key (Klaviyo > Settings > API keys; scopes lists:write and profiles:write)"
# Published limits of the endpoints the sync calls (x-klaviyo-ratelimit in tests/contracts/klaviyo):
# (calls per second, calls per minute). Limits are per account and endpoint.
LIMITS = {
    "get_list": (75, 750),
    "profile_import": (75, 750),
    "get_profiles": (75, 750),
    "bulk_import": (10, 150),  # job creation, job reads and import-error pages
    "list_members": (10, 150),  # add to / remove from a list
}


class KlaviyoError(Exception):
    """One refused or failed call: HTTP status (None: no answer) and Klaviyo's first error."""

    def __init__(
        self,
        status: int | None,
        detail: str,
        code: str = "",
        title: str = "",
        retry_after: float | None = None,
        pointer: str = "",
        unreachable: bool = False,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.title = title
        self.retry_after = retry_after
        self.pointer = pointer
        self.unreachable = unreachable

    @property
    def transient(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500

    @property
    def reason(self) -> str:
        """`Title: detail` (rejections are grouped by the title)."""
        title = (self.title or (f"HTTP {self.status}" if self.status else "network error")).rstrip(".")
        return f"{title}: {self.detail}" if self.detail and self.detail != self.title else title


def parse_error(status: int, body: bytes | None, headers: Any) -> KlaviyoError:
    retry_after = parse_retry_after(headers.get("Retry-After")) if headers is not None else None
    try:
        errors = (json.loads(body) if body else {}).get("errors") or []
    except (ValueError, AttributeError):
        errors = []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return KlaviyoError(
        status,
        str(first.get("detail") or f"HTTP {status}"),
        str(first.get("code") or ""),
        str(first.get("title") or ""),
        retry_after,
        str((first.get("source") or {}).get("pointer") or ""),
    )


def cursor_of(links: dict[str, Any] | None) -> str | None:
    """The `page[cursor]` of a JSON:API `links.next` (None on the last page)."""
    following = (links or {}).get("next")
    if not following:
        return None
    values = parse_qs(urlsplit(str(following)).query).get("page[cursor]")
    return values[0] if values else None


class KlaviyoClient:
    """One account's API, shared by the sync's worker threads (the SDK's connection pool is thread-safe)."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        pacers: dict[str, Pacer] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import openapi_client
        from klaviyo_api import KlaviyoAPI
        from openapi_client.api.lists_api import ListsApi
        from openapi_client.api.profiles_api import ProfilesApi

        if KlaviyoAPI._REVISION != REVISION:  # the contract the fakes hold Tapestry to
            raise SyncError(
                f"klaviyo-api speaks revision {KlaviyoAPI._REVISION}, Tapestry expects {REVISION}",
                "reinstall Tapestry (it pins the klaviyo-api release of its revision)",
            )
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        # Klaviyo counts a call when it arrives, the pacer when it leaves: margins absorb network jitter.
        self.pacers = pacers or {name: Pacer([Window(s, 1.05), Window(m, 61.0)]) for name, (s, m) in LIMITS.items()}
        self.sleep = sleep
        self._requests = 0
        self._lock = threading.Lock()
        # The SDK's typed signatures want its models; it validates plain JSON:API dicts into them itself.
        configuration: Any = openapi_client.Configuration(  # type: ignore[attr-defined]
            host=self.base_url, api_key={"Klaviyo-API-Key": f"Klaviyo-API-Key {api_key}"}
        )
        configuration.retries = False  # every retry is ours: counted, paced, honouring Retry-After
        configuration.connection_pool_maxsize = 16
        self._api_client: Any = openapi_client.ApiClient(configuration)  # type: ignore[attr-defined]
        self._api_client.default_headers["revision"] = REVISION
        self.profiles: Any = ProfilesApi(self._api_client)
        self.lists: Any = ListsApi(self._api_client)

    @property
    def requests_made(self) -> int:
        return self._requests

    def close(self) -> None:
        self._api_client.rest_client.pool_manager.clear()

    # --- plumbing ------------------------------------------------------------------------------------

    def _once(self, limit: str, call: Callable[[], Any]) -> tuple[int, Any]:
        import urllib3
        from openapi_client.exceptions import ApiException

        self.pacers[limit].acquire()
        with self._lock:
            self._requests += 1
        try:
            response = call()
        except ApiException as exc:  # the SDK's wrapper of a TLS failure
            raise KlaviyoError(None, network_reason(exc, self.host)) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            never = isinstance(exc, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)
            raise KlaviyoError(None, network_reason(exc, self.host), unreachable=never) from None
        try:
            data = response.data
        finally:
            response.release_conn()
        status = int(response.status)
        if not 200 <= status < 300:
            raise parse_error(status, data, response.headers)
        return status, (json.loads(data) if data else None)

    def _call(self, limit: str, call: Callable[[], Any], network_attempts: int | None = None) -> tuple[int, Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(limit, call)
            except KlaviyoError as failure:
                if failure.status == 401:
                    raise SyncError(f"Klaviyo refused the API key ({failure.reason})", KEY_FIX) from None
                if failure.status == 403:
                    raise SyncError(f"the Klaviyo API key may not do this ({failure.reason})", KEY_FIX) from None
                if not failure.transient or attempt >= self.retry.attempts:
                    raise
                if failure.unreachable and network_attempts is not None and attempt >= network_attempts:
                    raise
                delay = self.retry.delay(attempt, failure.retry_after)
                if failure.status == 429:
                    self.pacers[limit].hold(delay)  # every thread waits out the window, not just this one
                else:
                    self.sleep(delay)

    @property
    def _timeouts(self) -> tuple[float, float]:
        return (CONNECT_TIMEOUT_S, self.timeout)

    # --- calls ---------------------------------------------------------------------------------------

    def get_list(self, list_id: str) -> dict[str, Any]:
        _, body = self._call(
            "get_list",
            lambda: self.lists.get_list_without_preload_content(list_id, _request_timeout=self._timeouts),
            PREFLIGHT_NETWORK_ATTEMPTS,
        )
        return dict((body or {}).get("data") or {})

    def import_profile(self, profile: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST /api/profile-import: 201 created, 200 updated; the profile document."""
        status, body = self._call(
            "profile_import",
            lambda: self.profiles.create_or_update_profile_without_preload_content(
                {"data": profile}, _request_timeout=self._timeouts
            ),
        )
        return status, dict((body or {}).get("data") or {})

    def submit_job(self, profiles: list[dict[str, Any]], list_id: str) -> str:
        """POST /api/profile-bulk-import-jobs (202): the job's id. The profiles join the list when it lands."""
        body = {
            "data": {
                "type": "profile-bulk-import-job",
                "attributes": {"profiles": {"data": profiles}},
                "relationships": {"lists": {"data": [{"type": "list", "id": list_id}]}},
            }
        }
        _, answer = self._call(
            "bulk_import",
            lambda: self.profiles.bulk_import_profiles_without_preload_content(body, _request_timeout=self._timeouts),
        )
        return str(((answer or {}).get("data") or {})["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        """GET /api/profile-bulk-import-jobs/{job_id}: status, counts."""
        _, body = self._call(
            "bulk_import",
            lambda: self.profiles.get_bulk_import_profiles_job_without_preload_content(
                job_id, _request_timeout=self._timeouts
            ),
        )
        return dict(((body or {}).get("data") or {}).get("attributes") or {})

    def job_errors(self, job_id: str) -> Iterator[dict[str, Any]]:
        """Every import error of a finished job (`attributes`: code, title, detail, source, original_payload)."""
        cursor: str | None = None
        while True:

            def page(cursor: str | None = cursor) -> Any:
                return self.profiles.get_errors_for_bulk_import_profiles_job_without_preload_content(
                    job_id, page_size=PAGE_MAX, page_cursor=cursor, _request_timeout=self._timeouts
                )

            _, body = self._call("bulk_import", page)
            for item in (body or {}).get("data") or []:
                yield dict(item.get("attributes") or {})
            cursor = cursor_of((body or {}).get("links"))
            if cursor is None:
                return

    def find_profiles(self, emails: list[str]) -> dict[str, str]:
        """E-mail (lower-case) -> profile id, for the e-mails Klaviyo knows (at most 100 per call)."""
        found: dict[str, str] = {}
        for start in range(0, len(emails), PAGE_MAX):
            chunk = emails[start : start + PAGE_MAX]
            expression = "any(email,[" + ",".join(json.dumps(e) for e in chunk) + "])"

            def page(expression: str = expression) -> Any:
                return self.profiles.get_profiles_without_preload_content(
                    fields_profile=["email"], filter=expression, page_size=PAGE_MAX, _request_timeout=self._timeouts
                )

            _, body = self._call("get_profiles", page)
            for item in (body or {}).get("data") or []:
                email = str((item.get("attributes") or {}).get("email") or "").strip().lower()
                if email and item.get("id"):
                    found[email] = str(item["id"])
        return found

    def add_to_list(self, list_id: str, profile_ids: list[str]) -> None:
        """POST /api/lists/{id}/relationships/profiles (at most 1,000 ids): consent is not changed."""
        body = {"data": [{"type": "profile", "id": i} for i in profile_ids]}
        self._call(
            "list_members",
            lambda: self.lists.add_profiles_to_list_without_preload_content(
                list_id, body, _request_timeout=self._timeouts
            ),
        )

    def remove_from_list(self, list_id: str, profile_ids: list[str]) -> None:
        """DELETE /api/lists/{id}/relationships/profiles: consent and subscription status stay as they are."""
        body = {"data": [{"type": "profile", "id": i} for i in profile_ids]}
        self._call(
            "list_members",
            lambda: self.lists.remove_profiles_from_list_without_preload_content(
                list_id, body, _request_timeout=self._timeouts
            ),
        )
