"""The dashboard in headless Chromium: every page of a synced demo project, the numbers it shows checked
against the warehouse, source values with HTML shown as text, the token login, the auto-refresh."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from integration.dashboard.cloud_setup import CPU_ALARM, CPU_VALUES, REGION, context, populate
from integration.dashboard.scenario import (
    FORGOTTEN,
    XSS_EMAIL,
    XSS_NAME,
    LineReader,
    Scenario,
    clean_env,
    query,
    running_dashboard,
    scalar,
    wait_until_serving,
)
from support.moto_server import MotoServer

pytestmark = pytest.mark.e2e

TOKEN = "e2e-token-0123456789"
DASHBOARD_OPTIONS = ("--port", "0", "--no-open", "--refresh", "0")


@dataclass
class Visit:
    """A browser tab on the dashboard that records anything loaded from elsewhere and every console error."""

    page: Any
    base: str
    foreign_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        return response

    def metric(self, name: str) -> str:
        return str(self.page.locator(f'[data-metric="{name}"]').inner_text()).strip()


@pytest.fixture
def visit(browser: Any, dashboard_cli: str) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    visit = Visit(page, dashboard_cli.rstrip("/"))

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(visit.base + "/"):
            request_route.continue_()
        else:  # this machine is offline, and the dashboard must not need the network anyway
            visit.foreign_requests.append(url)
            request_route.abort()

    context.route("**/*", route)
    page.on("console", lambda message: visit.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    yield visit
    context.close()
    assert visit.foreign_requests == []
    assert visit.errors == []  # includes Content-Security-Policy violations


@pytest.fixture
def dashboard_cli(scenario: Scenario) -> Iterator[str]:
    """`tapestry dashboard` as a user starts it; the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tapestry", "dashboard", "--project", str(scenario.project), *DASHBOARD_OPTIONS],
        env=clean_env(COLUMNS="200", NO_COLOR="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    output = LineReader(process)
    try:
        url = output.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)
    except AssertionError:
        process.kill()
        raise
    wait_until_serving(url + "api/health")
    yield url
    process.send_signal(signal.SIGINT)
    process.wait(30)
    assert process.returncode == 0 and "Dashboard stopped." in output.rest()


def test_every_page_shows_the_warehouse_numbers(visit: Visit, scenario: Scenario, screenshots: Path) -> None:
    wh = scenario.warehouse
    audience = scalar(wh, "select count(*) from marts.audience")
    page = visit.page

    visit.open("/")
    for phase in ("ingest", "transform", "sync"):
        assert page.locator(f'[data-phase="{phase}"] .status').inner_text() == "succeeded"
    assert visit.metric("state-audience-size") == f"{audience:,}"
    page.screenshot(path=str(screenshots / "overview.png"), full_page=True)

    page.get_by_role("link", name="Ingestion").click()
    page.wait_for_url("**/ingestion")
    assert visit.metric("raw-rows-zoom") == f"{scalar(wh, 'select count(*) from zoom.webinar_registrants'):,}"
    assert visit.metric("raw-rows-salesforce") == f"{scalar(wh, 'select count(*) from salesforce.contact'):,}"
    assert visit.metric("files-total") == str(scalar(wh, "select count(*) from tapestry_meta.loaded_files"))
    page.screenshot(path=str(screenshots / "ingestion.png"), full_page=True)

    page.get_by_role("link", name="Warehouse & transform").click()
    page.wait_for_url("**/warehouse")
    assert visit.metric("audience-size") == f"{audience:,}"
    for reason, count in query(wh, "select reason, count(*) from marts.audience_rejected_records group by 1"):
        assert visit.metric(f"rejected-{reason}") == f"{count:,}"
    relation_rows = page.locator('[data-relation="salesforce.contact"]').inner_text()
    assert relation_rows == f"{scalar(wh, 'select count(*) from salesforce.contact'):,}"
    # source values are text: the HTML in them is shown, never run or parsed
    assert page.get_by_text(XSS_EMAIL, exact=True).is_visible()
    assert page.get_by_text(XSS_NAME, exact=True).is_visible()
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("main b").count() == 0 and page.locator("main img").count() == 0
    page.screenshot(path=str(screenshots / "warehouse.png"), full_page=True)

    page.get_by_role("link", name="Sync").click()
    page.wait_for_url("**/sync")
    created = [r[0] for r in query(wh, "select created from tapestry_sync.runs order by started_at desc")]
    assert visit.metric("total-created") == f"{sum(created):,}"
    assert page.locator('[data-col="created"]').all_inner_texts() == [f"{n:,}" for n in created]
    assert page.locator('[data-reason="Forgotten Email Not Subscribed"]').inner_text() == "2"
    assert set(page.locator('[data-testid="rejections-latest"] td.mono').all_inner_texts()) == set(FORGOTTEN)
    assert page.locator('svg[aria-label="Members changed per sync run"]').is_visible()
    page.screenshot(path=str(screenshots / "sync.png"), full_page=True)

    page.get_by_role("link", name="Alarms").click()
    page.wait_for_url("**/alarms")
    assert "no CloudWatch alarms" in page.locator('[data-testid="alarms-message"]').inner_text()
    page.screenshot(path=str(screenshots / "alarms.png"), full_page=True)

    page.get_by_role("link", name="Docs").click()
    page.wait_for_url("**/docs")
    page.get_by_role("link", name="The sync mapping").first.click()
    page.wait_for_url("**/docs/sync-mapping")
    assert page.locator("article h1").inner_text() == "The sync mapping"
    page.screenshot(path=str(screenshots / "docs.png"), full_page=True)
    for name, title in (("pipeline", "How the pipeline works"), ("dashboard", "The dashboard")):
        visit.open(f"/docs/{name}")
        assert page.locator("article h1").inner_text() == title


