"""The sync phase: the audience model -> the Mailchimp list, on either target."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tapestry.core.errors import SyncError
from tapestry.core.warehouse import Warehouse
from tapestry.engines.sync.engine import SyncOptions, run_sync
from tapestry.engines.sync.mailchimp import MailchimpDestination
from tapestry.engines.sync.spec import SyncSpec, TagSource
from tapestry.phases.context import ProjectContext
from tapestry.phases.runner import PhaseSkipped
from tapestry.phases.secrets import SecretResolver
from tapestry.phases.warehouse import open_warehouse

if TYPE_CHECKING:
    from tapestry.phases.cloud.env import CloudEnv

PREVIEWS_KEPT = 5  # a preview of a large audience is hundreds of MB; older ones are pruned


@dataclass(frozen=True)
class SyncRequest:
    preview: bool = False
    full_resync: bool = False
    options: SyncOptions = field(default_factory=SyncOptions)


def build_spec(ctx: ProjectContext, marts_schema: str) -> SyncSpec:
    sync = ctx.config.sync
    return SyncSpec(
        list_id=sync.mailchimp.list_id or "preview",
        model=f"{marts_schema}.{sync.model}",
        email_column=sync.mapping.email,
        merge_fields=dict(sync.mapping.merge_fields),
        tags=tuple(TagSource(name=t.name, column=t.column) for t in sync.mapping.tags),
        mode=sync.mode,
    )


def sync_phase(ctx: ProjectContext, request: SyncRequest, env: CloudEnv | None = None) -> dict[str, Any]:
    sync = ctx.config.sync
    if not sync.enabled:
        raise PhaseSkipped({}, "sync is disabled in tapestry.yml (sync.enabled: false)")
    resolver = env.resolver if env is not None else SecretResolver(ctx.config)
    marts_schema = env.objects.marts_schema if env is not None else ctx.config.transform.marts_schema
    spec = build_spec(ctx, marts_schema)
    api_key = resolver.get(sync.mailchimp.api_key)
    preview = request.preview
    missing = []
    if not api_key:
        missing.append(f"no Mailchimp API key ({sync.mailchimp.api_key.describe()} is empty)")
    if not sync.mailchimp.list_id:
        missing.append("no Mailchimp list id (sync.mailchimp.list_id)")
    auto_preview = bool(missing) and not preview
    if auto_preview:
        if ctx.config.target != "local":
            raise SyncError(f"cannot sync: {'; '.join(missing)}", "set them, or run `tapestry sync --preview`")
        ctx.reporter.warn(f"{'; '.join(missing)}: previewing the sync instead, nothing is sent")
        preview = True
    fingerprint = _preview_fingerprint(ctx, marts_schema) if auto_preview else None
    _skip_unchanged_preview(ctx, fingerprint)
    destination = (
        MailchimpDestination(api_key, spec.list_id, api_url=sync.mailchimp.api_url, concurrency=sync.concurrency)
        if api_key and sync.mailchimp.list_id
        else None
    )
    options = replace(
        request.options,
        preview=preview,
        full_resync=request.full_resync,
        bulk_threshold=sync.bulk_threshold,
        batch_size=sync.batch_size,
    )
    warehouse: Warehouse = env.open_snowflake("syncer") if env is not None else open_warehouse(ctx)
    try:
        if not warehouse.table_exists(marts_schema, sync.model):
            raise SyncError(
                f"the sync model {spec.model} does not exist yet",
                "run `tapestry run` first (it builds the model, then syncs)",
            )
        report = run_sync(warehouse, spec, destination, options, ctx.reporter, ctx.layout.previews_dir)
    finally:
        warehouse.close()
        if destination is not None:
            destination.close()
    summary = report.as_summary()
    if fingerprint is not None:
        summary["preview_fingerprint"] = fingerprint
    if preview:
        prune_previews(ctx.layout.previews_dir)
    if report.sample:
        summary["sample"] = report.sample
    if report.kept:
        ctx.reporter.info(
            f"{report.kept:,} members who left the audience were not archived: they are not subscribed in "
            "Mailchimp (Tapestry archives only subscribed members, so a return cannot resubscribe anyone)"
        )
    if report.rejected:
        ctx.reporter.warn(
            f"{report.rejected:,} members were rejected by Mailchimp for good "
            f"({', '.join(f'{n:,} {reason}' for reason, n in report.rejection_reasons.items())}); "
            "they are listed in tapestry_sync.rejections and sent again only when their row changes"
        )
    if report.failed:
        raise SyncError(
            f"{report.failed:,} members failed for a transient reason (429, 5xx, timeouts) after retries "
            f"({report.headline})",
            "rerun `tapestry sync` (the next run sends them again; acknowledged members are not sent twice)",
        )
    return summary


def _preview_fingerprint(ctx: ProjectContext, marts_schema: str) -> str | None:
    """What an automatic preview depends on: the built model's inputs and the sync settings. Only a real
    sync changes the acknowledged snapshot, and it would replace the sync record this is compared with."""
    transform = ctx.state.phases.get("transform")
    built = transform.summary.get("inputs_fingerprint") if transform and transform.status == "succeeded" else None
    if not built:
        return None
    settings = {"model": built, "marts": marts_schema, "sync": ctx.config.sync.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _skip_unchanged_preview(ctx: ProjectContext, fingerprint: str | None) -> None:
    last = ctx.state.phases.get("sync")
    if fingerprint is None or last is None or last.status != "succeeded":
        return
    preview_file = Path(str(last.summary.get("preview_file") or ""))
    if last.summary.get("preview_fingerprint") == fingerprint and preview_file.is_file():
        raise PhaseSkipped({}, f"preview unchanged (audience and settings as before): {preview_file}")


def prune_previews(previews_dir: Path) -> None:
    """Keep the newest previews; drop what a killed preview left half-written (the project lock is held)."""
    for partial in previews_dir.glob(".sync-*.partial"):
        partial.unlink(missing_ok=True)
    files = sorted(previews_dir.glob("sync-*.jsonl"), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in files[PREVIEWS_KEPT:]:
        old.unlink(missing_ok=True)
