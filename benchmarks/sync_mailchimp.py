"""Sync benchmark: Tapestry's engine vs a Grouparoo-style exporter, against the fake Mailchimp.

The fake runs in its own process with 50 ms latency per HTTP request (batch operations inside
POST /batches are processed without latency, as Mailchimp processes them server-side).

Measured, in one run:
  1. full sync of 100,000 members (Tapestry: bulk path);
  2. full sync of 1,000,000 members (sets up the incremental case, also reported);
  3. incremental sync with 1% of 1,000,000 rows changed, and the diff time on 1,000,000 rows;
  4. a rerun with nothing changed (must write nothing);
  5. the baseline: GET + PUT/POST + tags POST per member, 9 in parallel (Grouparoo's Mailchimp plugin
     shape), on a 10,000-member sample; its per-member rate is compared.

Targets: diff of 1,000,000 rows within 1 s; at most 0.01 requests per changed row on the bulk path;
at least 50x faster than the baseline on 100,000; zero writes when nothing changed.

    python benchmarks/sync_mailchimp.py [--full 100000] [--big 1000000] [--sample 10000] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "orchestrator"))

from tapestry.destinations.base import OpenRequest  # noqa: E402
from tapestry.destinations.mailchimp import PLUGIN  # noqa: E402
from tapestry.destinations.mailchimp.client import subscriber_hash  # noqa: E402
from tapestry.destinations.mailchimp.config import MailchimpConfig, MailchimpMapping, TagMapping  # noqa: E402
from tapestry.engines.sync.engine import SyncOptions, SyncReport, run_sync  # noqa: E402
from tapestry.engines.sync.spec import SyncSpec  # noqa: E402
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse  # noqa: E402

WRITE_ROUTES = ("PUT /lists/{id}/members/{hash}", "POST /lists/{id}/members", "POST /lists/{id}/members/{hash}/tags")


class Fake:
    def __init__(self, latency_ms: float, list_ids: list[str]) -> None:
        args = [
            sys.executable,
            str(ROOT / "tests" / "fakes" / "mailchimp.py"),
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
        ]
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


def audience_table(warehouse: DuckDBWarehouse, name: str, n: int) -> str:
    warehouse.execute("create schema if not exists analytics")
    warehouse.execute(
        f"create or replace table analytics.{name} as select 'person' || i || '@example.com' as email_address, "
        f"'First' || i as first_name, 'Last' || (i % 997) as last_name from range({n}) t(i)"
    )
    return f"analytics.{name}"


MAPPING = MailchimpMapping(
    merge_fields={"FNAME": "first_name", "LNAME": "last_name"}, tags=[TagMapping(name="tapestry")]
)


def spec(config: MailchimpConfig, model: str) -> SyncSpec:
    return SyncSpec(
        sync_id=config.identity(),
        model=model,
        key_column=MAPPING.key_column,
        columns=tuple(MAPPING.model_columns),
        mapping_hash=MAPPING.fingerprint(),
    )


def tapestry_sync(fake: Fake, warehouse: DuckDBWarehouse, list_id: str, model: str) -> tuple[SyncReport, float, int]:
    """One sync run, through the Mailchimp plugin as `tapestry sync` opens it."""
    config = MailchimpConfig(list_id=list_id, api_url=fake.base_url)
    destination = PLUGIN.open(OpenRequest(config, MAPPING, {"api_key": fake.api_key}))
    before = fake.requests()
    started = time.perf_counter()
    report = run_sync(warehouse, spec(config, model), destination, SyncOptions(), kept_label=PLUGIN.kept_label)
    wall = time.perf_counter() - started
    destination.close()
    return report, wall, fake.requests() - before


def baseline(fake: Fake, list_id: str, n: int) -> tuple[float, int]:
    """Grouparoo's Mailchimp export: per member GET, then PUT (exists) or POST, then tags; 9 at a time."""
    import threading

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
    with ThreadPoolExecutor(max_workers=9) as pool:
        list(pool.map(export, range(n)))
    return time.perf_counter() - started, fake.requests() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--changed-pct", type=float, default=1.0)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tapestry-sync-bench-"))
    warehouse = DuckDBWarehouse(work / "warehouse.duckdb")
    fake = Fake(args.latency_ms, ["full", "big", "baseline"])
    rows: list[tuple[str, str, str, str, str, str]] = []
    try:
        model = audience_table(warehouse, "audience_full", args.full)
        report, wall, requests = tapestry_sync(fake, warehouse, "full", model)
        full_rate = args.full / wall
        rows.append(
            ("full sync", "Tapestry", f"{args.full:,}", f"{wall:,.1f}", f"{requests:,}", f"{requests / args.full:.4f}")
        )

        big = audience_table(warehouse, "audience_big", args.big)
        report, wall, requests = tapestry_sync(fake, warehouse, "big", big)
        rows.append(
            ("full sync", "Tapestry", f"{args.big:,}", f"{wall:,.1f}", f"{requests:,}", f"{requests / args.big:.4f}")
        )

        changed = int(args.big * args.changed_pct / 100)
        warehouse.execute(
            f"update {big} set first_name = first_name || '*' where cast(substr(email_address, 7, "
            f"strpos(email_address, '@') - 7) as bigint) % {int(100 / args.changed_pct)} = 0"
        )
        report, wall, requests = tapestry_sync(fake, warehouse, "big", big)
        assert report.updated == changed, (report.updated, changed)
        incremental = (wall, requests, report.diff_seconds)
        rows.append(
            (
                f"incremental {args.changed_pct:g}% of {args.big:,}",
                "Tapestry",
                f"{changed:,}",
                f"{wall:,.1f}",
                f"{requests:,}",
                f"{requests / changed:.4f}",
            )
        )

        writes_before = fake.writes()
        report, wall, requests = tapestry_sync(fake, warehouse, "big", big)
        no_change_writes = fake.writes() - writes_before
        rows.append(
            (
                "rerun, nothing changed",
                "Tapestry",
                "0",
                f"{wall:,.2f}",
                f"{requests:,} (reads)",
                f"writes: {no_change_writes}",
            )
        )

        base_wall, base_requests = baseline(fake, "baseline", args.sample)
        base_rate = args.sample / base_wall
        rows.append(
            (
                f"full sync (sample of {args.sample:,})",
                "Grouparoo-style",
                f"{args.sample:,}",
                f"{base_wall:,.1f}",
                f"{base_requests:,}",
                f"{base_requests / args.sample:.2f}",
            )
        )
        rows.append(
            (
                f"full sync {args.full:,} (extrapolated)",
                "Grouparoo-style",
                f"{args.full:,}",
                f"{args.full / base_rate:,.0f}",
                f"{base_requests / args.sample * args.full:,.0f}",
                f"{base_requests / args.sample:.2f}",
            )
        )
        rows.append(
            (
                f"incremental {changed:,} changed (extrapolated)",
                "Grouparoo-style",
                f"{changed:,}",
                f"{changed / base_rate:,.0f}",
                f"{base_requests / args.sample * changed:,.0f}",
                f"{base_requests / args.sample:.2f}",
            )
        )
    finally:
        fake.stop()
        warehouse.close()

    header = ("scenario", "engine", "changed rows", "wall s", "HTTP requests", "requests/changed row")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\nSync benchmark · fake Mailchimp with {args.latency_ms:g} ms latency · {os.cpu_count()} cores")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    print()
    print(f"diff of {args.big:,} rows (1% changed):   {incremental[2]:.2f} s   (target ≤ 1 s)")
    print(
        f"full sync {args.full:,}: Tapestry {full_rate:,.0f} members/s vs baseline {base_rate:,.0f} members/s"
        f" → {full_rate / base_rate:,.0f}x faster (target ≥ 50x)"
    )
    print(
        f"incremental: Tapestry {incremental[0]:.1f} s vs baseline {changed / base_rate:,.0f} s"
        f" → {changed / base_rate / incremental[0]:,.0f}x faster"
    )
    print(f"writes when nothing changed: {no_change_writes} (target 0)")


if __name__ == "__main__":
    main()
