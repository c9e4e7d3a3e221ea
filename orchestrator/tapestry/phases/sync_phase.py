"""The sync phase: every enabled sync of the project, in order, on any target.

Each sync keeps its own state in the warehouse (snapshot, runs, changelog, rejections under its destination's
identity). One sync failing does not stop the next: the phase fails at the end, naming every failed sync.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tapestry.core import interrupts
from tapestry.core.errors import SyncError, TapestryError
from tapestry.destinations.mailchimp.config import MailchimpConfig, MailchimpMapping
from tapestry.engines.sync.engine import SyncOptions, run_sync
from tapestry.engines.sync.mailchimp import MailchimpDestination
from tapestry.engines.sync.spec import SyncSpec, TagSource
from tapestry.phases.runner import PhaseSkipped
from tapestry.project.config import SyncConfig

if TYPE_CHECKING:
    from tapestry.phases.target import Target

PREVIEWS_KEPT = 5  # per sync: a preview of a large audience is hundreds of MB; older ones are pruned


@dataclass(frozen=True)
class SyncRequest:
    preview: bool = False
    full_resync: bool = False
    only: tuple[str, ...] = ()  # sync names; empty: every enabled sync
    options: SyncOptions = field(default_factory=SyncOptions)


class SyncsFailed(SyncError):
    """At least one sync failed; the others ran. Carries what every sync did."""

    def __init__(self, message: str, fix: str, summary: dict[str, Any]) -> None:
        super().__init__(message, fix)
        self.partial_summary = summary


def selected_syncs(target: Target, request: SyncRequest) -> list[SyncConfig]:
    syncs = target.ctx.config.syncs
    if request.only:
        unknown = sorted(set(request.only) - {s.name for s in syncs})
        if unknown:
            raise SyncError(
                f"no sync named {', '.join(unknown)} in tapestry.yml",
                f"use one of: {', '.join(s.name for s in syncs) or '(none configured)'}",
            )
        return [s for s in syncs if s.name in request.only]
    return [s for s in syncs if s.enabled]


def sync_phase(target: Target, request: SyncRequest) -> dict[str, Any]:
    ctx = target.ctx
    syncs = selected_syncs(target, request)
    if not syncs:
        reason = "no sync is configured" if not ctx.config.syncs else "every sync is disabled (enabled: false)"
        raise PhaseSkipped({}, f"{reason} in tapestry.yml")
    results: dict[str, dict[str, Any]] = {}
    failures: list[tuple[str, TapestryError]] = []
    skipped: list[str] = []
    for sync in syncs:
        try:
            results[sync.name] = run_one_sync(target, sync, request)
        except PhaseSkipped as unchanged:
            results[sync.name] = _previous(ctx.state.phases.get("sync"), sync.name) | {"reason": unchanged.reason}
            skipped.append(sync.name)
        except TapestryError as exc:
            if interrupts.is_interrupt(exc):
                raise  # Ctrl-C stops every sync, not just this one
            results[sync.name] = {"headline": f"failed: {exc.message}", "error": exc.one_line()}
            failures.append((sync.name, exc))
    # syncs left out with --only keep what they last did
    earlier = (ctx.state.phases["sync"].summary.get("syncs") or {}) if "sync" in ctx.state.phases else {}
    kept = {name: result for name, result in earlier.items() if name not in results and request.only}
    summary = {"headline": _headline(results), "syncs": {**kept, **results}}
    if len(syncs) == 1 and failures:  # one sync: its own error says it all
        only = failures[0][1]
        only.partial_summary = summary  # type: ignore[attr-defined]
        raise only
    if failures:
        listed = "; ".join(f"{name}: {exc.one_line()}" for name, exc in failures)
        raise SyncsFailed(
            f"{len(failures)} of {len(syncs)} syncs failed ({listed})",
            "fix the named syncs and rerun `tapestry sync`; acknowledged members are not sent again",
            summary,
        )
    if len(skipped) == len(syncs):
        raise PhaseSkipped(summary, "; ".join(f"{name}: {results[name]['reason']}" for name in skipped))
    return summary


def _headline(results: dict[str, dict[str, Any]]) -> str:
    if len(results) == 1:
        return str(next(iter(results.values())).get("headline", ""))
    return "; ".join(f"{name}: {result.get('headline', '')}" for name, result in results.items())


def _previous(record: Any, name: str) -> dict[str, Any]:
    if record is None:
        return {}
    previous = (record.summary.get("syncs") or {}).get(name)
    return dict(previous) if isinstance(previous, dict) else {}


def build_spec(sync: SyncConfig, marts_schema: str) -> SyncSpec:
    destination, mapping = sync.destination, sync.mapping
    assert isinstance(destination, MailchimpConfig) and isinstance(mapping, MailchimpMapping)
    return SyncSpec(
        list_id=destination.list_id or "preview",
        model=f"{marts_schema}.{sync.model}",
        email_column=mapping.email,
        merge_fields=dict(mapping.merge_fields),
        tags=tuple(TagSource(name=t.name, column=t.column) for t in mapping.tags),
        mode=sync.mode,
    )


def run_one_sync(target: Target, sync: SyncConfig, request: SyncRequest) -> dict[str, Any]:
    ctx = target.ctx
    destination_config = sync.destination
    assert isinstance(destination_config, MailchimpConfig)
    spec = build_spec(sync, target.marts_schema)
    api_key = target.resolver.get(destination_config.api_key)
    preview = request.preview
    missing = []
    if not api_key:
        missing.append(f"no Mailchimp API key ({destination_config.api_key.describe()} is empty)")
    if not destination_config.list_id:
        missing.append(f"no Mailchimp list id (syncs: {sync.name}: destination.list_id)")
    auto_preview = bool(missing) and not preview
    if auto_preview:
        if not target.previews_without_credentials:
            raise SyncError(
                f"cannot sync {sync.name}: {'; '.join(missing)}", "set them, or run `tapestry sync --preview`"
            )
        ctx.reporter.warn(f"sync {sync.name}: {'; '.join(missing)}: previewing the sync instead, nothing is sent")
        preview = True
    fingerprint = _preview_fingerprint(target, sync) if auto_preview else None
    _skip_unchanged_preview(target, sync.name, fingerprint)
    destination = (
        MailchimpDestination(
            api_key, spec.list_id, api_url=destination_config.api_url, concurrency=destination_config.concurrency
        )
        if api_key and destination_config.list_id
        else None
    )
    options = replace(
        request.options,
        preview=preview,
        full_resync=request.full_resync,
        bulk_threshold=destination_config.bulk_threshold,
        batch_size=destination_config.batch_size,
    )
    previews_dir = ctx.layout.previews_dir / sync.name
    warehouse = target.open_warehouse("syncer")
    try:
        if not warehouse.table_exists(target.marts_schema, sync.model):
            raise SyncError(
                f"the model of sync {sync.name}, {spec.model}, does not exist yet",
                "run `tapestry run` first (it builds the model, then syncs)",
            )
        report = run_sync(warehouse, spec, destination, options, ctx.reporter, previews_dir)
    finally:
        warehouse.close()
        if destination is not None:
            destination.close()
    summary = report.as_summary()
    summary["destination"] = destination_config.identity()
    if fingerprint is not None:
        summary["preview_fingerprint"] = fingerprint
    if preview:
        prune_previews(previews_dir)
    if report.sample:
        summary["sample"] = report.sample
    if report.kept:
        ctx.reporter.info(
            f"sync {sync.name}: {report.kept:,} members who left the audience were not archived: they are not "
            "subscribed in Mailchimp (Tapestry archives only subscribed members, so a return cannot resubscribe anyone)"
        )
    if report.rejected:
        ctx.reporter.warn(
            f"sync {sync.name}: {report.rejected:,} members were rejected by Mailchimp for good "
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


def _preview_fingerprint(target: Target, sync: SyncConfig) -> str | None:
    """What an automatic preview depends on: the built model's inputs and the sync's settings. Only a real
    sync changes the acknowledged snapshot, and it would replace the sync record this is compared with."""
    transform = target.ctx.state.phases.get("transform")
    built = transform.summary.get("inputs_fingerprint") if transform and transform.status == "succeeded" else None
    if not built:
        return None
    settings = {"model": built, "marts": target.marts_schema, "sync": sync.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _skip_unchanged_preview(target: Target, name: str, fingerprint: str | None) -> None:
    last = target.ctx.state.phases.get("sync")
    if fingerprint is None or last is None or last.status not in ("succeeded", "skipped"):
        return
    previous = _previous(last, name)
    preview_file = Path(str(previous.get("preview_file") or ""))
    if previous.get("preview_fingerprint") == fingerprint and preview_file.is_file():
        raise PhaseSkipped({}, f"preview unchanged (model and settings as before): {preview_file}")


def prune_previews(previews_dir: Path) -> None:
    """Keep the newest previews; drop what a killed preview left half-written (the project lock is held)."""
    for partial in previews_dir.glob(".sync-*.partial"):
        partial.unlink(missing_ok=True)
    files = sorted(previews_dir.glob("sync-*.jsonl"), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in files[PREVIEWS_KEPT:]:
        old.unlink(missing_ok=True)
