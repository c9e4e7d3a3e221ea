"""The sync phase: every enabled sync of the project, in order, on any target.

Each sync keeps its own state in the warehouse (snapshot, runs, changelog, rejections under its destination's
identity). Its destination comes from the plugin its `destination.type` names; nothing here knows a tool.
One sync failing does not stop the next: the phase fails at the end, naming every failed sync.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tapestry.core import interrupts
from tapestry.core.errors import ConfigError, SyncError, TapestryError
from tapestry.core.settings import secret_refs
from tapestry.destinations.base import DestinationPlugin, OpenRequest
from tapestry.engines.sync.engine import SyncOptions, run_sync
from tapestry.engines.sync.spec import SyncSpec
from tapestry.phases.runner import PhaseSkipped
from tapestry.phases.sync_summary import SyncResult, SyncSummary, read_summary
from tapestry.plugins import destination_plugin
from tapestry.project.config import SyncConfig

if TYPE_CHECKING:
    from tapestry.phases.target import Target

PREVIEWS_KEPT = 5  # per sync: a preview of a large audience is hundreds of MB; older ones are pruned


@dataclass(frozen=True)
class SyncRequest:
    preview: bool = False
    full_resync: bool = False
    only: tuple[str, ...] = ()  # sync names; empty: every enabled sync
    allow_mass_archive: bool = False  # mirror syncs may archive more than their max_archive_share, this once
    options: SyncOptions = field(default_factory=SyncOptions)


class SyncsFailed(SyncError):
    """At least one sync failed; the others ran. Carries what every sync did."""

    def __init__(self, message: str, fix: str, summary: dict[str, Any]) -> None:
        super().__init__(message, fix)
        self.partial_summary = summary


def check_sync_names(syncs: list[SyncConfig], only: tuple[str, ...]) -> None:
    """Refuse `--only` names tapestry.yml does not have, before anything runs or is recorded."""
    unknown = sorted(set(only) - {s.name for s in syncs})
    if unknown:
        raise ConfigError(
            f"no sync named {', '.join(unknown)} in tapestry.yml",
            f"use one of: {', '.join(s.name for s in syncs) or '(none configured)'}",
        )


def selected_syncs(target: Target, request: SyncRequest) -> list[SyncConfig]:
    syncs = target.ctx.config.syncs
    if request.only:
        check_sync_names(syncs, request.only)
        return [s for s in syncs if s.name in request.only]
    return [s for s in syncs if s.enabled]


def sync_phase(target: Target, request: SyncRequest) -> dict[str, Any]:
    ctx = target.ctx
    syncs = selected_syncs(target, request)
    if not syncs:
        reason = "no sync is configured" if not ctx.config.syncs else "every sync is disabled (enabled: false)"
        raise PhaseSkipped({}, f"{reason} in tapestry.yml")
    last = ctx.state.phases.get("sync")
    earlier = read_summary(last.summary if last else None).syncs
    results: dict[str, SyncResult] = {}
    failures: list[tuple[str, TapestryError]] = []
    skipped: list[str] = []
    for sync in syncs:
        try:
            results[sync.name] = run_one_sync(target, sync, request)
        except PhaseSkipped as unchanged:
            previous = earlier.get(sync.name) or SyncResult()
            results[sync.name] = previous.model_copy(update={"reason": unchanged.reason})
            skipped.append(sync.name)
        except TapestryError as exc:
            if interrupts.is_interrupt(exc):
                raise  # Ctrl-C stops every sync, not just this one
            results[sync.name] = SyncResult(
                headline=f"failed: {exc.message}",
                error=exc.one_line(),
                destination=sync.destination.identity(),
                type=sync.destination.type,
            )
            failures.append((sync.name, exc))
    # syncs left out with --only keep what they last did
    kept = {name: result for name, result in earlier.items() if name not in results and request.only}
    summary = SyncSummary(headline=_headline(results), syncs={**kept, **results}).as_dict()
    if len(syncs) == 1 and failures:  # one sync: its own error says it all
        only = failures[0][1]
        only.partial_summary = summary  # type: ignore[attr-defined]
        raise only
    if failures:
        # each failure with its own fix in brackets: the line keeps one "Fix:", the phase's
        listed = "; ".join(
            f"{name}: {' '.join(exc.message.split()).rstrip('.')}" + (f" ({exc.fix})" if exc.fix else "")
            for name, exc in failures
        )
        raise SyncsFailed(
            f"{len(failures)} of {len(syncs)} syncs failed ({listed})",
            "fix the named syncs and rerun `tapestry sync`; acknowledged members are not sent again",
            summary,
        )
    if len(skipped) == len(syncs):
        raise PhaseSkipped(summary, "; ".join(f"{name}: {results[name].reason}" for name in skipped))
    return summary


def _headline(results: dict[str, SyncResult]) -> str:
    if len(results) == 1:
        return next(iter(results.values())).headline
    return "; ".join(f"{name}: {result.headline}" for name, result in results.items())


def build_spec(sync: SyncConfig, marts_schema: str) -> SyncSpec:
    return SyncSpec(
        sync_id=sync.destination.identity(),
        model=f"{marts_schema}.{sync.model}",
        key_column=sync.mapping.key_column,
        columns=tuple(sync.mapping.model_columns),
        mapping_hash=sync.mapping.fingerprint(),
        mode=sync.mode,
        max_archive_share=sync.max_archive_share,
    )


def destination_credentials(
    target: Target, sync: SyncConfig, plugin: DestinationPlugin
) -> tuple[dict[str, str], list[str]]:
    """The destination's secrets that resolve, and what a real sync lacks (secrets and settings)."""
    secrets: dict[str, str] = {}
    missing: list[str] = []
    for path, ref in secret_refs(sync.destination):
        value = target.resolver.get(ref)
        if value:
            secrets[path] = value
        else:
            missing.append(f"no {plugin.label} {path.replace('_', ' ')} ({ref.describe()} is empty)")
    for name in sync.destination.missing():
        missing.append(f"no {plugin.label} {name.replace('_', ' ')} (syncs: {sync.name}: destination.{name})")
    return secrets, missing


