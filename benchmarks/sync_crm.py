"""Sync benchmark for HubSpot and Klaviyo: Tapestry's plugin against the fake (own process, 50 ms latency per
request, the vendor's published rate limits enforced), next to a cost model of those limits.

    python benchmarks/sync_crm.py --destination hubspot [--full 20000] [--sample 100] [--latency-ms 50]
    python benchmarks/sync_crm.py --destination klaviyo [--full 100000] [--sample 100] [--latency-ms 50]

Measured: a full sync of N people, an incremental sync with 1% changed, a rerun with nothing changed (must
write nothing), and a per-record baseline (a Grouparoo-style exporter: HubSpot search + create/update per
contact; Klaviyo profile import + list add per profile) on a small sample, paced under the same limits.

Cost model (the table's last rows): the time the published limits allow, with nothing else in the way.
- HubSpot: batch upsert of 100 contacts per call; a private app's burst limit is 100 calls per 10 s
  (Free/Starter: the pessimistic case, and what the fake enforces) or 190 (Professional/Enterprise: the
  optimistic case); the daily limit (250,000 / 650,000 / 1,000,000) caps a day at 100 x that many contacts.
- Klaviyo: bulk import jobs of 10,000 profiles (10 per second, 150 per minute); Klaviyo publishes no figure
  for how fast a job is processed: 2,000 profiles/s (optimistic) and 200 profiles/s (pessimistic) are
  assumptions; the fake processes `--profiles-per-second` (default 2,000). Profile import (the small-change
  path and the baseline) is limited to 750 per minute, list membership calls to 150 per minute.
The physical floor is the fewest calls the limits permit, at the limit's rate.
"""

from __future__ import annotations

import argparse
import json
import math
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

from tapestry.core.pacing import Pacer, Window  # noqa: E402
from tapestry.destinations.base import OpenRequest  # noqa: E402
from tapestry.engines.sync.engine import SyncOptions, SyncReport, run_sync  # noqa: E402
from tapestry.engines.sync.spec import SyncSpec  # noqa: E402
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse  # noqa: E402
from tapestry.plugins import destination_plugin  # noqa: E402

LIST = "BenchL1"
WRITES = {
    "hubspot": ("POST /crm/v3/objects/contacts/batch/upsert", "POST /crm/v3/objects/contacts/batch/archive"),
    "klaviyo": (
        "POST /api/profile-import",
        "POST /api/profile-bulk-import-jobs",
        "POST /api/lists/{id}/relationships/profiles",
        "DELETE /api/lists/{id}/relationships/profiles",
    ),
}


class Fake:
    def __init__(self, destination: str, latency_ms: float, profiles_per_second: float) -> None:
        args = [sys.executable, str(ROOT / "tests" / "fakes" / f"{destination}.py"), "--port", "0"]
        args += ["--latency-ms", str(latency_ms)]
        if destination == "klaviyo":
            args += ["--list-id", LIST, "--profiles-per-second", str(profiles_per_second)]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.info = json.loads(self.process.stdout.readline())
        self.admin = self.info["admin_url"]

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.admin}/stats") as response:
            return dict(json.load(response))

    def requests(self) -> int:
        return int(self.stats()["request_count"])

    def writes(self, destination: str) -> int:
        by_route = self.stats()["requests_by_route"]
        return sum(by_route.get(route, 0) for route in WRITES[destination])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def audience(warehouse: DuckDBWarehouse, n: int) -> str:
    warehouse.execute("create schema if not exists analytics")
    warehouse.execute(
        "create or replace table analytics.audience as select 'person' || i || '@example.com' as email_address, "
        f"'First' || i as first_name, 'Last' || (i % 997) as last_name from range({n}) t(i)"
    )
    return "analytics.audience"


def settings(destination: str, fake: Fake) -> tuple[Any, Any, dict[str, str]]:
    plugin = destination_plugin(destination)
    if destination == "hubspot":
        config = plugin.config_model(
            type="hubspot", portal_id=str(fake.info["portal_id"]), api_url=fake.info["base_url"]
        )
        mapping = plugin.mapping_model(properties={"firstname": "first_name", "lastname": "last_name"})
        return config, mapping, {"access_token": fake.info["token"]}
    config = plugin.config_model(type="klaviyo", list_id=LIST, api_url=fake.info["base_url"])
    mapping = plugin.mapping_model(attributes={"first_name": "first_name", "last_name": "last_name"})
    return config, mapping, {"api_key": fake.info["api_key"]}


