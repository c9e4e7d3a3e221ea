"""Extract the operations Tapestry calls from a vendor's published OpenAPI document (how the excerpts under
hubspot/ and klaviyo/ were made; rerun it to update them, then record the new source in README.md).

    python tests/contracts/extract_openapi.py SPEC.json OUT.json "SOURCE" "GET /path" "POST /other/{id}" ...

Keeps `openapi`, `info.title`/`info.version`, `servers`, the named operations (their `x-klaviyo-ratelimit`
and other vendor extensions included) and every component they reach through `$ref`, unchanged. Nothing is
added, so the excerpt validates with the same meaning as the whole document.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _refs(node: Any, found: set[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            _, _, kind, name = ref.split("/", 3)
            found.add((kind, name))
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def extract(spec: dict[str, Any], operations: list[str], source: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        method, path = operation.split(" ", 1)
        paths.setdefault(path, {})[method.lower()] = spec["paths"][path][method.lower()]
    components: dict[str, dict[str, Any]] = {}
    todo: set[tuple[str, str]] = set()
    _refs(paths, todo)
    done: set[tuple[str, str]] = set()
    while todo:
        kind, name = todo.pop()
        if (kind, name) in done:
            continue
        done.add((kind, name))
        node = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        _refs(node, todo)
    schemes = spec.get("components", {}).get("securitySchemes")
    if schemes:
        components["securitySchemes"] = schemes
    return {
        "_source": source,
        "openapi": spec.get("openapi"),
        "info": {"title": spec["info"].get("title"), "version": spec["info"].get("version")},
        "servers": spec.get("servers", []),
        "paths": paths,
        "components": {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())},
    }


def main() -> None:
    spec_path, out_path, source, *operations = sys.argv[1:]
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    excerpt = extract(spec, operations, source)
    Path(out_path).write_text(json.dumps(excerpt, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
