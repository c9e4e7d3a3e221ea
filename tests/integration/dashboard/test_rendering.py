"""The dashboard's building blocks: SVG charts, the docs renderer, dbt's artifact, value formatting."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tapestry.dashboard import charts
from tapestry.dashboard.dbt_artifacts import node_name, read_run_results
from tapestry.dashboard.docs import docs_dir, list_docs, render_doc, render_markdown
from tapestry.dashboard.pages import fmt_ago, fmt_bytes, fmt_number, fmt_when
from tapestry.resources import bundled

EVIL = '<script>alert("x")</script>'


def svg_tree(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # also proves the SVG is well-formed


def test_charts_escape_every_label_and_are_well_formed() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    line = charts.line_chart([(now - timedelta(minutes=5 * i), float(i * 10)) for i in range(6)], EVIL, unit="%")
    bars = charts.stacked_bars(
        [(EVIL, {"created": 3, "rejected": 1}), ("b", {"updated": 2})], ["created", "updated", "rejected"], EVIL
    )
    hbars = charts.horizontal_bars([(EVIL, 2.0), ("a long label " * 10, 1.0)], EVIL, unit=" s")
    for chart in (line, bars, hbars):
        assert "<script>" not in chart and "&lt;script&gt;" in chart
        root = svg_tree(str(chart))
        assert root.get("role") == "img"
    assert len(svg_tree(str(line)).findall("{http://www.w3.org/2000/svg}circle")) == 6
    assert len(svg_tree(str(bars)).findall("{http://www.w3.org/2000/svg}rect")) == 3 + 3  # legend + segments


def test_charts_without_data_say_so() -> None:
    assert "no data" in charts.line_chart([], "cpu")
    assert "no runs" in charts.stacked_bars([], ["created"], "runs")
    assert "nothing to show" in charts.horizontal_bars([], "x")
    assert [charts.nice_max(v) for v in (0, 0.3, 7, 10, 11, 578, 1001)] == [1, 0.5, 10, 10, 20, 1000, 2000]


def test_markdown_is_rendered_without_raw_html() -> None:
    rendered = render_markdown(
        f"# Title\n\n{EVIL}\n\n<img src=x onerror=alert(1)>\n\n[see](sync-mapping.md) [js](javascript:alert(1)) "
        "[out](https://example.com)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h1>Title</h1>" in rendered
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "<img" not in rendered
    assert 'href="/docs/sync-mapping"' in rendered
    assert 'href="javascript' not in rendered
    assert 'rel="noopener noreferrer"' in rendered
    assert "<table>" in rendered


def test_the_shipped_docs_render_and_document_the_dashboard() -> None:
    folder = docs_dir()
    assert folder == bundled("docs") and folder is not None
    names = [d.name for d in list_docs()]
    assert names[:5] == ["index", "pipeline", "changing-the-model", "sync-mapping", "dashboard"]
    for doc in list_docs():
        rendered = render_doc(doc)
        assert rendered.startswith("<h1>"), doc.name
        for target in (t.split('"')[0] for t in rendered.split('href="/docs/')[1:]):
            assert target.split("#")[0] in names, f"{doc.name} links to a missing doc {target}"
    dashboard = (folder / "dashboard.md").read_text()
    for needle in ("tapestry dashboard", "--port", "--host", "--no-open", "TAPESTRY_DASHBOARD_TOKEN", "/api/health"):
        assert needle in dashboard


def test_dbt_run_results_are_read_per_node(tmp_path: Path) -> None:
    assert node_name("model.tapestry.audience") == ("model", "audience")
    assert node_name("test.tapestry.unique_x_id.1a2b3c") == ("test", "unique_x_id")
    assert node_name("unit_test.tapestry.int_people__deduplicated.ties_win") == ("unit_test", "ties_win")
    assert read_run_results(tmp_path / "missing.json")["available"] is False
    broken = tmp_path / "run_results.json"
    broken.write_text("{not json")
    assert read_run_results(broken) == {
        "available": False,
        "message": "run_results.json is unreadable (JSONDecodeError)",
    }


def test_values_are_formatted_for_people() -> None:
    assert [fmt_number(v) for v in (None, 1234567, 2.5, 3.0, True, "x")] == ["–", "1,234,567", "2.50", "3", "yes", "x"]
    assert fmt_when("2026-01-02T03:04:05+00:00") == "2026-01-02 03:04:05 UTC" and fmt_when(None) == "–"
    assert [fmt_ago(s) for s in (None, 5, 120, 7200, 90000)] == ["–", "5s ago", "2m ago", "2h ago", "1d ago"]
    assert [fmt_bytes(b) for b in (512, 2048, 5 * 1024 * 1024)] == ["512 B", "2.0 KB", "5.0 MB"]
