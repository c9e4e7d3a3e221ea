"""A source is one package: a plugin installed next to Tapestry (tests/plugins/tapestry_toy_events, registered
under the `tapestry.sources` entry-point group) joins an existing project by one entry in tapestry.yml. Its dbt
models are added to the project's dbt project on the next run (the user's edits untouched), its export files
load by their shape (which stream by file name, other column spellings), and its people join the union and the
audience, with no change to orchestrator/ or dbt_project/."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from support.audience_oracle import expected_audience, read_records
from support.projects import make_project

REPO = Path(__file__).resolve().parents[3]
PLUGINS = REPO / "tests" / "plugins"
TOY_MODELS = (
    "models/staging/toy_events/_toy_events__sources.yml",
    "models/staging/toy_events/_toy_events__models.yml",
    "models/staging/toy_events/stg_toy_events__page_views.sql",
    "models/staging/toy_events/stg_toy_events__signups.sql",
    "models/intermediate/people/_toy_events__people.yml",
    "models/intermediate/people/int_toy_events__people.sql",
)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_a_plugin_package_joins_an_existing_project_its_union_and_its_audience(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(PLUGINS), os.environ.get("PYTHONPATH")])))
    demo = make_project(tmp_path, rows=400, seed=5)
    dbt = demo.project / "dbt_project"
    assert not (dbt / "models" / "staging" / "toy_events").exists()

    # The user's own dbt edits, made before the source is added.
    staging = dbt / "models" / "staging" / "zoom" / "stg_zoom__webinar_registrants.sql"
    edited = staging.read_text() + "\n-- reviewed by the data team\n"
    staging.write_text(edited)
    (dbt / "models" / "marts" / "my_model.sql").write_text("select 1 as x\n")

    # Everyone the documented rules give for the template's two sources; one of them signs up in the toy product.
    expected = expected_audience(
        read_records(
            sorted((demo.exports / "zoom").glob("*.csv")), sorted((demo.exports / "salesforce").glob("*.jsonl"))
        )
    )
    known = sorted(
        address
        for address, row in expected.items()
        if row["in_zoom"] and not row["in_salesforce"] and row["webinar_count"] == 1 and address.isascii()
    )[0]
    # Exports as the tool writes them: two streams told apart by file name, the e-mail header spelled its way.
    events = demo.exports / "events"
    _write_csv(
        events / "signups-2026.csv",
        ["Signup ID", "E-mail Address", "First Name", "Last Name", "Signed Up At"],
        [
            ["s1", "Toy.Only@Example.com ", "Toy", "Only", "2026-05-01T10:00:00Z"],
            ["s2", known.upper(), "Known", "Person", "2020-01-01T00:00:00Z"],
            ["s3", "", "No", "Mail", "2026-05-02T10:00:00Z"],
        ],
    )
    _write_csv(
        events / "page-views.csv", ["view_id", "signup_id", "url", "viewed_at"], [["v1", "s1", "/", "2026-05-01"]]
    )
    config_file = demo.project / "tapestry.yml"
    config = yaml.safe_load(config_file.read_text())
    config["sources"]["events"] = {"type": "toy_events", "files": ["../exports/events/*.csv"]}
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))

    run = demo.cli.ok("run", "--project", "project")
    assert "added the models of source type toy_events" in run.stdout
    for relative in TOY_MODELS:
        assert (dbt / relative).is_file(), relative
    assert staging.read_text() == edited, "an edited model is never replaced"
    assert (dbt / "models" / "marts" / "my_model.sql").read_text() == "select 1 as x\n"

    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from events.signups").fetchone() == (3,)
        assert con.execute("select count(*) from events.page_views").fetchone() == (1,)
        sources = dict(con.execute("select source, count(*) from analytics.int_people__unioned group by 1").fetchall())
        audience = {
            row[0]: row[1:]
            for row in con.execute(
                "select email_address, in_events, in_zoom, in_salesforce, webinar_count, first_name from marts.audience"
            ).fetchall()
        }
        rejected = con.execute(
            "select reason from marts.audience_rejected_records where record_id = 'events:s3'"
        ).fetchall()
    assert sources["events"] == 3 and {"zoom", "salesforce"} <= set(sources)
    assert audience["toy.only@example.com"] == (True, False, False, 0, "Toy")
    # The same person: one row, now also in events; its sign-up is older than the registration, so Zoom's name stays.
    assert audience[known][:2] == (True, True) and audience[known][4] != "Known"
    assert rejected == [("missing",)]

    # Everyone else is exactly who the documented rules give for the template's two sources.
    assert set(audience) == set(expected) | {"toy.only@example.com"}

    again = demo.cli.ok("run", "--project", "project")
    assert "added the models" not in again.stdout


def test_a_removed_source_switches_its_models_off(tmp_path: Path) -> None:
    """The models of a source taken out of tapestry.yml stay in the dbt project (they are the user's) but no
    longer build: the union and the audience are made of the remaining sources."""
    demo = make_project(tmp_path, rows=300, seed=9, run=False)
    config_file = demo.project / "tapestry.yml"
    config = yaml.safe_load(config_file.read_text())
    del config["sources"]["zoom"]
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    # The template's audience counts Zoom webinars; without Zoom the project goes back to the bundled marts.
    for mart in (REPO / "dbt_project" / "models" / "marts").iterdir():
        shutil.copyfile(mart, demo.project / "dbt_project" / "models" / "marts" / mart.name)
    demo.cli.ok("run", "--project", "project")
    assert (demo.project / "dbt_project" / "models" / "staging" / "zoom" / "stg_zoom__webinar_registrants.sql").exists()
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        assert con.execute("select distinct source from analytics.int_people__unioned").fetchall() == [("salesforce",)]
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        columns = {
            c
            for (_, c) in con.execute(
                "select table_name, column_name from information_schema.columns where table_name = 'people'"
            ).fetchall()
        }
    assert "stg_zoom__webinar_registrants" not in tables and "webinar_registrants" not in tables
    assert "in_zoom" not in columns and "in_salesforce" in columns