def run_one_sync(target: Target, sync: SyncConfig, request: SyncRequest) -> SyncResult:
    ctx = target.ctx
    plugin = destination_plugin(sync.destination.type)
    spec = build_spec(sync, target.marts_schema)
    secrets, missing = destination_credentials(target, sync, plugin)
    preview = request.preview
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
    options = replace(
        request.options,
        preview=preview,
        full_resync=request.full_resync,
        offline=bool(missing),
        allow_mass_archive=request.allow_mass_archive,
    )
    previews_dir = ctx.layout.previews_dir / sync.name
    warehouse = target.open_warehouse("syncer")
    try:
        if not warehouse.table_exists(target.marts_schema, sync.model):
            raise SyncError(
                f"the model of sync {sync.name}, {spec.model}, does not exist yet",
                "run `tapestry run` first (it builds the model, then syncs)",
            )
        opened = OpenRequest(sync.destination, sync.mapping, secrets, bool(missing), request.full_resync)
        destination = plugin.open(opened)
        try:
            report = run_sync(
                warehouse, spec, destination, options, ctx.reporter, previews_dir, kept_label=plugin.kept_label
            )
        finally:
            destination.close()
    finally:
        warehouse.close()
    result = SyncResult(
        headline=report.headline,
        destination=spec.sync_id,
        type=plugin.type,
        run_id=report.run_id,
        preview=report.preview,
        planned=report.planned,
        path=report.path,
        created=report.created,
        updated=report.updated,
        archived=report.archived,
        kept=report.kept,
        rejected=report.rejected,
        failed=report.failed,
        recovered=report.recovered,
        waiting=report.waiting,
        requests=report.requests,
        seconds=report.seconds,
        diff_seconds=report.diff_seconds,
        preview_file=report.preview_file,
        preview_fingerprint=fingerprint,
        rejection_reasons=report.rejection_reasons,
        sample=report.sample or None,
    )
    if preview:
        prune_previews(previews_dir)
    if report.kept:
        ctx.reporter.info(
            f"sync {sync.name}: {report.kept:,} members who left the model were left in {plugin.label} as they are "
            f"({plugin.kept_label})"
        )
    if report.waiting:
        ctx.reporter.warn(
            f"sync {sync.name}: {report.waiting:,} members wait in a job {plugin.label} was still running when this "
            "run collected what an interrupted run left; they are not sent again, and the next run collects the job"
        )
    if report.rejected:
        ctx.reporter.warn(
            f"sync {sync.name}: {report.rejected:,} members were rejected by {plugin.label} for good "
            f"({', '.join(f'{n:,} {reason}' for reason, n in report.rejection_reasons.items())}); "
            "they are listed in tapestry_sync.rejections and sent again only when their row changes"
        )
    if report.failed:
        raise SyncError(
            f"{report.failed:,} members failed for a transient reason (429, 5xx, timeouts) after retries "
            f"({report.headline})",
            "rerun `tapestry sync` (the next run sends them again; acknowledged members are not sent twice)",
        )
    return result


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
    previous = read_summary(last.summary).syncs.get(name) or SyncResult()
    preview_file = Path(previous.preview_file or "")
    if previous.preview_fingerprint == fingerprint and previous.preview_file and preview_file.is_file():
        raise PhaseSkipped({}, f"preview unchanged (model and settings as before): {preview_file}")


def prune_previews(previews_dir: Path) -> None:
    """Keep the newest previews; drop what a killed preview left half-written (the project lock is held)."""
    for partial in previews_dir.glob(".sync-*.partial"):
        partial.unlink(missing_ok=True)
    files = sorted(previews_dir.glob("sync-*.jsonl"), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in files[PREVIEWS_KEPT:]:
        old.unlink(missing_ok=True)
