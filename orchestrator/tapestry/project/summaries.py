"""What each phase did, as typed models.

The phases build them, `.tapestry/state.json` stores them as JSON (`PhaseRecord.summary`), and
`tapestry status`, the run and deploy summaries and the dashboard read them back through
`PhaseRecord.typed()` — one definition of every field and of every phase's one-line headline.

A record written by an older Tapestry still loads: every field has a default, keys a model does not know
are kept (`extra="allow"`), and a value of the wrong type is dropped rather than failing the page or command
that reads it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tapestry.core.humanize import count


class Record(BaseModel):
    """A part of a summary: typed fields, unknown keys kept."""

    model_config = ConfigDict(extra="allow")


class PhaseSummary(Record):
    """What every phase's record may hold; a phase without a model of its own (the sync) reads as this."""

    headline: str | None = None  # the phase's own one-line account; otherwise each model composes one
    reason: str | None = None  # why the phase was skipped (set by the runner)
    last_checked_at: str | None = None  # a later run found nothing to do (set by the runner)
    inputs_fingerprint: str | None = None  # the inputs it last succeeded with (resumable phases)

    def describe(self) -> str:
        """What the phase did, in one line (empty before it did anything)."""
        return self.headline or ""

    def stored(self) -> dict[str, Any]:
        """The JSON object kept in the state file: what the phase set (fields it left alone stay out)."""
        return self.model_dump(mode="json", exclude_unset=True)

    def _has(self, *fields: str) -> bool:
        return any(name in self.model_fields_set for name in fields)


# --- pipeline phases -------------------------------------------------------------------------------------


class SourceLoad(Record):
    """One source's share of a local ingest."""

    files_loaded: int = 0
    files_skipped: int = 0  # content loaded before
    rows_loaded: int = 0
    rows_total: int | None = None  # rows in its raw table after the load


class AirbyteJob(Record):
    job_id: int | str | None = None
    rows_synced: int | None = None
    duration: str | int | float | None = None  # as Airbyte reports it


class IngestSummary(PhaseSummary):
    """Local: export files into raw tables, per source. aws: one Airbyte job per connection."""

    files_loaded: int = 0
    rows_loaded: int = 0
    by_source: dict[str, SourceLoad] = {}
    rows_by_table: dict[str, int] = {}  # raw table -> rows in it (a source may land several streams)
    connections: dict[str, AirbyteJob] = {}
    rows_synced: int | None = None

    def describe(self) -> str:
        if self.headline:
            return self.headline
        if self._has("connections", "rows_synced"):
            return f"{self.rows_synced or 0:,} rows synced by {count(len(self.connections), 'Airbyte job')}"
        if self._has("rows_loaded", "files_loaded"):
            return f"{self.rows_loaded:,} rows loaded from {count(self.files_loaded, 'file')}"
        return ""


class DbtNode(Record):
    name: str
    type: str
    status: str
    seconds: float = 0.0


class IdentitySummary(Record):
    """What identity resolution made of the source records (marts.identity_map, identity_limit_cuts)."""

    records: int = 0  # source records resolved
    people: int = 0  # the people they became
    cut_components: int | None = None  # components the identity limits cut (None: the model is not there)

    def describe(self) -> str:
        cut = f" ({count(self.cut_components, 'component')} cut by the identity limits)" if self.cut_components else ""
        return f"{self.records:,} source records → {self.people:,} people{cut}"


class TransformSummary(PhaseSummary):
    """The dbt build and what it left in the marts."""

    models_passed: int | None = None
    tests_passed: int | None = None
    nodes: list[DbtNode] = []
    marts: dict[str, int] = {}  # rows of every model a sync reads
    audience_model: str | None = None  # the first sync's model
    audience_size: int | None = None
    rejected_records: dict[str, int] | None = None  # source records left out, by reason
    identity: IdentitySummary | None = None  # None: the project has no identity models

    @property
    def rejected_total(self) -> int | None:
        return sum(self.rejected_records.values()) if self.rejected_records else None

    def describe(self) -> str:
        if self.headline:
            return self.headline
        parts = []
        if self.models_passed is not None:
            parts.append(f"{self.models_passed} models, {self.tests_passed or 0} tests passed")
        if self.audience_size is not None:
            parts.append(f"audience {self.audience_size:,}")
        return "; ".join(parts)