def tapestry_sync(
    destination: str, fake: Fake, warehouse: DuckDBWarehouse, model: str
) -> tuple[SyncReport, float, int]:
    config, mapping, secrets = settings(destination, fake)
    plugin = destination_plugin(destination)
    opened = plugin.open(OpenRequest(config, mapping, secrets))
    spec = SyncSpec(config.identity(), model, mapping.key_column, tuple(mapping.model_columns), mapping.fingerprint())
    before = fake.requests()
    started = time.perf_counter()
    try:
        report = run_sync(warehouse, spec, opened, SyncOptions(), kept_label=plugin.kept_label)
    finally:
        opened.close()
    return report, time.perf_counter() - started, fake.requests() - before


def baseline(destination: str, fake: Fake, n: int) -> tuple[float, int]:
    """Per record, paced under the same published limits: what a record-at-a-time exporter can do."""
    import requests

    base = fake.info["base_url"]
    before = fake.requests()
    started = time.perf_counter()
    if destination == "hubspot":
        pacer = Pacer([Window(100, 10.25)])
        headers = {"Authorization": f"Bearer {fake.info['token']}"}

        def export(i: int) -> None:  # look the contact up, then create it (the fake has no search: a read)
            email = f"baseline{i}@example.com"
            pacer.acquire()
            read = {
                "idProperty": "email",
                "inputs": [{"id": email}],
                "properties": ["email"],
                "propertiesWithHistory": [],
            }
            requests.post(f"{base}/crm/v3/objects/contacts/batch/read", json=read, headers=headers, timeout=30)
            pacer.acquire()
            body = {"inputs": [{"id": email, "idProperty": "email", "properties": {"firstname": f"F{i}"}}]}
            requests.post(f"{base}/crm/v3/objects/contacts/batch/upsert", json=body, headers=headers, timeout=30)
    else:
        imports = Pacer([Window(75, 1.05), Window(750, 61.0)])
        joins = Pacer([Window(10, 1.05), Window(150, 61.0)])
        headers = {"Authorization": f"Klaviyo-API-Key {fake.info['api_key']}", "revision": "2026-07-15"}

        def export(i: int) -> None:
            imports.acquire()
            body = {"data": {"type": "profile", "attributes": {"email": f"baseline{i}@example.com"}}}
            answer = requests.post(f"{base}/api/profile-import", json=body, headers=headers, timeout=30).json()
            joins.acquire()
            members = {"data": [{"type": "profile", "id": answer["data"]["id"]}]}
            requests.post(f"{base}/api/lists/{LIST}/relationships/profiles", json=members, headers=headers, timeout=30)

    with ThreadPoolExecutor(max_workers=9) as pool:
        list(pool.map(export, range(n)))
    return time.perf_counter() - started, fake.requests() - before


