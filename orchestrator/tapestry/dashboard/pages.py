"""HTML pages: the section dicts of `data` rendered with Jinja2 (autoescape on), charts added as inline SVG."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from tapestry.core.humanize import ago
from tapestry.dashboard import charts

TEMPLATES = Path(__file__).resolve().parent / "templates"
NAV = (
    ("overview", "/", "Overview"),
    ("ingestion", "/ingestion", "Ingestion"),
    ("warehouse", "/warehouse", "Warehouse & transform"),
    ("sync", "/sync", "Sync"),
    ("alarms", "/alarms", "Alarms"),
    ("docs", "/docs", "Docs"),
)
SLOWEST_NODES = 12


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def fmt_number(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def fmt_when(value: Any) -> str:
    moment = _parse(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "–"


def fmt_ago(seconds: Any) -> str:
    return ago(None if seconds is None else float(seconds))


def fmt_seconds(value: Any) -> str:
    if value is None:
        return "–"
    value = float(value)
    return f"{value:.2f} s" if value < 10 else f"{value:,.1f} s"


def fmt_bytes(value: Any) -> str:
    if value is None:
        return "–"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"


def columns(rows: list[dict[str, Any]]) -> list[str]:
    """Keys of provider rows in order of first appearance (providers need not agree on every key)."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value from data is escaped, whatever the template's extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=fmt_number, when=fmt_when, ago=fmt_ago, secs=fmt_seconds, size=fmt_bytes, columns=columns)
    return env


class Pages:
    def __init__(self, refresh_s: int = 30) -> None:
        self.env = build_environment()
        self.refresh_s = refresh_s

    def render(self, template: str, active: str, page: dict[str, Any], **extra: Any) -> str:
        return self.env.get_template(template).render(
            nav=NAV, active=active, page=page, refresh_s=self.refresh_s, **extra
        )

    def overview(self, page: dict[str, Any]) -> str:
        return self.render("overview.html.j2", "overview", page)

    def ingestion(self, page: dict[str, Any]) -> str:
        cpu_chart = None
        cloud = page.get("cloud") or {}
        cpu = cloud.get("cpu")
        if cpu and cpu.get("ok"):
            points = [(moment, float(p["value"])) for p in cpu["data"]["points"] if (moment := _parse(p["t"]))]
            cpu_chart = charts.line_chart(points, "CPU utilisation (average per 5 min)", unit="%", y_max=100)
        return self.render("ingestion.html.j2", "ingestion", page, cpu_chart=cpu_chart)

    def warehouse(self, page: dict[str, Any]) -> str:
        nodes = page["dbt"]["nodes"] if page["dbt"].get("available") else (page.get("transform") or {}).get("nodes", [])
        slowest = sorted(nodes, key=lambda n: -float(n.get("seconds") or 0))[:SLOWEST_NODES]
        timing_chart = (
            charts.horizontal_bars(
                [(f"{n['name']} ({n['type']})", float(n.get("seconds") or 0)) for n in slowest],
                "Slowest dbt nodes of the last build (seconds)",
                unit=" s",
            )
            if slowest
            else None
        )
        audience = page.get("audience") or {}
        reasons = sorted((audience.get("rejected_by_reason") or {}).items(), key=lambda kv: -kv[1])
        rejected_chart = (
            charts.horizontal_bars([(r, float(n)) for r, n in reasons], "Rejected source records by reason")
            if reasons
            else None
        )
        return self.render(
            "warehouse.html.j2", "warehouse", page, timing_chart=timing_chart, rejected_chart=rejected_chart
        )

    def sync(self, page: dict[str, Any]) -> str:
        charts_by_sync = {panel["name"]: self._sync_charts(panel, len(page["syncs"])) for panel in page["syncs"]}
        return self.render("sync.html.j2", "sync", page, charts=charts_by_sync)

    @staticmethod
    def _sync_charts(panel: dict[str, Any], syncs: int) -> dict[str, Markup | None]:
        series = ("created", "updated", "archived", "rejected")
        runs = list(reversed(panel["runs"]))[-30:]  # oldest first, as time flows left to right
        bars = [(fmt_when(run["started_at"])[5:16], {s: int(run.get(s) or 0) for s in series}) for run in runs]
        title = "Members changed per sync run" if syncs == 1 else f"Members changed per run of {panel['name']}"
        reasons = panel["rejections"]["by_reason"]
        return {
            "runs": charts.stacked_bars(bars, series, title) if runs else None,
            "reasons": (
                charts.horizontal_bars([(r["reason"], float(r["count"])) for r in reasons], "Rejections by reason")
                if reasons
                else None
            ),
        }

    def alarms(self, page: dict[str, Any]) -> str:
        return self.render("alarms.html.j2", "alarms", page)

    def docs_index(self, page: dict[str, Any], header: dict[str, Any]) -> str:
        return self.render("docs.html.j2", "docs", {**header, **page}, doc=None, body=None)

    def doc(self, page: dict[str, Any], header: dict[str, Any], doc: dict[str, Any], html: str) -> str:
        # `html` comes from markdown-it with raw HTML disabled: source HTML is already escaped text.
        return self.render("docs.html.j2", "docs", {**header, **page}, doc=doc, body=Markup(html))

    def error(self, status: int, title: str, message: str, header: dict[str, Any] | None = None) -> str:
        return self.render("error.html.j2", "", header or {}, status=status, title=title, message=message)
