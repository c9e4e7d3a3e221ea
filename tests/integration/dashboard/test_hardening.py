"""The dashboard command and server where an attacker or a newcomer pokes: the token never on a browser's
command line, short tokens refused, request bodies never parsed as requests, security headers on every
answer, and a Sync page that says when every sync so far was a preview."""

from __future__ import annotations

import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from integration.dashboard.scenario import (
    LineReader,
    Scenario,
    clean_env,
    fetch,
    running_dashboard,
    wait_until_serving,
)
from support.projects import make_project

TOKEN = "a-token-the-user-chose-0123456789"
SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def _recording_browser(tmp_path: Path) -> tuple[str, Path]:
    """A BROWSER command that records the arguments it was started with (what `ps` would show)."""
    record = tmp_path / "browser-args.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{record}"\n')
    script.chmod(0o755)
    return str(script), record


def _start(project: Path, tmp_path: Path, **env: str) -> tuple[subprocess.Popen[str], LineReader, Path]:
    browser, record = _recording_browser(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "tapestry", "dashboard", "--project", str(project), "--host", "0.0.0.0", "--port", "0"],
        cwd=project,
        env=clean_env(COLUMNS="200", NO_COLOR="1", PYTHONUNBUFFERED="1", BROWSER=browser, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, LineReader(process), record


def _browser_args(record: Path, process: subprocess.Popen[str]) -> list[str]:
    deadline = time.monotonic() + 60
    while not record.exists() or not record.read_text().strip():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the browser was not started"
        time.sleep(0.02)
    return record.read_text().split()


@pytest.mark.parametrize("chosen", [True, False], ids=["token-from-environment", "generated-token"])
def test_the_browser_is_opened_without_the_token_on_its_command_line(
    scenario: Scenario, tmp_path: Path, chosen: bool
) -> None:
    process, output, record = _start(
        scenario.project, tmp_path, **({"TAPESTRY_DASHBOARD_TOKEN": TOKEN} if chosen else {})
    )
    try:
        base = output.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)
        token = TOKEN if chosen else output.wait_for(r"\?token=([\w-]+)").group(1)
        (argument,) = _browser_args(record, process)
        assert token not in argument
        opener = Path(urlsplit(argument).path)
        assert argument.startswith("file://") and opener.is_file()
        assert stat.S_IMODE(opener.stat().st_mode) == 0o600 and stat.S_IMODE(opener.parent.stat().st_mode) == 0o700
        assert token not in opener.read_text(), "the file holds a one-time code, not the token"
        login = re.search(r'url=([^"]+)"', opener.read_text()).group(1)  # type: ignore[union-attr]
        assert login.startswith(base)

        wait_until_serving(base + "api/health")
        first = fetch(login)
        assert first.status == 303 and "set-cookie" in first.headers
        assert (
            fetch(
                first.headers["location"].join([base.rstrip("/"), ""]),
                {"Cookie": first.headers["set-cookie"].split(";")[0]},
            ).status
            == 200
        )
        assert fetch(login).status == 401, "the code works once"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    assert process.returncode == 0
    assert not opener.exists() and not opener.parent.exists(), "the file is removed when the dashboard stops"


def test_a_chosen_token_shorter_than_the_minimum_is_refused(scenario: Scenario, tmp_path: Path) -> None:
    process, output, record = _start(scenario.project, tmp_path, TAPESTRY_DASHBOARD_TOKEN="hunter2")
    process.wait(60)
    err = process.stderr.read() if process.stderr else ""
    assert process.returncode == 2, err
    assert "TAPESTRY_DASHBOARD_TOKEN is 7 characters long; a dashboard token needs at least 16" in err
    assert "hunter2" not in err + output.rest()
    assert not record.exists()


def _raw(port: int, request: bytes) -> bytes:
    """Send raw bytes, read until the server closes the connection (or 10 s of silence)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def test_a_refused_request_with_a_body_closes_the_connection(scenario: Scenario) -> None:
    smuggled = b"GET /api/overview HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with running_dashboard(scenario.project) as server:
        answer = _raw(
            server.port,
            b"POST /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
            + str(len(smuggled)).encode()
            + b"\r\n\r\n"
            + smuggled,
        )
    assert answer.count(b"HTTP/1.1 ") == 1, "the body was read as a second request:\n" + answer.decode()
    head = answer.split(b"\r\n\r\n", 1)[0].decode().lower()
    assert head.startswith("http/1.1 405") and "connection: close" in head


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"BREW /coffee HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 501),  # a method http.server does not know
        (b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", 505),
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET / HTTP/1.x\r\n\r\n", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 200 + b"\r\n", 431),
    ],
    ids=["501", "505", "400-syntax", "400-version", "414", "431"],
)
def test_answers_written_by_http_server_itself_carry_the_security_headers(
    scenario: Scenario, request_bytes: bytes, status: int
) -> None:
    with running_dashboard(scenario.project) as server:
        answer = _raw(server.port, request_bytes)
    head = answer.split(b"\r\n\r\n", 1)[0].decode().lower()
    assert head.startswith("http/1.") and f" {status} " in head.splitlines()[0], head
    for header in SECURITY:
        assert f"{header}:" in head, f"{status} answer without {header}"


def test_the_sync_page_says_the_syncs_so_far_were_previews(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=200)  # no API key: the run's sync is a preview
    demo.cli.ok("sync", "--preview", "--project", "project")
    with running_dashboard(demo.project) as server:
        page = fetch(f"{server.url}api/sync").json()
        html = fetch(f"{server.url}sync").text
    assert page["runs"] == [] and page["previews"] == 2
    assert page["hint"].startswith("2 syncs so far were previews: nothing was sent to Mailchimp")
    assert "No sync run yet" not in html and "syncs so far were previews" in html
