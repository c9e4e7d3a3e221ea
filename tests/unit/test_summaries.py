"""Typed phase summaries: what a phase returns is what the state keeps and what `status`, the run and deploy
summaries and the dashboard read; a state file written before the summaries were typed still loads and
reads the same."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tapestry.core.progress import NullReporter
from tapestry.phases.runner import Phase, PhaseSkipped, run_phases
from tapestry.project.state import ProjectState, StateStore
from tapestry.project.summaries import (
    SUMMARY_MODELS,
    AirbyteSummary,
    FirstBuildSummary,
    IdentitySummary,
    IngestSummary,
    PhaseSummary,
    SecretsSummary,
    SourceLoad,
    StackSummary,
    TransformSummary,
)

STARTED = "2026-11-30T10:00:00Z"
FINISHED = "2026-11-30T10:00:05Z"
OUTPUTS = {
    "airbyte_url": "https://airbyte.acme.example",
    "instance_id": "i-0123456789abcdef0",
    "alarm_names": {"cpu": "acme-airbyte-cpu"},
}

# Summaries exactly as the Tapestry before typed summaries wrote them: the local ones copied from a real
# `tapestry run` (dbt nodes and the sync's sample cut short), the deploy ones as its phases built them.
OLD_SUMMARIES: dict[str, dict[str, Any]] = {
    "ingest": {
        "files_loaded": 4,
        "rows_loaded": 92,
        "by_source": {
            "zoom": {"files_loaded": 3, "files_skipped": 0, "rows_loaded": 51, "rows_total": 51},
            "salesforce": {"files_loaded": 1, "files_skipped": 0, "rows_loaded": 41, "rows_total": 41},
        },
        "last_checked_at": "2026-11-30T10:05:00+00:00",
    },
    "transform": {
        "inputs_fingerprint": "7f52e7a772b86af1a9f9a6c2f6c465c5c9a73812fcc08ca03c1281453c58a260",
        "models_passed": 6,
        "tests_passed": 39,
        "nodes": [
            {"name": "source_not_null_salesforce_contact_id", "type": "test", "status": "pass", "seconds": 0.101},
            {"name": "stg_salesforce__contacts", "type": "model", "status": "success", "seconds": 0.198},
        ],
        "marts": {"audience": 59},
        "audience_model": "audience",
        "audience_size": 59,
        "rejected_records": {"malformed": 1},
    },
    "sync": {
        "headline": "preview: 59 to create, 0 to update, 0 to archive; nothing sent",
        "syncs": {
            "newsletter": {
                "headline": "preview: 59 to create, 0 to update, 0 to archive; nothing sent",
                "preview": True,
                "planned": {"create": 59, "update": 0, "archive": 0},
                "created": 0,
                "destination": "mailchimp:preview",
                "sample": [{"operation": "create", "email": "amelie.okafor6@example.com", "status_if_new": None}],
            }
        },
    },
    "secrets": {"written": ["zoom/client_secret"], "unchanged": 3, "generated": [], "ssm_prefix": "/tapestry/acme"},
    "snowflake": {
        "mode": "existing",
        "headline": "existing objects verified: loader, transformer, syncer can do their jobs",
        "outputs": {"names": {"warehouse": "TAPESTRY_WH"}},
        "inputs_fingerprint": "f1",
    },
    "aws_ingestion": {"plan": "31 to add, 0 to change, 0 to destroy", "outputs": OUTPUTS, "inputs_fingerprint": "f2"},
    "airbyte": {
        "healthy_after_seconds": 0.1,
        "actions": ["source acme-zoom: created", "source acme-salesforce: created", "destination acme: unchanged"],
        "outputs": {"workspace_id": "w1", "sources": {}, "destination_id": "d1", "connections": {}},
        "inputs_fingerprint": "f3",
    },
    "first_build": {
        "models_passed": 6,
        "tests_passed": 33,
        "nodes": [],
        "marts": {"audience": 359},
        "audience_model": "audience",
        "audience_size": 359,
        "airbyte": {
            "connections": {"acme-zoom": {"job_id": 1, "rows_synced": 250, "duration": "PT2S"}},
            "rows_synced": 250,
        },
        "inputs_fingerprint": "f4",
    },
    "ecs_runner": {"plan": "12 to add, 0 to change, 0 to destroy", "image": None, "outputs": {"cluster_name": "acme"}},
    "dashboard": {"links": {"snowflake": "https://app.snowflake.com/"}, "command": "tapestry dashboard --project /p"},
}

# What `tapestry status` showed for each of them before, and must still show.
OLD_HEADLINES = {
    "ingest": "92 rows loaded from 4 files (nothing new since)",
    "transform": "6 models, 39 tests passed; audience 59",
    "sync": "preview: 59 to create, 0 to update, 0 to archive; nothing sent",
    "snowflake": "existing objects verified: loader, transformer, syncer can do their jobs",
}
# Phases whose headline was empty before (nothing in their summary had a name the headline looked for).
NEW_HEADLINES = {
    "secrets": "1 written, 3 unchanged, 0 generated under /tapestry/acme",
    "aws_ingestion": "31 to add, 0 to change, 0 to destroy",
    "airbyte": "3 objects: 2 created, 1 unchanged",
    "first_build": "250 rows synced by 1 Airbyte job; 6 models, 33 tests passed; audience 359",
    "ecs_runner": "12 to add, 0 to change, 0 to destroy",
    "dashboard": "tapestry dashboard --project /p",
}


def old_state_file(tmp_path: Path) -> Path:
    phases = {
        name: {
            "name": name,
            "status": "succeeded",
            "started_at": STARTED,
            "finished_at": FINISHED,
            "summary": summary,
            "error": None,
        }
        for name, summary in OLD_SUMMARIES.items()
    }
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"schema_version": 1, "phases": phases, "runs": [], "file_hashes": {}}))
    return path


def test_a_state_file_from_before_typed_summaries_loads_and_reads_the_same(tmp_path: Path) -> None:
    state = StateStore(old_state_file(tmp_path)).load()
    assert {name: state.phases[name].headline() for name in OLD_HEADLINES} == OLD_HEADLINES
    assert {name: state.phases[name].headline() for name in NEW_HEADLINES} == NEW_HEADLINES
    for name, record in state.phases.items():
        assert isinstance(record.typed(), SUMMARY_MODELS.get(name, PhaseSummary)), name
    ingest = state.phases["ingest"].typed_as(IngestSummary)
    assert ingest.by_source["salesforce"] == SourceLoad(files_loaded=1, rows_loaded=41, rows_total=41)
    transform = state.phases["transform"].typed_as(TransformSummary)
    assert (transform.audience_size, transform.rejected_total, transform.nodes[1].type) == (59, 1, "model")
    first_build = state.phases["first_build"].typed_as(FirstBuildSummary)
    assert first_build.airbyte is not None and first_build.airbyte.connections["acme-zoom"].rows_synced == 250
    assert state.stack_outputs("aws_ingestion") == OUTPUTS
    assert state.stack_outputs("first_sync") == {} and state.stack_outputs("ecs_runner") == {"cluster_name": "acme"}


def test_reading_and_saving_an_old_state_file_keeps_every_key(tmp_path: Path) -> None:
    store = StateStore(old_state_file(tmp_path))
    state = store.load()
    for record in state.phases.values():
        record.typed()  # reading must not change what is stored
    store.save(state)
    saved = json.loads(store.path.read_text())
    assert {name: p["summary"] for name, p in saved["phases"].items()} == OLD_SUMMARIES


def test_a_value_that_no_longer_fits_is_dropped_not_fatal(tmp_path: Path) -> None:
    broken = copy.deepcopy(OLD_SUMMARIES)
    broken["ingest"]["rows_loaded"] = "many"  # hand-edited, or written by a future Tapestry
    broken["transform"]["nodes"] = "not a list"
    broken["aws_ingestion"]["outputs"] = ["not", "a", "mapping"]
    path = old_state_file(tmp_path)
    raw = json.loads(path.read_text())
    for name in ("ingest", "transform", "aws_ingestion"):
        raw["phases"][name]["summary"] = broken[name]
    path.write_text(json.dumps(raw))
    state = StateStore(path).load()
    ingest = state.phases["ingest"].typed_as(IngestSummary)
    assert ingest.rows_loaded == 0 and ingest.files_loaded == 4 and ingest.by_source["zoom"].rows_total == 51
    assert state.phases["transform"].typed_as(TransformSummary).nodes == []
    assert state.phases["transform"].headline() == "6 models, 39 tests passed; audience 59"
    assert state.stack_outputs("aws_ingestion") == {}


def test_the_runner_keeps_what_a_phase_set_and_reads_it_back_typed(tmp_path: Path) -> None:
    local = IngestSummary(
        files_loaded=1, rows_loaded=3, by_source={"zoom": SourceLoad(files_loaded=1, rows_loaded=3, rows_total=3)}
    )
    on_aws = IngestSummary(connections={}, rows_synced=0)

    def skipped() -> PhaseSummary:
        raise PhaseSkipped(StackSummary(plan="1 to add, 0 to change, 0 to destroy", resources=[("+", "a.b")]), "--plan")

    store = StateStore(tmp_path / "state.json")
    state = ProjectState()
    phases = [Phase("ingest", lambda: local), Phase("airbyte_ingest", lambda: on_aws), Phase("plan", skipped)]
    run_phases("run", phases, store, state, NullReporter())
    saved = store.load()
    assert saved.phases["ingest"].summary == {
        "files_loaded": 1,
        "rows_loaded": 3,
        "by_source": {"zoom": {"files_loaded": 1, "rows_loaded": 3, "rows_total": 3}},
    }, "fields the phase did not set (the Airbyte ones) stay out of the file"
    assert saved.phases["ingest"].typed() == local
    assert saved.phases["ingest"].headline() == "3 rows loaded from 1 file"
    assert saved.phases["airbyte_ingest"].typed_as(IngestSummary).describe() == "0 rows synced by 0 Airbyte jobs"
    plan = saved.phases["plan"]
    assert plan.status == "skipped" and plan.headline() == "--plan"
    assert plan.typed_as(StackSummary).resources == [("+", "a.b")]


@pytest.mark.parametrize(
    ("model", "summary", "expected"),
    [
        (IngestSummary, {}, ""),  # a phase still running, or one that failed before it did anything
        (TransformSummary, {"marts": {}}, ""),
        (SecretsSummary, {}, ""),
        (AirbyteSummary, {"actions": []}, ""),
        (TransformSummary, {"models_passed": 2}, "2 models, 0 tests passed"),
        (StackSummary, {"headline": "own words", "plan": "1 to add"}, "own words"),
    ],
)
def test_headlines_say_only_what_happened(model: type[PhaseSummary], summary: dict[str, Any], expected: str) -> None:
    assert model.model_validate(summary).describe() == expected


def test_identity_numbers_are_typed_in_the_transform_summary(tmp_path: Path) -> None:
    """How many records became how many people: written by the transform, read by the run summary and the
    dashboard (when the warehouse is busy); a summary from before identity resolution has none."""
    path = old_state_file(tmp_path)
    raw = json.loads(path.read_text())
    raw["phases"]["transform"]["summary"]["identity"] = {"records": 4_120, "people": 2_980, "cut_components": 2}
    path.write_text(json.dumps(raw))
    transform = StateStore(path).load().phases["transform"].typed_as(TransformSummary)
    assert transform.identity == IdentitySummary(records=4_120, people=2_980, cut_components=2)
    assert transform.identity.describe() == (
        "4,120 source records → 2,980 people (2 components cut by the identity limits)"
    )
    assert IdentitySummary(records=3, people=3, cut_components=0).describe() == "3 source records → 3 people"
    assert StateStore(old_state_file(tmp_path)).load().phases["transform"].typed_as(TransformSummary).identity is None
