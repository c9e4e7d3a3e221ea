"""Sync benchmark at Mailchimp's own pace: Tapestry's engine vs a Grouparoo-style exporter, against the fake
Mailchimp under two cost models, side by side.

Mailchimp publishes no timings, so the fake charges two models that bracket what users report
(tests/fakes/mailchimp.py, COST_MODELS): per request (held on one of the 10 connections), per operation of
`/batches` (processed server-side, one batch after another), per member of a batch subscribe and per e-mail
of a static-segment (tag) call (both held on the connection). The 10-connection cap and the 500 pending
batches are enforced in both.

Measured per model, each in its own fake process:
  1. a first sync of --big members (1,000,000) with two merge fields and a constant tag;
  2. an incremental sync with --changed-pct (1 %) of them changed, and the diff time (update_path: auto,
     the default: direct calls and `/batches` together);
  3. the same again with `update_path: bulk` (`/batches` only: fewest requests, Mailchimp's pace);
  4. a rerun with nothing changed (must write nothing);
  5. the baseline: GET + PUT/POST + tags per member, 9 in parallel (Grouparoo's Mailchimp plugin shape),
     on a --sample of members, extrapolated to the first sync and to the incremental.
Each line also shows its physical floor: the requests it needs ÷ 10 connections × each one's time under
the model (for the incremental: the changed rows at the pace of 10 direct connections and of `/batches`
together, whichever way the engine splits them; with `update_path: bulk`, at the pace of `/batches`).

Goals: a first sync of 1,000,000 within 15 minutes under the pessimistic model, at least 1,000 members/s on
first syncs, at most 0.01 requests per changed row (first syncs), zero writes when nothing changed.

    python benchmarks/sync_mailchimp.py [--big 1000000] [--changed-pct 1] [--sample 1000]
                                        [--models optimistic,pessimistic]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "orchestrator"))
sys.path.insert(0, str(ROOT / "tests"))

from fakes.mailchimp import COST_MODELS  # noqa: E402
from tapestry.destinations.base import OpenRequest  # noqa: E402
from tapestry.destinations.mailchimp import PLUGIN  # noqa: E402
from tapestry.destinations.mailchimp.client import SEGMENT_MAX, SUBSCRIBE_MAX, subscriber_hash  # noqa: E402
from tapestry.destinations.mailchimp.config import (  # noqa: E402
    MAX_CONNECTIONS,
    MailchimpConfig,
    MailchimpMapping,
    TagMapping,
)
from tapestry.engines.sync.engine import SyncOptions, SyncReport, run_sync  # noqa: E402
from tapestry.engines.sync.spec import SyncSpec  # noqa: E402
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse  # noqa: E402

WRITE_ROUTES = (
    "PUT /lists/{id}/members/{hash}",
    "POST /lists/{id}/members",
    "POST /lists/{id}/members/{hash}/tags",
    "POST /lists/{id}",
    "POST /lists/{id}/segments/{segment_id}",
)
BASELINE_WORKERS = 9
MAPPING = MailchimpMapping(
    merge_fields={"FNAME": "first_name", "LNAME": "last_name"}, tags=[TagMapping(name="tapestry")]
)


class Fake:
    """The fake Mailchimp in its own process (its own GIL), under one cost model."""

    def __init__(self, model: str, list_ids: list[str]) -> None:
        args = [sys.executable, str(ROOT / "tests" / "fakes" / "mailchimp.py"), "--port", "0", "--cost-model", model]
        for list_id in list_ids:
            args += ["--list-id", list_id]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        info = json.loads(self.process.stdout.readline())
        self.base_url, self.api_key, self.admin = info["base_url"], info["api_key"], info["admin_url"]

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.admin}/stats") as response:
            return dict(json.load(response))

    def requests(self) -> int:
        return int(self.stats()["request_count"])

    def writes(self) -> int:
        stats = self.stats()
        by_route, batch_ops = stats["requests_by_route"], stats["batch_operations_by_route"]
        return sum(by_route.get(r, 0) + batch_ops.get(r, 0) for r in WRITE_ROUTES)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass(frozen=True)
class Model:
    name: str
    latency: float  # seconds per request
    batch_ops_per_second: float
    subscribe_per_member: float  # seconds
    segment_per_member: float  # seconds

    @classmethod
    def named(cls, name: str) -> Model:
        knobs = COST_MODELS[name]
        return cls(
            name,
            float(knobs["latency_ms"] or 0) / 1000,
            float(knobs["batch_ops_per_second"] or math.inf),
            float(knobs["batch_subscribe_ms_per_member"] or 0) / 1000,
            float(knobs["segment_ms_per_member"] or 0) / 1000,
        )

    def first_sync_floor(self, members: int) -> tuple[int, float]:
        """Requests and seconds a first sync needs at least: batch subscribes and tag calls, 10 at a time."""
        calls = math.ceil(members / SUBSCRIBE_MAX)
        tags = math.ceil(members / SEGMENT_MAX)
        busy = calls * self.latency + members * self.subscribe_per_member
        busy += tags * self.latency + members * self.segment_per_member
        return calls + tags, busy / MAX_CONNECTIONS

    def update_floor(self, changed: int) -> float:
        """Seconds `changed` updates need at least: 10 direct connections and /batches working together."""
        return changed / (MAX_CONNECTIONS / self.latency + self.batch_ops_per_second)

    def bulk_floor(self, changed: int) -> float:
        """Seconds `changed` updates need through /batches alone (one operation each, one after another)."""
        return changed / self.batch_ops_per_second

    def baseline_floor(self, members: int) -> float:
        """GET + PUT/POST + tags per member: 3 requests each, 10 at a time."""
        return 3 * members * self.latency / MAX_CONNECTIONS

    def describe(self) -> str:
        return (
            f"{self.name}: {self.latency * 1000:g} ms a request, {self.batch_ops_per_second:g} /batches "
            f"operations a second, {self.subscribe_per_member * 1000:g} ms a batch-subscribe member, "
            f"{self.segment_per_member * 1000:g} ms a tag-call e-mail; 10 connections, 500 pending batches"
        )


def audience_table(warehouse: DuckDBWarehouse, name: str, n: int) -> str:
    warehouse.execute("create schema if not exists analytics")
    warehouse.execute(
        f"create or replace table analytics.{name} as select 'person' || i || '@example.com' as email_address, "
        f"'First' || i as first_name, 'Last' || (i % 997) as last_name from range({n}) t(i)"
    )
    return f"analytics.{name}"


def spec(config: MailchimpConfig, model: str) -> SyncSpec:
    return SyncSpec(
        sync_id=config.identity(),
        model=model,
        key_column=MAPPING.key_column,
        columns=tuple(MAPPING.model_columns),
        mapping_hash=MAPPING.fingerprint(),
    )


@dataclass(frozen=True)
class Measured:
    report: SyncReport
    wall: float
    requests: int  # API requests the fake served


def tapestry_sync(
    fake: Fake, warehouse: DuckDBWarehouse, list_id: str, model: str, update_path: str = "auto"
) -> Measured:
    """One sync run, through the Mailchimp plugin as `tapestry sync` opens it."""
    config = MailchimpConfig.model_validate({"list_id": list_id, "api_url": fake.base_url, "update_path": update_path})
    destination = PLUGIN.open(OpenRequest(config, MAPPING, {"api_key": fake.api_key}))
    before = fake.requests()
    started = time.perf_counter()
    report = run_sync(warehouse, spec(config, model), destination, SyncOptions(), kept_label=PLUGIN.kept_label)
    wall = time.perf_counter() - started
    destination.close()
    return Measured(report, wall, fake.requests() - before)


def baseline(fake: Fake, list_id: str, n: int) -> tuple[float, int]:
    """Grouparoo's Mailchimp export: per member GET, then PUT (exists) or POST, then tags; 9 at a time."""
    import mailchimp_marketing
    from mailchimp_marketing.api_client import ApiClientError

    local = threading.local()

    def client() -> Any:
        if not hasattr(local, "client"):
            local.client = mailchimp_marketing.Client()
            local.client.set_config({"api_key": fake.api_key, "server": "server"})
            local.client.api_client.host = fake.base_url
        return local.client

    def export(i: int) -> None:
        email = f"baseline{i}@example.com"
        member_hash = subscriber_hash(email)
        body = {"email_address": email, "merge_fields": {"FNAME": f"First{i}", "LNAME": "Last"}}
        mc = client()
        try:
            mc.lists.get_list_member(list_id, member_hash)
            mc.lists.set_list_member(list_id, member_hash, body)
        except ApiClientError:
            mc.lists.add_list_member(list_id, {**body, "status": "subscribed"})
        mc.lists.update_list_member_tags(list_id, member_hash, {"tags": [{"name": "tapestry", "status": "active"}]})

    before = fake.requests()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=BASELINE_WORKERS) as pool:
        list(pool.map(export, range(n)))
    return time.perf_counter() - started, fake.requests() - before


def duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:,.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds:,.1f} s"


def run_model(name: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    model = Model.named(name)
    warehouse = DuckDBWarehouse(work / f"warehouse-{name}.duckdb")
    fake = Fake(name, ["big", "baseline"])
    out: dict[str, Any] = {"model": model}
    try:
        big = audience_table(warehouse, "audience_big", args.big)
        first = tapestry_sync(fake, warehouse, "big", big)
        assert first.report.created == args.big and first.report.failed == 0, first.report.headline
        out["first"] = first
        print(f"  [{name}] first sync: {duration(first.wall)}, {first.requests:,} requests", flush=True)

        every = round(100 / args.changed_pct)
        changed = -(-args.big // every)  # person0, person<every>, ...
        for key, update_path in (("incremental", "auto"), ("bulk", "bulk")):
            warehouse.execute(
                f"update {big} set first_name = first_name || '*' where cast(substr(email_address, 7, "
                f"strpos(email_address, '@') - 7) as bigint) % {every} = 0"
            )
            measured = tapestry_sync(fake, warehouse, "big", big, update_path)
            assert measured.report.updated == changed and measured.report.failed == 0, measured.report.headline
            out[key] = measured
            print(
                f"  [{name}] incremental, update_path {update_path}: {duration(measured.wall)}, "
                f"{measured.requests:,} requests",
                flush=True,
            )
        out["changed"] = changed

        writes_before = fake.writes()
        out["rerun"] = tapestry_sync(fake, warehouse, "big", big)
        out["rerun_writes"] = fake.writes() - writes_before

        base_wall, base_requests = baseline(fake, "baseline", args.sample)
        out["baseline"] = (base_wall, base_requests)
        print(f"  [{name}] baseline sample: {duration(base_wall)}", flush=True)
    finally:
        fake.stop()
        warehouse.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--changed-pct", type=float, default=1.0)
    parser.add_argument("--sample", type=int, default=1_000)
    parser.add_argument("--models", default="optimistic,pessimistic")
    args = parser.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]

    work = Path(tempfile.mkdtemp(prefix="tapestry-sync-bench-"))
    results = [run_model(name, args, work) for name in names]

    big, sample = args.big, args.sample
    header = ["scenario", "engine"]
    for name in names:
        header += [f"{name}: wall", "floor", "requests", "per row", "rows/s"]
    rows: list[list[str]] = []

    def line(scenario: str, engine: str, cells: list[tuple[float, float | None, int, int]]) -> None:
        row = [scenario, engine]
        for wall, floor, requests, n in cells:
            floor_text = "–" if floor is None else duration(floor)
            per_row = f"{requests / n:.4f}" if n else "–"
            row += [duration(wall), floor_text, f"{requests:,}", per_row, f"{n / wall:,.0f}" if n else "–"]
        rows.append(row)

    line(
        f"first sync, {big:,} members",
        "Tapestry",
        [(r["first"].wall, r["model"].first_sync_floor(big)[1], r["first"].requests, big) for r in results],
    )
    changed = results[0]["changed"]
    line(
        f"incremental, {args.changed_pct:g} % of {big:,} changed",
        "Tapestry",
        [
            (r["incremental"].wall, r["model"].update_floor(changed), r["incremental"].requests, changed)
            for r in results
        ],
    )
    line(
        "incremental, the same with update_path: bulk",
        "Tapestry",
        [(r["bulk"].wall, r["model"].bulk_floor(changed), r["bulk"].requests, changed) for r in results],
    )
    line(
        "rerun, nothing changed (0 writes)",
        "Tapestry",
        [(r["rerun"].wall, None, r["rerun"].requests, 0) for r in results],
    )
    line(
        f"baseline sample, {sample:,} members",
        "Grouparoo-style",
        [(r["baseline"][0], r["model"].baseline_floor(sample), r["baseline"][1], sample) for r in results],
    )
    for label, n in ((f"first sync, {big:,} members", big), (f"incremental, {changed:,} changed", changed)):
        line(
            label + " (extrapolated)",
            "Grouparoo-style",
            [
                (r["baseline"][0] * n / sample, r["model"].baseline_floor(n), r["baseline"][1] * n // sample, n)
                for r in results
            ],
        )

    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(f"\nSync benchmark · fake Mailchimp under cost models · {os.cpu_count()} cores")
    for r in results:
        print(f"  {r['model'].describe()}")
    print()
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print()
    for r in results:
        name, first, inc = r["model"].name, r["first"], r["incremental"]
        base_rate = sample / r["baseline"][0]
        print(
            f"{name}: first sync {duration(first.wall)} ({first.report.path}; {big / first.wall:,.0f} members/s, "
            f"{first.requests / big:.4f} requests/row, {first.wall / r['model'].first_sync_floor(big)[1]:.2f}× "
            f"the floor) vs Grouparoo-style {duration(big / base_rate)} → {big / base_rate / first.wall:,.0f}× faster"
        )
        print(
            f"{name}: incremental {duration(inc.wall)} ({inc.report.path}; diff {inc.report.diff_seconds:.2f} s, "
            f"{inc.requests / changed:.4f} requests/changed row) vs Grouparoo-style "
            f"{duration(changed / base_rate)} → {changed / base_rate / inc.wall:,.1f}× faster"
        )
        bulk = r["bulk"]
        print(
            f"{name}: incremental with update_path: bulk {duration(bulk.wall)} ({bulk.report.path}; "
            f"{bulk.requests / changed:.4f} requests/changed row)"
        )
        print(f"{name}: rerun with nothing changed: {duration(r['rerun'].wall)}, writes: {r['rerun_writes']} (goal 0)")
    pessimistic = next((r for r in results if r["model"].name == "pessimistic"), None)
    if pessimistic is not None:
        wall = pessimistic["first"].wall * 1_000_000 / big
        how = "" if big == 1_000_000 else f" (extrapolated linearly from {big:,})"
        print(f"goal: first sync of 1,000,000 under the pessimistic model ≤ 15 min: {duration(wall)}{how}")
    rates = ", ".join(f"{big / r['first'].wall:,.0f}" for r in results)
    print(f"goal: ≥ 1,000 members/s on first syncs: {rates}")
    print(
        "goal: ≤ 0.01 requests per changed row: first syncs "
        + ", ".join(f"{r['first'].requests / big:.4f}" for r in results)
        + "; incremental, update_path auto "
        + ", ".join(f"{r['incremental'].requests / changed:.4f}" for r in results)
        + ", bulk "
        + ", ".join(f"{r['bulk'].requests / changed:.4f}" for r in results)
    )


if __name__ == "__main__":
    main()
