"""Local pipeline benchmark: ingest + dbt build for N demo people (default 1,000,000).

Targets (2-core machine): ingest + dbt build within 30 s and 2 GB; a rerun with no new files within a
quarter of the first run's time; `tapestry --help` under 0.5 s. Identity resolution: the source records
resolved to people within 60 s (the identity models of the build), measured next to the same build with the
exact-email settings (README, "Identity resolution"), on the same exports.

    python benchmarks/pipeline_local.py [--people 1000000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any


def tapestry(*args: str, cwd: Path) -> tuple[float, int, str]:
    """Run the CLI; return (wall seconds, peak RSS of that process in MiB, stdout)."""
    code = (
        "import resource, runpy, sys\n"
        "sys.argv = ['tapestry'] + sys.argv[1:]\n"
        "try:\n    runpy.run_module('tapestry', run_name='__main__')\n"
        "finally:\n"
        "    print('PEAK_RSS_KB=%d' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        check=False,
    )
    wall = time.perf_counter() - started
    if result.returncode not in (0,):
        sys.exit(f"tapestry {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    peak_kb = int(result.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()[0])
    return wall, peak_kb // 1024, result.stdout


EXACT_EMAIL = """
identity:
  match_rules: [{identifier: email}]
  email: {lookalikes: false, gmail: false, plus_tags: false}
  blocked: {role_accounts: false, junk_phones: false}
  limits: {max_names_per_identifier: null}
"""
IDENTITY_MODELS = (
    "int_identity__records",
    "int_identity__identifiers",
    "int_identity__clusters",
    "identity_map",
    "people",
)


def phase_times(state: dict[str, Any]) -> dict[str, float]:
    """Seconds per phase of the last run."""
    return {
        p["name"]: (datetime.fromisoformat(p["finished_at"]) - datetime.fromisoformat(p["started_at"])).total_seconds()
        for p in state["runs"][-1]["phases"]
    }


def identity_seconds(state: dict[str, Any]) -> float:
    """dbt's own seconds for the models that turn source records into people."""
    nodes = state["phases"]["transform"]["summary"]["nodes"]
    return sum(n["seconds"] for n in nodes if n["type"] == "model" and n["name"] in IDENTITY_MODELS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here (default: a temp dir)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="tapestry-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "project", ignore_errors=True)

    gen_wall, _, _ = tapestry(
        "demo-data", "--out", "exports", "--rows", str(args.people), "--seed", str(args.seed), cwd=work
    )
    (work / "answers.yml").write_text(
        "project_name: bench\ntarget: local\nzoom_files: [exports/zoom/*.csv]\n"
        "salesforce_files: [exports/salesforce/*.jsonl]\n"
    )
    tapestry("init", "project", "--non-interactive", "--answers", "answers.yml", cwd=work)

    first_wall, first_rss, _ = tapestry("run", "--project", "project", cwd=work)
    state = json.loads((work / "project" / ".tapestry" / "state.json").read_text())
    phase_seconds = phase_times(state)
    rows = state["phases"]["ingest"]["summary"]["rows_loaded"]
    audience = state["phases"]["transform"]["summary"]["audience_size"]
    rerun_wall, rerun_rss, rerun_out = tapestry("run", "--project", "project", cwd=work)
    help_times = sorted(tapestry("--help", cwd=work)[0] for _ in range(5))

    identity = state["phases"]["transform"]["summary"].get("identity") or {}
    identity_s = identity_seconds(state)

    # The same exports with the exact-email settings: a second project, its own warehouse.
    shutil.rmtree(work / "exact", ignore_errors=True)
    tapestry("init", "exact", "--non-interactive", "--answers", "answers.yml", cwd=work)
    with (work / "exact" / "tapestry.yml").open("a", encoding="utf-8") as handle:
        handle.write(EXACT_EMAIL)
    exact_wall, exact_rss, _ = tapestry("run", "--project", "exact", cwd=work)
    exact_state = json.loads((work / "exact" / ".tapestry" / "state.json").read_text())
    exact_phases = phase_times(exact_state)
    exact_audience = exact_state["phases"]["transform"]["summary"]["audience_size"]

    ingest_transform = phase_seconds["ingest"] + phase_seconds["transform"]
    table = [
        ("demo people", f"{args.people:,}", ""),
        ("raw rows loaded (Zoom + Salesforce)", f"{rows:,}", ""),
        ("audience size", f"{audience:,}", ""),
        ("demo-data generation", f"{gen_wall:.1f} s", "not part of the target"),
        ("ingest", f"{phase_seconds['ingest']:.1f} s", f"{rows / phase_seconds['ingest']:,.0f} rows/s"),
        (
            "transform (dbt build)",
            f"{phase_seconds['transform']:.1f} s",
            f"{rows / phase_seconds['transform']:,.0f} rows/s",
        ),
        ("ingest + transform", f"{ingest_transform:.1f} s", "target ≤ 30 s"),
        (
            "identity models (records → people)",
            f"{identity_s:.1f} s",
            f"{identity.get('records', 0):,} records → {identity.get('people', 0):,} people (target ≤ 60 s)",
        ),
        (
            "transform, exact e-mail settings",
            f"{exact_phases['transform']:.1f} s",
            f"audience {exact_audience:,}; same exports, peak {exact_rss:,} MiB, run {exact_wall:.1f} s",
        ),
        (
            "first `tapestry run` wall (incl. start-up)",
            f"{first_wall:.1f} s",
            f"{rows / first_wall:,.0f} rows/s",
        ),
        ("first run peak memory", f"{first_rss:,} MiB", "target ≤ 2048 MiB"),
        (
            "rerun, no new files",
            f"{rerun_wall:.2f} s",
            f"{rerun_wall / first_wall:.1%} of first run (target ≤ 25%)",
        ),
        ("rerun peak memory", f"{rerun_rss:,} MiB", ""),
        ("`tapestry --help` (median of 5)", f"{help_times[2]:.2f} s", "target < 0.5 s"),
    ]
    width = max(len(r[0]) for r in table)
    print(f"\nLocal pipeline benchmark · {os.cpu_count()} cores · workdir {work}")
    print(f"{'measure':<{width}}  {'value':>12}  note")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 40}")
    for name, value, note in table:
        print(f"{name:<{width}}  {value:>12}  {note}")
    assert "no new files" in rerun_out
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
