"""Who may read the dashboard, and the `tapestry dashboard` command as a user runs it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from integration.dashboard.scenario import (
    LineReader,
    Scenario,
    clean_env,
    fetch,
    running_dashboard,
    wait_until_serving,
)
from tapestry.dashboard.auth import COOKIE, Guard, is_loopback, resolve_token

TOKEN = "s3cret-token-for-tests"


def test_a_non_loopback_bind_requires_the_token(scenario: Scenario) -> None:
    with running_dashboard(scenario.project, host="0.0.0.0", token=TOKEN) as server:
        base = f"http://127.0.0.1:{server.port}"
        for path in ("/api/health", "/api/overview", "/", "/sync", "/static/style.css", "/api/nope"):
            denied = fetch(base + path)
            assert denied.status == 401, path
            assert TOKEN not in denied.text
            assert denied.headers["www-authenticate"].startswith("Bearer")
        assert fetch(f"{base}/api/health").json()["error"] == "token required"
        assert "text/html" in fetch(f"{base}/").headers["content-type"]

        assert fetch(f"{base}/api/health", {"Authorization": f"Bearer {TOKEN}"}).status == 200
        assert fetch(f"{base}/api/health", {"Authorization": f"Bearer {TOKEN}x"}).status == 401
        assert fetch(f"{base}/api/health", {"Authorization": TOKEN}).status == 401
        assert fetch(f"{base}/api/health?token=wrong").status == 401
        assert fetch(f"{base}/api/nope", {"Authorization": f"Bearer {TOKEN}"}).status == 404

        # ?token= on a page: a cookie, and a redirect that takes the token out of the address bar
        login = fetch(f"{base}/sync?token={TOKEN}&x=1")
        assert login.status == 303 and login.headers["location"] == "/sync?x=1"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert TOKEN not in cookie, "the cookie carries a value derived from the token, not the token"
        value = cookie.split(";", 1)[0]
        assert fetch(f"{base}/sync", {"Cookie": value}).status == 200
        assert fetch(f"{base}/api/sync", {"Cookie": f"other=1; {value}"}).status == 200
        assert fetch(f"{base}/sync", {"Cookie": f"{COOKIE}=forged"}).status == 401

        # ?token= on the API: served at once (scripts do not follow redirects), cookie set too
        api = fetch(f"{base}/api/health?token={TOKEN}")
        assert api.status == 200 and "set-cookie" in api.headers


def test_loopback_needs_no_token_but_refuses_foreign_host_names(scenario: Scenario) -> None:
    with running_dashboard(scenario.project) as server:
        base = f"http://127.0.0.1:{server.port}"
        assert fetch(f"{base}/api/health").status == 200
        assert fetch(f"{base}/api/health", {"Host": f"localhost:{server.port}"}).status == 200
        rebinding = fetch(f"{base}/api/health", {"Host": f"attacker.example.com:{server.port}"})
        assert rebinding.status == 403
        assert fetch(f"{base}/", {"Host": "attacker.example.com"}).status == 403


def test_token_resolution() -> None:
    assert resolve_token("127.0.0.1", {"TAPESTRY_DASHBOARD_TOKEN": "x"}) == (None, False)
    assert resolve_token("::1", {}) == (None, False)
    chosen = "chosen-by-the-user-1234"
    assert resolve_token("0.0.0.0", {"TAPESTRY_DASHBOARD_TOKEN": chosen}) == (chosen, False)
    token, generated = resolve_token("0.0.0.0", {})
    assert generated and token and len(token) >= 32
    assert resolve_token("0.0.0.0", {})[0] != token
    assert [is_loopback(h) for h in ("localhost", "127.0.0.2", "[::1]", "0.0.0.0", "192.168.1.2", "example.com")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    guard = Guard("tok")
    assert guard.check("h", "Bearer tok", None, None) == "ok"
    assert guard.check("h", None, "a=b; c", None) == "unauthorized"  # a malformed cookie header


# --- the command ------------------------------------------------------------------------------------------


def _start(args: list[str], cwd: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tapestry", "dashboard", "--no-open", *args],
        cwd=cwd,
        env=clean_env(COLUMNS="200", NO_COLOR="1", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_command_prints_a_free_port_and_a_one_time_token_and_stops_on_ctrl_c(scenario: Scenario) -> None:
    process = _start(["--project", str(scenario.project), "--port", "0", "--host", "0.0.0.0"], scenario.project)
    output = LineReader(process)
    try:
        match = output.wait_for(r"Open: (http://127\.0\.0\.1:(\d+)/)\?token=([\w-]+)")
        base, port, token = match.group(1), int(match.group(2)), match.group(3)
        assert port != 7777
        wait_until_serving(base + "api/health")
        assert fetch(base + "api/health").status == 401
        assert fetch(base + "api/health", {"Authorization": f"Bearer {token}"}).status == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    out = output.rest()
    err = process.stderr.read() if process.stderr else ""
    assert process.returncode == 0, err
    assert "Dashboard stopped." in out
    assert out.count(token) == 1, "the token is printed once"
    assert "Traceback" not in err


def test_the_command_uses_the_token_from_the_environment_and_stops_on_sigterm(scenario: Scenario) -> None:
    process = _start(
        ["--port", "0", "--host", "0.0.0.0"], scenario.project, TAPESTRY_DASHBOARD_TOKEN=TOKEN
    )  # the project from the current folder
    output = LineReader(process)
    try:
        base = output.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)
        output.wait_for(r"Press Ctrl-C")
        assert TOKEN not in output.seen
        assert fetch(base + "api/health", {"Authorization": f"Bearer {TOKEN}"}).json()["project"] == "demo"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert process.returncode == 0 and "Dashboard stopped." in output.rest()


def test_the_command_explains_a_port_in_use(scenario: Scenario) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _start(["--project", str(scenario.project), "--port", str(port)], scenario.project)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err
    assert "Traceback" not in err


def test_the_command_refuses_a_folder_that_is_not_a_project(tmp_path: Path) -> None:
    process = _start(["--project", str(tmp_path), "--port", "0"], tmp_path)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2 and "not a Tapestry project" in err


@pytest.mark.parametrize("path", ["/", "/api/health"])
def test_head_requests_are_answered_without_a_body(scenario: Scenario, path: str) -> None:
    with running_dashboard(scenario.project) as server:
        reply = fetch(server.url.rstrip("/") + path, method="HEAD")
    assert reply.status == 200 and reply.body == b"" and int(reply.headers["content-length"]) > 0