# --- deploy phases -----------------------------------------------------------------------------------------


class SecretsSummary(PhaseSummary):
    """Names only: a secret's value is never recorded."""

    written: list[str] = []
    unchanged: int = 0
    generated: list[str] = []  # Snowflake key pairs the deploy created
    ssm_prefix: str | None = None

    def describe(self) -> str:
        if self.headline or self.ssm_prefix is None:
            return self.headline or ""
        return (
            f"{len(self.written)} written, {self.unchanged} unchanged, "
            f"{len(self.generated)} generated under {self.ssm_prefix}"
        )


class StackSummary(PhaseSummary):
    """A phase that applies a Terraform stack: the plan it applied and the stack's outputs."""

    plan: str | None = None  # "2 to add, 0 to change, 0 to destroy"
    resources: list[tuple[str, str]] = []  # --plan: (action, address) of every planned change
    outputs: dict[str, Any] = {}  # `terraform output`; read them with ProjectState.stack_outputs

    def describe(self) -> str:
        return self.headline or self.plan or ""


class SnowflakeSummary(StackSummary):
    mode: Literal["managed", "existing"] | None = None  # Terraform creates the objects, or they are verified


class EcsRunnerSummary(StackSummary):
    image: str | None = None


class AirbyteSummary(PhaseSummary):
    """Airbyte's sources, destination and connections, created or found by name."""

    healthy_after_seconds: float | None = None
    actions: list[str] = []  # "source acme-zoom: unchanged", ...
    outputs: dict[str, Any] = {}  # workspace_id, sources, destination_id, connections (ids by name)

    def describe(self) -> str:
        if self.headline or not self.actions:
            return self.headline or ""
        outcomes = Counter(action.rpartition(": ")[2] for action in self.actions)
        listed = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        return f"{count(len(self.actions), 'object')}: {listed}"


class FirstBuildSummary(TransformSummary):
    """The first Airbyte syncs, then the dbt build on Snowflake."""

    airbyte: IngestSummary | None = None

    def describe(self) -> str:
        built = super().describe()
        synced = self.airbyte.describe() if self.airbyte else ""
        return "; ".join(part for part in (synced, built) if part)


class DashboardSummary(PhaseSummary):
    links: dict[str, str] = {}  # airbyte, snowflake (destinations' links come from their plugins)
    command: str | None = None  # how to open the dashboard

    def describe(self) -> str:
        return self.headline or self.command or ""


# The model of each phase's record, by phase name; any other phase (the sync, first_sync) reads as
# PhaseSummary, which keeps all of its keys.
SUMMARY_MODELS: dict[str, type[PhaseSummary]] = {
    "ingest": IngestSummary,
    "transform": TransformSummary,
    "secrets": SecretsSummary,
    "snowflake": SnowflakeSummary,
    "aws_ingestion": StackSummary,
    "airbyte": AirbyteSummary,
    "first_build": FirstBuildSummary,
    "ecs_runner": EcsRunnerSummary,
    "dashboard": DashboardSummary,
}

Summary = TypeVar("Summary", bound=PhaseSummary)


def parse_summary(model: type[Summary], stored: Mapping[str, Any]) -> Summary:
    """`stored` as `model`; a field whose stored value no longer fits is dropped (an older or hand-edited
    state file must not break `status` or the dashboard)."""
    data = dict(stored)
    for _ in range(len(data) + 1):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            broken = {error["loc"][0] for error in exc.errors() if error["loc"]}
            if not broken & set(data):
                break
            data = {key: value for key, value in data.items() if key not in broken}
    return model()


def summary_model(phase: str) -> type[PhaseSummary]:
    return SUMMARY_MODELS.get(phase, PhaseSummary)


def as_stored(summary: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """What a phase returned, as the JSON object its record keeps: a summary model (what it set), another
    model (an engine's own report), or a plain mapping."""
    if isinstance(summary, PhaseSummary):
        return summary.stored()
    if isinstance(summary, BaseModel):
        return summary.model_dump(mode="json")
    return dict(summary)