def test_a_token_is_asked_for_once_then_kept_in_an_http_only_cookie(browser: Any, scenario: Scenario) -> None:
    with running_dashboard(scenario.project, host="0.0.0.0", token=TOKEN) as server:
        base = f"http://127.0.0.1:{server.port}"
        context = browser.new_context()
        page = context.new_page()
        denied = page.goto(base + "/")
        assert denied is not None and denied.status == 401
        assert "needs its token" in page.content()
        page.goto(f"{base}/sync?token={TOKEN}")
        assert page.url == f"{base}/sync", "the token leaves the address bar"
        assert page.locator("h1").inner_text() == "Sync"
        page.get_by_role("link", name="Overview").click()
        page.wait_for_url(base + "/")
        assert page.locator("h1").first.inner_text() == "Pipeline"
        (cookie,) = context.cookies()
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and TOKEN not in cookie["value"]
        assert page.evaluate("() => document.cookie") == ""
        context.close()


def test_pages_refresh_themselves_until_switched_off(browser: Any, scenario: Scenario) -> None:
    with running_dashboard(scenario.project, refresh_s=1) as server:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url)
        with page.expect_event("load", timeout=15_000):  # the page reloads on its own
            pass
        page.locator("#auto-refresh").uncheck()
        page.reload()
        assert not page.locator("#auto-refresh").is_checked(), "the choice is remembered"
        context.close()


def test_cloud_panels_in_the_browser(
    browser: Any, scenario: Scenario, screenshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MotoServer(region=REGION) as moto:
        aws = populate(moto)
        for name, value in moto.aws_env().items():  # boto3 in this process talks to moto
            monkeypatch.setenv(name, value)
        with running_dashboard(scenario.project, cloud=context(aws)) as server:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server.url)
            assert page.get_by_role("heading", name="ECS runner").is_visible()
            assert page.get_by_role("link", name="Airbyte UI").get_attribute("href") == "https://airbyte.example.com"
            page.screenshot(path=str(screenshots / "cloud-overview.png"), full_page=True)

            page.goto(server.url + "ingestion")
            assert (
                page.locator('svg[aria-label="CPU utilisation (average per 5 min)"] circle').count() == aws.cpu_points
            )
            assert page.locator('[data-metric="cpu-latest"]').inner_text() == f"{CPU_VALUES[0]:,.2f}"
            assert page.get_by_text("Salesforce → Snowflake").is_visible()
            page.screenshot(path=str(screenshots / "cloud-ingestion.png"), full_page=True)

            page.goto(server.url + "alarms")
            assert page.locator('[data-metric="alarms-alarm"]').inner_text() == "1"
            assert page.locator(f'[data-alarm="{CPU_ALARM}"] .status').inner_text() == "ALARM"
            page.screenshot(path=str(screenshots / "cloud-alarms.png"), full_page=True)
            page.close()
