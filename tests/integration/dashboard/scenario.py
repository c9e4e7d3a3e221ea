"""A demo project with everything the dashboard shows, built through the real CLI, and small HTTP helpers.

Shared by tests/integration/dashboard and tests/e2e (import it as `integration.dashboard.scenario`).

The project: demo exports, plus a Zoom file whose e-mail and first name carry HTML (a rejected source
record), synced twice to the fake Mailchimp; two members of the first sync were permanently deleted in
Mailchimp beforehand, so the sync records two rejections.
"""

from __future__ import annotations

import csv
import http.client
import os
import queue
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fakes.mailchimp import FakeMailchimp
from support.projects import DemoProject, make_project

LIST_ID = "dashlist1"
XSS_EMAIL = '<img src=x onerror="window.__xss=1">'
XSS_NAME = "<b>bold</b>"
FORGOTTEN = ("forgotten.one@example.com", "forgotten.two@example.com")
LATE_PEOPLE = ("late.one@example.com", "late.two@example.com")
ZOOM_HEADER = ["id", "webinar_id", "email", "first_name", "last_name", "status", "create_time", "join_url"]


@dataclass
class Scenario:
    demo: DemoProject
    api_key: str

    @property
    def project(self) -> Path:
        return self.demo.project

    @property
    def warehouse(self) -> Path:
        return self.demo.warehouse


def write_zoom_file(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ZOOM_HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({"status": "approved", "join_url": "", **row})


def registrant(registrant_id: str, webinar: str, email: str, first: str, last: str) -> dict[str, str]:
    # Registered now: the newest records, so they head the dashboard's "latest" lists.
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": registrant_id,
        "webinar_id": webinar,
        "email": email,
        "first_name": first,
        "last_name": last,
        "create_time": now,
    }


def build_scenario(root: Path, rows: int = 400) -> Scenario:
    env_home = root / "home"
    env_home.mkdir(parents=True, exist_ok=True)
    with FakeMailchimp(list_ids=[LIST_ID], seed=5, strict_requests=True) as fake:
        demo = make_project(root, rows=rows, run=False, mailchimp_list_id=LIST_ID, mailchimp_api_url=fake.base_url)
        demo.cli.env.update(
            {"MAILCHIMP_API_KEY": fake.api_key, "HOME": str(env_home), "XDG_CONFIG_HOME": str(env_home / ".config")}
        )
        write_zoom_file(
            demo.exports / "zoom" / "webinar_99_registrants.csv",
            [
                registrant("xss1", "99", XSS_EMAIL, XSS_NAME, "Evil"),
                registrant("fg1", "99", FORGOTTEN[0], "Forgotten", "One"),
                registrant("fg2", "99", FORGOTTEN[1], "Forgotten", "Two"),
            ],
        )
        for email in FORGOTTEN:
            fake.forget(LIST_ID, email)
        demo.cli.ok("run", "--project", "project")
        write_zoom_file(
            demo.exports / "zoom" / "webinar_98_registrants.csv",
            [registrant(f"late{i}", "98", email, "Late", str(i)) for i, email in enumerate(LATE_PEOPLE)],
        )
        demo.cli.ok("run", "--project", "project")
        return Scenario(demo, fake.api_key)


# --- reading the warehouse the way the dashboard does (same DuckDB configuration, read-only) -------------


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse

    with DuckDBWarehouse(warehouse, read_only=True) as wh:
        return wh.query(sql)


def scalar(warehouse: Path, sql: str) -> Any:
    return query(warehouse, sql)[0][0]


# --- HTTP -------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        import json

        return json.loads(self.body)


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    """One request, no proxy, no redirect following (the tests look at redirects themselves)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target or "/", headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def wait_until_serving(url: str, timeout: float = 30.0, headers: dict[str, str] | None = None) -> None:
    """Poll `url` until it answers (any status) or the deadline passes."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            fetch(url, headers)
            return
        except OSError as exc:
            last = exc
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {timeout}s: {last}")


@contextmanager
def running_dashboard(project: Path, **options: Any) -> Iterator[Any]:
    """The dashboard in this process, on a free port, until the block ends."""
    from tapestry.dashboard.server import build_dashboard

    options.setdefault("port", 0)
    options.setdefault("refresh_s", 0)
    options.setdefault("cloud", None)
    server = build_dashboard(project, **options)
    with server:
        wait_until_serving(server.url + "api/health", headers=_auth(options.get("token")))
        yield server


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class LineReader:
    """Reads a process's stdout on a thread, so a test can wait for a line with a deadline.

    (select() on the pipe is not enough: the text wrapper may already hold the next lines in its buffer.)
    """

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self.process = process
        self.seen = ""
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen += line
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no {pattern!r} in the output so far:\n{self.seen}")

    def rest(self, timeout: float = 30.0) -> str:
        """Everything printed after the process ended."""
        self._thread.join(timeout)
        while not self._lines.empty():
            line = self._lines.get_nowait()
            if line is not None:
                self.seen += line
        return self.seen


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TAPESTRY_"))}
    return {**env, **extra}
