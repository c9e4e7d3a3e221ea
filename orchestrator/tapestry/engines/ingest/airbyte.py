"""Airbyte public API client (`<host>/api/public/v1`), with the idempotent configuration Tapestry needs.

The token exchange is done here with a JSON body (the airbyte-api SDK's client-credentials hook posts a
form and drops the path prefix, which OSS servers reject). Tokens live 15 minutes and are refreshed a
minute early. Sources, destinations and connections are found by name before anything is created, so
a rerun changes nothing. Secrets are sent to Airbyte only; they never appear in errors or logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tapestry.core.errors import TapestryError

TERMINAL_JOB_STATES = {"succeeded", "failed", "cancelled"}  # pending, queued, running, incomplete: wait
# Select the connector; the server removes them from the configuration it stores and returns.
TYPE_KEYS = frozenset({"sourceType", "destinationType"})
MASK_PREFIX = "****"  # secrets come back as "**********"


class AirbyteError(TapestryError):
    """Airbyte refused a call or could not be reached; names the object, never a secret."""


@dataclass
class ConfigResult:
    kind: str  # source, destination, connection
    name: str
    id: str
    action: str  # created, updated, unchanged


@dataclass
class AirbyteClient:
    base_url: str  # https://airbyte.example.com (the /api/public/v1 prefix is added here)
    client_id: str
    client_secret: str = field(repr=False)
    timeout: float = 600.0  # POST connections discovers the schema synchronously (minutes for a large CRM)
    attempts: int = 6
    sleep: Callable[[float], None] = time.sleep
    _token: str | None = field(default=None, repr=False)
    _token_expires: float = 0.0
    _http: Any = None
    requests_made: int = 0

    def __post_init__(self) -> None:
        import httpx

        self.base_url = self.base_url.rstrip("/")
        self._http = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=15.0))

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/public/v1"

    def close(self) -> None:
        self._http.close()

    # -- transport ---------------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        import httpx

        attempt = 0
        while True:
            attempt += 1
            self.requests_made += 1
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                if attempt >= self.attempts:
                    raise AirbyteError(
                        f"Airbyte at {self.base_url} is unreachable ({type(exc).__name__})",
                        "check aws.airbyte.url / the ALB address and that your IP is in allowed_cidrs",
                    ) from None
                self.sleep(min(30.0, 0.5 * 2**attempt))
                continue
            if response.status_code in (429, 502, 503, 504) and attempt < self.attempts:
                retry_after = response.headers.get("Retry-After")
                self.sleep(float(retry_after) if retry_after and retry_after.isdigit() else min(30.0, 0.5 * 2**attempt))
                continue
            return response

    def _token_header(self) -> dict[str, str]:
        if self._token is None or time.monotonic() > self._token_expires - 60:
            response = self._send(
                "POST",
                f"{self.api}/applications/token",
                json={
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "grant_type": "client_credentials",
                },
            )
            if response.status_code != 200:
                raise AirbyteError(
                    f"Airbyte refused the API client credentials (HTTP {response.status_code})",
                    "check the client id/secret Tapestry stored in SSM (tapestry doctor)",
                )
            body = response.json()
            self._token = str(body["access_token"])
            self._token_expires = time.monotonic() + float(body.get("expires_in", 900))
        return {"Authorization": f"Bearer {self._token}"}

    def call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = self._send(method, f"{self.api}/{path}", headers=self._token_header(), **kwargs)
        if response.status_code == 401:  # token revoked or expired early: one fresh try
            self._token = None
            response = self._send(method, f"{self.api}/{path}", headers=self._token_header(), **kwargs)
        if response.status_code >= 400:
            raise AirbyteError(f"Airbyte {what} failed: {_problem(response)}", _fix_for(response.status_code))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # -- health and discovery ----------------------------------------------------------------------------

    def wait_healthy(self, timeout: float = 1800.0, poll: float = 10.0) -> float:
        """Wait until Airbyte answers healthy (a first boot can take ~30 min). Returns seconds waited."""
        started = time.monotonic()
        while True:
            try:
                response = self._http.get(f"{self.base_url}/api/v1/health", timeout=15.0)
                self.requests_made += 1
                if response.status_code == 200 and response.json().get("available") is True:
                    return time.monotonic() - started
            except Exception:  # not up yet: connection refused, 502 from the ALB, HTML, ...
                pass
            if time.monotonic() - started > timeout:
                raise AirbyteError(
                    f"Airbyte at {self.base_url} did not become healthy within {int(timeout)} s",
                    "check the instance's /var/log/tapestry-airbyte-install.log and rerun the deploy",
                )
            self.sleep(poll)

    def workspace_id(self) -> str:
        data = self.call("GET", "workspaces", "listing workspaces", params={"limit": 20}).get("data", [])
        if not data:
            raise AirbyteError("Airbyte has no workspace", "finish Airbyte's first start, then rerun")
        return str(data[0]["workspaceId"])

    def _list(self, kind: str, workspace_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.call(
                "GET", kind, f"listing {kind}", params={"workspaceIds": workspace_id, "limit": 100, "offset": offset}
            )
            data = page.get("data", [])
            items += data
            if not page.get("next") or not data:
                return items
            offset += len(data)

    def streams(self, source_id: str, destination_id: str | None = None) -> list[dict[str, Any]]:
        params = {"sourceId": source_id, **({"destinationId": destination_id} if destination_id else {})}
        return list(self.call("GET", "streams", "discovering streams", params=params))

    # -- idempotent configuration ------------------------------------------------------------------------

    def ensure_source(
        self, workspace_id: str, name: str, configuration: Mapping[str, Any], rotate_secrets: bool = False
    ) -> ConfigResult:
        return self._ensure("sources", "source", "sourceId", workspace_id, name, configuration, rotate_secrets)

    def ensure_destination(
        self, workspace_id: str, name: str, configuration: Mapping[str, Any], rotate_secrets: bool = False
    ) -> ConfigResult:
        return self._ensure(
            "destinations", "destination", "destinationId", workspace_id, name, configuration, rotate_secrets
        )

    def _ensure(
        self,
        kind: str,
        label: str,
        id_key: str,
        workspace_id: str,
        name: str,
        configuration: Mapping[str, Any],
        rotate_secrets: bool,
    ) -> ConfigResult:
        existing = next((i for i in self._list(kind, workspace_id) if i.get("name") == name), None)
        if existing is None:
            created = self.call(
                "POST",
                kind,
                f"creating {label} {name!r}",
                json={"name": name, "workspaceId": workspace_id, "configuration": dict(configuration)},
            )
            return ConfigResult(label, name, str(created[id_key]), "created")
        object_id = str(existing[id_key])
        # Compare with what the server returns: the stored configuration without sourceType/destinationType
        # and with secrets masked. Secrets are resent only when the deploy changed one.
        wanted = {k: v for k, v in configuration.items() if k not in TYPE_KEYS}
        if rotate_secrets or not _same_visible(existing.get("configuration") or {}, wanted):
            self.call(
                "PATCH",
                f"{kind}/{object_id}",
                f"updating {label} {name!r}",
                json={"name": name, "configuration": dict(configuration)},
            )
            return ConfigResult(label, name, object_id, "updated")
        return ConfigResult(label, name, object_id, "unchanged")

    def ensure_connection(
        self,
        workspace_id: str,
        name: str,
        source_id: str,
        destination_id: str,
        streams: Sequence[Mapping[str, Any]],
        schedule: Mapping[str, Any],
        namespace_format: str,
    ) -> ConfigResult:
        if not streams:  # an empty list would select every stream as full_refresh_overwrite
            raise AirbyteError(f"connection {name!r} selects no stream", "name the streams in the template")
        # Only fields of ConnectionCreateRequest: the workspace follows from the source.
        desired: dict[str, Any] = {
            "name": name,
            "sourceId": source_id,
            "destinationId": destination_id,
            "configurations": {"streams": [dict(s) for s in streams]},
            "schedule": dict(schedule),
            "namespaceDefinition": "custom_format",
            "namespaceFormat": namespace_format,
            "status": "active",
        }
        existing = next((c for c in self._list("connections", workspace_id) if c.get("name") == name), None)
        if existing is None:
            created = self.call("POST", "connections", f"creating connection {name!r}", json=desired)
            return ConfigResult("connection", name, str(created["connectionId"]), "created")
        connection_id = str(existing["connectionId"])
        if _same_connection(existing, desired):
            return ConfigResult("connection", name, connection_id, "unchanged")
        patch = {k: v for k, v in desired.items() if k not in {"sourceId", "destinationId"}}
        self.call("PATCH", f"connections/{connection_id}", f"updating connection {name!r}", json=patch)
        return ConfigResult("connection", name, connection_id, "updated")

    # -- jobs --------------------------------------------------------------------------------------------

    def start_sync(self, connection_id: str) -> int:
        """Start a sync job; if one is already running (409), follow that one instead."""
        try:
            job = self.call("POST", "jobs", "starting a sync", json={"connectionId": connection_id, "jobType": "sync"})
            return int(job["jobId"])
        except AirbyteError as exc:
            if "409" not in exc.message and "try-again-later" not in exc.message:
                raise
        running = self.jobs(connection_id, limit=5)
        for job in running:
            if job.get("status") not in TERMINAL_JOB_STATES:
                return int(job["jobId"])
        raise AirbyteError(f"Airbyte refused to start a sync of connection {connection_id}", "retry in a minute")

    def wait_job(self, job_id: int, timeout: float = 6 * 3600, poll: float = 15.0) -> dict[str, Any]:
        started = time.monotonic()
        while True:
            job = dict(self.call("GET", f"jobs/{job_id}", f"reading job {job_id}"))
            status = job.get("status")
            if status in TERMINAL_JOB_STATES:
                if status != "succeeded":
                    raise AirbyteError(
                        f"Airbyte sync job {job_id} {status}", "open the job's logs in the Airbyte UI, then rerun"
                    )
                return job
            if time.monotonic() - started > timeout:
                raise AirbyteError(f"Airbyte sync job {job_id} still {status} after {int(timeout)} s", "check Airbyte")
            self.sleep(poll)

    def jobs(self, connection_id: str, limit: int = 20) -> list[dict[str, Any]]:
        page = self.call(
            "GET",
            "jobs",
            "listing jobs",
            params={"connectionId": connection_id, "limit": limit, "orderBy": "createdAt|DESC"},
        )
        return list(page.get("data", []))

    def connections(self, workspace_id: str) -> list[dict[str, Any]]:
        return self._list("connections", workspace_id)


def _same_visible(current: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    for key, value in desired.items():
        if key not in current:
            return False
        have = current[key]
        if isinstance(have, str) and have.startswith(MASK_PREFIX):
            continue  # a secret: masked by Airbyte
        if isinstance(value, Mapping) and isinstance(have, Mapping):
            if not _same_visible(have, value):
                return False
        elif have != value:
            return False
    return True


def _cron(schedule: Mapping[str, Any]) -> str | None:
    """The cron expression without the time zone the server appends (`0 0 12 * * ? UTC`)."""
    expression = schedule.get("cronExpression")
    return str(expression).removesuffix(" UTC").strip() if expression else None


def _same_connection(current: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """Whether the connection the server returns already is what the deploy asks for. Per stream only
    the keys the template sets count: the server fills in the cursor and key a source defines."""
    if current.get("schedule", {}).get("scheduleType") != desired["schedule"].get("scheduleType"):
        return False
    if _cron(current.get("schedule", {})) != _cron(desired["schedule"]):
        return False
    for key in ("namespaceDefinition", "namespaceFormat", "status"):
        if current.get(key) != desired[key]:
            return False
    have = {str(s.get("name")): s for s in (current.get("configurations") or {}).get("streams", [])}
    want = {str(s.get("name")): s for s in desired["configurations"]["streams"]}
    if set(have) != set(want):
        return False
    return all(have[n].get(k) == v for n, stream in want.items() for k, v in stream.items())


def _problem(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        data = body["data"] if isinstance(body.get("data"), dict) else {}
        # data.message says what was wrong (422: which property of the connector's spec); detail is generic
        detail = data.get("message") or body.get("detail") or body.get("message") or ""
        title = body.get("title") or ""
        return f"HTTP {response.status_code} {title}: {str(detail)[:300]}".strip(": ")
    return f"HTTP {response.status_code}"


def _fix_for(status: int) -> str:
    return {
        401: "check the Airbyte API client credentials in SSM",
        403: "the Airbyte application lacks permission; use the instance admin application",
        404: "the object was deleted in Airbyte; rerun the deploy to recreate it",
        409: "a sync is already running; wait for it and rerun",
        422: "the configuration was refused; check the source credentials (tapestry doctor)",
    }.get(status, "check Airbyte's logs and rerun")
