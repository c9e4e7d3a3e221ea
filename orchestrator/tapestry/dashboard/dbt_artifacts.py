"""dbt's `run_results.json` (the artifact of the last dbt invocation) as plain rows."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

# unique_id is `<type>.<package>.<name>[.<hash>]`; unit tests are `unit_test.<package>.<model>.<name>`.
_NAME_INDEX = {"test": 2, "unit_test": 3}


def node_name(unique_id: str) -> tuple[str, str]:
    parts = unique_id.split(".")
    kind = parts[0]
    index = _NAME_INDEX.get(kind, len(parts) - 1)
    return kind, parts[index] if index < len(parts) else parts[-1]


def read_run_results(path: Path) -> dict[str, Any]:
    """The last dbt invocation: when, which command, per-node status and timing. Never raises."""
    if not path.is_file():
        return {"available": False, "message": "no dbt run yet (dbt writes run_results.json after a build)"}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        results = doc["results"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"available": False, "message": f"run_results.json is unreadable ({type(exc).__name__})"}
    nodes = []
    for result in results:
        kind, name = node_name(str(result.get("unique_id", "")))
        nodes.append(
            {
                "name": name,
                "type": kind,
                "status": str(result.get("status")),
                "seconds": round(float(result.get("execution_time") or 0.0), 3),
                "failures": result.get("failures"),
                "message": result.get("message"),
            }
        )
    counts: dict[str, dict[str, int]] = {}
    for (kind, status), n in sorted(Counter((n["type"], n["status"]) for n in nodes).items()):
        counts.setdefault(kind, {})[status] = n
    metadata = doc.get("metadata") or {}
    args = doc.get("args") or {}
    return {
        "available": True,
        "generated_at": metadata.get("generated_at"),
        "dbt_version": metadata.get("dbt_version"),
        "invocation_id": metadata.get("invocation_id"),
        "command": args.get("which"),
        "elapsed_s": round(float(doc.get("elapsed_time") or 0.0), 3),
        "counts": counts,
        "nodes": nodes,
    }
