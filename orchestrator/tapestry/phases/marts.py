"""What the transform built, in numbers: rows of every model a sync reads, and the records left out."""

from __future__ import annotations

from typing import Any

from tapestry.core.warehouse import Warehouse
from tapestry.project.config import ProjectConfig

REJECTIONS_MODEL = "audience_rejected_records"  # source records without a usable e-mail, with the reason
IDENTITY_MODEL = "identity_map"  # source record -> person
CUTS_MODEL = "identity_limit_cuts"  # components the identity limits cut


def marts_summary(warehouse: Warehouse, marts_schema: str, config: ProjectConfig) -> dict[str, Any]:
    models = list(dict.fromkeys(sync.model for sync in config.syncs))
    sizes = {
        model: int(warehouse.query(f"select count(*) from {marts_schema}.{model}")[0][0])
        for model in models
        if warehouse.table_exists(marts_schema, model)
    }
    summary: dict[str, Any] = {"marts": sizes}
    if models and models[0] in sizes:  # the first sync's model is the project's audience
        summary["audience_model"] = models[0]
        summary["audience_size"] = sizes[models[0]]
    if warehouse.table_exists(marts_schema, REJECTIONS_MODEL):
        summary["rejected_records"] = {
            str(reason).lower(): int(count)
            for reason, count in warehouse.query(
                f"select reason, count(*) from {marts_schema}.{REJECTIONS_MODEL} group by 1 order by 1"
            )
        }
    summary.update(identity_summary(warehouse, marts_schema))
    return summary


def identity_summary(warehouse: Warehouse, marts_schema: str) -> dict[str, Any]:
    """How many source records became how many people, and how many components the limits cut."""
    if not warehouse.table_exists(marts_schema, IDENTITY_MODEL):
        return {}
    records, people = warehouse.query(
        f"select count(*), count(distinct person_id) from {marts_schema}.{IDENTITY_MODEL}"
    )[0]
    identity: dict[str, Any] = {"records": int(records), "people": int(people)}
    if warehouse.table_exists(marts_schema, CUTS_MODEL):
        identity["cut_components"] = int(warehouse.query(f"select count(*) from {marts_schema}.{CUTS_MODEL}")[0][0])
    return {"identity": identity}
