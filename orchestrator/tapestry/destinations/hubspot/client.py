"""HubSpot's CRM API through the official `hubspot-api-client` SDK: the calls the sync makes (account details,
daily usage, contact properties, batch upsert / read / archive), paced under the portal's 10-second limit,
retried with backoff honouring `Retry-After`, and what each refusal means (transient or permanent) in words
that never echo the token.

Bodies are read raw (`_preload_content=False`): the sync needs the JSON as HubSpot sent it (207 multi-status
included), not the SDK's models.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from tapestry.core.errors import SyncError
from tapestry.core.network import network_reason
from tapestry.core.pacing import Pacer, Window
from tapestry.core.retry import RetryPolicy, parse_retry_after

CONNECT_TIMEOUT_S = 10.0
PREFLIGHT_NETWORK_ATTEMPTS = 2
# HubSpot counts a call when it arrives, the pacer when it leaves: a margin keeps network jitter from
# putting two windows' calls into one.
WINDOW_S = 10.0
MARGIN_S = 0.25
TOKEN_FIX = "check the private app's access token (Settings > Integrations > Private apps > the app > Auth)"


class HubSpotError(Exception):
    """One refused or failed call: HTTP status (None: no answer), HubSpot's category and message."""

    def __init__(
        self,
        status: int | None,
        message: str,
        category: str = "",
        retry_after: float | None = None,
        policy: str = "",
        body: Any = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.retry_after = retry_after
        self.policy = policy  # a 429's policyName: DAILY or TEN_SECONDLY_ROLLING
        self.body = body
        self.unreachable = unreachable

    @property
    def daily_limit(self) -> bool:
        return self.status == 429 and self.policy.upper() == "DAILY"

    @property
    def transient(self) -> bool:
        if self.daily_limit:
            return False  # retrying before midnight only burns more of nothing
        return self.status is None or self.status == 429 or self.status >= 500

    @property
    def reason(self) -> str:
        """`Category: message` (rejections are grouped by what is before the colon)."""
        title = self.category or (f"HTTP {self.status}" if self.status else "network error")
        return f"{title}: {self.message}" if self.message else title


class DailyLimitReached(SyncError):
    """The portal used up its daily API calls: nothing more can be sent today."""


def parse_error(status: int | None, body: bytes | str | None, headers: Any) -> HubSpotError:
    """A HubSpot error body (`{category, message, errors}` or a 429's `{policyName, message}`) as an error."""
    data: Any = None
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    retry_after = parse_retry_after(headers.get("Retry-After")) if headers is not None else None
    if not isinstance(data, dict):
        return HubSpotError(status, f"HTTP {status}", retry_after=retry_after, body=body)
    message = str(data.get("message") or "")
    details = [str(e.get("message")) for e in data.get("errors") or [] if isinstance(e, dict) and e.get("message")]
    if details and not message:
        message = "; ".join(details)
    category = str(data.get("category") or data.get("errorType") or "")
    return HubSpotError(
        status, message, category, retry_after, str(data.get("policyName") or ""), data, unreachable=False
    )


class HubSpotClient:
    """One portal's CRM API, shared by the sync's worker threads (the SDK's connection pool is thread-safe)."""

    def __init__(
        self,
        token: str,
        base_url: str,
        requests_per_10s: int = 100,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        pacer: Pacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from hubspot.crm.contacts import ApiClient as ContactsClient
        from hubspot.crm.contacts import BatchApi
        from hubspot.crm.contacts import Configuration as ContactsConfiguration
        from hubspot.crm.properties import ApiClient as PropertiesClient
        from hubspot.crm.properties import Configuration as PropertiesConfiguration
        from hubspot.crm.properties import CoreApi

        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.pacer = pacer or Pacer([Window(requests_per_10s, WINDOW_S + MARGIN_S)])
        self.sleep = sleep
        self._requests = 0
        self._lock = threading.Lock()

        def configured(configuration_type: Any) -> Any:
            configuration = configuration_type(host=self.base_url)
            configuration.access_token = token
            configuration.retries = False  # every retry is ours: counted, paced, honouring Retry-After
            configuration.connection_pool_maxsize = 16
            return configuration

        self._contacts_client = ContactsClient(configured(ContactsConfiguration))
        self._properties_client = PropertiesClient(configured(PropertiesConfiguration))
        self.batch = BatchApi(self._contacts_client)
        self.properties = CoreApi(self._properties_client)

    @property
    def requests_made(self) -> int:
        return self._requests

    def close(self) -> None:
        for client in (self._contacts_client, self._properties_client):
            client.rest_client.pool_manager.clear()

    # --- plumbing ------------------------------------------------------------------------------------

    def _once(self, call: Callable[[], Any]) -> tuple[int, Any]:
        """One paced call: (status, parsed JSON body or None). Raises HubSpotError."""
        import urllib3
        from hubspot.crm.contacts.exceptions import ApiException
        from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

        self.pacer.acquire()
        with self._lock:
            self._requests += 1
        try:
            response = call()
        except (ApiException, PropertiesApiException) as exc:  # each SDK module has its own
            if not exc.status:  # the SDK's wrapper of a TLS or request-building failure
                raise HubSpotError(None, network_reason(exc, self.host)) from None
            raise parse_error(exc.status, exc.body, exc.headers) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            never = isinstance(exc, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)
            raise HubSpotError(None, network_reason(exc, self.host), unreachable=never) from None
        try:
            data = response.data
        finally:
            response.release_conn()
        return int(response.status), (json.loads(data) if data else None)

    def _call(self, call: Callable[[], Any], network_attempts: int | None = None) -> tuple[int, Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(call)
            except HubSpotError as failure:
                if failure.status == 401:
                    raise SyncError(f"HubSpot refused the access token ({failure.reason})", TOKEN_FIX) from None
                if failure.status == 403 and "SCOPE" in failure.category.upper():
                    raise SyncError(
                        f"the HubSpot private app lacks a scope ({failure.message})",
                        "give the app crm.objects.contacts.read and .write and crm.schemas.contacts.read "
                        "(Settings > Integrations > Private apps > the app > Scopes)",
                    ) from None
                if failure.daily_limit:
                    raise DailyLimitReached(
                        f"HubSpot's daily API limit of this portal is used up ({failure.message})",
                        "rerun after midnight in the portal's time zone (acknowledged contacts are not sent again), "
                        "or raise the limit (API limit increase pack)",
                    ) from None
                if not failure.transient or attempt >= self.retry.attempts:
                    raise
                if failure.unreachable and network_attempts is not None and attempt >= network_attempts:
                    raise
                delay = self.retry.delay(attempt, failure.retry_after)
                if failure.status == 429:
                    self.pacer.hold(delay)  # every thread waits out the window, not just this one
                else:
                    self.sleep(delay)

    def _raw(self, method: str, path: str, query: Sequence[tuple[str, str]] = ()) -> Callable[[], Any]:
        """A call the SDK has no API class for (account info), through its own client and auth."""

        def call() -> Any:
            answer = self._contacts_client.call_api(
                path,
                method,
                query_params=list(query),
                header_params={"Accept": "application/json"},
                auth_settings=["oauth2"],
                _preload_content=False,
                _return_http_data_only=True,
                _request_timeout=(CONNECT_TIMEOUT_S, self.timeout),
            )
            return answer[0] if isinstance(answer, tuple) else answer

        return call

    # --- checks --------------------------------------------------------------------------------------

    def account(self) -> dict[str, Any]:
        """GET /account-info/v3/details: portalId, name, time zone (the token's portal)."""
        _, body = self._call(self._raw("GET", "/account-info/v3/details"), PREFLIGHT_NETWORK_ATTEMPTS)
        return dict(body or {})

    def daily_usage(self) -> dict[str, Any] | None:
        """Today's API calls of the portal's private apps (None when HubSpot does not say)."""
        _, body = self._call(self._raw("GET", "/account-info/v3/api-usage/daily/private-apps"))
        results = (body or {}).get("results") or []
        return dict(results[0]) if results else None

    def contact_properties(self) -> list[dict[str, Any]]:
        """GET /crm/v3/properties/contacts: every contact property of the portal."""
        _, body = self._call(
            lambda: self.properties.get_all(
                "contacts", _preload_content=False, _request_timeout=(CONNECT_TIMEOUT_S, self.timeout)
            )
        )
        return list((body or {}).get("results") or [])

    # --- batches -------------------------------------------------------------------------------------

    def upsert(self, inputs: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        """POST /crm/v3/objects/contacts/batch/upsert: 200, or 207 with per-input `errors`."""
        status, body = self._call(
            lambda: self.batch.upsert(
                {"inputs": inputs}, _preload_content=False, _request_timeout=(CONNECT_TIMEOUT_S, self.timeout)
            )
        )
        return status, dict(body or {})

    def read(self, ids: list[str], id_property: str | None, properties: list[str]) -> dict[str, Any]:
        """POST /crm/v3/objects/contacts/batch/read (by e-mail with id_property `email`, else by contact id)."""
        payload: dict[str, Any] = {
            "inputs": [{"id": i} for i in ids],
            "properties": properties,
            "propertiesWithHistory": [],
        }
        if id_property:
            payload["idProperty"] = id_property
        _, body = self._call(
            lambda: self.batch.read(payload, _preload_content=False, _request_timeout=(CONNECT_TIMEOUT_S, self.timeout))
        )
        return dict(body or {})

    def archive(self, ids: list[str]) -> None:
        """POST /crm/v3/objects/contacts/batch/archive (204): archived contacts can be restored for 90 days."""
        self._call(
            lambda: self.batch.archive(
                {"inputs": [{"id": i} for i in ids]},
                _preload_content=False,
                _request_timeout=(CONNECT_TIMEOUT_S, self.timeout),
            )
        )