def model_rows(destination: str, n: int, pps: tuple[float, float]) -> list[tuple[str, str, str, str, str, str]]:
    """(scenario, engine, rows, seconds, requests, requests/row) the published limits allow."""
    rows = []
    if destination == "hubspot":
        calls = math.ceil(n / 100)
        for label, burst in (("optimistic (190/10 s)", 190), ("pessimistic (100/10 s)", 100)):
            rows.append(
                (
                    f"cost model {label}",
                    "Tapestry (batch 100)",
                    f"{n:,}",
                    f"{calls / (burst / 10):,.0f}",
                    f"{calls:,}",
                    "0.01",
                )
            )
            rows.append(
                (
                    f"cost model {label}",
                    "per contact (2 calls)",
                    f"{n:,}",
                    f"{2 * n / (burst / 10):,.0f}",
                    f"{2 * n:,}",
                    "2",
                )
            )
        rows.append(
            ("physical floor (Free/Starter)", "any client", f"{n:,}", f"{calls / 10:,.0f}", f"{calls:,}", "0.01")
        )
        return rows
    jobs = math.ceil(n / 10_000)
    for label, rate in (("optimistic", pps[0]), ("pessimistic", pps[1])):
        rows.append(
            (
                f"cost model {label} ({rate:,.0f} profiles/s processed)",
                "Tapestry (bulk jobs)",
                f"{n:,}",
                f"{n / rate + jobs / 10:,.0f}",
                f"~{jobs * 3:,}",
                f"{jobs * 3 / n:.4f}",
            )
        )
    rows.append(
        (
            "cost model (750 imports/min, 150 list calls/min)",
            "per profile (2 calls)",
            f"{n:,}",
            f"{n / (150 / 60):,.0f}",
            f"{2 * n:,}",
            "2",
        )
    )
    rows.append(
        (
            "physical floor (job creation 10/s)",
            "any client",
            f"{n:,}",
            f"{jobs / 10:,.1f} + processing",
            f"{jobs:,}",
            f"{jobs / n:.5f}",
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--destination", choices=["hubspot", "klaviyo"], required=True)
    parser.add_argument(
        "--full", type=int, default=None, help="people in the full sync (hubspot 20,000; klaviyo 100,000)"
    )
    parser.add_argument("--changed-pct", type=float, default=1.0)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--profiles-per-second", type=float, default=2000.0, help="the fake Klaviyo's job processing")
    args = parser.parse_args()
    destination = args.destination
    n = args.full or (20_000 if destination == "hubspot" else 100_000)

    work = Path(tempfile.mkdtemp(prefix=f"tapestry-{destination}-bench-"))
    warehouse = DuckDBWarehouse(work / "warehouse.duckdb")
    fake = Fake(destination, args.latency_ms, args.profiles_per_second)
    rows: list[tuple[str, str, str, str, str, str]] = []
    try:
        model = audience(warehouse, n)
        report, wall, requests_made = tapestry_sync(destination, fake, warehouse, model)
        assert report.created == n and report.failed == 0, report.headline
        full_rate = n / wall
        rows.append(
            (
                "full sync",
                f"Tapestry ({report.path})",
                f"{n:,}",
                f"{wall:,.1f}",
                f"{requests_made:,}",
                f"{requests_made / n:.4f}",
            )
        )

        step = int(100 / args.changed_pct)
        warehouse.execute(
            f"update {model} set first_name = first_name || '*' "
            f"where cast(substr(email_address, 7, strpos(email_address, '@') - 7) as bigint) % {step} = 0"
        )
        changed = math.ceil(n / step)
        report, wall, requests_made = tapestry_sync(destination, fake, warehouse, model)
        assert report.updated == changed, (report.updated, changed)
        rows.append(
            (
                f"incremental {args.changed_pct:g}% of {n:,}",
                f"Tapestry ({report.path})",
                f"{changed:,}",
                f"{wall:,.1f}",
                f"{requests_made:,}",
                f"{requests_made / changed:.4f}",
            )
        )

        writes = fake.writes(destination)
        report, wall, requests_made = tapestry_sync(destination, fake, warehouse, model)
        rows.append(
            (
                "rerun, nothing changed",
                "Tapestry",
                "0",
                f"{wall:,.2f}",
                f"{requests_made:,} (reads)",
                f"writes: {fake.writes(destination) - writes}",
            )
        )

        base_wall, base_requests = baseline(destination, fake, args.sample)
        # a small sample may fit in one rate window: extrapolate at the slower of it and the limits' rate
        limit_rate = 100 / 10 / 2 if destination == "hubspot" else 150 / 60
        base_rate = min(args.sample / base_wall, limit_rate)
        rows.append(
            (
                f"full sync (sample of {args.sample:,})",
                "per record",
                f"{args.sample:,}",
                f"{base_wall:,.1f}",
                f"{base_requests:,}",
                f"{base_requests / args.sample:.2f}",
            )
        )
        rows.append(
            (
                f"full sync {n:,} (extrapolated)",
                "per record",
                f"{n:,}",
                f"{n / base_rate:,.0f}",
                f"{base_requests / args.sample * n:,.0f}",
                f"{base_requests / args.sample:.2f}",
            )
        )
        rows += model_rows(destination, n, (2000.0, 200.0))
    finally:
        fake.stop()
        warehouse.close()

    header = ("scenario", "engine", "changed rows", "wall s", "HTTP requests", "requests/changed row")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    limits = "100 calls/10 s enforced" if destination == "hubspot" else "per-endpoint burst/steady limits enforced"
    print(
        f"\nSync benchmark · fake {destination} with {args.latency_ms:g} ms latency, {limits} · {os.cpu_count()} cores"
    )
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    print(
        f"\nfull sync {n:,}: Tapestry {full_rate:,.0f} people/s vs per-record {base_rate:,.1f} people/s"
        f" → {full_rate / base_rate:,.0f}x faster"
    )


if __name__ == "__main__":
    main()
