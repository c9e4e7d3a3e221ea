"""What the transform built, in numbers: rows of every model a sync reads, and the records left out."""

from __future__ import annotations

from tapestry.core.warehouse import Warehouse
from tapestry.engines.transform.dbt_runner import BuildResult
from tapestry.project.config import ProjectConfig
from tapestry.project.summaries import DbtNode, IdentitySummary, TransformSummary

REJECTIONS_MODEL = "audience_rejected_records"  # source records without a usable e-mail, with the reason
IDENTITY_MODEL = "identity_map"  # source record -> person
CUTS_MODEL = "identity_limit_cuts"  # components the identity limits cut


def marts_summary(warehouse: Warehouse, marts_schema: str, config: ProjectConfig) -> TransformSummary:
    models = list(dict.fromkeys(sync.model for sync in config.syncs))
    sizes = {
        model: int(warehouse.query(f"select count(*) from {marts_schema}.{model}")[0][0])
        for model in models
        if warehouse.table_exists(marts_schema, model)
    }
    summary = TransformSummary(marts=sizes)
    if models and models[0] in sizes:  # the first sync's model is the project's audience
        summary.audience_model = models[0]
        summary.audience_size = sizes[models[0]]
    if warehouse.table_exists(marts_schema, REJECTIONS_MODEL):
        summary.rejected_records = {
            str(reason).lower(): int(count)
            for reason, count in warehouse.query(
                f"select reason, count(*) from {marts_schema}.{REJECTIONS_MODEL} group by 1 order by 1"
            )
        }
    identity = identity_summary(warehouse, marts_schema)
    if identity is not None:
        summary.identity = identity
    return summary


def identity_summary(warehouse: Warehouse, marts_schema: str) -> IdentitySummary | None:
    """How many source records became how many people, and how many components the limits cut."""
    if not warehouse.table_exists(marts_schema, IDENTITY_MODEL):
        return None
    records, people = warehouse.query(
        f"select count(*), count(distinct person_id) from {marts_schema}.{IDENTITY_MODEL}"
    )[0]
    identity = IdentitySummary(records=int(records), people=int(people))
    if warehouse.table_exists(marts_schema, CUTS_MODEL):
        identity.cut_components = int(warehouse.query(f"select count(*) from {marts_schema}.{CUTS_MODEL}")[0][0])
    return identity


def build_summary(result: BuildResult, marts: TransformSummary) -> TransformSummary:
    """A dbt build's outcome (every model, test and seed with its time) with what it left in the marts."""
    nodes = [
        DbtNode(name=n.name, type=n.resource_type, status=n.status, seconds=round(n.seconds, 3)) for n in result.nodes
    ]
    return marts.model_copy(
        update={"models_passed": result.models_passed, "tests_passed": result.tests_passed, "nodes": nodes}
    )
